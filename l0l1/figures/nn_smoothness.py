"""Z20 Figs 1 and 3 small: local smoothness against gradient norm along real training (T1, T6).

The char-LSTM on the pydoc text and the digits MLP (:mod:`l0l1.torch.models`), SGD and
clipped SGD, each at the largest learning rate of :data:`l0l1.torch.experiments.SETTINGS`
at which it did not diverge; every panel states Spearman's rho of log L_hat on log ||g||
and the estimated (L0, L1) frontier line of its points, whatever they show. Needs torch.
"""

from __future__ import annotations

from l0l1.figures.draw import Figure, finish, save, styled, subplots
from l0l1.figures.spec import FigureSpec, no_sweeps

NAME = "nn_smoothness"
MODELS = {"text": "char-LSTM, pydoc text", "digits": "MLP, digits"}
METHOD_NAMES = {"sgd": "SGD", "clipped_sgd": "clipped SGD"}


def panels(scale: str) -> list[dict]:
    """Per model and method, the stable run with the largest lr (None if all diverged)."""
    from l0l1.torch.experiments import METHODS, figure_runs

    out = []
    for model in MODELS:
        runs = figure_runs(model, scale)
        for method in METHODS:
            ok = [r for r in runs if r["method"] == method and r["diverged"] is None]
            out.append({"model": model, "method": method,
                        "run": max(ok, key=lambda r: r["lr"]) if ok else None})  # fmt: skip
    return out


def facts(scale: str) -> list[dict]:
    """One row per panel: model, method, lr, Spearman rho, p, points, frontier, finding."""
    from l0l1.torch.experiments import finding
    from l0l1.torch.frontier import fit_frontier

    rows = []
    for p in panels(scale):
        r = p["run"]
        row = {"model": p["model"], "method": p["method"], "lr": None, "rho": None,
               "p": None, "points": 0, "L0": None, "L1": None, "L1_interval": None,
               "finding": "every learning rate diverged"}  # fmt: skip
        if r is not None:
            sp = r["spearman"]
            row |= {"lr": r["lr"], "rho": sp["rho"], "p": sp["p"], "points": sp["points"],
                    "finding": finding(sp["rho"], sp["p"])}  # fmt: skip
            if sp["points"] >= 3:
                fit = fit_frontier(r["probe"], n_boot=100)
                row |= {"L0": fit["L0"], "L1": fit["L1"], "L1_interval": fit["L1_interval"]}
        rows.append(row)
    return rows


@styled
def draw(data: dict, out, scale: str):
    import numpy as np

    rows = {(f["model"], f["method"]): f for f in facts(scale)}
    fig, axes = subplots(2, 2, width=6.5, height=5.2)
    sc = None
    for i, p in enumerate(panels(scale)):
        ax = axes[i // 2, i % 2]
        r, f = p["run"], rows[(p["model"], p["method"])]
        title = f"{MODELS[p['model']]}: {METHOD_NAMES[p['method']]}"
        if r is None or f["points"] < 3:
            ax.set_title(title + " (diverged)")
            continue
        pts = [q for q in r["probe"] if q["L_hat"] and q["grad_norm"]]
        g = np.array([q["grad_norm"] for q in pts])
        sc = ax.scatter(g, [q["L_hat"] for q in pts], c=[q["iteration"] for q in pts],
                        cmap="viridis", vmin=0, vmax=r["steps"], s=22)  # fmt: skip
        grid = np.geomspace(g.min(), g.max(), 50)
        ax.plot(grid, f["L0"] + f["L1"] * grid, color="#D55E00", linestyle="--",
                label=f"0.95-quantile line: L0 = {f['L0']:.3g}, L1 = {f['L1']:.3g} "
                "(estimated)")  # fmt: skip
        finish(ax, "gradient norm ||g_k|| (minibatch)", "local smoothness L_hat_k",
               f"{title}, lr = {r['lr']:g}\nSpearman rho = {f['rho']:.2f}",
               legend="upper left", fontsize=9)  # fmt: skip
    caption = _caption()
    paths = save(fig, out, NAME, caption,
                 colorbar=(sc, "iteration k") if sc is not None else None)  # fmt: skip
    notes = [caption] + [_fact_line(f) for f in rows.values()]
    return Figure(NAME, paths, (), tuple(notes), {"spearman": list(rows.values())})


def _caption() -> str:
    return (
        "Local smoothness L_hat_k (T6: max over gamma in {1/8, 1/4, 1/2, 1} of the gradient "
        "difference quotient along the step actually taken, on the same minibatch) against "
        "the minibatch gradient norm, coloured by iteration; the dashed line is the "
        "0.95-quantile (L0, L1) line of the points, an estimate, never certified (T1)."
    )


def _fact_line(f: dict) -> str:
    head = f"{MODELS[f['model']]} / {METHOD_NAMES[f['method']]}"
    if f["rho"] is None:
        return f"{head}: {f['finding']}"
    lo, hi = f["L1_interval"] or (float("nan"), float("nan"))
    return (f"{head} (lr {f['lr']:g}): Spearman rho = {f['rho']:.2f} (p = {f['p']:.1g}, "
            f"{f['points']} points): {f['finding']}; estimated L0 = {f['L0']:.3g}, "
            f"L1 = {f['L1']:.3g} [90% bootstrap {lo:.3g}, {hi:.3g}]")  # fmt: skip


def measured_vs_theory(summary: dict):
    """Spearman rho per panel against 0: Z20 found smoothness growing with the gradient norm
    (rho > 0); a panel with rho <= 0 is reported as not holding, not hidden."""
    rows = summary.get("facts", {}).get(NAME, {}).get("spearman", [])
    return [(f"{MODELS[f['model']]} / {METHOD_NAMES[f['method']]}: Spearman rho", f["rho"], 0.0,
             f["rho"] > 0) for f in rows if f["rho"] is not None]  # fmt: skip


FIGURE = FigureSpec("nn_smoothness", NAME, ("T1", "T6"), no_sweeps, draw, measured_vs_theory,
                    requires=("torch", "sklearn"), scales=("quick", "full"))  # fmt: skip
