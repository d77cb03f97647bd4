"""Hard instances (THEORY T2, T3): the zero chain, its Bernoulli oracle, the finite-sum chain
and the Z20 bowl. Formulas against NumPy twins, the claimed properties checked numerically,
the oracle's unbiasedness and variance, zero-respecting runs of every method, and kernel
runs against the twin loops on the new kinds."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from l0l1 import runs
from l0l1.jitstatic import Static  # a kind reaches jitted code as Static(kind)
from l0l1.methods import kernels, registry
from l0l1.methods.algorithms import rules, spider
from l0l1.methods.driver import run_algorithm
from l0l1.problems import chain, evaluate, hard, oracles
from l0l1.problems.catalog import make_problem, start_constants
from l0l1.validate import InputError

try:
    import twins
    from test_kernels_twins import assert_same_run
except ImportError:  # tests/ made a package
    from tests import twins
    from tests.test_kernels_twins import assert_same_run


@functools.cache
def problem(key: str):
    return {
        "chain5": lambda: make_problem("zero_chain", eps=0.5, L=2.0, T=5, sigma=3.0),
        "chain_delta": lambda: make_problem("zero_chain", eps=0.1, L=1.0, Delta=200.0),
        "sum": lambda: make_problem("zero_chain_sum", n=6, eps=0.2, L=1.5, T=4),
        "bowl": lambda: make_problem("z20_bowl", L0=2.0, L1=3.0),
    }[key]()


def _points(prob, rng, count=30):
    """Random points in units of lam, with coordinates near the thresholds 1/4, 1/2, 1."""
    lam = prob.v[0] if prob.kind != twins.BOWL else 1.0 / prob.v[1]
    special = np.array([0.0, 0.25, 0.5, 0.5 + 1e-9, 0.75, 1.0, -0.5, -0.6, 2.0, 40.0])
    out = [lam * rng.normal(0, 1.5, prob.dim) for _ in range(count)]
    out += [lam * rng.choice(special, prob.dim) for _ in range(count)]
    return out


# ------------------------------------------------------------------------------ formulas
@pytest.mark.parametrize("key", ["chain5", "chain_delta", "sum", "bowl"])
def test_formulas_match_twin(key):
    prob = problem(key)
    rng = np.random.default_rng(1)
    for x in _points(prob, rng):
        f_tw = twins.value(prob.kind, prob.P, prob.v, x)
        g_tw = twins.grad(prob.kind, prob.P, prob.v, x)
        g = np.empty(prob.dim)
        evaluate.grad_into(prob.kind, prob.P, prob.v, x, g)
        assert evaluate.value(prob.kind, prob.P, prob.v, x) == pytest.approx(
            f_tw, rel=1e-12, abs=1e-13 * (1 + abs(f_tw))
        )
        np.testing.assert_allclose(g, g_tw, rtol=1e-12, atol=1e-13 * (1 + np.abs(g_tw).max()))


@pytest.mark.parametrize("key", ["chain5", "sum", "bowl"])
def test_twin_gradient_is_the_derivative_of_twin_value(key):
    prob = problem(key)
    rng = np.random.default_rng(2)
    scale = prob.v[0] if prob.kind != twins.BOWL else 1.0
    for x in _points(prob, rng, 5)[:5]:
        h = 1e-6 * scale
        fd = np.array([(twins.value(prob.kind, prob.P, prob.v, x + h * e)
                        - twins.value(prob.kind, prob.P, prob.v, x - h * e)) / (2 * h)
                       for e in np.eye(prob.dim)])  # fmt: skip
        g = twins.grad(prob.kind, prob.P, prob.v, x)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(g).max()))


def test_component_gradients_match_twin_and_average_to_the_gradient():
    prob = problem("sum")
    rng = np.random.default_rng(3)
    for x in _points(prob, rng, 5):
        comps = np.array([prob.component_grad(i, x) for i in range(prob.n)])
        for i in range(prob.n):
            np.testing.assert_allclose(
                comps[i], twins.component_grad(prob.kind, prob.P, prob.v, i, x), rtol=1e-12,
                atol=1e-13 * (1 + np.abs(comps[i]).max()),
            )  # fmt: skip
        np.testing.assert_allclose(comps.mean(axis=0), prob.grad(x), rtol=1e-12, atol=1e-12)


def test_hessian_vector_product_matches_gradient_differences():
    rng = np.random.default_rng(4)
    for _ in range(20):
        u = rng.normal(0, 1.5, 6)
        w = rng.normal(0, 1, 6)
        hv = np.empty(6)
        chain.chain_hvp_into(u, w, hv)
        h = 1e-6
        fd = (twins.chain_dF(u + h * w) - twins.chain_dF(u - h * w)) / (2 * h)
        np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-6)
        diag, off = np.empty(6), np.empty(5)
        chain.chain_hess_tridiag(u, diag, off)
        H = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
        np.testing.assert_allclose(H @ w, hv, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------ claims (T2)
def test_closed_form_sups_behind_the_derived_bounds():
    """sup Psi' = sqrt(54/e), sup |Psi''| = 32.39, sup Phi = sqrt(2 pi e): dense grids agree."""
    t = np.linspace(0.5 + 1e-6, 6.0, 400_001)
    d1 = np.array([chain.dpsi(s) for s in t[::20]])
    d2 = np.array([abs(chain.d2psi(s)) for s in t[::20]])
    assert d1.max() == pytest.approx(hard.DPSI_MAX, rel=1e-6)
    assert d2.max() == pytest.approx(hard.D2PSI_MAX, rel=1e-6)
    assert d1.max() <= hard.DPSI_MAX and d2.max() <= hard.D2PSI_MAX
    assert chain.phi(40.0) == pytest.approx(hard.PHI_MAX, rel=1e-15)
    assert hard.GRAD_BOUND <= 23 and hard.HESS_BOUND <= 152  # the derived bounds
    gap1 = chain.chain_value(np.zeros(1), 1.0) - hard.inf_chain(1)
    assert hard.chain_gap(1) == pytest.approx(gap1, rel=1e-14)


