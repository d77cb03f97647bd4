"""(L0,L1)-smooth examples and non-examples (THEORY T2, T7 item 8).

Examples: e^x is (0,1) since f'' = f' = |f'|; cosh is (1,1) since cosh - |sinh| = e^{-|x|}
<= 1; log cosh is (1,0) since f'' = 1/cosh^2 = 1 - tanh^2 <= 1; the logistic loss
log(1 + e^{-a.x}) = l(a.x) is (0, ||a||) since ||a|| |l'| ||a|| - l'' ||a||^2 =
(||a|| l')^2 >= 0. Non-examples, each along an explicit curve on which a lower bound of
||hess|| / (1 + ||grad||) (a Hessian entry is at most the operator norm) tends to oo:
e^{x^2} (x -> oo), x^2 y^2 (the y-axis, where the gradient vanishes), and e^{ax} + e^{-ax}
or log(e^x + e^{-x}), whose ratio ||hess|| / ||grad|| blows up at x -> 0 (L0 > 0 needed).
"""

import sympy as sp

from proofs_check import Identity, Lemma, Limit, NonNegative

x = sp.Symbol("x", real=True)
xp = sp.Symbol("x", positive=True)
t, y = sp.symbols("t y", real=True)
n, a = sp.symbols("n a", positive=True)


def _examples(name, exp_L1=1, logcosh_L0=1) -> Lemma:
    ell = sp.log(1 + sp.exp(-t))
    d1, d2 = sp.diff(ell, t), sp.diff(ell, t, 2)
    return Lemma(
        name=name,
        statement=(
            r"e^x: (0,1);\ \cosh x: (1,1);\ \log\cosh x: (1,0);\ "
            r"\log(1 + e^{-a\cdot x}): (0, \|a\|)"
        ),
        source="T2 (exponential family)",
        assumptions="x real; for the logistic loss t = a.x and n = ||a|| > 0",
        steps=[
            Identity(
                sp.diff(sp.exp(x), x, 2), exp_L1 * sp.Abs(sp.diff(sp.exp(x), x)), "e^x: f'' = |f'|"
            ),
            Identity(
                sp.cosh(xp) - sp.Abs(sp.sinh(xp)),
                sp.exp(-xp),
                "cosh: cosh x - |sinh x| = e^{-x}, x > 0",
            ),
            NonNegative(
                1 - sp.exp(-xp), xp, (0, None), "e^{-x} <= 1 for x > 0 (cosh, sinh even/odd)"
            ),
            Identity(
                sp.diff(sp.log(sp.cosh(x)), x, 2), 1 - sp.tanh(x) ** 2, "log cosh: f'' = 1 - tanh^2"
            ),
            NonNegative(
                logcosh_L0 - 1 + sp.tanh(x) ** 2, x, (None, None), "log cosh: 1 - tanh^2 <= L0 = 1"
            ),
            Identity(
                n * sp.Abs(d1) * n - d2 * n**2,
                (n * d1) ** 2,
                "logistic: ||a|| ||grad|| - ||hess|| = (||a|| l')^2",
            ),
        ],
    )


def _non_examples(name, bounded=False) -> Lemma:
    f = sp.exp(xp**2)
    g, h = sp.diff(f, xp), sp.diff(f, xp, 2)
    F = xp**2 * y**2
    grad = [sp.diff(F, v) for v in (xp, y)]
    cosh2 = sp.exp(a * xp) + sp.exp(-a * xp)
    lse = sp.log(sp.exp(xp) + sp.exp(-xp))
    return Lemma(
        name=name,
        statement=(
            r"\sup \frac{\|\nabla^2 f\|}{1 + \|\nabla f\|} = \infty "
            r"\text{ for } e^{x^2},\ x^2y^2;\ "
            r"e^{ax} + e^{-ax},\ \log(e^x + e^{-x}) \text{ need } L_0 > 0"
        ),
        source="T2 (non-examples)",
        assumptions="||hess|| >= |hess_11|; curves: x -> oo; (0, y), y -> oo; x -> 0+",
        steps=[
            Limit(h / (1 + g), xp, sp.oo, 2 if bounded else sp.oo, "e^{x^2}: f''/(1 + |f'|) -> oo"),
            Identity(
                (grad[0] ** 2 + grad[1] ** 2).subs(xp, 0),
                0,
                "x^2 y^2: gradient vanishes on the y-axis",
            ),
            Limit(
                sp.diff(F, xp, 2).subs(xp, 0) / 1,
                y,
                sp.oo,
                sp.oo,
                "x^2 y^2: hess_11 = 2 y^2 -> oo on the y-axis (ratio = 2y^2 / 1)",
            ),
            Limit(
                sp.diff(cosh2, xp, 2) / sp.diff(cosh2, xp),
                xp,
                0,
                sp.oo,
                "e^{ax} + e^{-ax}: f''/|f'| -> oo at x -> 0+ (so L0 > 0)",
            ),
            Limit(
                sp.diff(lse, xp, 2) / sp.diff(lse, xp),
                xp,
                0,
                sp.oo,
                "log-sum-exp(x, -x): f''/|f'| -> oo at x -> 0+ (so L0 > 0)",
            ),
        ],
    )


LEMMAS = [_examples("exponential_family_examples"), _non_examples("non_examples")]
FALSE_SIBLINGS = [
    _examples("exp_is_0_half", exp_L1=sp.Rational(1, 2)),
    _examples("logcosh_L0_half", logcosh_L0=sp.Rational(1, 2)),
    _non_examples("exp_x2_ratio_bounded", bounded=True),
]
