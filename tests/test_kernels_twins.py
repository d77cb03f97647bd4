"""The Numba formulas, oracles, step rules and loops against the NumPy twins (tests/twins.py).

Same inputs and the same generator state must give the same status, stop iteration,
oracle counts and clipping count, and iterates and traces equal to 1e-12 relative. The
absolute tolerance is 1e-13 of each column's largest finite entry: near a stationary
point the gradient is a cancellation of O(1) terms, so two correct evaluation orders
(Horner in the kernel, np.polynomial in the twin) agree only to a few ulps of those terms.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from l0l1 import runs
from l0l1.jitstatic import Static  # a kind reaches jitted code as Static(kind)
from l0l1.methods import kernels, registry, steps
from l0l1.methods.algorithms import rules, spider
from l0l1.methods.driver import run_algorithm
from l0l1.methods.registry import get_method
from l0l1.problems import evaluate, oracles
from l0l1.problems.catalog import make_problem

V24_SI = get_method("v24_si").rule  # a jitted rule, registered like a user's

try:
    import twins
except ImportError:  # tests/ made a package
    from tests import twins

STATUS = {"reached": twins.REACHED, "not reached": twins.NOT_REACHED, "diverged": twins.DIVERGED}
ORACLE = {
    "exact": twins.EXACT,
    "bounded": twins.BOUNDED,
    "gaussian": twins.GAUSS,
    "minibatch": twins.MINIBATCH,
    "online": twins.ONLINE,
    "student": twins.STUDENT,
    "stable": twins.STABLE,
    "affine": twins.AFFINE,
    "skewed": twins.SKEWED,
}


# ------------------------------------------------------------------------------ helpers
@functools.cache
def problem(key: str):
    builders = {
        "poly4": lambda: make_problem("polynomial", coeffs=[1, -2, 0, 0, 1], L1=2.0),
        "poly6": lambda: make_problem("polynomial", coeffs=[0, 1, -3, 0, 0, 0, 1], L1=2.0),
        "poly8": lambda: make_problem("polynomial", coeffs=[0, 0, 1, 0, -1, 0, 0, 0, 1], L1=2.0),
        "x4": lambda: make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0),
        "sep3": lambda: make_problem(
            "separable_polynomial",
            coeffs=[[0, 0, 1, 0, 1], [1, -2, 0, 0, 1], [0, 1, -3, 0, 0, 0, 1]],
            L1=2.0,
        ),
        "cosh2": lambda: make_problem("cosh", dim=2),
        "cosh2s": lambda: make_problem("cosh", dim=2, scale=3.0),  # (L0, L1) = (1, 3)
        "exp2": lambda: make_problem("exp", dim=2),
        "logistic3": lambda: make_problem("logistic", a=[1.0, -2.0, 0.5]),
        "phase": lambda: make_problem("phase_retrieval", m=30, d=4, noise=0.05),
        "online": lambda: make_problem("online_phase_retrieval", d=4, noise=0.1),
    }
    return builders[key]()


X0 = {
    "poly4": [1.75],  # dyadic starts keep the exact start constants of run() fast
    "poly6": [-1.5],
    "poly8": [1.25],
    "x4": [3.0],
    "sep3": [1.0, -1.25, 1.375],
    "cosh2": [2.0, -3.0],
    "cosh2s": [0.75, -1.0],
    "exp2": [1.0, -0.5],
    "logistic3": [-1.0, 0.5, 0.0],
    "phase": [0.8, -0.4, 0.3, 0.6],
    "online": [0.8, -0.4, 0.3, 0.6],
}


def assert_close(actual, desired, what, rtol=1e-12, rel_atol=1e-13):
    """Columnwise assert_allclose; atol = rel_atol * the column's largest finite |entry|."""
    a = np.asarray(actual, dtype=float)
    b = np.asarray(desired, dtype=float)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    a2 = a.reshape(a.shape[0], -1) if a.ndim else a.reshape(1, 1)
    b2 = b.reshape(a2.shape)
    for j in range(a2.shape[1]):
        col = a2[:, j]
        fin = col[np.isfinite(col)]
        atol = rel_atol * float(np.max(np.abs(fin))) if fin.size else 0.0
        np.testing.assert_allclose(
            col, b2[:, j], rtol=rtol, atol=atol + 1e-300, err_msg=f"{what}, column {j}"
        )


