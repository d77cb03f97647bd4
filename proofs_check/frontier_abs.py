"""Least L0 for a given L1 of f(x) = polynomial + sum_i c_i |x|^p_i, p_i > 2 (THEORY T2).

L0*(L1) = sup_x (|f''| - L1 |f'|)_+. A single term c |x|^p has the closed form

    h(r) = |c| p (p-1) r^(p-2) - L1 |c| p r^(p-1),  r = |x|,  maximal at r* = (p-2)/L1,
    L0*(L1) = |c| p ((p-2)/L1)^(p-2)   (e.g. x^4: 4 (2/L1)^2 = 16/L1^2).

Otherwise a numeric maximizer x_r gives lo = h(x_r) (interval arithmetic at a rational
point) and a candidate hi slightly above; hi + L1|f'| - |f''| >= 0 is then decided by the
prover on x > 0 and on x < 0 (|x| = x or -x there, so f is smooth on each side).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs_check.balls import IV, compile_expr, exact_iv
from proofs_check.parse import ParseError, Range, parse_expression
from proofs_check.prover import CERTIFIED, decide_nonneg

X = sp.Symbol("x", real=True)
_POS = sp.Symbol("y", positive=True)


def parse_abs_sum(text: str):
    """(expression, [(c, p)], polynomial part) or ParseError naming what is allowed."""
    try:
        expr = sp.expand(parse_expression(text, ["x"]))
    except ParseError as err:
        raise ParseError(f"polynomial: {err}") from None
    terms, poly = [], sp.Integer(0)
    for t in sp.Add.make_args(expr):
        pos = sp.powsimp(t.subs(X, _POS))  # SymPy writes |x|^3 as x^2 |x|: read it for x > 0
        coeff, rest = pos.as_coeff_Mul()
        p = rest.exp if rest.is_Pow and rest.base == _POS else None
        if t.has(sp.Abs) and p is not None and sp.powsimp(t.subs(X, -_POS)) == pos:
            if not (p.is_number and p.is_real and p > 2):
                raise ParseError(
                    f"polynomial: {text!r}: power {p} of abs(x) is not allowed; "
                    "allowed: c*abs(x)^p with a constant p > 2, plus a polynomial in x"
                )
            terms.append((sp.nsimplify(coeff), sp.nsimplify(p)))
        elif t.is_polynomial(X) and not t.has(sp.Abs):
            poly += t
        else:
            raise ParseError(
                f"polynomial: {text!r}: term {t} is not allowed; allowed: a polynomial in x "
                "plus terms c*abs(x)^p with a constant p > 2"
            )
    return expr, terms, poly


def closed_form(c, p, L1):
    """L0*(L1) of c |x|^p, p > 2 (exact for exact c, p, L1)."""
    c, p, L1 = (sp.sympify(v) for v in (c, p, L1))
    return abs(c) * p * ((p - 2) / L1) ** (p - 2)


def _side(expr, sign):
    """f on the side sign*x > 0 as a smooth function of y = |x| > 0, with x = sign*y."""
    return expr.subs(X, sign * _POS).replace(sp.Abs, lambda a: sp.Abs(a).subs(_POS, _POS))


def certify_abs(text: str, L1) -> dict:
    expr, terms, poly = parse_abs_sum(text)
    L1 = sp.Rational(L1)
    if len(terms) == 1 and poly == 0:
        c, p = terms[0]
        value = sp.nsimplify(closed_form(c, p, L1))
        return {
            "lo": value,
            "hi": value,
            "status": CERTIFIED,
            "method": "closed form |c| p ((p-2)/L1)^(p-2)",
            "x_r": (p - 2) / L1,
        }
    sides = []
    for sign in (1, -1):
        f = sp.simplify(_side(expr, sign))
        d1 = sp.diff(f, _POS) * sign
        d2 = sp.diff(f, _POS, 2)
        sides.append((sign, d1, d2))
    best, x_r = mpmath.mpf(0), sp.Integer(0)
    for sign, d1, d2 in sides:
        h = sp.lambdify(_POS, sp.Abs(d2) - L1 * sp.Abs(d1), "mpmath")
        ys = [sp.Rational(k, 200) for k in range(1, 4001)]
        for _ in range(6):  # grid, then zoom around the best point
            for y in ys:
                v = h(mpmath.mpf(y.p) / y.q)
                if v > best:
                    best, x_r = v, sign * y
            step = (ys[1] - ys[0]) / 50
            ys = [abs(x_r) + k * step for k in range(-100, 101) if abs(x_r) + k * step > 0]
    lo = sp.Integer(0)
    if best > 0:
        sign, d1, d2 = sides[0] if x_r > 0 else sides[1]
        enc = compile_expr(sp.Abs(d2) - L1 * sp.Abs(d1), [_POS], IV)([exact_iv(abs(x_r))])
        lo = max(
            sp.Integer(0), sp.Rational(mpmath.nstr(mpmath.mpf(enc.a), 12)) - sp.Rational(1, 10**10)
        )
    hi = sp.Rational(mpmath.nstr(best * (1 + mpmath.mpf("1e-9")) + mpmath.mpf("1e-12"), 15))
    status, methods = CERTIFIED, []
    for _sign, d1, d2 in sides:
        d = decide_nonneg(
            hi + L1 * sp.Abs(d1) - sp.Abs(d2), {_POS: Range("y", sp.Integer(0), sp.oo, True, True)}
        )
        methods.append(d.status if d.status != CERTIFIED else d.method)
        if d.status != CERTIFIED:
            status = d.status
    return {"lo": lo, "hi": hi, "status": status, "method": "; ".join(methods), "x_r": x_r}
