"""Component gradients to eps against n on phase retrieval: GD against SPIDER-clip (T5, R23).

Exponents in n (:data:`RATES`): GD and clipped GD pay n per iteration (1), SPIDER-clip
sqrt(n) per step (1/2). The drawing is :func:`plot_finite_sum_n`.
"""

from __future__ import annotations

import numpy as np

from l0l1.experiments.fits import AXES
from l0l1.figures.draw import (
    Figure,
    crossing,
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
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "finite_sum_calls_vs_n"
RATES = {"gd": 1.0, "clipped_gd": 1.0, "spider_clip": 0.5}


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


@styled
def plot_finite_sum_n(records, out_dir="figures", name="finite_sum_calls_vs_n") -> Figure:
    """IFO calls to eps against n at fixed eps: GD, clipped GD, SPIDER-clip (T5).

    References n eps^-2 (full-gradient methods) and sqrt(n) eps^-2 + n (SPIDER-clip, R23),
    each through its method's first median.
    """
    fig, axes = subplots(1, width=8.5, height=8.5)
    ax = axes[0, 0]
    by = groups(records, "problem_label", "method")
    rows, anchors = [], {}
    for key in method_order(by):
        method = key[1]
        fit = plot_rate(ax, by[key], method, AXES["n"], "oracle_calls_at_hit",
                         RATES.get(method))  # fmt: skip
        rows.append(
            fit_row(
                name,
                key[0],
                method,
                "n",
                fit,
                RATES.get(method),
                "GD n eps^-2; SPIDER-clip sqrt(n) eps^-2 + n (R23, T5)",
            )
        )
        if fit.x:
            anchors[method] = (fit.x[0], fit.median[0])
    eps = records[0]["eps"]
    shapes = {}
    if "gd" in anchors:
        shapes["n eps^-2"] = (anchors["gd"], lambda n: n / eps**2)
    if "spider_clip" in anchors:
        shapes["sqrt(n) eps^-2 + n"] = (anchors["spider_clip"], lambda n: np.sqrt(n) / eps**2 + n)
    reference_lines(ax, [AXES["n"](r) for r in records], shapes)
    finish(
        ax,
        "n (number of components, m = n measurements)",
        "component gradients (IFO calls)",
        f"{records[0]['problem_label']}, eps = {eps:g}",
    )
    note = (
        "Several random designs (problem seeds) per n; faint dots are single runs. GD and "
        "clipped GD pay n per iteration, SPIDER-clip n per refresh every ~sqrt(n) steps and "
        "2 S2 ~ sqrt(n) per inner step. At fixed eps the sqrt(n) eps^-2 term dominates n until "
        "n ~ eps^-4, so SPIDER-clip's slope in n should be near 1/2, GD's near 1."
    )
    notes = [note] + [crossing(by, "spider_clip", other) for other in ("gd", "clipped_gd")]
    return Figure(name, save(fig, out_dir, name, note), tuple(rows),
                  tuple(n for n in notes if n))  # fmt: skip


def draw(data: dict, out, scale: str):
    return plot_finite_sum_n(data["finite_sum"], out)


def holds(method: str, slope: float, rate: float) -> bool:
    """Full-gradient methods pay at least n per iteration (slope >= 1 - 0.1; their iterations
    may grow with n on one design); SPIDER-clip's slope within 0.1 of 1/2."""
    return slope >= rate - 0.1 if rate == 1 else abs(slope - rate) <= 0.1


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("finite_sum", NAME, ("T5",), sweeps, draw, measured_vs_theory)
