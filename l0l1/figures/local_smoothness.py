"""Local smoothness L_hat_k against ||grad f(x_k)|| along GD and clipped GD (T1, T6); no sweep.

Drawn by :func:`l0l1.plots.plot_local_smoothness` from :func:`l0l1.smoothness.records`, a
NumPy re-run that keeps the iterates.
"""

from __future__ import annotations

from l0l1 import plots
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


def draw(data: dict, out, scale: str):
    return plots.plot_local_smoothness(records(scale), out)


def measured_vs_theory(summary: dict):
    """Certified runs: max of L_hat_k / (L0 + L1 ||grad f(x_k)||) per method, at most 1 (T1)."""
    worst: dict[str, float] = {}
    for r in records(summary["scale"]):
        if r["constants"] == "certified":
            key = f"{r['problem_label']} / {r['method']}"
            worst[key] = max(worst.get(key, 0.0), r["L_hat"] / (r["L0"] + r["L1"] * r["grad_norm"]))
    return [(f"{k}: max L_hat / (L0 + L1 ||grad||)", v, 1.0, v <= 1.0) for k, v in worst.items()]


FIGURE = FigureSpec("local_smoothness", NAME, ("T1", "T6"), no_sweeps, draw, measured_vs_theory)
