"""Stochastic gradients on the zero chain with the Bernoulli oracle (T2, T4, T5; A19).

Exponents in 1/eps (:data:`RATES`): SGD and clipped SGD >= T/p ~ eps^-4, SPIDER-clip eps^-3.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.figures.draw import NAMES, groups, rate_panels
from l0l1.figures.hard_chain_det import RATES
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "hard_chain_calls_vs_eps"
SGD_HORIZON = {"tiny": 10**5, "quick": 10**7, "full": 10**7}
CHAIN_EPS_MAX = 0.1  # eps = 0.1/sqrt(k), T = 4k
NOISE_RATIOS = {"high": 150.0, "moderate": 9.0}  # sigma / eps_max


def chain_L(scale: str) -> float:
    """L of the chains: Z20's SGD step 1/sqrt(B) (horizon B) is not scale-free; with
    L = 0.2 sqrt(B) it is 0.2/L, and clipped SGD's eta = 1/(20 L) caps it."""
    return 0.2 * math.sqrt(SGD_HORIZON[scale])


def sweeps(scale: str) -> list[dict]:
    """One spec per eps and noise regime (each instance is built for its own eps)."""
    from l0l1.problems.hard import DELTA_PER_T

    L = chain_L(scale)
    B = SGD_HORIZON[scale]
    delta = DELTA_PER_T * CHAIN_EPS_MAX**2 * 4 / L
    stoch = []
    for regime, ks, seeds, methods in (
        ("high", pick(scale, [1, 2], [1, 2, 4, 8], [1, 2, 4, 8, 16]),
         pick(scale, 2, 5, 10), ("sgd", "clipped_sgd")),
        ("moderate", pick(scale, [1, 2], [1, 2, 4], [1, 2, 4, 8]),
         pick(scale, 1, 3, 5), ("sgd", "clipped_sgd", "spider_clip")),
    ):  # fmt: skip
        ratio = NOISE_RATIOS[regime]
        sigma = ratio * CHAIN_EPS_MAX
        top = ratio * math.sqrt(ks[-1])
        label = f"zero chain, {regime} noise: sigma/eps = {ratio:g}..{top:.0f}"
        for k in ks:
            eps = CHAIN_EPS_MAX / math.sqrt(k)
            stoch.append({
                "name": f"hard_chain_{regime}_k{k}", "eps": eps, "seeds": seeds,
                "budget": {"max_iter": B},
                "problems": [{"name": "zero_chain", "label": label,
                              "params": {"eps": eps, "L": L, "Delta": delta, "sigma": sigma}}],
                "methods": [{"name": m, "noise": "bernoulli"} for m in methods],
            })  # fmt: skip
    return stoch


def draw(data: dict, out, scale: str):
    stoch = data["hard_chain_stochastic"]
    snotes = []
    for (plabel, method), recs in groups(stoch, "problem_label", "method").items():
        r = min(recs, key=lambda r: r["eps"])
        p = r["oracle_level"]
        hits = [x["oracle_calls_at_hit"] for x in recs if x["eps"] == r["eps"] and x[
            "status"] == "reached"]  # fmt: skip
        med = float(np.median(hits)) if hits else math.nan
        extra = ""
        if method == "spider_clip":
            extra = f"; q = {r['params']['q']:g}, S1 = {r['params']['S1']:g}, S2 = " \
                    f"{r['params']['S2']:g}"  # fmt: skip
        snotes.append(
            f"{plabel}, {NAMES[method]}: at eps = {r['eps']:.3g} (T = {r['dim']}, p = "
            f"{p:.3g}) median calls {med:.3g} = {med * p / r['dim']:.2f} T/p{extra}."
        )
    return rate_panels(
        stoch, out, NAME, x="1/eps", y="oracle_calls_at_hit",
        rates=RATES, xlabel="1/eps (instance built for eps, T ~ eps^-2)",
        ylabel="stochastic gradients (SFO calls)",
        theory="A19: SGD >= T/p ~ eps^-4; T5: SPIDER-clip eps^-3",
        references={"eps^-3": lambda x: x**3, "eps^-4": lambda x: x**4},
        caption=(
            "Zero chain with the Bernoulli oracle of Arjevani et al.: the frontier coordinate's "
            "partial derivative is revealed only with probability p = e^3 eps^2 / sigma^2 (and "
            "then scaled by 1/p), so each of the T ~ eps^-2 coordinates costs about 1/p ~ eps^-2 "
            "calls: eps^-4 in all. Left, sigma/eps from 150 up: the waiting times dominate, "
            "SGD and clipped SGD share the seed's Bernoulli draws and stop at the same call. "
            "Right, sigma/eps from 9 up: 1/p is small next to the ~200 steps per coordinate that "
            "SGD's drift needs, so SGD is drift-limited (slope far below 4); SPIDER-clip's "
            "schedule costs ~ T sigma/eps ~ eps^-3. The chain has L1 = 0: no clipping engages."
        ), notes=snotes,
    )  # fmt: skip


def holds(method: str, slope: float, rate: float) -> bool:
    """SPIDER-clip's slope within 0.3 of 3; the SGDs' above 1, below eps^-4 (+ 1.1: two
    seeds at two eps only at the tiny scale)."""
    if method == "spider_clip":
        return abs(slope - rate) <= 0.3
    return 1.0 <= slope <= rate + 1.1


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec(
    "hard_chain_stochastic", NAME, ("T2", "T4", "T5"), sweeps, draw, measured_vs_theory
)