def test_claimed_properties_hold_numerically():
    """Every claim of T2 on random and adversarial points (a smaller search than the report's)."""
    rows = hard.check_chain_properties(seed=7, starts=3, random_points=400)
    failed = [r for r in rows if not r["holds"]]
    assert not failed, failed
    by = {r["property"]: r for r in rows}
    lip = by["grad F_T is 152-Lipschitz"]
    assert lip["measured"] <= lip["derived"] <= 152
    part = by["|d_i F_T| <= 23"]
    assert part["measured"] <= part["derived"] <= 23
    # the large-gradient bound is tight: ||grad F_1(u)|| = sqrt(e) e^{-u^2/2} -> 1 at |u| -> 1
    assert by["|u_T| < 1 implies ||grad F_T(u)|| > 1"]["measured"] < 1.001


def test_zero_chain_property_at_random_points():
    rng = np.random.default_rng(8)
    for _ in range(300):
        T = int(rng.integers(2, 10))
        j = int(rng.integers(0, T))
        u = np.concatenate([rng.normal(0, 2, j), rng.uniform(-0.5, 0.5, T - j)])
        g = np.empty(T)
        chain.chain_grad_into(u, 1.0, g)
        assert np.all(g[j + 1 :] == 0.0)


def test_scaled_instance_identities():
    """grad f = eps grad F_T(x/lam); ||grad f|| > eps while |x_T| < lam; f(0) - f* <= Delta."""
    prob = problem("chain_delta")
    eps, L, lam = 0.1, 1.0, 152 * 0.1
    assert prob.dim == math.floor(200.0 * L / (1824 * eps**2)) == 10
    assert prob.v[0] == pytest.approx(lam)
    rng = np.random.default_rng(9)
    for x in _points(prob, rng):
        np.testing.assert_allclose(prob.grad(x), eps * twins.chain_dF(x / lam), rtol=1e-12)
        if abs(x[-1]) < lam:
            assert np.linalg.norm(prob.grad(x)) > eps
    sc = start_constants(prob, np.zeros(prob.dim))
    assert sc.certified and sc.Delta <= 200.0
    assert sc.Delta == pytest.approx(prob.v[1] * hard.chain_gap(prob.dim), rel=1e-12)
    assert prob.constants.L0 == L and prob.constants.L1 == 0 and prob.constants.certified


