"""GD against clipped and normalized GD as the initial gradient norm M grows (T3; Z20 Thm 3, 4).

Theory exponents in M at fixed Delta: GD 1 (step 1/(2(L0 + L1 M))), clipped and normalized
GD 0 (:data:`RATES`). The drawing is :func:`l0l1.plots.plot_gd_vs_clipped`.
"""

from __future__ import annotations

from l0l1 import plots
from l0l1.figures.spec import X4, FigureSpec, pick, slopes

NAME = "gd_vs_clipped_M"
RATES = plots.RATES_M
DETERMINISTIC = ("gd", "clipped_gd", "normalized_gd")


def sweeps(scale: str) -> list[dict]:
    """x^4 from starts 2..128 (one run each: deterministic)."""
    starts = pick(scale, [2, 4, 8], [2, 4, 8, 16, 32], [2, 4, 8, 16, 32, 64, 128])
    return [{
        "name": "gd_vs_clipped_M", "eps": 1e-2, "seeds": [0],
        "budget": {"max_iter": pick(scale, 10**6, 3 * 10**7, 2 * 10**8)},
        "problems": [{"name": "polynomial", "label": "x^4 (L1 = 1 fixed)",
                      "params": {"coeffs": X4, "L1": 1.0},
                      "grid": {"x0": [[float(s)] for s in starts]}}],
        "methods": [{"name": m} for m in DETERMINISTIC],
    }]  # fmt: skip


def draw(data: dict, out, scale: str):
    return plots.plot_gd_vs_clipped(data["gd_vs_clipped"], out)


def holds(method: str, slope: float, rate: float) -> bool:
    """GD's slope within 0.15 of 1; the clipped methods' within 0.1 of 0 (x^4: M^(1/3) travel)."""
    return abs(slope - rate) <= (0.15 if rate else 0.1)


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("gd_vs_clipped", NAME, ("T3",), sweeps, draw, measured_vs_theory)
