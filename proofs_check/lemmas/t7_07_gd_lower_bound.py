"""T7 item 7: the large-step half of Z20 Thm 4 (THEORY T3): GD diverges on the bowl.

f(x) = L0 x^2/2 + L0/(2 L1^2) for |x| <= 1/L1 and (L0/L1^2) e^{L1|x| - 1} outside: even,
C^2 across x = +-1/L1 and (L0,L1)-smooth piecewise. Start where f'(x0) = M >= L0/L1, i.e.
x0 = (1 + log(L1 M/L0))/L1; write M = L0 (1+m)/L1 (m >= 0), y0 = L1 x0 = 1 + log(1+m).
For h = 2 x0 (1 + delta)/M (delta > 0, above the threshold 2 x0/M) and every x >= x0,
h f'(x) - 2x >= h M - 2 x0 = 2 x0 delta > 0, so |x - h f'(x)| >= |x| + 2 x0 delta: by symmetry
the iterates alternate in sign, |x_k| >= x0 (1 + 2 k delta) -> oo and |f'(x_k)| >= M never
reaches eps < M. The small-step plateau half of Thm 4 and its bound are not certified here.
"""

import sympy as sp

from l0l1.theory import L0, L1, M
from proofs_check import CoefficientsNonNegative, Identity, Lemma, NonNegative

x, m, delta, z, ell = sp.symbols("x m delta z ell", positive=True)
BOWL = L0 * x**2 / 2 + L0 / (2 * L1**2)
WALL = L0 / L1**2 * sp.exp(L1 * x - 1)
JOIN = 1 / L1
M_OF_M = L0 * (1 + m) / L1  # M >= L0/L1
X0 = (1 + sp.log(L1 * M / L0)) / L1
Y0 = 1 + ell  # L1 x0, ell = log(1+m) >= 0


def _derivative(f, k):
    return sp.diff(f, x, k).subs(x, JOIN)


def _lemma(name, bowl=BOWL, factor=2):
    """``factor`` x0/M is the threshold step (2 for the true threshold)."""
    h = factor * X0 * (1 + delta) / M
    q = (L1 * (h * sp.diff(WALL, x) - 2 * x) - L1 * (h * M - 2 * X0)).subs(
        x, X0 + z / L1
    )  # x = x0 + z/L1, z >= 0
    return Lemma(
        name=name,
        statement=(
            rf"f = {sp.latex(bowl)} \ (|x| \le 1/L_1),\ {sp.latex(WALL.subs(x, sp.Abs(x)))} "
            r"\text{ outside: } C^2,\ |f''| \le L_0 + L_1|f'|;\ f'(x_0) = M \ge L_0/L_1,\ "
            rf"h > {sp.latex(factor)} x_0/M \Rightarrow |x_{{k+1}}| \ge |x_k| + (hM - 2x_0) "
            r"\text{ and GD diverges}"
        ),
        source="T3; Z20 Thm 4 (large steps)",
        assumptions="L0, L1 > 0; M >= L0/L1 (x0 outside the bowl); h = 2 x0 (1+delta)/M",
        steps=[
            Identity(bowl.subs(x, JOIN), WALL.subs(x, JOIN), "f continuous at x = 1/L1"),
            Identity(_derivative(bowl, 1), _derivative(WALL, 1), "f' continuous at x = 1/L1"),
            Identity(_derivative(bowl, 2), _derivative(WALL, 2), "f'' continuous at x = 1/L1"),
            CoefficientsNonNegative(
                L0 + L1 * sp.diff(bowl, x) - sp.diff(bowl, x, 2),
                "bowl (0 < x < 1/L1, f' = L0 x >= 0): L0 + L1 f' - f'' >= 0",
            ),
            Identity(sp.diff(WALL, x, 2), L1 * sp.diff(WALL, x), "wall: f'' = L1 f' <= L0 + L1 f'"),
            Identity(sp.diff(WALL, x).subs(x, X0), M, "f'(x0) = M"),
            Identity((L1 * X0 - 1).subs(M, M_OF_M), sp.log(1 + m), "L1 x0 - 1 = log(1+m)"),
            NonNegative(sp.log(1 + m), m, (0, None), "log(1+m) >= 0: x0 >= 1/L1"),
            Identity(
                q,
                (factor * (L1 * X0) * (1 + delta) - 2) * (sp.exp(z) - 1) + 2 * (sp.exp(z) - 1 - z),
                "L1(h f'(x) - 2x) - L1(hM - 2x0) = (factor y0(1+delta) - 2)(e^z - 1) + 2 phi(z)",
            ),
            CoefficientsNonNegative(
                factor * Y0 * (1 + delta) - 2, "factor y0 (1+delta) - 2 >= 0 (y0 = 1 + ell)"
            ),
            NonNegative(sp.exp(z) - 1, z, (0, None), "e^z - 1 >= 0"),
            NonNegative(sp.exp(z) - 1 - z, z, (0, None), "phi(z) >= 0"),
            Identity(L1 * (h * M - 2 * X0), (factor * (1 + delta) - 2) * L1 * X0, "L1(hM - 2x0)"),
            CoefficientsNonNegative(
                (factor * (1 + delta) - 2) * Y0, "hM - 2x0 = (factor(1+delta) - 2) x0 > 0"
            ),
        ],
    )


LEMMA = _lemma("gd_diverges_on_bowl")
FALSE_SIBLINGS = [
    _lemma("gd_diverges_threshold_1.9", factor=sp.Rational(19, 10)),
    _lemma("gd_bowl_offset_quarter", bowl=L0 * x**2 / 2 + L0 / (4 * L1**2)),
]
