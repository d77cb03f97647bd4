"""Exact and float (L0,L1) frontier of polynomials (THEORY T2), checked independently
with mpmath at 50 digits (no kernel, no frontier code in the checks)."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from l0l1.problems.base import ProblemError
from l0l1.problems.frontier import (
    frontier_curve,
    frontier_exact,
    frontier_float,
    min_exact,
    sublevel_grad_max_exact,
    validate_coeffs,
)

DPS = 50
EVAL_RTOL = 1e-40  # rounding of the 50-digit checks themselves


@pytest.fixture(autouse=True, scope="module")
def _fifty_digits():
    with mpmath.workdps(DPS):
        yield


def expand(roots_pow: int, shift: int = 1) -> list[int]:
    """Ascending integer coefficients of (x - shift)^roots_pow."""
    return [int(c) for c in np.polynomial.polynomial.polyfromroots([shift] * roots_pow).round()]


def mp_polys(coeffs, k: int = 3) -> list[list]:
    """Descending mpmath coefficients of p, p', ..., p^(k) (exact for float input)."""
    c = [Fraction(v) for v in coeffs]
    out = []
    for _ in range(k + 1):
        out.append([mpmath.mpf(q.numerator) / q.denominator for q in reversed(c)] or [0])
        c = [i * q for i, q in enumerate(c)][1:]
    return out


def np_polys(coeffs, k: int = 3) -> list[np.ndarray]:
    """Ascending float coefficients of p, p', ..., p^(k)."""
    out = [np.array([float(v) for v in coeffs])]
    for _ in range(k):
        out.append(np.polynomial.polynomial.polyder(out[-1]))
    return out


def mp_of(r):
    """A sympy Rational as an mpf at the working precision."""
    return mpmath.mpf(int(r.p)) / int(r.q)


def mp_h(polys, L1, x):
    x = mpmath.mpf(x)
    return abs(mpmath.polyval(polys[2], x)) - mpmath.mpf(L1) * abs(mpmath.polyval(polys[1], x))


def np_h(coeffs, L1, xs):
    _, d1, d2, _ = np_polys(coeffs)
    pv = np.polynomial.polynomial.polyval
    return np.abs(pv(xs, d2)) - L1 * np.abs(pv(xs, d1))


def mp_maximize(fun, fun_np, a, b, *, grid=200_001, peaks=4, zooms=25):
    """Max of fun: a float grid on [a, b] finds basins (local maxima, and points next to
    a -inf value, i.e. the edge of a constraint), then 50-digit zooming on each."""
    xs = np.linspace(a, b, grid)
    vals = fun_np(xs)
    left, right = np.r_[vals[:1], vals[:-1]], np.r_[vals[1:], vals[-1:]]
    edge = np.isinf(left) | np.isinf(right)
    local = list(np.flatnonzero(np.isfinite(vals) & (edge | ((vals >= left) & (vals >= right)))))
    local = sorted(local, key=lambda i: vals[i], reverse=True)[:peaks]
    best = mpmath.mpf(-mpmath.inf)
    for i in local:
        center, half = mpmath.mpf(xs[i]), mpmath.mpf(xs[1] - xs[0])
        for _ in range(zooms):
            center = max((center + half * (k - 10) / 10 for k in range(21)), key=fun)
            half /= 5
        best = max(best, fun(center))
    return best


def root_bound(coeffs) -> float:
    """Cauchy bound (times a margin) on the real roots of the derivatives of p."""
    c = [float(v) for v in coeffs]
    return 2.0 + max(abs(v / c[-1]) for v in c[:-1]) * len(c)


# ---------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("L1", [0.25, 0.5, 1, 3, 7.5, 100])
def test_quartic_frontier_is_16_over_L1_squared(L1):
    enc = frontier_exact([0, 0, 0, 0, 1], L1)
    truth = Fraction(16) / Fraction(L1) ** 2
    assert enc.contains(truth)
    assert enc.hi - enc.lo <= 1e-15 * float(truth)
    assert enc.argmax is not None
    assert abs(abs(sum(enc.argmax) / 2) - 2 / L1) <= 1e-12 * (2 / L1)
    assert frontier_float([0, 0, 0, 0, 1], L1)[0] == pytest.approx(float(truth), rel=1e-12)


