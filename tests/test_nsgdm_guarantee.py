"""NSGD-M's derived guarantee (THEORY T4, lemma t7_13) against runs over seeds.

E (1/T) sum_t ||grad f(x_t)|| <= NSGDM_BOUND when K c <= 1/6 and 16 A mu c/(1 - mu) <= 1/2
(c = L1 eta). Measured on certified instances with bounded noise: the average gradient norm
over every iterate (a checkpoint at each t < T), averaged over seeds, with a margin of three
standard errors; the bound must also be informative (within a factor 100 of the measurement)
so that a bound formula gone astray fails here too.
"""

import math

import numpy as np
import pytest

from l0l1 import make_problem, run
from l0l1.problems.catalog import start_constants
from l0l1.schedules import Inputs, nsgdm_guarantee

T = 4000  # log-spaced checkpoints cover every iteration up to here
SEEDS = range(6)
INSTANCES = [
    ("cosh", {"dim": 2}, [2.0, -1.3], 0.5, 2e-3, 0.9),
    ("cosh", {"dim": 2}, [2.0, -1.3], 0.5, 5e-4, 0.98),
    ("polynomial", {"coeffs": [0, 0, 0, 0, 1], "L1": 1.0}, [1.7], 1.0, 1e-3, 0.95),
]


def _average_gradient(prob, x0, tau, eta, mu, seed):
    res = run(prob, "nsgd_m", eps=1e-300, x0=x0, noise="bounded", noise_level=tau,
              max_iter=T, overrides={"gamma": eta, "momentum": mu}, checkpoints=100_000,
              seed=seed)  # fmt: skip
    rows = res.trace[:-1]
    assert res.status == "not reached" and np.array_equal(rows[:, 0], np.arange(T))
    return float(rows[:, 3].mean())


@pytest.mark.parametrize("case", INSTANCES, ids=lambda c: f"{c[0]}-eta{c[4]:g}-mu{c[5]:g}")
def test_average_gradient_norm_within_the_guarantee(case):
    name, params, x0, tau, eta, mu = case
    prob = make_problem(name, **params)
    c = prob.constants
    assert c.certified
    st = start_constants(prob, np.array(x0))
    bound = nsgdm_guarantee(
        Inputs(L0=c.L0, L1=c.L1, Delta=st.Delta, M=st.M, eps=1.0, sigma=tau, tau=tau, T=T),
        eta, mu,
    )  # fmt: skip
    assert bound is not None
    avgs = np.array([_average_gradient(prob, x0, tau, eta, mu, s) for s in SEEDS])
    mean, se = avgs.mean(), avgs.std(ddof=1) / math.sqrt(len(avgs))
    assert mean - 3 * se <= bound
    assert mean > bound / 100


def test_guarantee_needs_its_conditions():
    """c = L1 eta too large for the descent condition, or a momentum average too long
    (mu near 1) for the coupling one: no guarantee (the agnostic schedule eta = T^-3/4,
    1 - mu = T^-1/2 meets the coupling only once T >= (32 A L1)^4)."""
    i = Inputs(L0=1.0, L1=1.0, Delta=1.0, M=1.0, eps=1.0, sigma=1.0, T=10**4)
    assert nsgdm_guarantee(i, 0.5, 0.99) is None  # K c > 1/6
    assert nsgdm_guarantee(i, 1e-2, 0.95) is None  # 16 A mu c / (1 - mu) > 1/2
    assert nsgdm_guarantee(i, 1e-3, 0.9) is not None
    agnostic = [nsgdm_guarantee(Inputs(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, T=t), t**-0.75,
                                1 - t**-0.5) for t in (10**4, 10**8)]  # fmt: skip
    assert agnostic[0] is None and agnostic[1] is not None
