"""Local smoothness L_hat_k against ||grad f(x_k)|| along GD and clipped GD (T1, T6); no sweep.

Drawn by :func:`plot_local_smoothness` from :func:`l0l1.smoothness.records`, a
NumPy re-run that keeps the iterates.
"""

from __future__ import annotations

import numpy as np

from l0l1.figures.draw import METHODS, NAMES, Figure, finish, groups, save, style, styled, subplots
from l0l1.figures.spec import X4, FigureSpec, no_sweeps, pick

NAME = "local_smoothness"


def records(scale: str) -> list[dict]:
    """x^4 from 4 and phase retrieval from 3 x0, GD and clipped GD."""
    from l0l1.problems.catalog import default_x0, make_problem
    from l0l1.smoothness import records as smoothness_records

    iters = pick(scale, 40, 300, 400)
    poly = make_problem("polynomial", coeffs=X4, L1=1.0)
    pr = make_problem("phase_retrieval", m=200, d=4)
    out = []
    for method in ("gd", "clipped_gd"):
        out += smoothness_records(poly, "x^4 from x0 = 4", method, [4.0], iters)
        out += smoothness_records(pr, "phase retrieval (m = 200, d = 4)", method,
                                  3 * default_x0(pr), iters)  # fmt: skip
    return out


@styled
def plot_local_smoothness(records, out_dir="figures", name="local_smoothness") -> Figure:
    """L_hat_k against ||grad f(x_k)|| along GD and clipped GD trajectories, coloured by k.

    ``records``: dicts with ``problem_label``, ``method``, ``k``, ``grad_norm``, ``L_hat``,
    ``L0``, ``L1``. Each panel also draws L0 + L1 ||g|| with the problem's constants.
    """
    probs = list(groups(records, "problem_label"))
    meths = sorted({r["method"] for r in records}, key=lambda m: METHODS.index(m))
    fig, axes = subplots(len(meths), len(probs), width=6.5, height=5.2)
    kmax = max(r["k"] for r in records)
    for i, (plabel,) in enumerate(probs):
        for j, method in enumerate(meths):
            ax = axes[i, j]
            recs = [r for r in records if r["problem_label"] == plabel and r["method"] == method]
            if not recs:
                ax.set_visible(False)
                continue
            g = np.array([r["grad_norm"] for r in recs])
            sc = ax.scatter(g, [r["L_hat"] for r in recs], c=[r["k"] for r in recs],
                            cmap="viridis", vmin=0, vmax=kmax, s=22,
                            marker=style(method)["marker"])  # fmt: skip
            grid = np.geomspace(g.min(), g.max(), 50)
            ax.plot(grid, recs[0]["L0"] + recs[0]["L1"] * grid, color="#D55E00",
                    linestyle="--", label=f"L0 + L1 ||g|| (L0 = {recs[0]['L0']:.3g}, "
                    f"L1 = {recs[0]['L1']:.3g}, {recs[0]['constants']})")  # fmt: skip
            finish(
                ax,
                "gradient norm ||grad f(x_k)||",
                "local smoothness L_hat_k",
                f"{plabel}: {NAMES.get(method, method)}",
                legend="upper left",
                fontsize=9,
            )
    note = (
        "L_hat_k = max over gamma in {1/8, 1/4, 1/2, 1} of ||grad f(x_k + gamma d_k) - "
        "grad f(x_k)|| / (gamma ||d_k||), d_k = x_{k+1} - x_k (T6; Z20 use gamma = 1/2). "
        "Smoothness grows with the gradient norm, as (L0, L1)-smoothness allows."
    )
    return Figure(name, save(fig, out_dir, name, note, colorbar=(sc, "iteration k")), (), (note,))


def draw(data: dict, out, scale: str):
    return plot_local_smoothness(records(scale), out)


def measured_vs_theory(summary: dict):
    """Certified runs: max of L_hat_k / (L0 + L1 ||grad f(x_k)||) per method, at most 1 (T1)."""
    worst: dict[str, float] = {}
    for r in records(summary["scale"]):
        if r["constants"] == "certified":
            key = f"{r['problem_label']} / {r['method']}"
            worst[key] = max(worst.get(key, 0.0), r["L_hat"] / (r["L0"] + r["L1"] * r["grad_norm"]))
    return [(f"{k}: max L_hat / (L0 + L1 ||grad||)", v, 1.0, v <= 1.0) for k, v in worst.items()]


FIGURE = FigureSpec("local_smoothness", NAME, ("T1", "T6"), no_sweeps, draw, measured_vs_theory)