def test_quadratic_is_L_smooth_and_allows_L1_zero():
    enc = frontier_exact([1, -2, 3], 0)
    assert enc.lo == enc.hi == 6.0
    assert frontier_exact([1, -2, 3], 5).hi == 6.0
    assert frontier_exact([4, 2], 1).hi == 0.0
    assert frontier_float([1, -2, -3], 0.0)[0] == 6.0


def test_cubic_frontier_can_be_zero():
    # x^3 + x: h = 6|x| - L1 (3x^2 + 1) peaks at 3/L1 - L1 < 0 for L1 > sqrt(3).
    enc = frontier_exact([0, 1, 0, 1], 2)
    assert enc.lo == enc.hi == 0.0 and enc.argmax is None
    assert frontier_exact([0, 1, 0, 1], 1).contains(2)


# ---------------------------------------------------------------------------
# Clustered roots: certification matters
# ---------------------------------------------------------------------------


def test_clustered_roots_exact_matches_50_digit_maximization():
    coeffs = expand(12)  # (x - 1)^12; L0*(100) = 1.2e-9 exactly, at x = 1.1
    enc = frontier_exact(coeffs, 100)
    polys = mp_polys(coeffs)
    # A coarse grid: finer float grids only resolve float noise (~1e-11) near the peak.
    peak = mp_maximize(
        lambda x: mp_h(polys, 100, x),
        lambda xs: np_h(coeffs, 100, xs),
        0.5,
        1.5,
        grid=2001,
        zooms=40,
    )
    # 1e-40: the 50-digit evaluation of the expanded form loses ~5 digits here.
    assert mp_of(enc.lo_exact) - 1e-40 <= peak <= mp_of(enc.hi_exact) + 1e-40
    assert abs(peak - mpmath.mpf(3) / 2500000000) < 1e-40
    assert enc.contains(Fraction(3, 2500000000))
    assert enc.hi - enc.lo <= 1e-24


def test_clustered_roots_float_frontier_is_unreliable():
    coeffs = expand(12)
    # At L1 = 1000 the true value is 1.2e-19, far below float cancellation noise.
    truth = Fraction(12, 10**20)
    assert frontier_exact(coeffs, 1000).contains(truth)
    estimate = frontier_float(coeffs, 1000)[0]
    assert abs(estimate - float(truth)) > 1e-3 * float(truth)
    # At L1 = 100 the float estimate is already visibly off the certified value.
    enc = frontier_exact(coeffs, 100)
    assert abs(frontier_float(coeffs, 100)[0] - enc.hi) > 1e-6 * enc.hi


# ---------------------------------------------------------------------------
# Random polynomials
# ---------------------------------------------------------------------------

