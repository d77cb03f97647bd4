"""Polynomial problems and their certified constants (THEORY T2), checked with mpmath
at 50 digits (independent of the Numba kernels)."""

from dataclasses import replace
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from l0l1.problems.base import ProblemError
from l0l1.problems.frontier import frontier_exact, min_exact, sublevel_grad_max_exact
from l0l1.problems.kinds import KIND_EXP, KIND_POLY
from l0l1.problems.polynomial import (
    frontier_table,
    separable,
    sublevel_constants,
    univariate,
)


@pytest.fixture(autouse=True, scope="module")
def _fifty_digits():
    with mpmath.workdps(50):
        yield


class MpSeparable:
    """sum_j p_j(x_j) from the float rows of P, evaluated in mpmath (exact coefficients)."""

    def __init__(self, P):
        self.rows = []
        for row in P:
            derivs, c = [], [Fraction(float(v)) for v in row]
            for _ in range(3):
                derivs.append([mpmath.mpf(q.numerator) / q.denominator for q in reversed(c)])
                c = [i * q for i, q in enumerate(c)][1:] or [Fraction(0)]
            self.rows.append(derivs)

    def parts(self, x, k: int = 0):
        """Per-coordinate k-th derivatives at x."""
        return [
            mpmath.polyval(d[k], mpmath.mpf(float(xj))) for d, xj in zip(self.rows, x, strict=True)
        ]


def mp_norm(values):
    return mpmath.sqrt(sum(v * v for v in values))


# ---------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------


def test_univariate_record():
    prob = univariate([0, 0, -1, 0, 1, 0.0], 2.0)
    assert prob.kind == KIND_POLY and prob.dim == 1 and prob.n == 0
    assert prob.P.shape == (1, 5) and prob.P.dtype == np.float64
    assert prob.v.shape == (0,)
    np.testing.assert_array_equal(prob.P[0], [0, 0, -1, 0, 1])
    c = prob.constants
    enc = frontier_exact([0, 0, -1, 0, 1], 2.0)
    assert c.certified and c.L1 == 2.0 and c.how == "exact frontier (real-root isolation)"
    assert enc.hi == c.L0 and c.L0_enclosure == (enc.lo, enc.hi)
    assert prob.bounded_below
    assert prob.f_star <= -0.25 <= prob.f_star + 1e-15
    assert prob.spec == {"problem": "polynomial", "coeffs": [0.0, 0.0, -1.0, 0.0, 1.0], "L1": 2.0}


def test_constants_are_for_the_stored_float_coefficients():
    prob = univariate([1, Fraction(1, 3), 0, 0, 1], 1.0)
    assert prob.P[0, 1] == 1 / 3
    assert frontier_exact([1, 1 / 3, 0, 0, 1], 1.0).hi == prob.constants.L0


def test_unbounded_polynomial_is_constructed_but_flagged():
    prob = univariate([0, 0, 0, 1], 1.0)
    assert not prob.bounded_below and prob.f_star == -np.inf
    assert prob.constants.L0 > 0
    with pytest.raises(ProblemError, match=r"^problem: .*unbounded below"):
        sublevel_constants(prob, [0.0])


@pytest.mark.parametrize(("coeffs", "L0"), [([1, 2, 3], 6.0), ([5, -1, -0.5], 1.0), ([2, 1], 0.0)])
def test_degree_at_most_two_is_L_smooth(coeffs, L0):
    prob = univariate(coeffs, 0.0)
    assert prob.constants.L0 == L0 and prob.constants.L1 == 0.0
    assert prob.constants.L0_enclosure == (L0, L0)


def test_separable_record_pads_rows():
    prob = separable([[0, 0, -1, 0, 1], [1, 2, 3], [0, 0, 0, 0, 0, 0, 1]], 1.5)
    assert prob.P.shape == (3, 7) and prob.dim == 3
    np.testing.assert_array_equal(prob.P[1], [1, 2, 3, 0, 0, 0, 0])
    rows = [[0, 0, -1, 0, 1], [1, 2, 3], [0, 0, 0, 0, 0, 0, 1]]
    assert max(frontier_exact(r, 1.5).hi for r in rows) == prob.constants.L0
    total = sum(Fraction(str(min_exact(r).lo_exact)) for r in rows)
    assert prob.f_star <= total and prob.bounded_below
    assert prob.spec["coeff_rows"][1] == [1.0, 2.0, 3.0]


