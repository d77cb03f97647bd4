"""THEORY T5's guarantee for SPIDER-clip, as the sandbox checks it: over seeds, the share of
runs with min_k ||grad f(x_k)|| <= t within K = ceil(4 n0 L0 Delta / eps^2) iterations is at
least 1 - C eps / t, for every t < L0 / L1 (C = 10.13 online, n0 = 1)."""

from __future__ import annotations

import math

import pytest

from l0l1 import theory as th
from l0l1.methods.registry import get_method
from l0l1.problems.catalog import make_problem, start_constants
from l0l1.runs import run, start_point
from l0l1.schedules import Inputs, build, evaluate

SEEDS = range(12)
C_ONLINE = float(th.spider_clip_C(th.RHO_ONLINE).subs(th.n0, 1))


@pytest.mark.parametrize(
    ("name", "params", "x0", "eps", "tau", "t_over_C_eps"),
    [
        ("polynomial", {"coeffs": [0, 0, 0, 0, 1], "L1": 1.0}, [2.0], 0.1, 1.0, 1.25),
        ("cosh", {"dim": 2}, [2.0, -1.5], 0.05, 0.5, 1.1),
    ],
)
def test_share_of_runs_reaching_t_within_K(name, params, x0, eps, tau, t_over_C_eps):
    prob = make_problem(name, **params)
    c = prob.constants
    assert c.certified
    t = t_over_C_eps * C_ONLINE * eps
    assert t < c.L0 / c.L1  # the guarantee covers min{||grad f||, L0/L1}
    start = start_constants(prob, start_point(prob, x0))
    i = Inputs(L0=c.L0, L1=c.L1, Delta=start.Delta, M=start.M, eps=eps, sigma=tau, tau=tau)
    K = int(get_method("spider_clip").budget(i))
    assert math.ceil(evaluate(th.SPIDER_CLIP_K_MIN, i)) == K
    sched = build(get_method("spider_clip"), i, finite=False)
    # The hitting threshold is t; the schedule stays the one for eps (same values, overridden
    # explicitly so the run does not rebuild it for t); x_0 .. x_{K-1} are tested.
    overrides = {k: sched.values[k] for k in ("eps", "q", "S1", "S2")}
    hits = [
        run(prob, "spider_clip", eps=t, x0=x0, seed=s, noise="bounded", noise_level=tau,
            max_iter=K - 1, overrides=overrides).status == "reached"
        for s in SEEDS
    ]  # fmt: skip
    assert sum(hits) / len(hits) >= 1 - C_ONLINE * eps / t
