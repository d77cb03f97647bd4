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
    with pytest.raises(ValueError, match=r"^method: 'gd_ps' stops on f - f\* <= eps, .*-inf; "):
        run(prob, "gd_ps", eps=1e-3)


def _value(x):
    return math.cosh(x[0])


def _grad(x, out):
    out[0] = math.sinh(x[0])


def test_polyak_kernel_step_is_the_theory_expression():
    """The kernel's GD-PS step (the power rule gamma/g^2 times the gap) is T3's POLYAK_STEP."""
    import sympy as sp

    from l0l1 import theory as th

    prob = make_problem("logistic", a=[1.0, -2.0, 0.5])
    res = run(prob, "gd_ps", eps=1e-8, x0=[0.5, 0.0, -1.0], checkpoints=10)
    for k, _, f, _, en, length in res.trace[:-1]:  # en = ||g_k||: exact gradients
        gap = sp.Rational(f - prob.f_star)
        h = float(th.POLYAK_STEP.subs({th.gap: gap, th.g: sp.Rational(en)}))
        assert math.isclose(length, h * en, rel_tol=1e-12), k


def test_stm_meets_the_accelerated_bound_on_a_smooth_problem():
    """Independent of the twin: on log cosh (L-smooth, L = 1: L1 = 0, so G_k = L0 = 1) the
    similar-triangles iterates obey f(y_k) - f* <= 2 L R^2 / (k (k + 1)) (Nesterov)."""
    prob = make_problem("logcosh", dim=2)
    x0 = np.array([40.0, -30.0])  # far out, where log cosh is nearly linear
    res = run(prob, "stm_max", eps=1e-12, x0=x0, max_iter=3000, checkpoints=200)
    R2 = float(x0 @ x0)
    rows = [r for r in res.trace if r[0] >= 1]
    assert len(rows) >= 20
    for k, _, f, *_ in rows:
        assert f - prob.f_star <= 2.0 * R2 / (k * (k + 1)) * (1 + 1e-12), k
    gd = run(prob, "l0l1_gd", eps=1e-6, x0=x0, max_iter=10**6)
    acc = run(prob, "stm_max", eps=1e-6, x0=x0, max_iter=10**6)
    assert acc.iterations < gd.iterations  # acceleration shows


def test_stm_with_no_finite_step_diverges_without_raising():
    """1/h overflows: the step that cannot be taken ends the run as "diverged" after it, as
    any failed step does through the driver; y_0 stays put and its gradient was paid for."""
    prob = make_problem("cosh", dim=2)
    res = run(prob, "stm_max", eps=1e-6, x0=[2.0, -3.0], overrides={"nu": 1e-320})
    assert (res.status, res.iterations, res.oracle_calls) == ("diverged", 1, 1)
    assert list(res.x) == [2.0, -3.0]


def test_user_method_can_stop_on_the_gap():
    from numba import njit

    from l0l1 import register_method
    from l0l1.validate import InputError

    @njit
    def unit(p, g):
        return p[0] / (1.0 + g), False

    register_method("gap_unit", step=unit, schedule={"eta": 0.5}, target="gap", replace=True)
    res = run(make_problem("exp", dim=1), "gap_unit", eps=1e-3, x0=[1.0], max_iter=10**6)
    assert res.status == "reached" and res.f_value <= 1e-3
    assert any("f(x_k) - f* <= eps" in a for a in res.assumptions)
    with pytest.raises(InputError, match=r"^target: 'gradient' is unknown"):
        register_method("gap_unit2", step=unit, schedule={"eta": 0.5}, target="gradient")