def assert_same_run(out, tw):
    """Kernel tuple vs twin tuple: exact integers, 1e-12 relative floats."""
    status, k, hit, calls, clipped, gmax, x, trace, rows = out[:9]  # KernelResult fields
    names = ("status", "stop_iter", "calls_at_hit", "calls", "n_clipped")
    assert (status, k, hit, calls, clipped) == tuple(tw[:5]), dict(
        zip(names, zip((status, k, hit, calls, clipped), tw[:5], strict=True), strict=True)
    )
    assert rows == tw[8]
    assert_close([gmax], [tw[5]], "gmax")
    assert_close(x, tw[6], "x")
    assert trace.shape == tw[7].shape
    assert_close(trace[:rows], tw[7][:rows], "trace")
    assert np.all(np.isnan(trace[rows:])) and np.all(np.isnan(tw[7][rows:]))


# ------------------------------------------------------------------------------ formulas
KINDS = ["poly4", "poly6", "poly8", "sep3", "cosh2", "cosh2s", "logistic3", "phase", "online"]


@pytest.mark.parametrize("key", [*KINDS, "exp"])
def test_formulas_match_twin(key):
    prob = make_problem("exp", dim=3) if key == "exp" else problem(key)
    rng = np.random.default_rng(11)
    for _ in range(20):
        x = rng.uniform(-2.0, 2.0, prob.dim)
        f_nb = evaluate.value(prob.kind, prob.P, prob.v, x)
        g_nb = np.empty(prob.dim)
        evaluate.grad_into(prob.kind, prob.P, prob.v, x, g_nb)
        f_tw = twins.value(prob.kind, prob.P, prob.v, x)
        g_tw = twins.grad(prob.kind, prob.P, prob.v, x)
        assert f_nb == pytest.approx(f_tw, rel=1e-12, abs=1e-14 * (1 + abs(f_tw)))
        scale = 1e-13 * (1 + np.abs(g_tw).max())
        np.testing.assert_allclose(g_nb, g_tw, rtol=1e-12, atol=scale)


def test_logcosh_formula_matches_twin():
    prob = make_problem("logcosh", dim=3)
    x = np.array([-30.0, 0.25, 800.0])  # 800: cosh overflows, log cosh does not
    g = np.empty(3)
    evaluate.grad_into(prob.kind, prob.P, prob.v, x, g)
    assert evaluate.value(prob.kind, prob.P, prob.v, x) == pytest.approx(
        twins.value(prob.kind, prob.P, prob.v, x), rel=1e-14
    )
    np.testing.assert_allclose(g, twins.grad(prob.kind, prob.P, prob.v, x), rtol=1e-14)


@pytest.mark.parametrize("key", [*KINDS, "exp"])
def test_twin_gradient_is_the_derivative_of_twin_value(key):
    """Guards the twins themselves: central differences of the twin's value."""
    prob = make_problem("exp", dim=3) if key == "exp" else problem(key)
    x = np.random.default_rng(5).uniform(-1.5, 1.5, prob.dim)
    g = twins.grad(prob.kind, prob.P, prob.v, x)
    fd = np.empty(prob.dim)
    for j in range(prob.dim):
        e = np.zeros(prob.dim)
        e[j] = 1e-5
        f = functools.partial(twins.value, prob.kind, prob.P, prob.v)
        fd[j] = (f(x + e) - f(x - e)) / 2e-5
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)


def test_component_gradients_match_twin_and_average_to_the_gradient():
    prob = problem("phase")
    x = np.array(X0["phase"])
    comps = []
    for i in range(prob.n):
        out = np.empty(prob.dim)
        evaluate.component_grad_into(prob.kind, prob.P, prob.v, i, x, out)
        np.testing.assert_allclose(
            out, twins.component_grad(prob.kind, prob.P, prob.v, i, x), rtol=1e-13, atol=1e-15
        )
        comps.append(out)
    np.testing.assert_allclose(np.mean(comps, axis=0), prob.grad(x), rtol=1e-12, atol=1e-14)


def test_online_population_value_is_the_mean_sample_loss():
    """KIND_PHASE_POP is E over the online oracle's samples (Monte Carlo, 4 sigma)."""
    prob = problem("online")
    x = np.array(X0["online"])
    rng = np.random.default_rng(2)
    losses = []
    for _ in range(20000):
        _, (a, y) = twins.draw_sample(twins.ONLINE, prob.P, prob.v, 0.1, 0, rng, prob.dim)
        losses.append(0.25 * ((a @ x) ** 2 - y) ** 2)
    losses = np.array(losses)
    se = losses.std() / math.sqrt(losses.size)
    assert abs(losses.mean() - prob.value(x)) < 4 * se


