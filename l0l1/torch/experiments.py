"""Z20's Figures 1-4 small: SGD vs clipped SGD on the bundled models, probed (T1, T4, T6).

:func:`train` is an ordinary PyTorch loop (``torch.optim.SGD``, and for clipping
``clip_grad_norm_``, i.e. Z20's clipped step h = min(eta, eta gamma / ||g||)) with a
:class:`~l0l1.torch.probe.SmoothnessProbe` hooked in. It records the training loss of
every step, the validation loss at ``evals`` points, and the probe's records every
``probe_every`` steps; a run whose loss becomes non-finite or exceeds ``DIVERGED`` times its
first loss stops and is marked diverged (it is shown, not dropped). :func:`correlation` is
the Spearman correlation of log L_hat against log ||grad|| over a run's probe records: the
number the figures and REPORT.md state, whatever its sign.
"""

from __future__ import annotations

import functools
import math

import torch

from l0l1.progress import Progress
from l0l1.torch.models import build
from l0l1.torch.probe import SmoothnessProbe

METHODS = ("sgd", "clipped_sgd")
DIVERGED = 10.0  # loss > DIVERGED x the first loss (or non-finite): diverged
_SHOW = {"progress": False}


def show_progress(on: bool = True) -> None:
    """Progress bars (stderr) for the figures' training runs, e.g. from ``l0l1 nn``."""
    _SHOW["progress"] = bool(on)


def quiet() -> bool:
    """Whether the figures' runs are silent (see :func:`show_progress`)."""
    return not _SHOW["progress"]


def _check(name, value, ok, allowed):
    if not ok:
        raise ValueError(f"{name}: {value!r} is not allowed; allowed: {allowed}")


def _positive(name, value):
    _check(name, value, isinstance(value, (int, float)) and not isinstance(value, bool)
           and math.isfinite(value) and value > 0, "a finite number > 0")  # fmt: skip


def _count(name, value):
    _check(name, value, isinstance(value, int) and not isinstance(value, bool) and value >= 1,
           "an integer >= 1")  # fmt: skip


@torch.no_grad()
def _val_loss(model, data) -> float:
    model.eval()
    loss = float(data.loss_fn(model(data.x_val), data.y_val))
    model.train()
    return loss


def train(model: str = "digits", method: str = "sgd", *, lr: float = 0.1, clip: float = 1.0,
          steps: int = 300, batch: int = 32, probe_every: int = 5, evals: int = 10,
          seed: int = 0, hessian_top: bool = False, quiet: bool = True) -> dict:  # fmt: skip
    """One training run of ``method`` ("sgd" or "clipped_sgd", threshold ``clip`` on the
    gradient norm) on experiment ``model`` ("digits", "text", or a pair (Data, module) of
    the user's, trained in place); minibatches of ``batch``
    drawn with replacement under ``seed``.

    Returns ``model, method, lr, clip, steps, batch, seed, train_loss`` (one per step run),
    ``val_loss`` (list of (step, loss)), ``probe`` (the probe's records), ``diverged``
    (step or None), ``clipped_steps`` (steps where ||g|| > clip; 0 for SGD),
    ``gradient_evaluations`` (of the probe) and ``spearman``.
    """
    _check("method", method, method in METHODS, ", ".join(METHODS))
    _positive("lr", lr)
    _positive("clip", clip)
    for name, v in (("steps", steps), ("batch", batch), ("probe_every", probe_every),
                    ("evals", evals)):  # fmt: skip
        _count(name, v)
    data, net = build(model, seed=seed)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    eval_at = {round(i * steps / evals) for i in range(evals + 1)}
    out = {"model": data.name, "method": method, "lr": float(lr),
           "clip": float(clip) if method == "clipped_sgd" else None, "steps": steps,
           "batch": batch, "seed": seed, "train_loss": [], "val_loss": [], "diverged": None,
           "clipped_steps": 0}  # fmt: skip
    probe = SmoothnessProbe(net, data.loss_fn, every=probe_every, hessian_top=hessian_top,
                            label=f"{data.name}/{method}/lr={lr:g}", seed=seed)  # fmt: skip
    label = f"{data.name} {method} lr={lr:g}"
    with Progress(steps, label, quiet=quiet) as bar:
        for k in range(steps):
            if k in eval_at:
                out["val_loss"].append((k, _val_loss(net, data)))
            idx = torch.randint(data.n, (batch,), generator=gen)
            xb, yb = data.x_train[idx], data.y_train[idx]
            opt.zero_grad()
            loss = data.loss_fn(net(xb), yb)
            loss.backward()
            lv = float(loss.detach())
            out["train_loss"].append(lv)
            if not math.isfinite(lv) or lv > DIVERGED * out["train_loss"][0]:
                out["diverged"] = k
                break
            probe.step((xb, yb))
            if method == "clipped_sgd":
                gn = float(torch.nn.utils.clip_grad_norm_(net.parameters(), clip))
                out["clipped_steps"] += gn > clip
            opt.step()
            bar.update()
        else:
            out["val_loss"].append((steps, _val_loss(net, data)))
    out["probe"] = probe.close()
    out["gradient_evaluations"] = probe.gradient_evaluations
    out["spearman"] = correlation(out["probe"])
    return out