def test_chain_inputs_are_validated():
    with pytest.raises(InputError, match="exactly one of Delta"):
        make_problem("zero_chain", eps=0.1, Delta=1.0, T=3)
    with pytest.raises(InputError, match=r"Delta >= 1824 eps\^2 / L"):
        make_problem("zero_chain", eps=0.1, Delta=1.0)
    with pytest.raises(InputError, match="n: 5 is odd"):
        make_problem("zero_chain_sum", n=5, eps=0.1, T=3)
    with pytest.raises(ValueError, match="needs a zero chain"):
        runs.run(make_problem("cosh", dim=2), "sgd", eps=0.1, noise="bernoulli")
    with pytest.raises(ValueError, match=r"p in \(0, 1\]"):
        runs.run(problem("chain5"), "sgd", eps=0.5, noise_level=1.5, max_iter=3)


# ------------------------------------------------------------------------------ oracle (A19)
def test_bernoulli_eps_to_p_scaling():
    assert hard.bernoulli_p(0.1, 0.0) == 1.0
    assert hard.bernoulli_p(0.1, 0.1) == 1.0
    assert hard.bernoulli_p(0.01, 1.0) == pytest.approx(math.e**3 * 1e-4)
    tau, sigma = hard.bernoulli_noise(0.01, hard.bernoulli_p(0.01, 1.0))
    assert sigma <= 1.0 + 1e-12 and tau > sigma


def test_bernoulli_oracle_is_unbiased_with_the_stated_variance():
    """At a point with prog_{1/4} = 2 only coordinate 3 is noisy: mean = grad f, variance
    (d_3 f)^2 (1 - p)/p <= e^3 eps^2 (1 - p)/p; checked on 40000 kernel draws (5 SE)."""
    prob = problem("chain5")
    lam, p = prob.v[0], prob.v[2]
    assert p == pytest.approx(hard.bernoulli_p(0.5, 3.0))
    x = lam * np.array([1.3, 0.8, 0.1, 0.0, 0.0])
    g = prob.grad(x)
    rng = np.random.default_rng(10)
    s, out = np.empty(prob.dim + 1), np.empty(prob.dim)
    draws = np.empty((40_000, prob.dim))
    for k in range(draws.shape[0]):
        oracles.draw_sample(oracles.ORACLE_BERNOULLI, prob.P, prob.v, p, 0, rng, s)
        kind = Static(prob.kind)
        oracles.sample_grad_into(oracles.ORACLE_BERNOULLI, kind, prob.P, prob.v, s, x, out)
        draws[k] = out
    assert np.all(draws[:, [0, 1, 3, 4]] == g[[0, 1, 3, 4]])  # only the frontier is noisy
    assert g[2] != 0 and np.all(g[3:] == 0)
    se = draws[:, 2].std() / math.sqrt(draws.shape[0])
    assert abs(draws[:, 2].mean() - g[2]) < 5 * se
    var = g[2] ** 2 * (1 - p) / p
    assert draws[:, 2].var() == pytest.approx(var, rel=0.05)
    assert var <= hard.bernoulli_noise(0.5, p)[1] ** 2 <= 3.0**2 * (1 + 1e-12)