# ------------------------------------------------------------------------------ oracles
@pytest.mark.parametrize(
    ("key", "oracle", "w"),
    [
        ("cosh2", "bounded", 0.7),
        ("cosh2s", "bounded", 0.7),
        ("sep3", "gaussian", 1.3),
        ("phase", "minibatch", 0.0),
        ("online", "online", 0.1),
        ("logistic3", "exact", 0.0),
        ("sep3", "student", 1.3),
        ("cosh2", "stable", 0.7),
        ("sep3", "affine", 0.4),
        ("cosh2", "skewed", 0.7),
    ],
)
def test_oracle_draws_match_twin_and_consume_the_same_stream(key, oracle, w):
    prob = problem(key)
    code = ORACLE[oracle]
    x = np.array(X0[key])
    rng_nb, rng_tw = np.random.default_rng(9), np.random.default_rng(9)
    s = np.empty(prob.dim + 1)
    out = np.empty(prob.dim)
    for _ in range(25):
        oracles.draw_sample(code, prob.P, prob.v, w, prob.n, rng_nb, s)
        oracles.sample_grad_into(code, Static(prob.kind), prob.P, prob.v, s, x, out)
        sample = twins.draw_sample(code, prob.P, prob.v, w, prob.n, rng_tw, prob.dim)
        expect = twins.sample_grad(code, prob.kind, prob.P, prob.v, sample, x)
        np.testing.assert_allclose(out, expect, rtol=1e-12, atol=1e-13 * (1 + np.abs(expect).max()))
    assert rng_nb.random() == rng_tw.random()


def test_oracle_noise_models():
    """Bounded: |xi| <= tau, radius law P(|xi| <= r tau) = r^d; Gaussian: E|xi|^2 = sigma^2;
    online: |a| = sqrt(d); minibatch: every index 0..n-1 is drawn."""
    rng = np.random.default_rng(4)
    d, tau = 3, 0.7
    draws = [twins.draw_sample(twins.BOUNDED, None, None, tau, 0, rng, d) for _ in range(4000)]
    radii = np.array([np.linalg.norm(shift) for _, shift in draws])
    assert radii.max() <= tau * (1 + 1e-12)
    assert abs(np.mean(radii <= 0.5 * tau) - 0.5**d) < 0.02
    sq = [
        np.sum(twins.draw_sample(twins.GAUSS, None, None, 1.3, 0, rng, d)[1] ** 2)
        for _ in range(4000)
    ]
    assert abs(np.mean(sq) - 1.3**2) < 0.1
    prob = problem("online")
    for _ in range(10):
        a, _y = twins.draw_sample(twins.ONLINE, prob.P, prob.v, 0.1, 0, rng, prob.dim)[1]
        assert np.linalg.norm(a) == pytest.approx(math.sqrt(prob.dim), rel=1e-14)
    idx = {twins.draw_sample(twins.MINIBATCH, None, None, 0.0, 7, rng, 2)[1] for _ in range(300)}
    assert idx == set(range(7))


# ------------------------------------------------------------------------------ step rules
# The package's own methods: other test modules register user methods in the same process.
BUILTINS = {m: s for m, s in registry.METHODS.items() if s.builtin}

RULE_PARAMS = {
    steps.RULE_FIXED: [0.3],
    steps.RULE_CLIP: [0.1, 2.0],
    steps.RULE_NORMALIZED: [0.2, 2.0],
    V24_SI: [2.0, 1.5],
    steps.RULE_V24_CL: [2.0, 1.5],
    steps.RULE_V24_STAR: [2.0, 1.5],
    steps.RULE_SMOOTH: [2.0, 1.5, 0.567],
    steps.RULE_CLIP_SGD: [1.5, 0.4, 0.05],
    steps.RULE_SPIDER: [3.0, 2.0, 0.1],
    steps.RULE_SPIDER_CLIP: [2.0, 1.5, 2.0, 0.1],
    steps.RULE_POWER: [0.3, 0.5],
}


@pytest.mark.parametrize("rule", list(RULE_PARAMS))
def test_step_rules_match_twin(rule):
    p = np.array(RULE_PARAMS[rule])
    for g in [0.0, 1e-9, 0.05, 0.2, 1.0, 4 / 3, 7.0, 1e6]:
        h, clipped = steps.step_size(rule, p, g)
        h_tw, clipped_tw = twins.step_size(rule, p, g)
        assert h == pytest.approx(h_tw, rel=1e-14), (rule, g)
        assert bool(clipped) == bool(clipped_tw), (rule, g)