def test_separable_enclosure_only_when_least_L0_is_known():
    # x^3 + x has no critical point, so max_j L0*_j need not be the least L0.
    assert separable([[0, 1, 0, 1], [0, 0, 0, 0, 1]], 1.0).constants.L0_enclosure is None
    assert separable([[0, 0, 0, 1], [0, 0, 0, 0, 1]], 1.0).constants.L0_enclosure is not None


def test_frontier_table_rows():
    rows = frontier_table([0, 0, 0, 0, 1], [0.5, 1.0, 4.0])
    assert [r["L1"] for r in rows] == [0.5, 1.0, 4.0]
    for r in rows:
        assert set(r) == {"L1", "L0", "L0_lo", "L0_hi", "argmax"}
        assert r["L0"] == r["L0_hi"] and r["L0_lo"] <= 16 / r["L1"] ** 2 <= r["L0_hi"]
        assert r["argmax"][0] <= 2 / r["L1"] <= r["argmax"][1]


# ---------------------------------------------------------------------------
# Validity of separable constants at random points (d = 3)
# ---------------------------------------------------------------------------

entries = st.one_of(st.integers(-4, 4), st.floats(-2, 2, allow_nan=False, width=64))


@st.composite
def bounded_rows(draw):
    half = draw(st.integers(1, 3))
    lead = draw(st.one_of(st.integers(1, 3), st.floats(0.2, 2)))
    return [draw(entries) for _ in range(2 * half)] + [lead]


