"""Certified least L0 for a given L1 of a univariate polynomial (THEORY T2, frontier).

L0*(L1) = max_x (|p''(x)| - L1 |p'(x)|)_+. The enclosure [lo, hi] comes from
``l0l1.problems.frontier.frontier_exact`` when available (else from the candidate points
of THEORY T2 here), and is then proved independently:

* :class:`FrontierUpper`: |p''| <= hi + L1 |p'| on all of R. The real roots of p', p''
  and of the four polynomials hi + s1 L1 p' - s2 p'' (s1, s2 = +-1) are isolated exactly;
  on each cell between consecutive roots every sign is constant, so one rational test
  point per cell decides the cell, and continuity covers the roots themselves.
* :class:`FrontierAttained`: h(x_r) >= lo at an explicit rational point x_r.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from proofs_check.core import CERTIFIED, Step, StepResult, Unproved
from proofs_check.parse import (
    OneLineParser,
    ParseError,
    UsageError,
    X,
    parse_number,
    parse_polynomial,
)


def _h(d1: sp.Poly, d2: sp.Poly, L1, x) -> sp.Rational:
    return abs(d2.eval(x)) - L1 * abs(d1.eval(x))


def _cells(polys: list[sp.Poly]) -> list[sp.Rational]:
    """One rational point in each open cell cut out by the real roots of ``polys``."""
    polys = [p for p in polys if p.degree() > 0]
    if not polys:
        return [sp.Integer(0)]
    eps = None
    while True:
        boxes = sorted(b for b, _ in sp.intervals([p.as_expr() for p in polys], eps=eps))
        ends = [sp.Rational(a) for a, _ in boxes], [sp.Rational(b) for _, b in boxes]
        pts = [ends[0][0] - 1] + [(ends[1][i] + ends[0][i + 1]) / 2 for i in range(len(boxes) - 1)]
        pts.append(ends[1][-1] + 1)
        if all(p.eval(t) != 0 for p in polys for t in pts) and all(
            ends[1][i] < ends[0][i + 1] for i in range(len(boxes) - 1)
        ):
            return pts
        eps = sp.Rational(1, 2**20) if eps is None else eps / 2**20


class FrontierUpper(Step):
    """|p''(x)| <= L0 + L1 |p'(x)| for every real x (exact cell decomposition)."""

    kind = "frontier-upper"

    def __init__(self, p: sp.Poly, L1, L0, claim=""):
        tex = rf"|p''(x)| \le {sp.latex(L0)} + {sp.latex(L1)}\,|p'(x)| \;\forall x,\ "
        tex += rf"p = {sp.latex(p.as_expr())}"
        super().__init__(claim or f"L0 = {L0} is valid for L1 = {L1}", tex)
        self.d1, self.L1, self.L0 = p.diff(X), sp.Rational(L1), sp.Rational(L0)
        self.d2 = self.d1.diff(X)

    def prove(self):
        qs = [self.L0 + s1 * self.L1 * self.d1 - s2 * self.d2 for s1 in (1, -1) for s2 in (1, -1)]
        pts = _cells([self.d1, self.d2, *qs])
        for t in pts:
            if _h(self.d1, self.d2, self.L1, t) > self.L0:
                raise Unproved(f"violated at x = {t}")
        return (
            "exact real-root isolation (cells of p', p'', L0 +- L1 p' -+ p'')",
            f"{len(pts)} cells",
        )

    def attack(self):
        return None  # the cell test points are exact; nothing numeric to add


class FrontierAttained(Step):
    """h(x_r) = |p''(x_r)| - L1 |p'(x_r)| >= lo at a rational point x_r (exact)."""

    kind = "frontier-lower"

    def __init__(self, p: sp.Poly, L1, lo, x_r, claim=""):
        super().__init__(
            claim or f"no L0 below {lo} works for L1 = {L1}",
            rf"|p''({sp.latex(x_r)})| - {sp.latex(L1)}|p'({sp.latex(x_r)})| \ge {sp.latex(lo)}",
        )
        self.d1 = p.diff(X)
        self.d2, self.L1, self.lo, self.x_r = self.d1.diff(X), sp.Rational(L1), lo, x_r

    def prove(self):
        if self.lo <= 0:  # L0* = max_x (...)_+ >= 0 by definition: nothing to attain
            return "definition (L0* is a maximum of positive parts)", "lo = 0"
        val = _h(self.d1, self.d2, self.L1, self.x_r)
        if val < self.lo:
            raise Unproved(f"h({self.x_r}) = {val} < {self.lo}")
        return "exact rational evaluation", f"h = {val}"


@dataclass
class Certificate:
    lo: sp.Rational
    hi: sp.Rational
    x_r: sp.Rational
    results: list[StepResult]

    @property
    def certified(self) -> bool:
        return all(r.status == CERTIFIED for r in self.results)