def test_bernoulli_draws_match_twin_and_consume_the_same_stream():
    prob = problem("chain5")
    rng_nb, rng_tw = np.random.default_rng(11), np.random.default_rng(11)
    s, out = np.empty(prob.dim + 1), np.empty(prob.dim)
    x = prob.v[0] * np.array([0.9, 0.6, 0.2, 0.0, 0.0])
    for _ in range(50):
        oracles.draw_sample(oracles.ORACLE_BERNOULLI, prob.P, prob.v, 0.3, 0, rng_nb, s)
        kind = Static(prob.kind)
        oracles.sample_grad_into(oracles.ORACLE_BERNOULLI, kind, prob.P, prob.v, s, x, out)
        sample = twins.draw_sample(twins.BERNOULLI, prob.P, prob.v, 0.3, 0, rng_tw, prob.dim)
        expect = twins.sample_grad(twins.BERNOULLI, prob.kind, prob.P, prob.v, sample, x)
        np.testing.assert_allclose(out, expect, rtol=1e-13, atol=1e-15)
    assert rng_nb.random() == rng_tw.random()


# ------------------------------------------------------------------------------ finite sum
def test_finite_sum_chain_meets_the_per_sample_assumption():
    """||grad f_i(x) - grad f_i(y)|| <= A L ||x - y|| (T5, L1 = 0) on random pairs."""
    prob = make_problem("zero_chain_sum", n=8, eps=0.3, L=2.0, T=5)
    assert prob.spec["per_sample_assumption"]
    rng = np.random.default_rng(12)
    lam, worst = prob.v[0], 0.0
    for _ in range(400):
        x = lam * rng.normal(0, 1.2, prob.dim)
        y = x + lam * rng.normal(0, 0.05, prob.dim)
        i = int(rng.integers(prob.n))
        ratio = np.linalg.norm(prob.component_grad(i, x) - prob.component_grad(i, y))
        worst = max(worst, ratio / np.linalg.norm(x - y))
    assert worst <= hard.A_PER_SAMPLE * prob.constants.L0


# ------------------------------------------------------------------------------ Z20 bowl
def test_bowl_is_c2_and_l0l1_smooth_with_its_constants():
    prob = problem("bowl")
    L0, L1 = prob.v
    edge = 1.0 / L1
    for side in (edge, -edge):
        lo, hi = side * (1 - 1e-12), side * (1 + 1e-12)
        assert prob.value([lo]) == pytest.approx(prob.value([hi]), rel=1e-10)
        assert prob.grad([lo])[0] == pytest.approx(prob.grad([hi])[0], rel=1e-10)
    x = np.linspace(-4, 4, 4001)
    g = np.array([prob.grad([t])[0] for t in x])
    second = np.gradient(g, x)
    assert np.all(second <= (L0 + L1 * np.abs(g)) * (1 + 1e-3) + 1e-9)
    assert prob.value([0.0]) == prob.f_star == L0 / (2 * L1**2)
    for M in (0.5, 10.0, 1e4):
        x0 = hard.bowl_x0(M, L0, L1)
        assert prob.grad([x0])[0] == pytest.approx(M, rel=1e-12)
        sc = start_constants(prob, np.array([x0]))
        assert sc.certified and M <= sc.M <= M * (1 + 2e-12)  # rounded outward


def test_bowl_gd_above_the_step_threshold_diverges_and_theory_step_converges():
    """Z20 Thm 4's first half: from f'(x0) = M, a step h > 2 x0 / M overshoots to a larger
    |x| (and then diverges); the Thm 6 step 1/(2(L0 + L1 M)) converges."""
    prob = make_problem("z20_bowl", L0=1.0, L1=1.0)
    M = 1e3
    x0 = hard.bowl_x0(M)
    big = runs.run(prob, "gd", eps=1e-2, x0=[x0], overrides={"h": 2.2 * x0 / M}, max_iter=1000)
    assert big.status == "diverged"
    ok = runs.run(prob, "gd", eps=1e-2, x0=[x0], max_iter=10**6)
    assert ok.status == "reached" and ok.iterations > 5 * log_count(M)
    clip = runs.run(prob, "clipped_gd", eps=1e-2, x0=[x0], max_iter=10**6)
    assert clip.status == "reached" and clip.iterations < ok.iterations / 50


def log_count(M):
    """A number of iterations that grows only like log M."""
    return 10 * (1 + math.log(M))


