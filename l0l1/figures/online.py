"""Stochastic gradients to eps for SGD, clipped SGD, SPIDER and SPIDER-clip (T4, T5).

Worst-case exponents in 1/eps (:data:`RATES`): SGD and clipped SGD 4, SPIDER(-clip) 3; the
benign problems here sit below them. The drawing is :func:`plot_online_rates`.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.experiments.fits import fit_rate
from l0l1.figures.draw import (
    NAMES,
    Figure,
    finish,
    fit_row,
    groups,
    method_order,
    plot_rate,
    reference_lines,
    save,
    styled,
    subplots,
)
from l0l1.figures.spec import X4, FigureSpec, pick, slopes

NAME = "online_calls_vs_eps"
RATES = {"sgd": 4, "clipped_sgd": 4, "spider": 3, "spider_clip": 3}


def sweeps(scale: str) -> list[dict]:
    """x^4 with bounded noise and online phase retrieval over a grid of eps."""
    online_eps = pick(scale, [0.4, 0.2], [0.4, 0.28, 0.2, 0.14, 0.1],
                      [0.4, 0.28, 0.2, 0.14, 0.1, 0.07, 0.05, 0.035, 0.025])  # fmt: skip
    return [{
        "name": "online_calls_vs_eps", "eps": online_eps,
        "seeds": pick(scale, 2, 3, 12), "budget": {"max_iter": 1_000_000,
                                                  "max_calls": 100_000_000},
        "problems": [
            {"name": "polynomial", "label": "x^4, bounded noise tau = 1",
             "params": {"coeffs": X4, "L1": 1.0}, "x0": [2.0]},
            {"name": "online_phase_retrieval", "label": "online phase retrieval (d = 4)",
             "params": {"d": 4, "noise": 0.5}},
        ],
        "methods": [{"name": m} for m in ("sgd", "clipped_sgd", "spider", "spider_clip")],
    }]  # fmt: skip


@styled
def plot_online_rates(records, out_dir="figures", name="online_calls_vs_eps") -> Figure:
    """SFO calls to eps against 1/eps for SGD, clipped SGD, SPIDER, SPIDER-clip (T4, T5).

    One panel per problem; medians over seeds with fitted slopes and bootstrap intervals in
    the legend; grey reference lines eps^-2, eps^-3, eps^-4 through the panel's data.
    """
    probs = groups(records, "problem_label")
    fig, axes = subplots(len(probs), width=8.0, height=9.0)
    rows, notes = [], []

    def inv(r):
        return 1.0 / r["eps"]

    for ax, (plabel,) in zip(axes[0], probs, strict=True):
        by = groups(probs[(plabel,)], "problem_label", "method")
        first = []
        for key in method_order(by):
            method = key[1]
            fit = plot_rate(ax, by[key], method, inv, "oracle_calls_at_hit",
                             RATES.get(method))  # fmt: skip
            rows.append(
                fit_row(
                    name,
                    plabel,
                    method,
                    "1/eps",
                    fit,
                    RATES.get(method),
                    "T4 (SGD family eps^-4), T5 (SPIDER family eps^-3); worst case",
                )
            )
            if fit.x:
                first.append((fit.x[0], fit.median[0]))
            notes.append(_online_note(plabel, method, by[key], inv))
        if first:
            x0 = min(x for x, _ in first)
            y0 = math.exp(np.mean([math.log(y) for x, y in first if x == x0]))
            xs = [inv(r) for r in probs[(plabel,)]]
            reference_lines(
                ax, xs, {f"eps^-{k}": ((x0, y0), lambda x, k=k: x**k) for k in (2, 3, 4)}
            )
        oracle = probs[(plabel,)][0].get("oracle", "")
        finish(
            ax,
            "1/eps (target gradient norm eps)",
            "stochastic gradients (SFO calls)",
            f"{plabel} ({oracle} oracle)",
        )
    caption = (
        "Medians over seeds (faint dots: single seeds); hitting time probed with the exact "
        "gradient (T6). eps^-4 (SGD family) and eps^-3 (SPIDER family) are worst-case rates "
        "over all problems; these problems are benign and the slopes are smaller. SPIDER "
        "steps are at most about eps/L0 long, so iterations grow like 1/eps (not 1/eps^2) and "
        "each costs 2 S2 ~ sigma/eps samples: calls ~ eps^-2. SGD's step 1/sqrt(T) is fixed by "
        "the horizon T (the budget), so it reaches these eps at its noiseless speed."
    )
    notes.insert(0, caption)
    return Figure(name, save(fig, out_dir, name, caption), tuple(rows), tuple(notes))


def _online_note(plabel: str, method: str, recs: list[dict], inv) -> str:
    """Iterations slope and the schedule behind a stochastic method's calls (REPORT.md)."""
    it = fit_rate(recs, x=inv, y="iterations")
    r = min(recs, key=lambda r: r["eps"])
    head = f"{NAMES.get(method, method)} on {plabel}: iterations {it.label()}"
    frac = float(np.mean([x["clip_fraction"] for x in recs]))
    if method in ("spider", "spider_clip"):
        p = r["params"]
        return (
            f"{head}; at eps = {r['eps']:g}: q = {p['q']:g}, S1 = {p['S1']:g}, "
            f"S2 = {p['S2']:g}; clipping branch active in {frac:.0%} of the steps."
        )
    step = r["params"].get("h", r["params"].get("eta"))
    never = "; its clipping branch never engaged (a fixed step throughout)" if frac == 0 else ""
    return f"{head}; base step {step:.3g} (horizon T = {r['max_iter']}){never}."


def draw(data: dict, out, scale: str):
    return plot_online_rates(data["online"], out)


def holds(method: str, slope: float, rate: float) -> bool:
    """Worst-case exponents bound benign problems from above (0.05 slack, as REPORT.md)."""
    return 0 < slope <= rate + 0.05


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("online", NAME, ("T4", "T5"), sweeps, draw, measured_vs_theory)