# Built-ins written only as algorithms (no step rule): twins.run_code steps them.
CODE_ONLY = {m for m, s in BUILTINS.items() if s.rule is None}


def test_every_registry_rule_has_a_twin():
    rules = {spec.rule for spec in BUILTINS.values() if spec.rule is not None}
    assert rules == set(RULE_PARAMS)
    for spec in BUILTINS.values():
        if spec.rule is not None:  # the rule's values, then its algorithm's own
            extra = len(spec.algorithm_values)
            assert len(RULE_PARAMS[spec.rule]) == len(spec.param_names) - extra
    assert {"armijo_gd", "adgd", "sign_gd", "sign_sgd", "normalized_hb"} == CODE_ONLY


# ------------------------------------------------------------------------------ loops via run()
@dataclass(frozen=True)
class Case:
    key: str
    method: str
    expect: str
    eps: float = 1e-4
    max_iter: int = 1500
    kw: dict = field(default_factory=dict)

    @property
    def id(self):
        extra = "-".join(f"{k}={v}" for k, v in sorted(self.kw.items()))
        return f"{self.method}-{self.key}-{extra}" if extra else f"{self.method}-{self.key}"


DETERMINISTIC = [
    m
    for m, s in BUILTINS.items()
    if not s.stochastic and not s.choices and s.target == "grad" and m not in CODE_ONLY
]
DET_EXPECT = {  # status of each deterministic method per problem within 1500 iterations
    "poly4": "reached",
    "poly6": "reached",
    "poly8": "not reached",
    "cosh2": "reached",
    "online": "reached",
}
SMALL_SPIDER = {"q": 5, "S1": 8, "S2": 3}
CASES = [
    *[Case(k, m, e) for k, e in DET_EXPECT.items() for m in DETERMINISTIC],
    *[Case("logistic3", m, "not reached") for m in DETERMINISTIC],
    *[Case("phase", m, "reached") for m in DETERMINISTIC],
    *[Case("sep3", m, "reached") for m in ("v24_si", "v24_cl", "v24_star")],
    *[Case("sep3", m, "not reached") for m in ("gd", "clipped_gd", "normalized_gd")],
    Case("poly6", "v24_cl", "reached", kw={"probe_every": 7}),  # exact: probed anyway
    Case("x4", "gd", "diverged", kw={"overrides": {"h": 0.5}, "x0": [3.0]}),
    Case("cosh2", "clipped_gd", "diverged", kw={"overrides": {"eta_c": 1e300}}),
    Case("poly4", "beta_normalized_gd", "reached"),
    Case("cosh2", "beta_normalized_gd", "not reached", kw={"overrides": {"beta": 1.0}}),
    Case("poly6", "beta_normalized_gd", "reached", kw={"overrides": {"beta": 0.0}}),
    Case("phase", "beta_normalized_gd", "reached", kw={"overrides": {"beta": 0.25}}),
    Case("x4", "beta_normalized_gd", "diverged", kw={"overrides": {"gamma": 3.0}, "x0": [3.0]}),
    Case("logistic3", "stm_max", "reached", eps=1e-4),
    Case("exp2", "stm_max", "not reached", eps=1e-6, max_iter=300, kw={"probe_every": 4}),
    Case("logistic3", "stm_max", "not reached", eps=1e-9, max_iter=200, kw={"max_calls": 150}),
    Case("cosh2", "stm_max", "diverged", kw={"overrides": {"nu": 100.0}}),
    Case("cosh2", "stm_max", "diverged", kw={"overrides": {"nu": 1e-320}}),  # h = 0
    # Methods written only as algorithms (issue 26): twins.run_code.
    Case("poly4", "armijo_gd", "reached"),
    Case("sep3", "armijo_gd", "reached", eps=1e-6),
    Case("cosh2", "armijo_gd", "not reached", eps=1e-9, max_iter=3),
    Case("logistic3", "armijo_gd", "not reached", eps=1e-9, kw={"max_calls": 40}),
    Case("phase", "armijo_gd", "reached", kw={"overrides": {"h0": 4.0, "c": 0.5}}),
    Case("logistic3", "adgd", "reached", eps=1e-4),
    Case("exp2", "adgd", "not reached", eps=1e-6, max_iter=10, kw={"probe_every": 3}),
    Case("cosh2", "adgd", "reached", eps=1e-8),
    Case("cosh2", "adgd", "diverged", kw={"overrides": {"lambda0": 1e300}}),
    Case("poly4", "sign_gd", "reached", eps=0.05),
    Case("sep3", "sign_gd", "not reached", eps=0.1),
    Case("cosh2", "sign_gd", "diverged", kw={"overrides": {"eta": 1e308}, "x0": [1e308, 1.0]}),
    Case("poly4", "sign_sgd", "reached", eps=0.05, kw={"noise": "bounded"}),
    Case("phase", "sign_sgd", "not reached", eps=1e-3, max_iter=300, kw={"batch": 2}),
    Case("cosh2", "sign_sgd", "not reached", eps=1e-3, max_iter=300, kw={"noise": "gaussian"}),
    Case("poly4", "normalized_hb", "reached", eps=0.05),
    Case("sep3", "normalized_hb", "not reached", eps=0.05),
    Case("cosh2", "normalized_hb", "not reached", eps=1e-9, max_iter=200, kw={"probe_every": 2}),
    Case("x4", "normalized_hb", "diverged", kw={"overrides": {"eta": 1e308}, "x0": [3.0]}),
    Case("logistic3", "gd_ps", "reached"),
    Case("cosh2", "gd_ps", "reached", eps=1e-3),
    Case("poly6", "gd_ps", "reached", eps=1e-3),
    Case("phase", "gd_ps", "not reached", eps=1e-9, max_iter=6),
    Case("x4", "gd_ps", "diverged", kw={"overrides": {"gamma": 1e300}, "x0": [3.0]}),
    Case("exp2", "l0l1_gd", "reached", eps=1e-2),
    Case("logistic3", "l0l1_gd", "not reached", eps=1e-6, max_iter=300),
    Case("cosh2", "l0l1_gd", "reached", eps=1e-6, kw={"probe_every": 5}),
    Case("poly4", "nsgd_m", "reached", eps=0.05, kw={"noise": "bounded", "noise_level": 0.5}),
    Case("sep3", "nsgd_m", "reached", eps=0.05, kw={"noise": "bounded", "noise_level": 0.5}),
    Case("phase", "nsgd_m", "not reached", eps=0.05, kw={"batch": 2}),
    Case("online", "nsgd_m_agnostic", "reached", eps=0.05),
    Case("cosh2", "nsgd_m_agnostic", "reached", eps=0.05, kw={"noise": "gaussian"}),
    Case("cosh2s", "nsgd_m_agnostic", "reached", eps=0.05, kw={"noise": "bounded"}),
    Case("cosh2s", "nsgd_m", "reached", eps=0.05, kw={"noise": "bounded"}),
    Case("cosh2s", "clipped_sgd", "not reached", eps=1e-3, max_iter=300, kw={"noise": "bounded"}),
    Case("poly4", "clipped_sgd_m", "not reached", eps=0.05, kw={"noise": "bounded"}),
    Case(
        "cosh2",
        "clipped_sgd_m",
        "reached",
        eps=0.05,
        kw={"noise": "bounded", "overrides": {"momentum": 0.9, "eta_c": 0.05, "gamma": 4.0}},
    ),
    Case(
        "cosh2",
        "clipped_sgd_m",
        "diverged",
        eps=0.05,
        kw={"noise": "bounded", "overrides": {"eta_c": 1e300, "gamma": 1e300}},
    ),
    Case("poly4", "adagrad_norm", "reached", eps=0.05, kw={"noise": "bounded"}),
    Case("phase", "adagrad_norm", "not reached", eps=1e-3, max_iter=300),
    Case("x4", "adagrad_norm", "diverged", kw={"overrides": {"gamma": 1e300}, "x0": [3.0]}),
    Case("poly4", "adam", "not reached", eps=0.05, kw={"noise": "gaussian"}),
    Case("online", "adam", "not reached", eps=1e-3, max_iter=300, kw={"batch": 2}),
    Case("cosh2", "adam", "reached", eps=0.05, kw={"overrides": {"momentum": 0.5, "h": 0.01}}),
    Case("sep3", "clipped_sgd_c", "not reached", eps=1e-3, max_iter=300, kw={"noise": "skewed"}),
    Case("poly4", "clipped_sgd_c", "reached", eps=0.05, kw={"noise": "bounded"}),
    Case("poly4", "sgd", "reached", eps=0.05, kw={"noise": "bounded", "noise_level": 0.5}),
    Case("poly4", "sgd", "not reached", eps=1e-4, max_iter=400, kw={"noise": "gaussian"}),
    Case("cosh2", "sgd", "not reached", kw={"noise": "gaussian", "batch": 4, "probe_every": 5}),
    Case("sep3", "clipped_sgd", "not reached", eps=0.1, kw={"noise": "bounded", "batch": 3}),
    Case("logistic3", "clipped_sgd", "not reached", kw={"max_calls": 1000}),
    Case("phase", "sgd", "reached", eps=1e-2, kw={"batch": 2, "overrides": {"h": 0.01}}),
    Case("phase", "clipped_sgd", "not reached", eps=1e-2, kw={"probe_every": 3, "max_calls": 901}),
    Case("online", "sgd", "reached", eps=1e-2, kw={"probe_every": 4}),
    Case("online", "clipped_sgd", "not reached", eps=3e-2, kw={"batch": 5}),
    Case("cosh2", "sgd", "diverged", kw={"noise": "bounded", "overrides": {"h": 1e3}}),
    Case("sep3", "sgd", "not reached", eps=1e-3, max_iter=300, kw={"noise": "student"}),
    Case("sep3", "clipped_sgd", "not reached", eps=1e-3, max_iter=300, kw={"noise": "stable"}),
    Case("cosh2", "sgd", "not reached", eps=1e-3, max_iter=300, kw={"noise": "affine"}),
    Case("phase", "spider", "not reached", eps=1e-3, max_iter=800),
    Case("phase", "spider_clip", "not reached", eps=1e-3, max_iter=800, kw={"overrides": {"q": 6}}),
    Case("phase", "spider_clip", "not reached", eps=1e-3, max_iter=800, kw={"max_calls": 3000}),
    Case("online", "spider", "reached", eps=5e-2, max_iter=800, kw={"overrides": SMALL_SPIDER}),
    Case(
        "online", "spider_clip", "reached", eps=5e-2, max_iter=800, kw={"overrides": SMALL_SPIDER}
    ),
    Case(
        "online",
        "spider_clip",
        "not reached",
        eps=5e-2,
        max_iter=800,
        kw={"overrides": SMALL_SPIDER, "probe_every": 6, "max_calls": 600},
    ),
    Case("poly4", "spider", "not reached", eps=1e-2, max_iter=500, kw={"overrides": SMALL_SPIDER}),
    Case(
        "cosh2",
        "spider_clip",
        "not reached",
        eps=1e-2,
        max_iter=500,
        kw={"noise": "gaussian", "noise_level": 0.3, "overrides": SMALL_SPIDER},
    ),
    Case("phase", "svrg", "reached", eps=1e-2, max_iter=800),
    Case("phase", "sarah", "reached", eps=1e-2, max_iter=800),
    Case("online", "svrg", "not reached", eps=1e-3, max_iter=300, kw={"overrides": SMALL_SPIDER}),
    Case("online", "sarah", "not reached", eps=1e-3, max_iter=300, kw={"overrides": SMALL_SPIDER}),
    Case(
        "cosh2",
        "svrg",
        "diverged",
        kw={"noise": "bounded", "overrides": {**SMALL_SPIDER, "h": 1.0}},
    ),
    Case(
        "cosh2",
        "sarah",
        "diverged",
        kw={"noise": "bounded", "overrides": {**SMALL_SPIDER, "h": 1.0}},
    ),
]


