"""Z20 Figs 2 and 4 small: training and validation loss, SGD vs clipped SGD, several lrs (T4).

The runs of :mod:`l0l1.figures.nn_smoothness` (the same cached :func:`figure_runs`): every
learning rate of :data:`l0l1.torch.experiments.SETTINGS` for both methods; a diverged run
ends in a cross at the step it diverged (loss non-finite or above 10x its first value).
"""

from __future__ import annotations

from l0l1.figures.draw import Figure, save, styled, subplots
from l0l1.figures.nn_smoothness import METHOD_NAMES, MODELS
from l0l1.figures.spec import FigureSpec, no_sweeps

NAME = "nn_training"
DASHES = ("-", "--", ":")


def facts(scale: str) -> list[dict]:
    """Per run: model, method, lr, final train and validation loss, diverged step, clipped."""
    from l0l1.torch.experiments import figure_runs

    return [{"model": m, "method": r["method"], "lr": r["lr"], "diverged": r["diverged"],
             "train_loss": r["train_loss"][-1], "val_loss": r["val_loss"][-1][1],
             "clipped_steps": r["clipped_steps"], "steps": len(r["train_loss"])}
            for m in MODELS for r in figure_runs(m, scale)]  # fmt: skip


def _smooth(ys, w: int = 10):
    import numpy as np

    ys = np.asarray(ys, dtype=float)
    if len(ys) < w:
        return ys
    c = np.cumsum(np.insert(ys, 0, 0.0))
    head = c[1:w] / np.arange(1, w)
    return np.concatenate([head, (c[w:] - c[:-w]) / w])


@styled
def draw(data: dict, out, scale: str):
    from l0l1.style import color
    from l0l1.torch.experiments import SETTINGS, figure_runs

    fig, axes = subplots(2, 2, width=6.5, height=5.2)
    for i, model in enumerate(MODELS):
        lrs = SETTINGS[model]["lrs"]
        for r in figure_runs(model, scale):
            kw = {"color": color(r["method"]), "linestyle": DASHES[lrs.index(r["lr"])],
                  "label": f"{METHOD_NAMES[r['method']]}, lr = {r['lr']:g}"}  # fmt: skip
            tl = r["train_loss"]
            axes[i, 0].plot(range(len(tl)), _smooth(tl), **kw)
            steps, vl = zip(*r["val_loss"], strict=True)
            axes[i, 1].plot(steps, vl, marker="o", markersize=4, **kw)
            if r["diverged"] is not None:
                axes[i, 0].plot([r["diverged"]], [tl[-1]], "x", color=kw["color"],
                                markersize=12, mew=3)  # fmt: skip
        for j, what in enumerate(("training loss (10-step mean)", "validation loss")):
            ax = axes[i, j]
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel(what)
            ax.set_title(f"{MODELS[model]}: {what.split(' (')[0]}")
            ax.legend(fontsize=8, loc="upper right")
    caption = (
        "Training and validation loss of SGD and clipped SGD (clip_grad_norm_ "
        "threshold fixed per model) at three learning rates; a cross marks where a "
        "run diverged (loss above 10x its first value or non-finite) and stopped."
    )
    paths = save(fig, out, NAME, caption)
    rows = facts(scale)
    verdicts = [
        f"{what}: {got:.3g} vs {sgd:.3g} ({'holds' if ok else 'does not hold'}: "
        "Z20's finding is that clipping trains at least as well)"
        for what, got, sgd, ok in measured_vs_theory({"facts": {NAME: {"runs": rows}}})
    ]
    notes = [caption] + [_fact_line(f) for f in rows] + verdicts
    return Figure(NAME, paths, (), tuple(notes), {"runs": rows})


def _fact_line(f: dict) -> str:
    head = f"{MODELS[f['model']]} / {METHOD_NAMES[f['method']]}, lr {f['lr']:g}"
    if f["diverged"] is not None:
        return f"{head}: diverged at step {f['diverged']}"
    clip = f", clipped {f['clipped_steps']}/{f['steps']} steps" if f["method"] != "sgd" else ""
    return (
        f"{head}: final training loss {f['train_loss']:.3g}, validation {f['val_loss']:.3g}{clip}"
    )


def measured_vs_theory(summary: dict):
    """Per model, the best final validation loss of clipped SGD against SGD's (Z20: clipping
    trains at least as well); holds when clipped SGD's best is not above SGD's by > 5%."""
    rows = summary.get("facts", {}).get(NAME, {}).get("runs", [])
    out = []
    for model in MODELS:
        best = {}
        for f in rows:
            if f["model"] == model and f["diverged"] is None:
                best[f["method"]] = min(best.get(f["method"], float("inf")), f["val_loss"])
        if len(best) == 2:
            out.append((f"{MODELS[model]}: best validation loss, clipped SGD vs SGD",
                        best["clipped_sgd"], best["sgd"],
                        best["clipped_sgd"] <= 1.05 * best["sgd"]))  # fmt: skip
    return out


FIGURE = FigureSpec("nn_training", NAME, ("T4",), no_sweeps, draw, measured_vs_theory,
                    requires=("torch", "sklearn"), scales=("quick", "full"))  # fmt: skip
