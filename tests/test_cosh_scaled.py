"""The scaled cosh sum_j cosh(a x_j)/a^2 (THEORY T2): certified (L0, L1) = (1, a), the
start constants on the sublevel set, a = 1 bit-identical to the plain cosh, bad input."""

import math

import numpy as np
import pytest
from numba import njit

from l0l1.problems import evaluate
from l0l1.problems.base import ProblemError
from l0l1.problems.catalog import make_problem, start_constants

SCALES = [0.5, 1.0, 3.0, 16.0]


def _ratio_ok(a, L0, L1, t):
    """|f''| <= L0 + L1 |f'| for the univariate cosh(a t)/a^2 at the points t."""
    f1 = np.abs(np.sinh(a * t) / a)
    f2 = np.cosh(a * t)
    return f2 <= (L0 + L1 * f1) * (1 + 1e-12)


@pytest.mark.parametrize("a", SCALES)
def test_certified_pair_holds_and_half_L1_fails(a):
    prob = make_problem("cosh", dim=2, scale=a)
    c = prob.constants
    assert (c.L0, c.L1, c.certified) == (1.0, a, True)
    assert prob.f_star == pytest.approx(2 / a**2, rel=1e-15)
    t = np.linspace(-30.0 / a, 30.0 / a, 20001)
    assert np.all(_ratio_ok(a, c.L0, c.L1, t))
    assert not np.all(_ratio_ok(a, c.L0, c.L1 / 2, t))  # the false sibling fails somewhere


@pytest.mark.parametrize("a", SCALES)
def test_value_and_gradient(a):
    prob = make_problem("cosh", dim=3, scale=a)
    x = np.array([0.3, -1.1, 0.0]) / a
    assert prob.value(x) == pytest.approx(np.cosh(a * x).sum() / a**2, rel=1e-14)
    np.testing.assert_allclose(prob.grad(x), np.sinh(a * x) / a, rtol=1e-14)
    assert prob.value(np.zeros(3)) == pytest.approx(prob.f_star, rel=1e-15)


@pytest.mark.parametrize("a", SCALES)
@pytest.mark.parametrize("d", [1, 3])
def test_start_constants_bound_M_and_are_tight_at_the_vertex(a, d):
    prob = make_problem("cosh", dim=d, scale=a)
    x0 = np.linspace(0.8, -0.5, d) / a
    sc = start_constants(prob, x0)
    c = prob.value(x0)
    assert sc.certified and sc.Delta == pytest.approx(c - prob.f_star, rel=1e-9)
    rng = np.random.default_rng(1)
    pts = rng.uniform(-3.0 / a, 3.0 / a, (4000, d))
    inside = [p for p in pts if prob.value(p) <= c]
    assert inside, "no sampled point in the sublevel set"
    assert max(np.linalg.norm(prob.grad(p)) for p in inside) <= sc.M
    # the vertex: every coordinate 0 but one, cosh(a x_1) = a^2 c - d + 1
    vertex = np.zeros(d)
    vertex[0] = math.acosh(a * a * c - d + 1.0) / a
    assert prob.value(vertex) == pytest.approx(c, rel=1e-12)
    assert np.linalg.norm(prob.grad(vertex)) == pytest.approx(sc.M, rel=1e-9)  # tight


@njit(cache=False)
def _plain_value(x):
    return np.sum(np.cosh(x))  # the KIND_COSH value before the scale existed


@njit(cache=False)
def _plain_grad(x, out):
    for j in range(x.shape[0]):
        out[j] = math.sinh(x[j])


def test_scale_one_is_bit_identical_to_plain_cosh():
    prob = make_problem("cosh", dim=5)
    assert prob.spec == {"problem": "cosh", "dim": 5}  # records and keys unchanged
    assert make_problem("cosh", dim=5, scale=2).spec["scale"] == 2.0
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.uniform(-20.0, 20.0, 5)
        assert evaluate.value(prob.kind, prob.P, prob.v, x) == _plain_value(x)
        g, ref = np.empty(5), np.empty(5)
        evaluate.grad_into(prob.kind, prob.P, prob.v, x, g)
        _plain_grad(x, ref)
        assert np.array_equal(g, ref)


@pytest.mark.parametrize(
    ("scale", "said"),
    [
        (0, "scale: 0 is not allowed; allowed: a finite number in [0.0001, 10000]"),
        (-2.0, "scale: -2.0 is not allowed"),
        (math.inf, "scale: inf is not allowed"),
        (math.nan, "scale: nan is not allowed"),
        (1e5, "scale: 100000.0 is not allowed"),
        ("two", "scale: 'two' is not a number; allowed: a finite number in"),
        (True, "scale: True is not a number"),
        ([2.0], "scale: [2.0] is not a number"),
    ],
)
def test_bad_scale_is_one_line_naming_the_field(scale, said):
    with pytest.raises(ProblemError) as err:
        make_problem("cosh", dim=2, scale=scale)
    assert said in str(err.value) and "\n" not in str(err.value)
