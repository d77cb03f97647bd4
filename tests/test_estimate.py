"""l0l1.estimate: sampled (L0, L1) frontiers against exact ones (THEORY T2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from l0l1.estimate import ConstantEstimate, estimate_constants, hessian_norm
from l0l1.problems.base import Problem
from l0l1.problems.catalog import make_problem
from l0l1.validate import InputError

GRID = np.array([0.25, 0.5, 1.0, 2.0, 4.0])  # x^4's maximisers 2/L1 lie in [0.5, 8]
# The most an estimate may exceed an exact value: each value is rounded up by its accuracy,
# 1e-8 (h + L1 g) with central differences (h + L1 g is 5 L0 at x^4's maximiser).
ROUNDING = 1e-6


@pytest.fixture(scope="module")
def quartic():
    return make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])


@pytest.fixture(scope="module")
def user_quartic():
    # grad returns an array, no hvp: ||hess f|| comes from central differences.
    prob = Problem.from_functions(lambda x: np.sum(x**4), lambda x: 4.0 * x**3, dim=1)
    assert prob.hvp is None
    return prob


@pytest.fixture(scope="module")
def exp_x2():
    x = sp.Symbol("x")
    return Problem.from_sympy(sp.exp(x**2), [x])


@pytest.fixture(scope="module")
def trivariate():
    """A non-separable d = 3 problem with an indefinite, non-diagonal Hessian and an hvp."""
    syms = sp.symbols("x y z")
    x, y, z = syms
    expr = x**4 / 4 + 3 * x * y - y**2 * z + sp.cosh(y) * z**2 / 2 + x * z
    prob = Problem.from_sympy(expr, syms)
    hess = sp.lambdify([syms], sp.hessian(expr, syms), "numpy")
    return prob, lambda p: np.array(hess(p), dtype=float)


# --- x^4: L0*(L1) = 16 / L1^2, attained at |x| = 2/L1 -----------------------------------


@pytest.mark.parametrize("which", ["quartic", "user_quartic"])
def test_quartic_frontier_is_16_over_L1_squared(which, request):
    prob = request.getfixturevalue(which)
    est = estimate_constants(prob, region=(-10.0, 10.0), L1_grid=GRID, samples=2000)
    exact = 16.0 / GRID**2
    assert np.all(exact * (1 + ROUNDING) >= est.L0)
    assert np.all(0.99 * exact <= est.L0)
    assert np.allclose(np.abs(est.argmax[:, 0]), 2.0 / GRID, rtol=0.02)
    assert est.fits
    assert est.max_hess_norm == pytest.approx(12 * 80.0**2, rel=0.02)  # the box grew to 80
    for lam, exact_l0 in zip(GRID, exact, strict=True):
        pair = est.pair(lam)
        assert lam == pair.L1
        assert exact_l0 * (1 + ROUNDING) >= pair.L0
        assert 0.99 * exact_l0 <= pair.L0
        assert not pair.certified


def test_builtin_and_user_quartic_agree(quartic, user_quartic):
    a = estimate_constants(quartic, region=(-10.0, 10.0), L1_grid=GRID, samples=300, seed=3)
    b = estimate_constants(user_quartic, region=(-10.0, 10.0), L1_grid=GRID, samples=300, seed=3)
    np.testing.assert_allclose(a.L0, b.L0, rtol=1e-9)


def test_quartic_fits_on_the_default_grid(quartic):
    """Small L1 (maximiser 2/L1 beyond the region) still grows; the large ones saturate."""
    est = estimate_constants(quartic, region=(-10.0, 10.0), samples=500)
    assert est.fits
    before, last = est.L0_by_radius[-2], est.L0_by_radius[-1]
    # maximiser inside the second-largest box, and wide enough to be hit by its samples
    saturated = (2.0 / est.L1 <= 40.0) & (est.L1 <= 10.0)
    np.testing.assert_allclose(last[saturated], before[saturated], rtol=0.01)
    assert np.all(last[est.L1 <= 0.02] > 1.5 * before[est.L1 <= 0.02])
    assert "estimated, not certified" in est.statement
    assert "no finite" not in est.statement


def test_trajectory_points_are_included(quartic):
    """points= are sampled as given: x = 8 is outside the ball, and is the maximiser at 1/4."""
    alone = estimate_constants(quartic, region=0.5, L1_grid=[0.25], samples=200)
    assert alone.L0[0] <= (12 * 4.0**2 - 4 * 0.25 * 4.0**3) * (1 + ROUNDING)  # |x| <= 4: 128
    more = estimate_constants(quartic, region=0.5, L1_grid=[0.25], samples=200, points=[[8.0]])
    assert more.L0[0] == pytest.approx(256.0, rel=ROUNDING)
    assert more.argmax[0, 0] == 8.0
    assert more.samples == alone.samples + 1


def test_sublevel_set_only(quartic):
    """With x0 = 1.5 the sublevel set is |x| <= 1.5, so L0*(1/4) = max_{|x|<=1.5}: 12 x^2 - x^3."""
    est = estimate_constants(quartic, x0=[1.5], L1_grid=[0.25], samples=1000)
    exact = 12 * 1.5**2 - 1.5**3  # increasing on [0, 1.5]: attained at the boundary
    assert est.L0[0] <= exact * (1 + ROUNDING)
    assert est.L0[0] >= 0.99 * exact
    assert abs(est.argmax[0, 0]) <= 1.5
    assert est.fits  # nothing new beyond the sublevel set
    assert "{f <= f(x0)}" in est.region


def test_order_statistics_claim_holds_on_a_fine_grid(quartic):
    """The points where 12x^2 - 4|x|^3 exceeds the sampled max fill <= ln(1/delta)/N."""
    n, delta = 200, 0.05
    est = estimate_constants(quartic, region=(-3.0, 3.0), L1_grid=[1.0], samples=n, growth=1)
    xs = np.linspace(-6.0, 6.0, 200001)  # the largest box sampled
    phi = np.maximum(12 * xs**2 - 4 * np.abs(xs) ** 3, 0.0)
    assert np.mean(phi > est.L0[0]) <= math.log(1 / delta) / n
    assert f"ln(1/{delta:.3g})/{n}" in est.confidence
    assert "does NOT" in est.confidence


def test_same_seed_same_estimate(quartic):
    a = estimate_constants(quartic, region=2.0, L1_grid=[1.0], samples=100, seed=7)
    b = estimate_constants(quartic, region=2.0, L1_grid=[1.0], samples=100, seed=7)
    c = estimate_constants(quartic, region=2.0, L1_grid=[1.0], samples=100, seed=8)
    assert a.L0[0] == b.L0[0]
    assert a.L0[0] != c.L0[0]


# --- exponential family: certified pairs (THEORY T2) --------------------------------------


def test_cosh_and_logcosh_reach_their_certified_L0():
    for name in ("cosh", "logcosh"):
        prob = make_problem(name)
        c = prob.constants
        est = estimate_constants(prob, region=2.0, L1_grid=[c.L1], samples=2000)
        assert est.L0[0] <= c.L0 * (1 + ROUNDING), name
        assert est.L0[0] >= 0.99 * c.L0, name
        assert est.fits


def test_exp_needs_no_L0_at_L1_1():
    """e^x: (0, 1) is the least pair (the certified L0 = 1 is a choice, THEORY T2)."""
    prob = make_problem("exp", dim=2)
    est = estimate_constants(prob, region=2.0, L1_grid=[0.5, 1.0], samples=500)
    assert prob.constants.L1 == 1.0
    assert est.L0[1] == 0.0 <= prob.constants.L0
    assert est.L0[0] == pytest.approx(0.5 * est.max_hess_norm, rel=1e-6)
    assert est.fits  # L0*(1) = 0 does not grow: finite differences' error is not growth


def test_logistic_global_smoothness_and_certified_pair():
    prob = make_problem("logistic", a=[1.0, -2.0])
    c = prob.constants  # (||a||^2 / 4, ||a||)
    est = estimate_constants(prob, region=3.0, L1_grid=[0.0, c.L1], samples=2000)
    assert est.L0[0] <= c.L0 * (1 + ROUNDING)
    assert est.L0[0] >= 0.99 * c.L0  # L1 = 0: the smoothness ||a||^2/4 at a.x = 0
    assert est.L0[1] == 0.0  # (0, ||a||) suffices
    assert est.fits


# --- e^{x^2}: no finite pair ----------------------------------------------------------------


def test_exp_x_squared_has_no_finite_pair(exp_x2):
    est = estimate_constants(exp_x2, region=1.0, L1_grid=np.logspace(-1, 1, 9), samples=500)
    assert not est.fits
    assert "no finite (L0, L1) fits" in est.statement
    assert "keeps growing with the radius for every L1" in est.statement
    assert np.all(est.L0_by_radius[-1] > 1e6 * est.L0_by_radius[-2])
    assert est.status == "estimated"


def test_exp_x_squared_fits_on_a_sublevel_set(exp_x2):
    """Its sublevel sets are bounded ({|x| <= 2} here), so a sampled pair fits there."""
    est = estimate_constants(exp_x2, x0=[2.0], L1_grid=[1.0], samples=1000)
    assert est.fits
    exact = (2 + 4 * 4.0 - 2 * 2.0) * math.exp(4.0)  # (f'' - f')(2), increasing on [0, 2]
    assert 0.99 * exact <= est.L0[0] <= exact * (1 + 1e-11)  # hvp: rounded up by 1e-12 (h + g)


# --- power iteration against eigvalsh -------------------------------------------------------


def test_power_iteration_matches_eigvalsh(trivariate):
    prob, hess = trivariate
    assert prob.hvp is not None
    rng = np.random.default_rng(1)
    for p in rng.uniform(-2.0, 2.0, (8, 3)):
        H = hess(p)
        assert not np.allclose(H, np.diag(np.diag(H)))
        top = float(np.max(np.abs(np.linalg.eigvalsh(H))))
        via_hvp = hessian_norm(prob, p, hessian="hvp", iters=1000, tol=1e-14)
        via_fd = hessian_norm(prob, p, hessian="differences", iters=1000, tol=1e-14)
        assert via_hvp == pytest.approx(top, rel=1e-6)
        assert via_fd == pytest.approx(top, rel=1e-6)
        assert via_fd == pytest.approx(via_hvp, rel=1e-6)


def test_hvp_and_difference_estimates_agree(trivariate):
    prob, hess = trivariate
    kw = {"region": 1.0, "L1_grid": [0.5, 2.0], "samples": 100, "growth": 1}
    a = estimate_constants(prob, hessian="hvp", **kw)
    b = estimate_constants(prob, hessian="differences", **kw)
    assert "hvp" in a.how and "central differences" in b.how
    np.testing.assert_allclose(a.L0, b.L0, rtol=1e-5)
    assert a.max_hess_norm == pytest.approx(b.max_hess_norm, rel=1e-5)
    for j, lam in enumerate(a.L1):  # each L0 is attained at its argmax (exact Hessian there)
        p = a.argmax[j]
        top = float(np.max(np.abs(np.linalg.eigvalsh(hess(p)))))
        assert a.L0[j] == pytest.approx(top - lam * np.linalg.norm(prob.grad(p)), rel=1e-6)


# --- status and input errors ----------------------------------------------------------------


def test_status_is_estimated_never_certified(quartic):
    est = estimate_constants(quartic, region=2.0, L1_grid=[1.0], samples=50)
    assert isinstance(est, ConstantEstimate)
    assert est.status == "estimated"
    assert "certified" not in est.status
    assert est.pair(1.0).certified is False
    with pytest.raises(ValueError, match="status"):
        ConstantEstimate(**{**est.__dict__, "status": "certified"})
    with pytest.raises(AttributeError):
        est.fits = False
    with pytest.raises(ValueError):
        est.L0[0] = 1.0  # read-only


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"samples": 0}, "samples"),
        ({"samples": 2.5}, "samples"),
        ({"seed": -1}, "seed"),
        ({"growth": 0}, "growth"),
        ({"delta": 1.0}, "delta"),
        ({"delta": 0.0}, "delta"),
        ({"growth_rtol": -0.1}, "growth_rtol"),
        ({"L1_grid": [-1.0, 1.0]}, "L1_grid"),
        ({"L1_grid": []}, "L1_grid"),
        ({"L1_grid": [math.nan]}, "L1_grid"),
        ({"L1_grid": "1, 2"}, "L1_grid"),
        ({"region": (1.0, 0.0)}, "region"),
        ({"region": (0.0, [1.0, 2.0])}, "region hi"),
        ({"region": -2.0}, "region"),
        ({"region": "big"}, "region"),
        ({"region": True}, "region"),
        ({"x0": [1.0, 2.0]}, "x0"),
        ({"x0": [math.inf]}, "x0"),
        ({"points": [[1.0, 2.0]]}, "points"),
        ({"points": [[math.nan]]}, "points"),
        ({"hessian": "exact"}, "hessian"),
        ({"hessian": "hvp"}, "hessian"),  # the built-in polynomial has no hvp
        ({"power_iters": 0}, "power_iters"),
        ({"starts": -1}, "starts"),
        ({"steps": 2.5}, "steps"),
        ({"min_kept": 0}, "min_kept"),
    ],
)
def test_bad_inputs_are_one_line_errors(quartic, kwargs, field):
    with pytest.raises(InputError) as err:
        estimate_constants(quartic, **{"samples": 10, **kwargs})
    msg = str(err.value)
    assert msg.startswith(f"{field}: ")
    assert "\n" not in msg
    assert "allowed" in msg


def test_bad_problem_and_pair_inputs(quartic):
    with pytest.raises(InputError, match=r"^problem: .*allowed"):
        estimate_constants("x**4")
    est = estimate_constants(quartic, region=1.0, L1_grid=[1.0], samples=10)
    with pytest.raises(InputError, match=r"^L1: .*allowed"):
        est.pair(-1.0)
    with pytest.raises(InputError, match=r"^x: .*allowed"):
        hessian_norm(quartic, [1.0, 2.0])


# --- search, not only sampling; no confidence from thin scales (issue 29 item 1) ------------


def _logq_value(x):
    return np.sum(np.log(1.0 + x**2)) + 0.1 * np.sum(x**4)


def _logq_grad(x):
    return 2.0 * x / (1.0 + x**2) + 0.4 * x**3


@pytest.fixture(scope="module")
def log_quartic():
    """sum log(1 + x_j^2) + 0.1 sum x_j^4 in d = 5: hess f(0) = 2 I, grad f(0) = 0."""
    return Problem.from_functions(_logq_value, _logq_grad, dim=5, name="log_quartic")


def test_log_quartic_finds_the_minimizer(log_quartic):
    """The issue's case: sampling alone gave L0 = 0.07 at L1 = 1 (true: >= 2, at x = 0)."""
    x0 = np.full(5, 3.0)
    alone = estimate_constants(log_quartic, region=4.0, x0=x0, steps=0)
    assert alone.L0_at(1.0) < 1.0  # what sampling alone saw (the failure)
    est = estimate_constants(log_quartic, region=4.0, x0=x0)
    assert est.L0_at(1.0) >= 2.0  # at or above the frontier: 2 at the minimizer
    assert est.pair(1.0).L0 >= 2.0
    assert np.min(np.linalg.norm(est.stationary, axis=1)) < 1e-6  # the minimizer, found
    # its scales 4 and 8 keep few or no samples: no confidence, and the statement says so
    assert min(est.samples_by_radius[-2:]) < 50
    assert est.fits is None and not np.any(est.established)
    assert "growth test could not run" in est.statement
    assert "COULD NOT ESTABLISH" in est.statement
    assert "NOT established" in est.pair(1.0).how
    assert "stationary point" in est.search