def correlation(records) -> dict:
    """Spearman's rho of log L_hat vs log ||grad|| over ``records`` with both finite and > 0,
    with its two-sided p-value and the number of points (rho None below 3 points)."""
    from scipy.stats import spearmanr

    pts = [(r["grad_norm"], r["L_hat"]) for r in records
           if r["L_hat"] and r["grad_norm"] and r["L_hat"] > 0 and r["grad_norm"] > 0]  # fmt: skip
    if len(pts) < 3:
        return {"rho": None, "p": None, "points": len(pts)}
    g, h = zip(*pts, strict=True)
    res = spearmanr([math.log(v) for v in g], [math.log(v) for v in h])
    rho, p = float(res.statistic), float(res.pvalue)
    return {"rho": rho if math.isfinite(rho) else None, "p": p if math.isfinite(p) else None,
            "points": len(pts)}  # fmt: skip


def finding(rho: float | None, p: float | None) -> str:
    """A sentence for the report: what the correlation says, whatever its sign."""
    if rho is None:
        return "too few probe points to correlate"
    strength = "strong" if abs(rho) >= 0.7 else "moderate" if abs(rho) >= 0.4 else "weak"
    sign = "grows" if rho > 0 else "shrinks"
    sig = "" if p is not None and p < 0.01 else " (not significant at 1%)"
    return f"{strength} correlation: local smoothness {sign} with the gradient norm{sig}"


def lr_sweep(model: str, lrs, *, clip: float, steps: int, batch: int, probe_every: int,
             seed: int = 0, quiet: bool = True) -> list[dict]:  # fmt: skip
    """:func:`train` for both methods at every learning rate in ``lrs``."""
    return [train(model, m, lr=lr, clip=clip, steps=steps, batch=batch,
                  probe_every=probe_every, seed=seed, quiet=quiet)
            for lr in lrs for m in METHODS]  # fmt: skip


SETTINGS = {
    "text": {"lrs": (1.0, 10.0, 30.0), "clip": 0.25, "batch": 16,
             "steps": {"tiny": 30, "quick": 300, "full": 1500},
             "probe_every": {"tiny": 3, "quick": 5, "full": 10}},
    "digits": {"lrs": (0.3, 3.0, 10.0), "clip": 0.25, "batch": 32,
               "steps": {"tiny": 40, "quick": 300, "full": 2000},
               "probe_every": {"tiny": 2, "quick": 5, "full": 10}},
}  # fmt: skip
"""The figures' runs per model: learning rates (the largest makes SGD diverge on both),
clipping threshold, batch, and steps and probe spacing per scale."""


@functools.cache
def figure_runs(model: str, scale: str) -> tuple[dict, ...]:
    """:func:`lr_sweep` with :data:`SETTINGS` at ``scale`` (computed once per process)."""
    s = SETTINGS[model]
    return tuple(lr_sweep(model, s["lrs"], clip=s["clip"], steps=s["steps"][scale],
                          batch=s["batch"], probe_every=s["probe_every"][scale],
                          quiet=quiet()))  # fmt: skip
