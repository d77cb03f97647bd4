"""Component gradients against n on the finite-sum zero chain: GD against SPIDER-clip (T2, T5).

Exponents in n (:data:`RATES`): GD and clipped GD 1, SPIDER-clip 1/2 (sqrt(n) eps^-2 + n, R23).
"""

from __future__ import annotations

import numpy as np

from l0l1.figures.draw import crossing, groups, rate_panels
from l0l1.figures.finite_sum import RATES
from l0l1.figures.spec import FigureSpec, pick, slopes

NAME = "hard_finite_sum_calls_vs_n"


def sweeps(scale: str) -> list[dict]:
    """The chain (T = 8) as a sum of n components; GD/clipped GD and SPIDER-clip."""
    ns = pick(scale, [16, 64], [16, 64, 256, 1024, 4096],
              [16, 64, 256, 1024, 4096, 16384, 65536])  # fmt: skip
    fsum = {"name": "zero_chain_sum", "label": "finite-sum chain (T = 8, eps = 0.1, L = 1)",
            "params": {"eps": 0.1, "L": 1.0, "T": 8}, "grid": {"n": ns}}  # fmt: skip
    return [
        {"name": "hard_finite_sum_full", "eps": 0.1, "seeds": [0], "problems": [fsum],
         "methods": [{"name": "gd"}, {"name": "clipped_gd"}]},
        {"name": "hard_finite_sum_spider", "eps": 0.1,
         "seeds": pick(scale, [0], [0, 1, 2], [0, 1, 2, 3, 4]), "problems": [fsum],
         "methods": [{"name": "spider_clip"}]},
    ]  # fmt: skip


def draw(data: dict, out, scale: str):
    fs = data["hard_finite_sum"]
    by = groups(fs, "problem_label", "method")
    fnotes = [crossing(by, "spider_clip", m) for m in ("gd", "clipped_gd")]
    sp = [r for r in fs if r["method"] == "spider_clip" and r["status"] == "reached"]
    if sp:
        r = max(sp, key=lambda r: r["n"])
        q = r["params"]["q"]
        fnotes.append(
            f"SPIDER-clip at n = {r['n']}: {r['iterations']} iterations, q = {q:g}, S2 = "
            f"{r['params']['S2']:g}: calls ~ K (n/q + 2 S2) ~ 7.7 K sqrt(n); the n term of "
            f"sqrt(n) eps^-2 + n shows only once q > K, i.e. n > K^2 ~ {r['iterations'] ** 2:.1g}."
        )
    return rate_panels(
        fs, out, NAME, x="n", y="oracle_calls_at_hit",
        rates=RATES, xlabel="n (components)", ylabel="component gradients (IFO calls)",
        theory="GD n eps^-2; SPIDER-clip sqrt(n) eps^-2 + n (R23, T5)",
        references={"n": lambda n: n, "sqrt(n)": lambda n: np.sqrt(n)},
        caption=(
            "Every component is the same zero chain plus a cosine in its own random direction, "
            "+/- in pairs so the mean is exactly the chain (c omega^2 = 32 keeps T5's per-sample "
            "assumption). GD and clipped GD need the chain's iterations whatever n is and pay n "
            "each: slope 1. SPIDER-clip's iterations do not depend on n either; it pays n per "
            "refresh every q = sqrt(n) steps and 2 S2 ~ 6.7 sqrt(n) per step: slope 1/2."
        ), notes=fnotes,
    )  # fmt: skip


def holds(method: str, slope: float, rate: float) -> bool:
    """The chain's iterations do not depend on n: every slope within 0.1 of its exponent."""
    return abs(slope - rate) <= 0.1


def measured_vs_theory(summary: dict):
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("hard_finite_sum", NAME, ("T2", "T5"), sweeps, draw, measured_vs_theory)
