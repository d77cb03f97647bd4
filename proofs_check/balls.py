"""Rigorous enclosures of SymPy expressions (THEORY T7): intervals and Taylor series.

A SymPy expression is compiled once into nested closures over one of two backends:

* :data:`IV` -- mpmath.iv intervals with outward-rounded endpoints. Used on boxes: endpoint
  intervals keep 0 exact at a domain end (sqrt, x^p and products of [0, d] stay >= 0, which
  midpoint-radius balls lose) and allow +-inf endpoints (tails of half-infinite ranges).
* :func:`series_ops` -- python-flint ``arb_series`` (Arb balls), truncated Taylor series
  in one direction: coefficients at a point, and Lagrange remainders when the point is a
  ball covering a whole box.

Anything that may be undefined on the input (log or sqrt of a possibly nonpositive
value, a non-integer power of a possibly negative base, division by exactly 0, a NaN
result) raises :class:`Undefined`; callers split the box or stop, never certify.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import sympy as sp
from flint import arb, arb_series, fmpq

iv = mpmath.iv


class Undefined(ArithmeticError):  # noqa: N818 (reads as a verdict)
    """The expression may be undefined on the input (``definite``: undefined everywhere)."""

    def __init__(self, what: str, definite: bool = False):
        super().__init__(what)
        self.definite = definite


def mpf_to_fmpq(x) -> fmpq:
    """The exact value of a finite mpf (``man_exp`` drops the sign: read ``_mpf_``)."""
    x = mpmath.mpf(x)
    if not mpmath.isfinite(x):
        raise Undefined("infinite value")
    sign, man, exp, _ = x._mpf_
    man = -int(man) if sign else int(man)
    return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2**-exp)


def exact_iv(value) -> iv.mpf:
    """Outward enclosure of an exact SymPy constant (Rational, E, pi, sqrt(2), ...)."""
    return compile_expr(sp.sympify(value), [], IV)([])


def ball(x) -> arb:
    """Arb ball containing the interval ``x`` (finite endpoints only)."""
    if not (mpmath.isfinite(x.a) and mpmath.isfinite(x.b)):
        raise Undefined("infinite interval")
    return arb(mpf_to_fmpq(mpmath.mpf(x.a))).union(arb(mpf_to_fmpq(mpmath.mpf(x.b))))


# ------------------------------------------------------------------------ interval backend


def _end(f, x, side):
    """Endpoint ``side`` ('a' or 'b') of the enclosure of f at the point x (maybe infinite)."""
    return getattr(f(iv.mpf(x)), side)


def _sinh(x):
    return (iv.exp(x) - iv.exp(-x)) / 2


def _tanh(x):
    if mpmath.isinf(x.a):
        return iv.mpf(1 if x.a > 0 else -1)
    return 1 - 2 / (iv.exp(2 * x) + 1)


class _IvOps:
    name = "mpmath.iv"

    @staticmethod
    def const(e):
        if e.is_Integer:
            return iv.mpf(int(e))
        if e.is_Rational:
            return iv.mpf(int(e.p)) / int(e.q)
        return iv.mpf(str(e))  # a Float: its decimal text, rounded outward

    e = staticmethod(lambda: iv.e)
    pi = staticmethod(lambda: iv.pi)

    @staticmethod
    def div(a, b):
        if b.a == 0 and b.b == 0:
            raise Undefined("division by 0", definite=True)
        if b.a <= 0 <= b.b:
            raise Undefined("division by an interval containing 0")
        return a / b

    def ipow(self, a, k):
        return a**k if k >= 0 else self.div(iv.mpf(1), a ** (-k))

    @staticmethod
    def rpow(a, q):
        if a.b < 0 or (q < 0 and a.b <= 0):
            raise Undefined("non-integer power of a negative number", definite=True)
        if a.a < 0 or (q < 0 and a.a <= 0):
            raise Undefined("non-integer power of a possibly negative number")
        qi = _IvOps.const(q)
        if a.a == 0:  # x^q increases from 0 (q > 0)
            return iv.mpf([0, iv.exp(qi * iv.log(iv.mpf(a.b))).b])
        return iv.exp(qi * iv.log(a))

    @staticmethod
    def log(a):
        if a.b <= 0:
            raise Undefined("log of a nonpositive number", definite=True)
        if a.a < 0:
            raise Undefined("log of a possibly negative number")
        return iv.log(a)

    @staticmethod
    def sqrt(a):
        if a.b < 0:
            raise Undefined("sqrt of a negative number", definite=True)
        if a.a < 0:
            raise Undefined("sqrt of a possibly negative number")
        return iv.sqrt(a)

    exp = staticmethod(iv.exp)
    abs = staticmethod(abs)

    @staticmethod
    def min(a, b):
        return iv.mpf([min(a.a, b.a), min(a.b, b.b)])

    @staticmethod
    def max(a, b):
        return iv.mpf([max(a.a, b.a), max(a.b, b.b)])

    @staticmethod
    def sinh(a):  # increasing
        lo = a.a if mpmath.isinf(a.a) else _end(_sinh, a.a, "a")
        hi = a.b if mpmath.isinf(a.b) else _end(_sinh, a.b, "b")
        return iv.mpf([lo, hi])

    @staticmethod
    def cosh(a):  # decreasing then increasing, minimum 1 at 0
        ends = [iv.exp(iv.mpf(abs(t))) for t in (a.a, a.b)]
        hi = max(((x + 1 / x) / 2).b for x in ends)
        lo = 1 if a.a <= 0 <= a.b else min(((x + 1 / x) / 2).a for x in ends)
        return iv.mpf([lo, hi])

    @staticmethod
    def tanh(a):  # increasing
        return iv.mpf([_end(_tanh, a.a, "a"), _end(_tanh, a.b, "b")])

    @staticmethod
    def check(v):
        if mpmath.isnan(v.a) or mpmath.isnan(v.b):
            raise Undefined("indeterminate value (e.g. 0 * inf or 0/0)")
        return v


IV = _IvOps()


class _IvWhereDefined(_IvOps):
    """Division by an interval with 0 at an end encloses the quotient where it is defined
    ([1, 2] / [0, 1] = [1, +inf]). Only for choosing a branch (which abs/min/max arm holds
    wherever g is defined): never for enclosing g itself."""

    @staticmethod
    def div(a, b):
        if b.a == 0 and b.b == 0:
            raise Undefined("division by 0", definite=True)
        if b.a < 0 < b.b:
            raise Undefined("division by an interval containing 0")
        return a / b


IV_WHERE = _IvWhereDefined()


# -------------------------------------------------------------------------- series backend


class _SeriesOps:
    """Arb Taylor series of length ``n``; constants are series of length n too."""

    name = "arb_series"

    def __init__(self, n: int):
        self.n = n

    def _s(self, c):
        return arb_series([c], prec=self.n)

    def const(self, e):
        if e.is_Rational:
            return self._s(arb(fmpq(int(e.p), int(e.q))))
        return self._s(arb(str(e)))

    def e(self):
        return self._s(arb.const_e())

    def pi(self):
        return self._s(arb.pi())

    def _c0(self, a):
        return a.coeffs()[0] if a.coeffs() else arb(0)

    def div(self, a, b):
        if self._c0(b).contains(0):
            raise Undefined("series division by a value containing 0")
        return a / b

    def ipow(self, a, k):
        return a**k if k >= 0 else self.div(self._s(arb(1)), a ** (-k))

    def rpow(self, a, q):
        return (self.log(a) * self.const(q)).exp()

    def log(self, a):
        if not self._c0(a) > 0:
            raise Undefined("series log at a value not > 0")
        return a.log()

    def sqrt(self, a):
        if not self._c0(a) > 0:
            raise Undefined("series sqrt at a value not > 0")
        return a.sqrt()

    @staticmethod
    def exp(a):
        return a.exp()

    def abs(self, a):
        c = self._c0(a)
        if c > 0:
            return a
        if c < 0:
            return -a
        raise Undefined("series abs at a value containing 0")

    def min(self, a, b):
        d = self._c0(a) - self._c0(b)
        if d < 0:
            return a
        if d > 0:
            return b
        raise Undefined("series min of undecided order")

    def max(self, a, b):
        return self.min(b, a) if (self._c0(a) - self._c0(b)) != 0 else self.min(a, b)

    def sinh(self, a):
        x = a.exp()
        return (x - 1 / x) / 2

    def cosh(self, a):
        x = a.exp()
        return (x + 1 / x) / 2

    def tanh(self, a):
        return 1 - 2 / ((2 * a).exp() + 1)

    def check(self, v):
        if not all(c.is_finite() for c in v.coeffs()):
            raise Undefined("non-finite series coefficient")
        return v


def series_ops(n: int) -> _SeriesOps:
    return _SeriesOps(n)


def coefficients(s, n: int) -> list:
    """The first ``n`` coefficients of an arb_series (zeros past its stored length)."""
    cs = list(s.coeffs())
    return cs + [arb(0)] * (n - len(cs))


# ------------------------------------------------------------------------------- compiler

_FUNCS = {
    sp.exp: "exp",
    sp.log: "log",
    sp.Abs: "abs",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.Min: "min",
    sp.Max: "max",
}


def compile_expr(expr, syms, ops) -> Callable[[list], object]:
    """``f(values) -> enclosure`` of ``expr``, ``values[i]`` standing for ``syms[i]``."""
    index = {s: i for i, s in enumerate(syms)}
    body = _node(sp.sympify(expr), index, ops)
    return lambda values: ops.check(body(values))


def _node(e, index, ops):
    if e.is_Symbol:
        if e not in index:
            raise ValueError(f"no value for symbol {e}")
        i = index[e]
        return lambda v: v[i]
    if e.is_Number:
        if not e.is_finite:
            raise ValueError(f"not a finite number: {e}")
        c = ops.const(e)
        return lambda v: c
    if e is sp.E:
        return lambda v: ops.e()
    if e is sp.pi:
        return lambda v: ops.pi()
    if e.is_Add or e.is_Mul:
        parts = [_node(a, index, ops) for a in e.args]
        if e.is_Add:
            return lambda v: _fold(parts, v, lambda x, y: x + y)
        num = [_node(a, index, ops) for a in e.args if not _is_reciprocal(a)]
        den = [_node(1 / a, index, ops) for a in e.args if _is_reciprocal(a)]
        if not den:
            return lambda v: _fold(num, v, lambda x, y: x * y)
        one = _node(sp.Integer(1), index, ops)
        return lambda v: ops.div(
            _fold(num or [one], v, lambda x, y: x * y), _fold(den, v, lambda x, y: x * y)
        )
    if e.is_Pow:
        base, ex = _node(e.base, index, ops), e.exp
        if ex.is_Integer:
            k = int(ex)
            return lambda v: ops.ipow(base(v), k)
        if ex == sp.S.Half:
            return lambda v: ops.sqrt(base(v))
        if ex.is_Rational:
            return lambda v: ops.rpow(base(v), ex)
        power = _node(ex, index, ops)
        return lambda v: ops.exp(power(v) * ops.log(base(v)))
    name = _FUNCS.get(e.func)
    if name is None:
        raise ValueError(f"no enclosure rule for {e.func.__name__}")
    args = [_node(a, index, ops) for a in e.args]
    fn = getattr(ops, name)
    if name in ("min", "max"):
        return lambda v: _fold(args, v, fn)
    return lambda v: fn(args[0](v))


def _is_reciprocal(a) -> bool:
    return a.is_Pow and a.exp.is_Integer and a.exp < 0


def _fold(parts, v, op):
    out = parts[0](v)
    for p in parts[1:]:
        out = op(out, p(v))
    return out
