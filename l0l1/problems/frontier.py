"""Exact and float (L0,L1) frontier of univariate polynomials (THEORY T2).

For p(x) = sum_i a_i x^i (ascending coefficients) of degree d >= 3 and L1 > 0, the
least valid L0 is

    L0*(L1) = max_x (|p''(x)| - L1 |p'(x)|)_+ ,

attained at a real root of p''' - L1 p'', p''' + L1 p'' or p' (THEORY T2). Degree
d <= 2 is L-smooth: L0* = 2|a_2| for every L1 >= 0.

Two routes:

* ``frontier_float``: numpy roots of the candidate polynomials, float evaluation.
  Fast, used to trace curves; an estimate, never certified (clustered roots such as
  (x-1)^12 lose digits).
* ``*_exact``: coefficients and L1 are converted to rationals exactly, real roots are
  isolated exactly (SymPy over QQ), and the objective is bounded over each isolating
  interval with rational interval arithmetic. The result is an ``Enclosure`` whose
  ``hi`` is a proven upper bound and ``lo`` a proven lower bound.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
from numpy.polynomial import polynomial as npoly

from l0l1.problems.base import ProblemError

Box = tuple[Fraction, Fraction]

_X = sympy.Symbol("x")
# Isolation widths tried in turn until the enclosure is relatively tight.
_EPS_SCHEDULE = (Fraction(1, 2**60), Fraction(1, 2**130), Fraction(1, 2**260))
_RTOL = Fraction(1, 2**56)
_ATOL = Fraction(1, 2**400)
_ALLOWED_NUMBER = "a finite real number (int, float, Fraction, sympy Rational)"
# Exact root isolation costs grow quickly with the degree (degree 64: about a second for
# the frontier and the start constants together); proofs_check.parse has the same bound.
MAX_DEGREE = 64


@dataclass(frozen=True)
class Enclosure:
    """A proven enclosure [lo, hi] of an exact quantity (THEORY T2).

    ``lo_exact``/``hi_exact`` are the exact rational bounds; ``lo``/``hi`` are floats
    rounded outward. ``argmax`` is an interval containing the optimizing point (the
    best candidate's isolating interval), or None when not meaningful.
    """

    lo: float
    hi: float
    lo_exact: sympy.Rational
    hi_exact: sympy.Rational
    argmax: tuple[float, float] | None = None

    @classmethod
    def from_exact(cls, lo: Fraction, hi: Fraction, box: Box | None = None) -> Enclosure:
        argmax = None if box is None else (round_down(box[0]), round_up(box[1]))
        return cls(round_down(lo), round_up(hi), _to_sympy(lo), _to_sympy(hi), argmax)

    def contains(self, value) -> bool:
        """Whether the exact number ``value`` lies in [lo_exact, hi_exact]."""
        q = to_fraction(value, "value")
        return to_fraction(self.lo_exact, "lo") <= q <= to_fraction(self.hi_exact, "hi")


# ---------------------------------------------------------------------------
# Validation and exact conversion
# ---------------------------------------------------------------------------


def to_fraction(value, field: str) -> Fraction:
    """Exact rational value of a finite real number; floats give their binary value."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, sympy.Basic):
        if value.is_Rational or value.is_Float:
            r = sympy.Rational(value)
            return Fraction(int(r.p), int(r.q))
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return Fraction(int(value))
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        f = float(value)
        if math.isfinite(f):
            return Fraction(f)
        raise ProblemError(f"{field}: {value!r} is not finite; allowed: {_ALLOWED_NUMBER}")
    raise ProblemError(
        f"{field}: {_one_line(repr(value))} ({type(value).__name__}) is not a number; "
        f"allowed: {_ALLOWED_NUMBER}"
    )


def validate_coeffs(coeffs, field: str = "coeffs") -> list[Fraction]:
    """Exact ascending coefficients with trailing zeros stripped (THEORY T2).

    Accepts a sequence of numbers (int, float, Fraction, sympy Rational/Float, numpy
    scalars); strings are never parsed. Raises a one-line ProblemError naming
    ``field`` for: a non-sequence, an empty sequence, a non-numeric or non-finite
    entry, or all-zero coefficients.
    """
    if isinstance(coeffs, str | bytes) or not isinstance(coeffs, Sequence | np.ndarray):
        raise ProblemError(
            f"{field}: {_one_line(repr(coeffs))} is not a list; "
            "allowed: a non-empty list of finite real numbers (ascending powers)"
        )
    entries = list(coeffs)
    if not entries:
        raise ProblemError(
            f"{field}: [] is empty; allowed: a non-empty list of finite real numbers "
            "(ascending powers)"
        )
    exact = [to_fraction(c, f"{field}[{i}]") for i, c in enumerate(entries)]
    while exact and exact[-1] == 0:
        exact.pop()
    if not exact:
        raise ProblemError(
            f"{field}: {_show(entries)} are all zero; allowed: at least one nonzero coefficient"
        )
    if len(exact) - 1 > MAX_DEGREE:
        raise ProblemError(
            f"{field}: degree {len(exact) - 1} ({len(entries)} coefficients) is too high for "
            f"exact root isolation; allowed: degree <= {MAX_DEGREE}"
        )
    return exact


def check_L1(L1, degree: int) -> Fraction:
    """Exact L1; finite and >= 0, and > 0 when ``degree`` >= 3 (THEORY T2)."""
    lam = to_fraction(L1, "L1")
    if lam < 0:
        raise ProblemError(f"L1: {L1!r} is negative; allowed: a finite number >= 0")
    if lam == 0 and degree >= 3:
        raise ProblemError(
            f"L1: {L1!r} is not allowed for degree {degree}; allowed: a finite number > 0 "
            "(degree >= 3 is not L-smooth, so no finite L0 exists with L1 = 0)"
        )
    return lam


def is_bounded_below(c: list[Fraction]) -> bool:
    """p is bounded below iff degree 0, or even degree with a_d > 0 (THEORY T2)."""
    degree = len(c) - 1
    return degree == 0 or (degree % 2 == 0 and c[-1] > 0)


def require_bounded_below(c: list[Fraction], coeffs, field: str = "coeffs") -> None:
    """Raise a one-line ProblemError naming ``field`` unless p is bounded below."""
    if is_bounded_below(c):
        return
    degree = len(c) - 1
    raise ProblemError(
        f"{field}: {_show(coeffs)} (degree {degree}, leading coefficient {float(c[-1]):g}) is "
        "unbounded below; allowed: even degree with a positive leading coefficient"
    )


# ---------------------------------------------------------------------------
# Float frontier
# ---------------------------------------------------------------------------


def frontier_float(coeffs, L1) -> tuple[float, float]:
    """(L0*(L1), argmax) in floating point from numpy roots (THEORY T2); an estimate.

    Candidates are the real parts of all roots of p''' -+ L1 p'' and p' (real parts of
    complex roots are harmless extra candidates and catch roots pushed off the axis by
    rounding).
    """
    a = np.array([float(v) for v in validate_coeffs(coeffs)])
    lam = float(check_L1(L1, len(a) - 1))
    return _frontier_float(a, lam)


def float_frontier(coeffs) -> Callable[[float], float]:
    """L1 -> float L0*(L1) of one polynomial, validating the coefficients once (T2).

    For searches over L1 (a schedule picking its frontier point); an estimate.
    """
    a = np.array([float(v) for v in validate_coeffs(coeffs)])
    degree = len(a) - 1
    return lambda L1: _frontier_float(a, float(check_L1(L1, degree)))[0]


def frontier_curve(coeffs, L1_values) -> np.ndarray:
    """Float frontier L0*(L1) at each L1 (for plots; THEORY T2)."""
    a = np.array([float(v) for v in validate_coeffs(coeffs)])
    lams = [float(check_L1(lam, len(a) - 1)) for lam in L1_values]
    return np.array([_frontier_float(a, lam)[0] for lam in lams])


def _frontier_float(a: np.ndarray, lam: float) -> tuple[float, float]:
    if len(a) <= 3:
        return _quadratic_frontier_float(a)
    d1 = npoly.polyder(a)
    d2 = npoly.polyder(d1)
    d3 = npoly.polyder(d2)
    polys = (npoly.polysub(d3, lam * d2), npoly.polyadd(d3, lam * d2), d1)
    xs = np.concatenate([npoly.polyroots(q).real for q in polys])
    h = np.abs(npoly.polyval(xs, d2)) - lam * np.abs(npoly.polyval(xs, d1))
    i = int(np.argmax(h))
    return max(float(h[i]), 0.0), float(xs[i])


def _quadratic_frontier_float(a: np.ndarray) -> tuple[float, float]:
    if len(a) < 3:
        return 0.0, 0.0
    return 2.0 * abs(a[2]), -a[1] / (2.0 * a[2])


# ---------------------------------------------------------------------------
# Exact routines
# ---------------------------------------------------------------------------


def frontier_exact(coeffs, L1) -> Enclosure:
    """Certified enclosure of L0*(L1) = max_x (|p''| - L1|p'|)_+ (THEORY T2).

    Real roots of p''' - L1 p'', p''' + L1 p'' and p' are isolated exactly; ``hi`` is
    the largest interval-arithmetic upper bound of h over the isolating intervals, and
    ``lo`` the largest exact value of h at their midpoints (both clipped at 0).
    ``argmax`` is the isolating interval of the best candidate (None when L0* = 0 is
    proven, or for degree <= 1).
    """
    c = validate_coeffs(coeffs)
    lam = check_L1(L1, len(c) - 1)
    if len(c) <= 3:
        return _quadratic_frontier_exact(c)
    d1 = poly_deriv(c)
    d2 = poly_deriv(d1)
    d3 = poly_deriv(d2)
    polys = (_axpy(-lam, d2, d3), _axpy(lam, d2, d3), d1)

    def h_upper(box: Box) -> Fraction:
        return _abs_sup(d2, box) - lam * _abs_inf(d1, box)

    def h_at_mid(box: Box) -> Fraction:
        x = _mid(box)
        return abs(poly_eval(d2, x)) - lam * abs(poly_eval(d1, x))

    lo, hi, box = _maximize_over_roots(polys, h_upper, h_at_mid)
    lo, hi = max(lo, Fraction(0)), max(hi, Fraction(0))
    return Enclosure.from_exact(lo, hi, box if hi > 0 else None)


def min_exact(coeffs) -> Enclosure:
    """Certified enclosure of f* = min p over the real roots of p' (THEORY T2).

    ``lo`` is the least interval lower bound of p over the isolating intervals of the
    roots of p'; ``hi`` the least exact value of p at their midpoints. ``argmax`` holds
    the isolating interval of a minimizer. ProblemError when p is unbounded below.
    """
    c = validate_coeffs(coeffs)
    require_bounded_below(c, coeffs)
    if len(c) == 1:
        return Enclosure.from_exact(c[0], c[0])
    neg = [-v for v in c]

    def neg_upper(box: Box) -> Fraction:
        return _range(neg, box)[1]

    def neg_at_mid(box: Box) -> Fraction:
        return poly_eval(neg, _mid(box))

    lo, hi, box = _maximize_over_roots((poly_deriv(c),), neg_upper, neg_at_mid)
    return Enclosure.from_exact(-hi, -lo, box)


def sublevel_grad_max_exact(coeffs, level) -> Enclosure:
    """Certified enclosure of max |p'| on the sublevel set {p <= level} (THEORY T2).

    The set is a finite union of intervals whose endpoints are real roots of
    p - level; |p'| peaks at such an endpoint or at a root of p'' inside the set.
    ``hi`` bounds |p'| over the isolating intervals of those candidates (roots of p''
    are kept whenever their interval may meet the set); ``lo`` is the largest exact
    |p'| at a rational point proven to lie in the set. Requires p bounded below and
    level >= min p.
    """
    c = validate_coeffs(coeffs)
    require_bounded_below(c, coeffs)
    t = to_fraction(level, "level")
    if len(c) == 1:
        return Enclosure.from_exact(Fraction(0), Fraction(0))
    d1 = poly_deriv(c)
    shifted = [c[0] - t, *c[1:]]
    if not _isolate(shifted):
        raise ProblemError(
            f"level: {float(t)!r} is below the minimum of p = {_show(coeffs)}; "
            "allowed: level >= min p (a non-empty sublevel set)"
        )

    def upper(box: Box) -> Fraction:
        return _abs_sup(d1, box) if _range(c, box)[0] <= t else Fraction(-1)

    def proven_value(box: Box) -> Fraction:
        points = [x for x in (box[0], _mid(box), box[1]) if poly_eval(c, x) <= t]
        return max((abs(poly_eval(d1, x)) for x in points), default=Fraction(-1))

    lo, hi, box = _maximize_over_roots((shifted, poly_deriv(d1)), upper, proven_value)
    return Enclosure.from_exact(max(lo, Fraction(0)), hi, box)


def poly_eval(c: list[Fraction], x: Fraction) -> Fraction:
    """p(x) exactly (ascending coefficients)."""
    acc = Fraction(0)
    for v in reversed(c):
        acc = acc * x + v
    return acc


def poly_deriv(c: list[Fraction]) -> list[Fraction]:
    """Exact coefficients of p' (ascending)."""
    return [i * v for i, v in enumerate(c)][1:]


def has_real_root(c: list[Fraction]) -> bool:
    """Whether the nonzero polynomial c has a real root (exact; constants have none)."""
    return bool(_isolate(c))


def round_down(q: Fraction) -> float:
    """Largest float <= q (-inf / max float on overflow)."""
    try:
        f = float(q)
    except OverflowError:
        return -math.inf if q < 0 else np.finfo(float).max.item()
    return math.nextafter(f, -math.inf) if Fraction(f) > q else f


def round_up(q: Fraction) -> float:
    """Smallest float >= q (+inf / -max float on overflow)."""
    return 0.0 - round_down(-q)


def sqrt_up(q: Fraction) -> float:
    """A float >= sqrt(q) for q >= 0, checked exactly (inf when sqrt(q) exceeds the floats).

    q itself may lie beyond the float range (M^2 of a gradient bound M near 1e200)."""
    r = round_up(q)
    if math.isfinite(r):
        f = math.sqrt(r)
    else:  # q > max float: an integer square root, then the float at or above it
        root = math.isqrt(math.ceil(q)) + 1
        try:
            f = float(root)
        except OverflowError:
            return math.inf
    while math.isfinite(f) and Fraction(f) ** 2 < q:
        f = math.nextafter(f, math.inf)
    return f


# ---------------------------------------------------------------------------
# Helpers: refinement loop, root isolation, rational interval arithmetic
# ---------------------------------------------------------------------------


def _maximize_over_roots(polys, upper, value) -> tuple[Fraction, Fraction, Box | None]:
    """Proven bounds (lo, hi, best box) of max g over the real roots of ``polys``.

    ``upper(box)`` bounds g over an isolating interval; ``value(box)`` is a value of g
    proven attained (g at a rational point). Boxes whose upper bound falls below the
    best proven value cannot hold the maximum and are dropped; the others are refined
    along _EPS_SCHEDULE until hi - lo is relatively tiny.
    """
    cands = [pair for q in polys for pair in _isolate_with_poly(q)]
    if not cands:
        return Fraction(0), Fraction(0), None
    for eps in (None, *_EPS_SCHEDULE):
        if eps is not None:
            cands = [(q, _narrow(q, box, eps)) for q, box in cands]
        uppers = [upper(box) for _, box in cands]
        lo, box = max(((value(b), b) for _, b in cands), key=lambda t: t[0])
        hi = max(uppers)
        if hi - lo <= max(_RTOL * max(abs(lo), abs(hi)), _ATOL):
            break
        cands = [cand for cand, u in zip(cands, uppers, strict=True) if u >= lo]
    return lo, hi, box


def _isolate(c: list[Fraction]) -> list[Box]:
    """Isolating intervals of the distinct real roots of c (square-free part)."""
    return [box for _, box in _isolate_with_poly(c)]


def _isolate_with_poly(c: list[Fraction]) -> list[tuple[sympy.Poly, Box]]:
    c = list(c)
    while c and c[-1] == 0:
        c.pop()
    if len(c) < 2:
        return []
    poly = sympy.Poly([_to_sympy(v) for v in reversed(c)], _X, domain=sympy.QQ).sqf_part()
    return [
        (poly, (to_fraction(a, "root"), to_fraction(b, "root"))) for (a, b), _ in poly.intervals()
    ]


def _narrow(poly: sympy.Poly, box: Box, eps: Fraction) -> Box:
    """Refine an isolating interval of the square-free ``poly`` to width <= eps.

    Exact bisection: the root is simple, so the sign of ``poly`` changes across it. (SymPy's
    continued-fraction refinement takes one step per unit of a partial quotient, which is
    hundreds of thousands of steps for a root within 1e-16 of a short rational, e.g. the
    root of p - round_up(p(2)) next to a start x0 = 2.)
    """
    a, b = box
    if a == b or b - a <= eps:
        return box
    c = [to_fraction(v, "coefficient") for v in reversed(poly.all_coeffs())]
    sa, sb = _sign(poly_eval(c, a)), _sign(poly_eval(c, b))
    if sa == 0 or sb == 0 or sa == sb:  # an endpoint is a (neighbouring) root: SymPy's way
        lo, hi = poly.refine_root(_to_sympy(a), _to_sympy(b), eps=_to_sympy(eps))
        return to_fraction(lo, "root"), to_fraction(hi, "root")
    while b - a > eps:
        m = (a + b) / 2
        sm = _sign(poly_eval(c, m))
        if sm == 0:
            return m, m
        if sm == sa:
            a = m
        else:
            b = m
    return a, b


def _sign(q: Fraction) -> int:
    return (q > 0) - (q < 0)


def _range(c: list[Fraction], box: Box) -> Box:
    """An enclosure of c over [a, b] by interval Horner (exact when a == b)."""
    a, b = box
    if a == b:
        v = poly_eval(c, a)
        return v, v
    lo = hi = Fraction(0)
    for v in reversed(c):
        prods = (lo * a, lo * b, hi * a, hi * b)
        lo, hi = min(prods) + v, max(prods) + v
    return lo, hi


def _abs_sup(c: list[Fraction], box: Box) -> Fraction:
    lo, hi = _range(c, box)
    return max(abs(lo), abs(hi))


def _abs_inf(c: list[Fraction], box: Box) -> Fraction:
    lo, hi = _range(c, box)
    return Fraction(0) if lo <= 0 <= hi else min(abs(lo), abs(hi))


def _quadratic_frontier_exact(c: list[Fraction]) -> Enclosure:
    if len(c) < 3:
        return Enclosure.from_exact(Fraction(0), Fraction(0))
    x = -c[1] / (2 * c[2])
    return Enclosure.from_exact(2 * abs(c[2]), 2 * abs(c[2]), (x, x))


def _axpy(alpha: Fraction, x: list[Fraction], y: list[Fraction]) -> list[Fraction]:
    """alpha * x + y for coefficient lists of possibly different lengths."""
    n = max(len(x), len(y))
    x = x + [Fraction(0)] * (n - len(x))
    y = y + [Fraction(0)] * (n - len(y))
    return [alpha * u + v for u, v in zip(x, y, strict=True)]


def _mid(box: Box) -> Fraction:
    return (box[0] + box[1]) / 2


def _to_sympy(q: Fraction) -> sympy.Rational:
    return sympy.Rational(q.numerator, q.denominator)


def _show(values) -> str:
    try:
        return _one_line("[" + ", ".join(str(v) for v in values) + "]")
    except TypeError:
        return _one_line(repr(values))


def _one_line(text: str) -> str:
    return " ".join(text.split())
