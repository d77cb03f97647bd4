"""Z20 Lemma 2 for polynomials and the exact frontier of x^4 (THEORY T2, T7 item 1).

Degree d >= 3: p'(x) / (x p''(x)) -> 1/(d-1) as x -> +-oo, so |p'/p''| -> oo, and
p''(x) / x^(d-2) -> d(d-1) a_d != 0, so p'' is unbounded (not L-smooth). Degree <= 2:
p'' = 2 a_2, so p is L-smooth with L = 2|a_2|. Frontier of x^4: with x = u/L1 the claim
|12 x^2| <= 16/L1^2 + L1 |4 x^3| becomes 4 (u - 2)^2 (u + 1) >= 0 (even in u), with
equality at |x| = 2/L1.
"""

import sympy as sp

from proofs_check import CaseSplit, Identity, Lemma, Limit, NonNegative
from proofs_check.frontier import FrontierAttained, FrontierUpper
from proofs_check.parse import parse_polynomial

x = sp.Symbol("x", real=True)
u = sp.Symbol("u", positive=True)
L1 = sp.Symbol("L_1", positive=True)
_A = sp.symbols("a0:13", real=True)
_Q = parse_polynomial("x**4 - 3*x**2 + 1")  # L0*(1) = 22.6969... at x = 1 + sqrt(6)/2


def _degree_case(d: int, ratio_limit=None) -> CaseSplit:
    ad = sp.Symbol(f"a{d}", real=True, nonzero=True)
    p = sum(_A[i] * x**i for i in range(d)) + ad * x**d
    p1, p2 = sp.diff(p, x), sp.diff(p, x, 2)
    lim = sp.Rational(1, d - 1) if ratio_limit is None else ratio_limit(d)
    return CaseSplit(
        f"degree {d}: |p'/p''| -> oo and p'' unbounded",
        [
            Limit(p1 / (x * p2), x, sp.oo, lim, f"d={d}: p'/(x p'') -> 1/(d-1) at +oo"),
            Limit(p1 / (x * p2), x, -sp.oo, lim, f"d={d}: p'/(x p'') -> 1/(d-1) at -oo"),
            Limit(
                p2 / x ** (d - 2), x, sp.oo, d * (d - 1) * ad, f"d={d}: p''/x^(d-2) -> d(d-1)a_d"
            ),
        ],
    )


def _lemma2(name, ratio_limit=None, L_factor=2) -> Lemma:
    p2 = _A[0] + _A[1] * x + _A[2] * x**2
    return Lemma(
        name=name,
        statement=(
            r"p(x)=\sum_{i\le d} a_i x^i,\ a_d\ne 0:\ d\ge 3 \Rightarrow "
            r"\lim_{|x|\to\infty}|p'/p''|=\infty,\ \sup|p''|=\infty;\ "
            r"d\le 2 \Rightarrow |p''| = 2|a_2|"
        ),
        source="T2; Z20 Lemma 2",
        assumptions="real coefficients, a_d != 0, d = 3..12 checked one by one",
        steps=[_degree_case(d, ratio_limit) for d in range(3, 13)]
        + [
            Identity(
                sp.Abs(sp.diff(p2, x, 2)),
                L_factor * sp.Abs(_A[2]),
                "degree <= 2: |p''| = 2|a_2| (L-smooth, L1 = 0)",
            )
        ],
    )


def _x4(name, c=16) -> Lemma:
    xs = u / L1
    rhs, lhs = c / L1**2 + L1 * 4 * xs**3, 12 * xs**2
    poly = parse_polynomial("x**4")
    return Lemma(
        name=name,
        statement=rf"|12x^2| \le \frac{{{c}}}{{L_1^2}} + L_1|4x^3|\ \forall x,\ "
        r"\text{equality at } |x| = 2/L_1",
        source="T2; frontier of x^4",
        assumptions="L1 > 0; by evenness x = u/L1 with u >= 0",
        steps=[
            Identity(
                sp.expand(L1**2 * (rhs - lhs)),
                4 * (u**3 - 3 * u**2 + sp.Rational(c, 4)),
                "scaling x = u/L1 turns the claim into a cubic in u",
            ),
            NonNegative(u**3 - 3 * u**2 + sp.Rational(c, 4), u, (0, None), "u^3 - 3u^2 + 4 >= 0"),
            Identity(
                (12 * x**2 - L1 * sp.Abs(4 * x**3)).subs(x, 2 / L1),
                16 / L1**2,
                "equality at x = 2/L1",
            ),
            FrontierUpper(poly, 2, sp.Rational(c, 4), "concrete check, L1 = 2: L0 = 16/4 valid"),
            FrontierAttained(poly, 2, 4, 1, "concrete check, L1 = 2: h(1) = 4"),
            FrontierUpper(_Q, 1, sp.Rational(227, 10), "x^4 - 3x^2 + 1, L1 = 1: L0 = 22.7 valid"),
            FrontierAttained(
                _Q, 1, sp.Rational(2269, 100), sp.Rational(89, 40), "and L0 >= 22.69 needed"
            ),
        ],
    )


LEMMAS = [_lemma2("z20_lemma2_polynomials"), _x4("frontier_x4")]
FALSE_SIBLINGS = [
    _x4("frontier_x4_with_15", c=15),
    _lemma2("z20_lemma2_ratio_1_over_d", ratio_limit=lambda d: sp.Rational(1, d)),
    _lemma2("z20_lemma2_L_equals_a2", L_factor=1),
]