def test_thin_scales_never_pass_the_growth_test(quartic):
    """An empty or thin scale cannot pass (before: kept (.., 0) gave 'rose by 0%, fits')."""
    thick = estimate_constants(quartic, region=(-10.0, 10.0), L1_grid=GRID, samples=200)
    assert thick.fits and np.all(thick.established)
    assert "established by search" in thick.statement
    thin = estimate_constants(quartic, region=(-10.0, 10.0), L1_grid=GRID, samples=20)
    assert thin.fits is None and not np.any(thin.established)
    assert "fewer than 50" in thin.statement and "no probability statement" in thin.confidence
    np.testing.assert_allclose(thin.L0, thick.L0, rtol=1e-6)  # the search still finds them


def test_growth_still_seen_where_the_maximiser_is_outside(quartic):
    """x^4 at L1 = 0.05: the maximiser 2/L1 = 40 lies beyond the box of scale 4 (|x| <= 20)."""
    est = estimate_constants(quartic, region=(-2.5, 2.5), L1_grid=[0.05, 1.0], samples=400)
    assert est.established.tolist() == [False, True]
    assert "COULD NOT ESTABLISH L0*(L1) for the other L1" in est.statement
    assert est.L0[1] >= 16.0


def test_no_search_is_never_established(quartic):
    est = estimate_constants(quartic, region=(-10.0, 10.0), L1_grid=GRID, samples=200, steps=0)
    assert not np.any(est.established)
    assert "no search" in est.search