def adversarial_starts(prob, L1):
    """One coordinate at its frontier argmax, the others at minimizers (p_k' = 0)."""
    centers = [sum(min_exact(list(row)).argmax) / 2 for row in prob.P]
    points = []
    for j, row in enumerate(prob.P):
        arg = frontier_exact(list(row), L1).argmax
        if arg is not None:
            points.append([sum(arg) / 2 if k == j else c for k, c in enumerate(centers)])
    return points


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(bounded_rows(), min_size=3, max_size=3),
    L1=st.floats(0.1, 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_separable_constants_hold_at_random_points(rows, L1, seed):
    prob = separable(rows, L1)
    f = MpSeparable(prob.P)
    L0 = mpmath.mpf(prob.constants.L0)
    rng = np.random.default_rng(seed)
    points = list(rng.uniform(-4, 4, (40, 3))) + adversarial_starts(prob, L1)
    for x in points:
        hess = max(abs(v) for v in f.parts(x, 2))
        assert hess <= (L0 + L1 * mp_norm(f.parts(x, 1))) * (1 + 1e-40) + 1e-40, x
        assert sum(f.parts(x)) >= prob.f_star


# ---------------------------------------------------------------------------
# Start constants
# ---------------------------------------------------------------------------


def test_sublevel_constants_closed_form():
    # x^4 - x^2 from x0 = 2: Delta = 12 + 1/4, sublevel set [-2, 2], M = |p'(2)| = 28.
    start = sublevel_constants(univariate([0, 0, -1, 0, 1], 1.0), [2.0])
    assert start.certified and start.how == "exact sublevel sets (real-root isolation)"
    assert 12.25 <= start.Delta <= 12.25 + 1e-13
    assert 28 <= start.M <= 28 + 1e-12


def test_separable_M_is_the_root_sum_of_squares_bound():
    # x1^2 + x2^2 from (1, 1): c_j = 2, M_j = max |2 x| on {x^2 <= 2} = 2 sqrt 2, so
    # M = sqrt(8 + 8) = 4 (the true max is 2 sqrt 2; the T2 bound is not tight here).
    start = sublevel_constants(separable([[0, 0, 1], [0, 0, 1]], 0.0), [1.0, 1.0])
    assert start.Delta == 2.0
    assert 4.0 <= start.M <= 4.0 + 1e-14


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(bounded_rows(), min_size=3, max_size=3),
    x0=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
@example(rows=[[0, 0, 1], [0, 0, 1], [0, 2.2250738585072014e-308, 3]], x0=[0.0, 0.0, 0.0], seed=0)
def test_sublevel_constants_hold_on_the_sublevel_set(rows, x0, seed):
    prob = separable(rows, 1.0)
    start = sublevel_constants(prob, x0)
    f = MpSeparable(prob.P)
    f0 = sum(f.parts(x0))
    mins = [min_exact(list(row)) for row in prob.P]
    # Delta is an upper bound of f(x0) - f* and tight up to the f* enclosure.
    scale = 1 + abs(f0) + sum(abs(m.lo) for m in mins)
    assert start.Delta >= f0 - sum(m.lo for m in mins) - 1e-12 * scale
    assert start.Delta <= f0 - sum(m.hi for m in mins) + 1e-9 * scale
    # Points of the sublevel set: random ones, and one coordinate at the edge of its
    # own sublevel set with the others at their minimizers (where M_j is attained).
    centers = [sum(m.argmax) / 2 for m in mins]
    points = list(np.random.default_rng(seed).uniform(-3, 3, (100, 3)))
    for j, (row, m) in enumerate(zip(prob.P, mins, strict=True)):
        level = Fraction(float(f0)) - sum(Fraction(k.hi) for k in mins) + Fraction(m.hi)
        level = max(level, Fraction(m.hi))  # float rounding of subnormal minima can undershoot
        edge = sublevel_grad_max_exact(list(row), level).argmax
        points.append([edge[0] if k == j else c for k, c in enumerate(centers)])
    M = mpmath.mpf(start.M)
    for x in points:
        if sum(f.parts(x)) <= f0:
            assert mp_norm(f.parts(x, 1)) <= M * (1 + 1e-12), x


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------


def one_line_error(call, field: str) -> str:
    with pytest.raises(ProblemError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message and message.startswith(field), message
    return message


@pytest.mark.parametrize("coeffs", [[], [0, 0], [1, float("nan")], [1, "x"], "1,2"])
def test_bad_coefficients_are_refused(coeffs):
    one_line_error(lambda: univariate(coeffs, 1.0), "coeffs")
    one_line_error(lambda: frontier_table(coeffs, [1.0]), "coeffs")


@pytest.mark.parametrize("L1", [-1.0, float("nan"), float("inf"), None])
def test_bad_L1_is_refused(L1):
    one_line_error(lambda: univariate([0, 0, 0, 0, 1], L1), "L1")
    one_line_error(lambda: separable([[0, 0, 1]], L1), "L1")
    one_line_error(lambda: frontier_table([0, 0, 0, 0, 1], [1.0, L1]), "L1")


def test_L1_zero_is_refused_for_degree_three_and_more():
    message = one_line_error(lambda: univariate([0, 0, 0, 0, 1], 0.0), "L1")
    assert "degree 4" in message and "> 0" in message
    one_line_error(lambda: separable([[0, 0, 1], [0, 0, 0, 1]], 0.0), "L1")


def test_bad_rows_are_refused():
    one_line_error(lambda: separable([], 1.0), "coeff_rows")
    one_line_error(lambda: separable([[0, 0, 1], [0, 0]], 1.0), "coeff_rows[1]")
    one_line_error(lambda: separable([[0, 0, 1], [1, float("inf")]], 1.0), "coeff_rows[1]")


def test_bad_starts_are_refused():
    prob = univariate([0, 0, 1], 0.0)
    one_line_error(lambda: sublevel_constants(prob, [1.0, 2.0]), "x0")
    one_line_error(lambda: sublevel_constants(prob, [float("nan")]), "x0")
    one_line_error(lambda: sublevel_constants(replace(prob, kind=KIND_EXP), [1.0]), "problem")
