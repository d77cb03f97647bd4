"""Component gradients to eps against n on phase retrieval: GD against SPIDER-clip (T5, R23).

Exponents in n (:data:`RATES`): GD and clipped GD pay n per iteration (1), SPIDER-clip
sqrt(n) per step (1/2). The drawing is :func:`l0l1.plots.plot_finite_sum_n`.
"""

from __future__ import annotations

from l0l1 import plots
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "finite_sum_calls_vs_n"
RATES = plots.RATES_N


def sweeps(scale: str) -> list[dict]:
    """Phase retrieval (d = 4) over n and random designs; GD/clipped GD and SPIDER-clip."""
    ns = pick(scale, [64, 256], [64, 128, 256, 512, 1024, 2048],
              [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768])  # fmt: skip
    instances = list(range(pick(scale, 1, 3, 10)))
    phase = {"name": "phase_retrieval", "label": "phase retrieval (d = 4)",
             "params": {"d": 4}, "grid": {"m": ns, "seed": instances}}  # fmt: skip
    return [
        {"name": "finite_sum_n_full_gradient", "eps": 0.05, "seeds": [0],
         "problems": [phase], "methods": [{"name": "gd"}, {"name": "clipped_gd"}]},
        {"name": "finite_sum_n_spider_clip", "eps": 0.05,
         "seeds": pick(scale, [0], [0, 1], [0, 1, 2]),
         "problems": [phase], "methods": [{"name": "spider_clip"}]},
    ]  # fmt: skip


def draw(data: dict, out, scale: str):
    return plots.plot_finite_sum_n(data["finite_sum"], out)


def holds(method: str, slope: float, rate: float) -> bool:
    """Full-gradient methods pay at least n per iteration (slope >= 1 - 0.1; their iterations
    may grow with n on one design); SPIDER-clip's slope within 0.1 of 1/2."""
    return slope >= rate - 0.1 if rate == 1 else abs(slope - rate) <= 0.1


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("finite_sum", NAME, ("T5",), sweeps, draw, measured_vs_theory)
