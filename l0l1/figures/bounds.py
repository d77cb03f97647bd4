"""Measured iterations against the certified bounds on every certified instance (T3, T6).

The drawing is :func:`l0l1.plots.plot_bound_check`; it reads this figure's sweep and the
certified runs of the other deterministic figures (:data:`BOUND_KEYS`).
"""

from __future__ import annotations

from l0l1 import plots
from l0l1.figures.spec import FigureSpec, pick

NAME = "measured_vs_bound"
CERTIFIED_POLYS = {"x^4": [0, 0, 0, 0, 1], "x^4 - x^2": [0, 0, -1, 0, 1],
                   "x^6": [0, 0, 0, 0, 0, 0, 1],
                   "x^8/8 + x^2": [0, 0, 1, 0, 0, 0, 0, 0, 0.125]}  # fmt: skip
BOUND_KEYS = ("bounds", "gd_vs_clipped", "hard_chain_det", "hard_z20_bowl")


def sweeps(scale: str) -> list[dict]:
    """Certified polynomials, cosh and log cosh; GD, clipped/normalized GD and V24's methods."""
    return [{
        "name": "bound_check", "eps": pick(scale, [1e-2], [1e-1, 1e-2, 1e-3],
                                           [1e-1, 1e-2, 1e-3, 1e-4]),
        "seeds": [0], "budget": {"max_iter": 10_000_000},
        "problems": [
            *({"name": "polynomial", "label": label, "params": {"coeffs": c},
               "grid": {"x0": pick(scale, [[2.0]], [[2.0]], [[1.5], [3.0]])}}
              for label, c in list(CERTIFIED_POLYS.items())[:pick(scale, 1, 4, 4)]),
            {"name": "cosh", "label": "cosh (d = 2)", "params": {"dim": 2}},
            {"name": "logcosh", "label": "log cosh (d = 2)", "params": {"dim": 2}},
        ],
        "methods": [{"name": m} for m in ("gd", "clipped_gd", "normalized_gd", "v24_si",
                                          "v24_cl", "v24_star")],
    }]  # fmt: skip


def bound_records(data: dict) -> list[dict]:
    """Every record with a bound (T6): the benign problems and the hard instances."""
    return [r for k in BOUND_KEYS for r in data.get(k, [])]


def draw(data: dict, out, scale: str):
    return plots.plot_bound_check(bound_records(data), out)


def measured_vs_theory(summary: dict):
    """No certified run may exceed its bound (T6), and some must be checked."""
    bc = summary["bound_check"]
    what = f"violations among {bc['checked']} certified runs"
    return [(what, bc["violations"], 0, bc["violations"] == 0 and bc["checked"] > 0)]


FIGURE = FigureSpec("bounds", NAME, ("T3", "T6"), sweeps, draw, measured_vs_theory)
