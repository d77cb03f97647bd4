"""Min/Max of THEORY schedules inside a regime (a helper for the T3/T5 lemma modules).

A regime substitutes the problem symbols by expressions in nonnegative parameters (e.g.
``L1 = 1/(10 (1+s))`` for ``L1 <= 1/10``); every Min/Max then equals one of its arguments,
and :func:`resolve` proves which: the differences to the other arguments are rational
functions whose numerator and denominator have nonnegative coefficients.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import CoefficientsNonNegative, Identity, Step, Unproved, const_sign


def _coefficients_nonneg(p) -> bool:
    p = sp.expand(p)
    syms = sorted(p.free_symbols, key=str)
    if not syms:
        return const_sign(p) >= 0
    try:
        poly = sp.Poly(p, *syms)
    except sp.PolynomialError:
        return False
    return all(const_sign(c) >= 0 for c in poly.coeffs())


def nonneg_rational(expr) -> bool:
    """``expr`` is a ratio of polynomials with nonnegative coefficients (so >= 0)."""
    num, den = sp.fraction(sp.factor(sp.together(expr)))
    if not den.free_symbols and const_sign(den) < 0:
        num, den = -num, -den
    return _coefficients_nonneg(num) and _coefficients_nonneg(den) and not sp.expand(den).is_zero


def resolve(expr):
    """``expr`` with each Min/Max (innermost first) replaced by the argument it equals."""

    def pick(e):
        sign = 1 if isinstance(e, sp.Min) else -1
        for a in e.args:
            if all(b == a or nonneg_rational(sign * (b - a)) for b in e.args):
                return a
        raise Unproved(f"no argument of {e} is provably extremal here")

    return sp.sympify(expr).replace(lambda e: isinstance(e, (sp.Min, sp.Max)), pick)


class InRegime(Step):
    """``lhs == rhs`` (or ``lhs >= rhs``) after substituting ``regime`` and resolving Min/Max.

    ``>=`` is certified when the resolved difference is a ratio of polynomials with
    nonnegative coefficients in the (nonnegative) parameters; the numeric attack evaluates
    the unresolved expressions.
    """

    kind = "regime"

    def __init__(self, lhs, rhs, regime: dict, claim, relation="==", latex=""):
        rel = "=" if relation == "==" else r"\ge"
        super().__init__(claim, latex or f"{sp.latex(lhs)} {rel} {sp.latex(rhs)}")
        self.lhs = sp.sympify(lhs).subs(regime)
        self.rhs = sp.sympify(rhs).subs(regime)
        self.relation = relation

    def prove(self):
        diff = resolve(self.lhs) - resolve(self.rhs)
        if self.relation == "==":
            method, _ = Identity(diff, 0, self.claim).prove()
            return f"Min/Max resolved; {method}", ""
        if not nonneg_rational(diff):
            raise Unproved(f"{sp.factor(sp.together(diff))} has negative coefficients")
        return "Min/Max resolved; ratio of polynomials with coefficients >= 0", ""

    def attack(self):
        if self.relation == "==":
            return Identity(self.lhs, self.rhs, self.claim).attack()
        return CoefficientsNonNegative(self.lhs - self.rhs, self.claim).attack()
