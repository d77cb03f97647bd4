"""Iterations of GD, clipped and normalized GD on the zero chain built for each eps (T2, C17).

Every method discovers at most one coordinate per gradient, so it needs >= T ~ eps^-2
iterations: exponent 2 in 1/eps (:data:`RATES`); at small T a constant flattens the slope.
"""

from __future__ import annotations

import math

from l0l1.figures.draw import NAMES, rate_panels
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "hard_chain_iterations_vs_eps"
# exponents in 1/eps of every method on the zero chains (hard_chain_stochastic's too)
RATES = {"gd": 2, "clipped_gd": 2, "normalized_gd": 2, "sgd": 4, "clipped_sgd": 4,
         "spider_clip": 3}  # fmt: skip
CHAIN_DELTA = 456.0  # with L = 1 and eps = 0.5/sqrt(T): T = floor(Delta L/(1824 eps^2)) = T
METHODS = ("gd", "clipped_gd", "normalized_gd")


def sweeps(scale: str) -> list[dict]:
    """One spec per T: the instance is built for its own eps = 0.5 / sqrt(T)."""
    det_T = pick(scale, [4, 8], [16, 32, 64, 128, 256], [16, 32, 64, 128, 256, 512, 1024])
    return [{
        "name": f"hard_chain_det_T{T}", "eps": 0.5 / math.sqrt(T), "seeds": [0],
        "budget": {"max_iter": 10**8},
        "problems": [{"name": "zero_chain", "label": "zero chain (L = 1, Delta = 456)",
                      "params": {"eps": 0.5 / math.sqrt(T), "L": 1.0, "Delta": CHAIN_DELTA}}],
        "methods": [{"name": m} for m in METHODS],
    } for T in det_T]  # fmt: skip


def draw(data: dict, out, scale: str):
    from l0l1.experiments.fits import fit_rate

    det = data["hard_chain_det"]
    notes = []
    for method in METHODS:
        recs = sorted((r for r in det if r["method"] == method and r["status"] == "reached"),
                      key=lambda r: r["dim"])  # fmt: skip
        if len(recs) >= 2:
            per = [r["iterations"] / r["dim"] for r in recs]
            top = fit_rate(recs[len(recs) // 2 :], x="1/eps", y="iterations", n_boot=200)
            notes.append(
                f"{NAMES[method]}: iterations / T = {per[0]:.0f} at T = {recs[0]['dim']} "
                f"and {per[-1]:.0f} at T = {recs[-1]['dim']} (>= 1: at most one coordinate "
                f"per gradient); slope over the larger half of T only: {top.label()}; "
                f"clipped steps: {sum(r['clipped_steps'] for r in recs)}."
            )
    return rate_panels(
        det, out, NAME, x="1/eps", y="iterations",
        rates=RATES, xlabel="1/eps (instance built for eps, T ~ eps^-2)",
        ylabel="iterations to ||grad f|| <= eps", theory="C17: >= T = L Delta/(1824 eps^2)",
        references={"eps^-2": lambda x: x**2},
        caption=(
            "Zero chain of Carmon et al. built for each eps (L = 1, Delta = 456, so T = 0.25 / "
            "eps^2 coordinates). Every method here discovers at most one coordinate per "
            "gradient, so it needs >= T iterations: the eps^-2 rate of GD cannot be beaten. "
            "The chain is L-smooth (L1 = 0): clipped and normalized GD never clip and act as GD "
            "with step 1/(10 L) instead of 1/(2 L), hence about 5 times more iterations. "
            "Iterations ~ a + b T: at small T the constant a (the last coordinates must grow "
            "before the gradient drops) flattens the slope below 2."
        ), notes=notes,
    )  # fmt: skip


def holds(method: str, slope: float, rate: float) -> bool:
    """Iterations grow at least like T^(1/2) here and at most like the eps^-2 rate (+0.05)."""
    return 1.0 <= slope <= rate + 0.05


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("hard_chain_det", NAME, ("T2", "T3"), sweeps, draw, measured_vs_theory)
