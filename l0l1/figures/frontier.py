"""The frontier L0*(L1) of polynomials over L1 in [1e-2, 1e2] (T2); no sweep.

Drawn by :func:`plot_frontier` from :func:`l0l1.problems.frontier.frontier_curve`;
x^4's frontier is exactly 16 / L1^2.
"""

from __future__ import annotations

import numpy as np

from l0l1.figures.draw import Figure, finish, groups, save, styled, subplots
from l0l1.figures.spec import X4, FigureSpec, no_sweeps, pick
from l0l1.style import MARKERS, PALETTE

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


@styled
def plot_frontier(records, out_dir="figures", name="frontier") -> Figure:
    """The least L0 for each L1, L0*(L1) = max_x (|p''| - L1 |p'|)_+, of a few polynomials (T2).

    ``records``: dicts with ``label``, ``L1`` and ``L0`` (float frontier points).
    """
    fig, axes = subplots(1, width=8.0, height=6.5)
    ax = axes[0, 0]
    by = groups(records, "label")
    for i, (label,) in enumerate(by):
        pts = sorted((r["L1"], r["L0"]) for r in by[(label,)] if r["L0"] > 0)
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                markevery=max(len(xs) // 8, 1), label=label)  # fmt: skip
    l1 = np.geomspace(min(r["L1"] for r in records), max(r["L1"] for r in records), 50)
    ax.plot(l1, 16 / l1**2, color="black", linestyle=":", linewidth=2.4,
            label="16 / L1^2 (x^4, exact)")  # fmt: skip
    finish(
        ax,
        "L1 (dimensionless per unit gradient)",
        "least valid L0 (Hessian units)",
        "(L0, L1) frontier: every point is a valid pair",
        legend="lower left",
    )
    note = (
        "A polynomial of degree >= 3 is (L0, L1)-smooth for every L1 > 0 with the least L0 "
        "shown; small L1 needs a huge L0 (degree 8 at L1 = 0.1 needs orders of magnitude more "
        "than x^4). Schedules pick the point that minimizes their own bound."
    )
    return Figure(name, save(fig, out_dir, name, note), (), (note,))


def draw(data: dict, out, scale: str):
    return plot_frontier(records(scale), out)


def measured_vs_theory(summary: dict):
    """x^4: the largest relative gap between L0*(L1) and 16 / L1^2 (below 1e-9)."""
    x4 = [r for r in records(summary["scale"]) if r["label"] == "x^4"]
    gap = max(abs(r["L0"] * r["L1"] ** 2 / 16 - 1) for r in x4)
    return [("x^4: max |L0* L1^2 / 16 - 1|", gap, 0.0, gap <= 1e-9)]


FIGURE = FigureSpec("frontier", NAME, ("T2",), no_sweeps, draw, measured_vs_theory)
