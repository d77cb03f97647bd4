"""Upper model of (L0,L1)-smooth functions (THEORY T1, T7 item 3).

With phi(t) = e^t - t - 1 and c = L1 r: integrating the gradient-difference bound along
the segment, int_0^r ((e^{L1 s} - 1)/(L1 s))(L0 + L1 G) s ds = (L0 + L1 G) phi(c)/L1^2,
gives f(y) <= f(x) + <g, y - x> + (L0 + L1 ||g||) phi(L1 r)/L1^2 (V24's model). The
quadratic coefficient factor 2 phi(c)/c^2 increases, tends to 1 at 0 and is 1.18977...
at c = 1/2. On ||y - x|| <= 1/L1 the Hessian is at most e^c (L0 + L1||g||) <= e (L0 +
L1||g||) <= 5 L0 + 4 L1 ||g|| (Z20's local lemma, with room to spare).
"""

import sympy as sp

from proofs_check import CoefficientsNonNegative, ConstantBound, Identity, Lemma, Limit, Monotone

L0, L1, r, s, c = sp.symbols("L_0 L_1 r s c", positive=True)
G = sp.Symbol("G", nonnegative=True)
g = sp.Symbol("g", nonnegative=True)


def phi(z):
    return sp.exp(z) - z - 1


Q = 2 * phi(c) / c**2


def _lemma(name, value=("1.18977", "1.18978"), coef4=4, direction=1) -> Lemma:
    return Lemma(
        name=name,
        statement=(
            r"f(y) \le f(x) + \langle g, y-x\rangle + (L_0 + L_1\|g\|)\frac{\varphi(L_1 r)}{L_1^2},"
            r"\ \varphi(t) = e^t - t - 1;\ \frac{2\varphi(c)}{c^2}\uparrow,\ \to 1\ (c\to 0),"
            r"\ = 1.18977\ldots\ (c = \tfrac12);\ e(L_0 + L_1 g) \le 5L_0 + 4L_1 g"
        ),
        source="T1; V24 (upper model), Z20 (local lemma)",
        assumptions="f (L0,L1)-smooth, L0, L1 > 0, r = ||y - x||, G = ||g|| >= 0",
        steps=[
            Identity(
                sp.integrate(((sp.exp(L1 * s) - 1) / (L1 * s)) * (L0 + L1 * G) * s, (s, 0, r)),
                (L0 + L1 * G) * phi(L1 * r) / L1**2,
                "integral of the gradient-difference bound = (L0 + L1 G) phi(L1 r)/L1^2",
            ),
            Identity(
                (L0 + L1 * G) * phi(L1 * r) / L1**2,
                sp.Rational(1, 2) * (L0 + L1 * G) * Q.subs(c, L1 * r) * r**2,
                "quadratic form: coefficient (1/2)(L0 + L1 G) 2 phi(c)/c^2",
            ),
            Monotone(Q, c, (0, None), direction, "2 phi(c)/c^2 is increasing in c > 0"),
            Limit(Q, c, 0, 1, "2 phi(c)/c^2 -> 1 as c -> 0+"),
            ConstantBound(Q.subs(c, sp.S.Half), "2 phi(1/2)/(1/2)^2 = 1.18977...", *value),
            Identity(
                L0 + L1 * (sp.exp(c) * (g + L0 / L1) - L0 / L1),
                sp.exp(c) * (L0 + L1 * g),
                "Hessian bound via gradient growth: L0 + L1 ||grad f(z)|| <= e^c (L0 + L1 g)",
            ),
            Monotone(sp.exp(c), c, (0, 1), 1, "e^c <= e for c <= 1 (e^c increasing)"),
            CoefficientsNonNegative(
                5 * L0 + coef4 * L1 * g - sp.E * (L0 + L1 * g), "e (L0 + L1 g) <= 5 L0 + 4 L1 g"
            ),
        ],
    )


LEMMA = _lemma("upper_model")
FALSE_SIBLINGS = [
    _lemma("upper_model_value_1.18978", value=("1.18978", "1.18979")),
    _lemma("upper_model_local_lemma_2_L1", coef4=2),
    _lemma("upper_model_decreasing", direction=-1),
]