def _twin_of_result(case: Case, res: runs.RunResult):
    """The twin run with the arguments run() gave the kernel (p from the returned params)."""
    prob = problem(case.key)
    spec = registry.METHODS[case.method]
    kw = dict(case.kw)
    x0 = np.array(kw.get("x0", X0[case.key]), dtype=float)
    rule_names = [k for k in spec.param_names if k not in spec.algorithm_values]
    p = np.array([res.params[name] for name in rule_names], dtype=float)
    ckpts = runs._checkpoints(case.max_iter, kw.get("checkpoints", 60))
    common = (prob.kind, prob.P, prob.v, prob.n, ORACLE[res.oracle], res.noise_level)
    tail = (
        x0,
        case.eps,
        case.max_iter,
        kw.get("max_calls", 0),
        kw.get("probe_every", 1),
        np.random.default_rng(kw.get("seed", 3)),
        ckpts,
    )
    if spec.family == "spider":
        q, S1, S2 = (int(res.params[k]) for k in ("q", "S1", "S2"))
        return twins.run_spider(*common, q, S1, S2, prob.n > 0, spec.rule, p, *tail, spec.anchor)
    f_star = prob.f_star if spec.target == "gap" else math.nan
    if case.method in CODE_ONLY:
        batch = kw.get("batch", 1)
        return twins.run_code(case.method, *common, batch, p, *tail, f_star)
    if spec.family == "accelerated":
        return twins.run_accelerated(prob.kind, prob.P, prob.v, prob.n, spec.rule, p, *tail[:5],
                                     tail[6], f_star)  # fmt: skip
    dp = tuple(res.params[k] for k in spec.algorithm_values)
    direction = twins.DIRECTION_OF[spec.algorithm_values]
    return twins.run_single(*common, kw.get("batch", 1), spec.rule, p, *tail, direction, dp, f_star)


