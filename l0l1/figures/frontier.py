"""The frontier L0*(L1) of polynomials over L1 in [1e-2, 1e2] (T2); no sweep.

Drawn by :func:`l0l1.plots.plot_frontier` from :func:`l0l1.problems.frontier.frontier_curve`;
x^4's frontier is exactly 16 / L1^2.
"""

from __future__ import annotations

import numpy as np

from l0l1 import plots
from l0l1.figures.spec import X4, FigureSpec, no_sweeps, pick

NAME = "frontier"
POLYS = {"x^4": X4, "x^4 - x^2": [0, 0, -1, 0, 1], "x^6": [0, 0, 0, 0, 0, 0, 1],
         "x^8/8 + x^2": [0, 0, 1, 0, 0, 0, 0, 0, 0.125],
         "(x-1)^2 (x+1)^4 / 4": [0.25, 0.5, -0.25, -1, -0.25, 0.5, 0.25]}  # fmt: skip


def records(scale: str) -> list[dict]:
    """Float frontier points L0*(L1) of :data:`POLYS` over L1 in [1e-2, 1e2] (T2)."""
    from l0l1.problems.frontier import frontier_curve

    l1 = np.geomspace(1e-2, 1e2, pick(scale, 12, 40, 80))
    return [
        {"label": label, "L1": float(a), "L0": float(b)}
        for label, coeffs in POLYS.items()
        for a, b in zip(l1, frontier_curve(coeffs, l1), strict=True)
    ]


def draw(data: dict, out, scale: str):
    return plots.plot_frontier(records(scale), out)


def measured_vs_theory(summary: dict):
    """x^4: the largest relative gap between L0*(L1) and 16 / L1^2 (below 1e-9)."""
    x4 = [r for r in records(summary["scale"]) if r["label"] == "x^4"]
    gap = max(abs(r["L0"] * r["L1"] ** 2 / 16 - 1) for r in x4)
    return [("x^4: max |L0* L1^2 / 16 - 1|", gap, 0.0, gap <= 1e-9)]


FIGURE = FigureSpec("frontier", NAME, ("T2",), no_sweeps, draw, measured_vs_theory)