small_int = st.integers(-5, 5)
small_float = st.floats(-3, 3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def polynomials(draw, min_degree=3, max_degree=10):
    degree = draw(st.integers(min_degree, max_degree))
    entry = draw(st.sampled_from([small_int, small_float]))
    coeffs = [draw(entry) for _ in range(degree)]
    lead = draw(entry.filter(lambda v: abs(v) >= 0.1))
    return [*coeffs, lead]


def adversarial_points(coeffs, enc) -> list[float]:
    c = np.array([float(v) for v in coeffs])
    d1 = np.polynomial.polynomial.polyder(c)
    d2 = np.polynomial.polynomial.polyder(d1)
    anchors = list(np.polynomial.polynomial.polyroots(d1).real)
    anchors += list(np.polynomial.polynomial.polyroots(d2).real)
    if enc.argmax is not None:
        anchors += list(enc.argmax)
    offsets = [0.0, 1e-12, -1e-12, 1e-8, -1e-8, 1e-4, -1e-4, 1e-2, -1e-2]
    return [a * (1 + o) + o for a in anchors for o in offsets]


@settings(max_examples=40, deadline=None)
@given(coeffs=polynomials(), L1=st.floats(0.05, 20), seed=st.integers(0, 2**32 - 1))
def test_certified_L0_is_valid_and_tight(coeffs, L1, seed):
    enc = frontier_exact(coeffs, L1)
    assert 0 <= enc.lo <= enc.hi
    assert enc.lo_exact <= enc.hi_exact
    assert enc.hi - enc.lo <= 1e-12 * max(1.0, enc.hi)
    R = root_bound(coeffs)
    points = list(np.random.default_rng(seed).uniform(-R, R, 60))
    points += adversarial_points(coeffs, enc)
    polys = mp_polys(coeffs)
    L0 = mpmath.mpf(enc.hi)
    for x in points:
        assert mp_h(polys, L1, x) <= L0 * (1 + EVAL_RTOL) + EVAL_RTOL, x
    if enc.argmax is not None:
        mid = mpmath.mpf(sum(enc.argmax)) / 2
        slope = abs(mpmath.polyval(polys[3], mid)) + L1 * abs(mpmath.polyval(polys[2], mid))
        tiny = 1e-13 * (1 + abs(mid)) * (1 + slope)
        assert mp_h(polys, L1, mid) >= enc.lo - tiny


@pytest.mark.parametrize(
    "coeffs",
    [
        [0, 0, -1, 0, 1],
        [1, 1, 0, 1],
        [0.5, -2, 1.5, 0.25, -0.75, 0.1],
        [3, 0, -4, 0, 0, 0, 1],
        [1, -1, 2, -3, 0.5, 0.2, -0.1, 0.05, 0.01],
    ],
)
@pytest.mark.parametrize("L1", [0.3, 1.0, 4.0])
def test_float_frontier_agrees_on_well_conditioned_cases(coeffs, L1):
    enc = frontier_exact(coeffs, L1)
    value, argmax = frontier_float(coeffs, L1)
    assert value == pytest.approx(enc.hi, rel=1e-9, abs=1e-12)
    if enc.argmax is not None and enc.hi > 1e-9:
        assert float(mp_h(mp_polys(coeffs), L1, argmax)) == pytest.approx(enc.hi, rel=1e-9)


def test_frontier_curve_is_decreasing_in_L1():
    coeffs = [0, 0, -1, 0, 1]
    L1s = np.linspace(0.5, 10, 25)
    curve = frontier_curve(coeffs, L1s)
    assert curve.shape == (25,)
    assert np.all(np.diff(curve) <= 1e-12)
    assert curve[3] == pytest.approx(frontier_exact(coeffs, L1s[3]).hi, rel=1e-9)


# ---------------------------------------------------------------------------
# Minimum and sublevel gradient maximum
# ---------------------------------------------------------------------------


@st.composite
def bounded_polynomials(draw):
    coeffs = draw(polynomials(min_degree=2, max_degree=8))
    if len(coeffs) % 2 == 0:
        coeffs.append(draw(st.integers(1, 3)))
    coeffs[-1] = abs(coeffs[-1])
    return coeffs


@settings(max_examples=30, deadline=None)
@given(coeffs=bounded_polynomials())
@example(coeffs=[4.3585656911992276e-262, 1.0, 1.0])  # f* = 4.4e-262 - 1/4 exactly
def test_min_exact_against_sampling(coeffs):
    enc = min_exact(coeffs)
    R = root_bound(coeffs)
    mp_p, np_p = mp_polys(coeffs, 0)[0], np_polys(coeffs, 0)[0]
    sampled = -mp_maximize(
        lambda x: -mpmath.polyval(mp_p, x),
        lambda xs: -np.polynomial.polynomial.polyval(xs, np_p),
        -R,
        R,
    )
    assert mp_of(enc.lo_exact) <= sampled + EVAL_RTOL * (1 + abs(sampled))
    # Sampling only approaches the minimum from above: at a flat (quartic) minimum an
    # argmin located to ~1e-5 overshoots by ~1e-20..1e-16, hence the looser tolerance here.
    assert sampled - mp_of(enc.hi_exact) <= 1e-12 * (1 + abs(sampled))
    assert enc.hi - enc.lo <= 1e-12 * max(1.0, abs(enc.lo))


def test_min_exact_closed_forms():
    assert min_exact([0, 0, -1, 0, 1]).contains(Fraction(-1, 4))
    assert min_exact([7]).lo == 7.0
    assert min_exact(expand(12)).lo == 0.0


@settings(max_examples=30, deadline=None)
@given(coeffs=bounded_polynomials(), lift=st.floats(0.01, 20.0))
def test_sublevel_grad_max_against_sampling(coeffs, lift):
    level = min_exact(coeffs).hi + lift
    enc = sublevel_grad_max_exact(coeffs, level)
    mp_p, mp_d1 = mp_polys(coeffs, 1)
    np_p, np_d1 = np_polys(coeffs, 1)
    pv = np.polynomial.polynomial.polyval
    R = root_bound(coeffs)
    while min(pv(R, np_p), pv(-R, np_p)) <= level:  # cover the whole sublevel set
        R *= 2

    def grad_if_inside(x):
        return abs(mpmath.polyval(mp_d1, x)) if mpmath.polyval(mp_p, x) <= level else -mpmath.inf

    def grad_if_inside_np(xs):
        return np.where(pv(xs, np_p) <= level, np.abs(pv(xs, np_d1)), -np.inf)

    sampled = mp_maximize(grad_if_inside, grad_if_inside_np, -R, R)
    assert sampled <= mp_of(enc.hi_exact) + EVAL_RTOL * (1 + sampled)
    assert mp_of(enc.lo_exact) - sampled <= 1e-15 * (1 + sampled)
    assert mp_of(enc.hi_exact) - sampled <= 1e-6 * (1 + sampled)


def test_sublevel_grad_max_closed_form():
    # x^4 - x^2 on {p <= 12} = [-2, 2]: max |4x^3 - 2x| = 28 at x = 2.
    enc = sublevel_grad_max_exact([0, 0, -1, 0, 1], 12)
    assert enc.contains(28) and enc.hi - enc.lo <= 1e-12
    # p = ((x^2 - 1)^3 + 1) / 6 on {p <= 1/6} = [-1, 1]: p' = x (x^2 - 1)^2 vanishes at
    # both ends; the max 16 / (25 sqrt 5) sits at the root x = 1/sqrt 5 of p''.
    enc = sublevel_grad_max_exact(
        [0, 0, Fraction(1, 2), 0, Fraction(-1, 2), 0, Fraction(1, 6)], Fraction(1, 6)
    )
    truth = 16 / (25 * mpmath.sqrt(5))
    assert mp_of(enc.lo_exact) <= truth <= mp_of(enc.hi_exact)
    assert enc.hi - enc.lo <= 1e-15


# ---------------------------------------------------------------------------
# Validation and refusals
# ---------------------------------------------------------------------------


def test_validate_coeffs_accepts_exact_numbers_and_strips_zeros():
    import sympy

    out = validate_coeffs([1, 0.5, Fraction(1, 3), sympy.Rational(2, 7), np.int64(4), 0, 0.0])
    assert out == [1, Fraction(1, 2), Fraction(1, 3), Fraction(2, 7), 4]
    assert Fraction(0.1) in validate_coeffs([0.1])  # exact binary value


@pytest.mark.parametrize(
    ("coeffs", "fragment"),
    [
        ([], "empty"),
        ([0, 0.0, 0], "all zero"),
        ([1.0, float("nan")], "not finite"),
        ([1.0, float("inf")], "not finite"),
        ([1, "2"], "not a number"),
        ("1 2 3", "not a list"),
        ([1, None], "not a number"),
        ([1, True], "not a number"),
    ],
)
def test_bad_coeffs_are_refused_in_one_line(coeffs, fragment):
    for call in (
        lambda: validate_coeffs(coeffs),
        lambda: frontier_exact(coeffs, 1.0),
        lambda: frontier_float(coeffs, 1.0),
    ):
        with pytest.raises(ProblemError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and message.startswith("coeffs") and fragment in message


@pytest.mark.parametrize("coeffs", [[0, 0, 0, 1], [0, 0, 0, 0, -1], [1, 2]])
def test_min_of_unbounded_polynomial_is_refused(coeffs):
    with pytest.raises(ProblemError) as err:
        min_exact(coeffs)
    message = str(err.value)
    assert "\n" not in message and message.startswith("coeffs")
    assert "degree" in message and "even degree with a positive leading coefficient" in message


@pytest.mark.parametrize("L1", [-1.0, float("nan"), float("inf"), "abc", 0, 0.0])
def test_bad_L1_is_refused_in_one_line(L1):
    for call in (frontier_exact, frontier_float):
        with pytest.raises(ProblemError) as err:
            call([0, 0, 0, 0, 1], L1)
        message = str(err.value)
        assert "\n" not in message and message.startswith("L1")


def test_level_below_minimum_is_refused():
    with pytest.raises(ProblemError, match=r"^level: .* allowed: level >= min p"):
        sublevel_grad_max_exact([0, 0, 1], -1)
