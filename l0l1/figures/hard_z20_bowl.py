"""Z20 Thm 4's bowl started at f'(x0) = M: GD ~ M, clipped and normalized GD ~ log M (T2, T3).

Exponents in M (:data:`RATES`): GD 1, clipped and normalized GD 0. Drawn by
:func:`l0l1.figures.gd_vs_clipped.plot_gd_vs_clipped` with its own caption.
"""

from __future__ import annotations

from l0l1.figures import gd_vs_clipped
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "hard_z20_bowl_iterations_vs_M"
RATES = gd_vs_clipped.RATES


def sweeps(scale: str) -> list[dict]:
    """The bowl (L0 = L1 = 1) from the start with |f'(x0)| = M for each M."""
    from l0l1.problems.hard import bowl_x0

    Ms = pick(scale, [1e1, 1e2], [1e1, 1e2, 1e3, 1e4], [1e1, 1e2, 1e3, 1e4, 1e5, 1e6])
    return [{
        "name": "hard_z20_bowl_M", "eps": 1e-2, "seeds": [0],
        "budget": {"max_iter": 2 * 10**8},
        "problems": [{"name": "z20_bowl", "label": "Z20 Thm 4 bowl (L0 = L1 = 1)",
                      "params": {"L0": 1.0, "L1": 1.0},
                      "grid": {"x0": [[bowl_x0(M)] for M in Ms]}}],
        "methods": [{"name": m} for m in ("gd", "clipped_gd", "normalized_gd")],
    }]  # fmt: skip


def draw(data: dict, out, scale: str):
    return gd_vs_clipped.plot_gd_vs_clipped(
        data["hard_z20_bowl"], out, NAME,
        caption=(
            "Z20 Thm 4's bowl: L0 x^2/2 + L0/(2 L1^2) inside |x| <= 1/L1, (L0/L1^2) "
            "e^(L1|x| - 1) outside (C^2, (L0, L1)-smooth exactly), started at f'(x0) = M. GD's "
            "step 1/(2(L0 + L1 M)) crawls near the minimum: iterations ~ (L1 M / L0) log(1/eps), "
            "slope 1 in M. Clipped and normalized GD walk in with steps 1/(10 L1) and then take "
            "L0-steps: ~ log M iterations. Dotted: Thm 4's lower bound over the family of "
            "(L0,L1)-smooth functions (it needs a second, plateau function), not for this one."
        ),
    )  # fmt: skip


def holds(method: str, slope: float, rate: float) -> bool:
    """GD's slope within 0.1 of 1; the clipped methods' within 0.2 of 0 (log M)."""
    return abs(slope - rate) <= (0.1 if rate else 0.2)


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("hard_z20_bowl", NAME, ("T2", "T3"), sweeps, draw, measured_vs_theory)