# ------------------------------------------------------------------------------ zero-respecting
# Larger steps (and small SPIDER batches) so that 700 steps discover several coordinates;
# zero-respecting is structural, the step sizes do not matter for it.
FAST = {
    "sgd": {"h": 0.5},
    "clipped_sgd": {"eta": 0.5},
    "spider": {"eps": 50.0, "q": 5, "S1": 8, "S2": 3},
    "spider_clip": {"eps": 50.0, "q": 5, "S1": 8, "S2": 3},
    "svrg": {"h": 0.5, "q": 5, "S1": 8, "S2": 3},
    "sarah": {"h": 0.5, "q": 5, "S1": 8, "S2": 3},
    "beta_normalized_gd": {"gamma": 0.5},
    "nsgd_m": {"gamma": 0.5},
    "nsgd_m_agnostic": {"gamma": 0.5},
    "clipped_sgd_m": {"eta_c": 0.5, "momentum": 0.5},
    "adagrad_norm": {"gamma": 5.0},
    "adam": {"h": 0.5},
    "clipped_sgd_c": {"eta_c": 0.5},
}


def _prefix_iterates(prob, method, K, seed=0):
    """x_0..x_K of ``method`` on ``prob``: one driver run keeping its iterates, with the
    parameters :func:`l0l1.runs.run` gives it (a run stopped early, e.g. GD-PS landing on a
    flat stretch of the chain, has no later iterate)."""
    spec = registry.METHODS[method]
    noise = "bernoulli" if spec.stochastic else None
    res = runs.run(prob, method, eps=1.0, x0=np.zeros(prob.dim), max_iter=K, seed=seed,
                   noise=noise, noise_level=0.5 if spec.stochastic else None,
                   overrides=FAST.get(method))  # fmt: skip
    p = np.array([float(res.params[k]) for k in spec.param_names])
    if spec.family == "spider":
        q, S1, S2 = (int(res.params[key]) for key in ("q", "S1", "S2"))
        p = spider.with_sizes(p, q, S1, S2, False)
    out = run_algorithm(
        prob.kind, prob.P, prob.v, prob.n, runs._ORACLE_CODES[res.oracle], res.noise_level, 1,
        spec.algorithm, p, np.zeros(prob.dim), 1e-9, K, 0, 1, np.random.default_rng(seed),
        np.arange(K, dtype=np.int64), keep_iterates=True,
    )  # fmt: skip
    return list(out.iterates[: out.rows])


@pytest.mark.parametrize("method", sorted(m for m, s in registry.METHODS.items()
                                          if s.builtin and s.family != "accelerated"))  # fmt: skip
def test_every_method_is_zero_respecting_on_the_chain(method):
    """No coordinate beyond max_{j<k} prog_{1/2}(x_j) + 1 is non-zero in x_k: every method
    discovers at most one new coordinate per step, so it needs >= T steps (C17). (The
    accelerated loop queries its gradients at x_{k+1}, not at its iterates y_k: its
    discovery is bounded by the query points, which this test of iterates does not see.)"""
    prob = make_problem("zero_chain", eps=1.0, L=1.0, T=5)
    lam = prob.v[0]
    xs = _prefix_iterates(prob, method, 700)
    reach = 0  # max prog_{1/2} over the iterates so far
    deepest = 0
    for k in range(1, len(xs)):
        reach = max(reach, chain.progress(xs[k - 1], lam, 0.5))
        nz = np.nonzero(xs[k])[0]
        last = int(nz.max()) + 1 if nz.size else 0
        assert last <= reach + 1, (method, k, last, reach)
        deepest = max(deepest, last)
    assert deepest >= 2  # the test saw the chain being discovered


@pytest.mark.parametrize("method", ["gd", "clipped_gd", "normalized_gd"])
def test_deterministic_methods_need_at_least_T_iterations(method):
    prob = make_problem("zero_chain", eps=0.1, L=1.0, T=12)
    res = runs.run(prob, method, eps=0.1)
    assert res.status == "reached" and res.iterations >= prob.dim
    assert res.clipped_steps == 0  # L1 = 0: Z20 clipping never engages on a chain
    assert res.bound is not None and res.iterations <= res.bound


