"""Stochastic gradients to eps for SGD, clipped SGD, SPIDER and SPIDER-clip (T4, T5).

Worst-case exponents in 1/eps (:data:`RATES`): SGD and clipped SGD 4, SPIDER(-clip) 3; the
benign problems here sit below them. The drawing is :func:`l0l1.plots.plot_online_rates`.
"""

from __future__ import annotations

from l0l1 import plots
from l0l1.figures.spec import X4, FigureSpec, pick, slopes

NAME = "online_calls_vs_eps"
RATES = plots.RATES_EPS


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


def draw(data: dict, out, scale: str):
    return plots.plot_online_rates(data["online"], out)


def holds(method: str, slope: float, rate: float) -> bool:
    """Worst-case exponents bound benign problems from above (0.05 slack, as REPORT.md)."""
    return 0 < slope <= rate + 0.05


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("online", NAME, ("T4", "T5"), sweeps, draw, measured_vs_theory)
