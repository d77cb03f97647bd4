"""Convex (L0,L1)-smooth runs measured by the gap f - f* (THEORY T3, T6): GD with Polyak
steps, (L0,L1)-GD, the reference distance R and T3's derived GD-PS bound."""

import math

import numpy as np
import pytest

from l0l1 import make_problem, run
from l0l1.problems.convex import reference_distance

CERTIFIED = [
    ("logistic", {"a": [1.0, -2.0, 0.5]}, [0.5, 0.0, -1.0]),
    ("exp", {"dim": 3}, [1.0, -2.0, 0.5]),
    ("cosh", {"dim": 2}, [2.0, -3.0]),
    ("logcosh", {"dim": 2}, [2.0, -3.0]),
]


def _reference_point(prob, x0, eps):
    """The u that T3's R is measured to, written from the docstring of problems.convex."""
    if prob.name == "exp":
        return np.minimum(x0, math.log(eps / (4 * prob.dim)))
    if prob.name == "logistic":
        a = prob.P[0]
        s = -math.log(math.expm1(eps / 4))
        return x0 + max(0.0, s - a @ x0) * a / (a @ a)
    return np.zeros_like(x0)


@pytest.mark.parametrize(("name", "params", "x0"), CERTIFIED, ids=[c[0] for c in CERTIFIED])
@pytest.mark.parametrize("eps", [1e-1, 1e-4, 1e-9])
def test_reference_distance_reaches_a_point_within_eps_over_4(name, params, x0, eps):
    prob = make_problem(name, **params)
    x0 = np.array(x0)
    u = _reference_point(prob, x0, eps)
    assert prob.value(u) - prob.f_star <= eps / 4 * (1 + 1e-9)
    R = reference_distance(prob, x0, eps)
    assert np.linalg.norm(x0 - u) <= R <= np.linalg.norm(x0 - u) * (1 + 1e-9) + 1e-300


def test_reference_distance_is_nan_where_no_convex_bound_applies():
    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    assert math.isnan(reference_distance(prob, np.array([2.0]), 1e-3))
    res = run(prob, "gd_ps", eps=1e-3, x0=[2.0])
    assert res.status == "reached" and res.bound is None


@pytest.mark.parametrize(("name", "params", "x0"), CERTIFIED, ids=[c[0] for c in CERTIFIED])
def test_gd_ps_stops_on_the_gap_within_its_bound(name, params, x0):
    prob = make_problem(name, **params)
    for eps in (1e-2, 1e-5):
        res = run(prob, "gd_ps", eps=eps, x0=x0, max_iter=10**6)
        assert res.status == "reached"
        assert res.f_value - prob.f_star <= eps
        assert res.bound is not None and res.iterations <= res.bound
        assert any("f(x_k) - f* <= eps" in a for a in res.assumptions)
        # the iteration before the hit was still above eps (first hit, T6)
        assert res.iterations == 0 or res.trace[-2, 2] - prob.f_star > eps or len(res.trace) < 3


def test_polyak_step_on_exp_moves_exactly_one_unit():
    """On e^x, h = e^x / e^(2x) and h g = 1: every step has length 1 (T3, Polyak)."""
    prob = make_problem("exp", dim=1)
    res = run(prob, "gd_ps", eps=1e-6, x0=[2.0], checkpoints=40)
    lengths = res.trace[:-1, 5]
    assert np.allclose(lengths, 1.0, rtol=1e-12)
    assert res.iterations == math.ceil(2.0 - math.log(1e-6))


def test_gap_and_gradient_tests_differ():
    """Same rule, two hitting tests: (L0,L1)-GD stops on f - f*, smoothed clipping on ||g||."""
    prob = make_problem("exp", dim=1)
    gap = run(prob, "l0l1_gd", eps=1e-3, x0=[1.0], max_iter=10**6)
    grad = run(prob, "smoothed_clip", eps=1e-3, x0=[1.0], max_iter=10**6)
    assert gap.params == grad.params
    # on e^x, f = f' and f* = 0: both tests read the same number, so they stop together
    assert gap.iterations == grad.iterations
    cosh = make_problem("cosh", dim=1)
    gap = run(cosh, "l0l1_gd", eps=1e-3, x0=[3.0], max_iter=10**6)
    grad = run(cosh, "smoothed_clip", eps=1e-3, x0=[3.0], max_iter=10**6)
    assert gap.iterations < grad.iterations  # f - f* ~ x^2/2 falls below eps before |x| does


def test_gap_target_needs_a_finite_f_star():
    from l0l1 import Problem

    prob = Problem.from_functions(_value, _grad, dim=1, constants=(1.0, 1.0), x0=[1.0])
    with pytest.raises(ValueError, match=r"^f_star: -inf .* allowed: a problem with a finite f\*$"):
        run(prob, "gd_ps", eps=1e-3)


def _value(x):
    return math.cosh(x[0])


def _grad(x, out):
    out[0] = math.sinh(x[0])