def _run(case: Case):
    kw = dict(case.kw)
    kw.setdefault("x0", X0[case.key])
    kw.setdefault("seed", 3)
    return runs.run(problem(case.key), case.method, eps=case.eps, max_iter=case.max_iter, **kw)


def _as_tuple(res: runs.RunResult):
    hit = -1 if res.oracle_calls_at_hit is None else res.oracle_calls_at_hit
    return (
        STATUS[res.status],
        res.iterations,
        hit,
        res.oracle_calls,
        res.clipped_steps,
        res.max_estimator_norm,
        np.asarray(res.x),
        res.trace,
        res.trace.shape[0],
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_run_matches_twin(case):
    res = _run(case)
    assert res.status == case.expect
    if "max_calls" in case.kw and res.status == "not reached":
        assert case.kw["max_calls"] <= res.oracle_calls and res.iterations < case.max_iter
    tw = _twin_of_result(case, res)
    out = _as_tuple(res)
    # RunResult keeps only the used rows; compare against the twin's used rows.
    assert_same_run(out, (*tw[:7], tw[7][: tw[8]], tw[8]))
    if case.method in CODE_ONLY:  # function-value calls apart (T6 counting)
        assert res.value_calls == tw[9]


def test_cases_cover_every_method_and_outcome():
    methods = {c.method for c in CASES}
    assert methods == set(BUILTINS)
    statuses = {c.expect for c in CASES}
    assert {"reached", "not reached", "diverged"} <= statuses
    noises = {c.kw.get("noise") for c in CASES}
    assert {"bounded", "gaussian", "student", "stable", "affine", "skewed"} <= noises  # minibatch /
    # online are the defaults
    assert any(c.kw.get("batch", 1) > 1 for c in CASES)
    assert any(c.kw.get("probe_every", 1) > 1 for c in CASES)
    assert any(c.kw.get("max_calls", 0) > 0 for c in CASES)


def test_run_matches_twin_divergence_through_the_norm_overflow_gap():
    case = Case("x4", "gd", "diverged", kw={"overrides": {"h": 1.0}, "x0": [3.0]})
    res = _run(case)
    tw = _twin_of_result(case, res)
    assert (res.status, res.iterations) == ("diverged", tw[1])


# ------------------------------------------------------------------------------ loops, direct
def _direct_single(key, oracle, w, batch, rule, p, eps, max_iter, max_calls, probe_every, ckpts):
    prob = problem(key)
    args = (prob.kind, prob.P, prob.v, prob.n, ORACLE[oracle], w, batch, rule, np.array(p))
    args += (np.array(X0[key], dtype=float), eps, max_iter, max_calls, probe_every)
    if isinstance(rule, int):
        code = rules.rule_algorithm(rule)
    else:  # a jitted rule registered like a user's (v24_si): its method's algorithm
        code = next(s.algorithm for s in BUILTINS.values() if s.rule is rule)
    ours = (*args[:7], code, *args[8:])
    out = run_algorithm(*ours, np.random.default_rng(21), np.asarray(ckpts, np.int64))
    tw = twins.run_single(*args, np.random.default_rng(21), np.asarray(ckpts, np.int64))
    return out, tw


DIRECT_SINGLE = [
    ("poly6", "exact", 0.0, 1, steps.RULE_CLIP, [0.01, 5.0], 1e-6, 3000, 0, 1, [0, 1, 5, 50]),
    ("poly8", "exact", 0.0, 1, steps.RULE_V24_STAR, [20.0, 3.0], 1e-5, 2000, 500, 1, [3, 9]),
    ("sep3", "gaussian", 0.4, 2, steps.RULE_NORMALIZED, [0.05, 1.0], 1e-2, 900, 0, 4, [0, 10]),
    ("phase", "minibatch", 0.0, 3, steps.RULE_CLIP_SGD, [2.0, 5.0, 0.02], 1e-2, 700, 0, 5, [0]),
    ("phase", "exact", 0.0, 1, steps.RULE_SMOOTH, [5.0, 2.0, 0.567], 1e-6, 2000, 1500, 1, []),
    ("online", "online", 0.1, 1, steps.RULE_FIXED, [0.02], 1e-2, 900, 700, 3, [0, 2, 4]),
    ("logistic3", "bounded", 1.0, 1, V24_SI, [1.0, 2.3], 1e-3, 500, 0, 2, [0, 1]),
]


@pytest.mark.parametrize("args", DIRECT_SINGLE, ids=lambda a: f"{a[0]}-{a[1]}-rule{a[4]}")
def test_run_single_direct_matches_twin(args):
    out, tw = _direct_single(*args)
    assert_same_run(out, tw)
    status, k, _, calls = out[:4]
    max_iter, max_calls = args[7], args[8]
    if status == kernels.NOT_REACHED and k < max_iter:  # stopped by the call budget
        assert 0 < max_calls <= calls


def _spider_driver(kind, P, v, n, oracle, w, q, S1, S2, exact, rule, p, x0, eps, max_iter, mc,
                   pe, rng, ckpts, f_star=math.nan):  # fmt: skip
    """SPIDER through the driver, with twins.run_spider's arguments."""
    code = spider.spider_algorithm(rules.builtin_rule(rule), False)
    sized = spider.with_sizes(p, q, S1, S2, exact)
    return run_algorithm(kind, P, v, n, oracle, w, 1, code, sized, x0, eps, max_iter, mc, pe,
                         rng, ckpts, f_star)  # fmt: skip


def _direct_spider(key, oracle, w, q, S1, S2, exact_refresh, rule, p, eps, max_iter, mc, pe):
    prob = problem(key)
    args = (prob.kind, prob.P, prob.v, prob.n, ORACLE[oracle], w, q, S1, S2, exact_refresh)
    args += (rule, np.array(p), np.array(X0[key], dtype=float), eps, max_iter, mc, pe)
    ckpts = np.array([0, 1, 2, 7, 30, 100], dtype=np.int64)
    out = _spider_driver(*args, np.random.default_rng(5), ckpts)
    tw = twins.run_spider(*args, np.random.default_rng(5), ckpts)
    return out, tw


SP, SPC = steps.RULE_SPIDER, steps.RULE_SPIDER_CLIP
DIRECT_SPIDER = [
    ("phase", "minibatch", 0.0, 6, 30, 2, True, SPC, [5.0, 2.0, 1.0, 1e-3], 1e-3, 900, 0, 1),
    ("phase", "minibatch", 0.0, 4, 10, 3, False, SP, [40.0, 1.0, 1e-3], 1e-3, 600, 0, 3),
    ("online", "online", 0.1, 5, 20, 3, False, SPC, [5.0, 2.0, 1.0, 1e-2], 1e-2, 800, 0, 2),
    ("online", "online", 0.1, 3, 12, 2, False, SP, [40.0, 1.0, 1e-2], 1e-2, 800, 3000, 1),
    ("cosh2", "bounded", 0.5, 4, 6, 2, False, SPC, [1.0, 1.0, 1.0, 1e-2], 1e-2, 500, 0, 1),
    ("poly6", "gaussian", 0.5, 7, 4, 1, False, SP, [60.0, 1.0, 1e-3], 1e-3, 500, 0, 1),
]


@pytest.mark.parametrize("args", DIRECT_SPIDER, ids=lambda a: f"{a[0]}-{a[1]}-rule{a[7]}")
def test_run_spider_direct_matches_twin(args):
    out, tw = _direct_spider(*args)
    assert_same_run(out, tw)


def test_run_spider_gap_test_matches_twin():
    """The gap hitting test f(x_k) - f* <= eps (T6, convex measure) in the SPIDER loop."""
    prob = problem("cosh2")
    args = (prob.kind, prob.P, prob.v, prob.n, ORACLE["bounded"], 0.3, 4, 6, 2, False)
    args += (steps.RULE_SPIDER_CLIP, np.array([1.0, 1.0, 1.0, 1e-2]))
    args += (np.array(X0["cosh2"], dtype=float), 1e-2, 2000, 0, 3)
    ckpts = np.array([0, 1, 2, 7, 30, 100], dtype=np.int64)
    rng = np.random.default_rng
    out = _spider_driver(*args, rng(5), ckpts, prob.f_star)
    tw = twins.run_spider(*args, rng(5), ckpts, False, prob.f_star)
    assert_same_run(out, tw)
    assert out.status == kernels.REACHED
    assert prob.value(out.x) - prob.f_star <= 1e-2 < out.trace[out.rows - 1, 3]