def _enclosure(p: sp.Poly, L1) -> tuple[sp.Rational, sp.Rational]:
    """(upper bound hi, rational near-argmax x_r) of L0*(L1)."""
    coeffs = [
        Fraction(int(sp.Rational(c).p), int(sp.Rational(c).q)) for c in reversed(p.all_coeffs())
    ]
    try:
        from l0l1.problems.frontier import frontier_exact
    except ImportError:
        frontier_exact = None
    if frontier_exact is not None:
        enc = frontier_exact(coeffs, Fraction(int(L1.p), int(L1.q)))
        mid = (
            sp.Rational(0)
            if enc.argmax is None
            else (sp.Rational(enc.argmax[0]) + sp.Rational(enc.argmax[1])) / 2
        )
        return sp.Rational(enc.hi_exact), mid
    d1 = p.diff(X)
    d2 = d1.diff(X)
    cands = [r for q in (d2.diff(X) - L1 * d2, d2.diff(X) + L1 * d2, d1) for r in sp.real_roots(q)]
    best = max(cands, key=lambda r: _h(d1, d2, L1, r).evalf(60), default=sp.Integer(0))
    val = _h(d1, d2, L1, best).evalf(60)
    x_r = best if best.is_Rational else sp.Rational(best.evalf(40))
    hi = (
        sp.Rational(val)
        if best.is_Rational
        else sp.Rational(val + abs(val) * sp.Float("1e-35", 60))
    )
    return max(hi, sp.Integer(0)), x_r


def certify(p: sp.Poly, L1) -> Certificate:
    """Exact enclosure [lo, hi] of L0*(L1) with both ends proved."""
    L1 = sp.Rational(L1)
    d1 = p.diff(X)
    if p.degree() <= 2:
        hi = abs(d1.diff(X).eval(0)) if p.degree() == 2 else sp.Integer(0)
        # h = |p''| - L1 |p'| peaks where p' = 0: the vertex of a quadratic
        x_r = -d1.eval(0) / d1.diff(X).eval(0) if p.degree() == 2 else sp.Integer(0)
    else:
        hi, x_r = _enclosure(p, L1)
    lo = max(_h(d1, d1.diff(X), L1, x_r), sp.Integer(0))
    steps = [FrontierUpper(p, L1, hi), FrontierAttained(p, L1, lo, x_r)]
    return Certificate(lo, hi, x_r, [s.check() for s in steps])


def main(argv: list[str]) -> int:
    ap = OneLineParser(
        prog="python -m proofs_check frontier",
        description="Certify the least L0 for a given L1 of a polynomial in x (THEORY T2).",
    )
    ap.add_argument("polynomial", help='e.g. "x**4 - 3*x**2 + 1"')
    ap.add_argument("--L1", required=True, help="a number such as 2, 0.5 or 3/4")
    try:
        args = ap.parse_args(argv)
        p = None
        if "abs" in args.polynomial:
            from proofs_check.frontier_abs import parse_abs_sum

            _, terms, poly = parse_abs_sum(args.polynomial)
            if terms:
                return _abs_main(args)
            p = sp.Poly(
                poly.subs(poly.free_symbols.pop(), X) if poly.free_symbols else poly, X, domain="QQ"
            )
        try:
            p = p if p is not None else parse_polynomial(args.polynomial)
        except ParseError as err:
            raise ParseError(f"polynomial: {err}") from None
        L1 = parse_number(args.L1, "L1")
        if L1 < 0 or (L1 == 0 and p.degree() >= 3):
            need = ">= 0" if p.degree() <= 2 else "> 0 (degree >= 3 is not L-smooth)"
            raise ParseError(f"L1: {args.L1!r} is not allowed; L1 must be {need}")
    except (ParseError, UsageError) as err:
        print(f"proofs_check frontier: {err}", file=sys.stderr)
        return 2
    cert = certify(p, L1)
    print(f"p(x) = {p.as_expr()},  L1 = {L1}")
    value = f"{cert.hi} (exact)" if cert.lo == cert.hi else f"in [{cert.lo}, {cert.hi}]"
    print(f"least L0: {value}")
    print(
        f"decimal: {sp.N(cert.hi, 20)}  (attained within {sp.N(cert.hi - cert.lo, 3)} "
        f"near x = {sp.N(cert.x_r, 20)})"
    )
    for r in cert.results:
        print(f"  [{r.status}] {r.claim}: {r.method}; {r.detail}")
    return 0 if cert.certified else 1


def _abs_main(args) -> int:
    """``frontier`` for polynomial + sum c |x|^p (p > 2): see :mod:`proofs_check.frontier_abs`."""
    from proofs_check.frontier_abs import certify_abs

    L1 = parse_number(args.L1, "L1")
    if L1 <= 0:
        raise ParseError(f"L1: {args.L1!r} is not allowed; L1 must be > 0 (|x|^p, p > 2)")
    out = certify_abs(args.polynomial, L1)
    print(f"f(x) = {args.polynomial},  L1 = {L1}")
    exact = out["lo"] == out["hi"]
    print(f"least L0: {out['hi']} (exact)" if exact else f"least L0: in [{out['lo']}, {out['hi']}]")
    print(f"decimal: {sp.N(out['hi'], 20)}  (near x = {sp.N(out['x_r'], 12)})")
    print(f"  [{out['status']}] upper bound: {out['method']}")
    return 0 if out["status"] == CERTIFIED else 1