# ------------------------------------------------------------------------------ kernels vs twins
def _args(prob, x0, oracle, w):
    return (prob.kind, prob.P, prob.v, prob.n, oracle, w), np.asarray(x0, dtype=float)


SINGLE = [
    ("chain5", twins.EXACT, 0.0, 0, [0.25], 0.5, 3000),
    ("chain5", twins.BERNOULLI, 0.3, 0, [0.05], 0.5, 4000),
    ("sum", twins.MINIBATCH, 0.0, 7, [0.0, 1.0, 0.2], 0.2, 3000),
    ("bowl", twins.EXACT, 0.0, 2, [0.05, 1.0], 1e-3, 3000),
    ("bowl", twins.EXACT, 0.0, 0, [2.0], 1e-3, 100),  # diverges
]


@pytest.mark.parametrize("case", SINGLE, ids=lambda c: f"{c[0]}-oracle{c[1]}-rule{c[3]}")
def test_run_single_on_hard_kinds_matches_twin(case):
    key, oracle, w, rule, p, eps, max_iter = case
    prob = problem(key)
    x0 = [hard.bowl_x0(50.0, *prob.v)] if key == "bowl" else np.zeros(prob.dim)
    head, x0 = _args(prob, x0, oracle, w)
    ckpts = np.array([0, 1, 3, 10, 100, 1000], dtype=np.int64)
    tail = (1, rule, np.array(p), x0, eps, max_iter, 0, 2, np.random.default_rng(13), ckpts)
    out = run_algorithm(*head, 1, rules.rule_algorithm(rule), *tail[2:])
    tw = twins.run_single(*head, *tail[:-2], np.random.default_rng(13), ckpts)
    assert_same_run(out, tw)
    if key == "bowl" and rule == 0:
        assert out[0] == kernels.DIVERGED


SPIDER = [
    ("chain5", twins.BERNOULLI, 0.3, 4, 12, 5, False, [2.0, 0.0, 1.0, 0.5], 0.5, 2500),
    ("sum", twins.MINIBATCH, 0.0, 3, 6, 4, True, [1.5, 0.0, 1.0, 0.2], 0.2, 2500),
]


@pytest.mark.parametrize("case", SPIDER, ids=lambda c: f"{c[0]}-oracle{c[1]}")
def test_run_spider_on_hard_kinds_matches_twin(case):
    key, oracle, w, q, S1, S2, exact, p, eps, max_iter = case
    prob = problem(key)
    head, x0 = _args(prob, np.zeros(prob.dim), oracle, w)
    ckpts = np.array([0, 2, 7, 30, 300], dtype=np.int64)
    rule = registry.METHODS["spider_clip"].rule
    mid = (q, S1, S2, exact, rule, np.array(p), x0, eps, max_iter, 0, 1)
    code = spider.spider_algorithm(rules.builtin_rule(rule), False)
    sized = spider.with_sizes(np.array(p), q, S1, S2, exact)
    out = run_algorithm(*head, 1, code, sized, *mid[6:], np.random.default_rng(14), ckpts)
    tw = twins.run_spider(*head, *mid, np.random.default_rng(14), ckpts)
    assert_same_run(out, tw)
    assert out[0] == kernels.REACHED


def test_default_oracle_and_levels_on_chains():
    prob = problem("chain5")
    spec = registry.METHODS["sgd"]
    assert runs.choose_oracle(prob, spec, None, None) == ("bernoulli", prob.v[2])
    assert runs.choose_oracle(problem("sum"), spec, None, None) == ("minibatch", 0.0)
    res = runs.run(prob, "spider_clip", eps=0.5, seed=1)
    tau, sigma = hard.bernoulli_noise(0.5, prob.v[2])
    assert res.oracle == "bernoulli" and res.status == "reached"
    assert res.noise_level == prob.v[2] and any("Bernoulli" in a for a in res.assumptions)
    assert res.params["S1"] == max(1, math.ceil(2 * sigma**2 / 0.25))
    assert tau > 0
