"""T7 item 11: beta-normalized GD h = gamma/||g||^beta (Chen et al. 2023; THEORY T3, derived).

Write a = L0 g^-beta, b = L1 g^(1-beta) (g = ||grad f(x)||), psi = a + b and gamma = t/psi.
The step length is r = gamma g^(1-beta) and c = L1 r = t b/psi <= t. The T1 upper model
gives f(x) - f(x+) >= h g^2 - (L0 + L1 g) phi(c)/L1^2 = gamma g^(2-beta) (1 - t phi(c)/c^2),
and phi(c) <= c^2 e^c/2, so with t <= 1/2 (gamma = 1/(2 max psi)) the bracket is
>= 1 - e^(1/2)/4 > 1/2. psi is quasi-convex in g (psi' g^(beta+1) = (1-beta) L1 g - beta L0
increases), so its maximum over [eps, M] sits at an end; each step before the hit decreases
f by >= gamma eps^(2-beta)/2, which gives BNGD_BOUND.
"""

import sympy as sp

from l0l1.theory import BNGD_BOUND, BNGD_GAMMA, BNGD_STEP, L0, L1, Delta, M, beta, eps, g, gamma
from proofs_check import ConstantBound, Identity, Lemma, NonNegative
from proofs_check.lemmas.t7_04_clipped_gd import phi

c, t, x = sp.symbols("c t x", positive=True)
A = L0 * g ** (-beta)
B = L1 * g ** (1 - beta)


def psi(v):
    return L0 * v ** (-beta) + L1 * v ** (1 - beta)


HALF = sp.Rational(1, 2)


def _lemma(name, t_max=HALF, factor=4) -> Lemma:
    r = gamma * g ** (1 - beta)
    step = BNGD_STEP
    return Lemma(
        name=name,
        statement=(
            r"h = \gamma/\|g\|^\beta,\ \gamma \le \frac{1}{2\psi(\|g\|)},\ "
            r"\psi(x) = L_0 x^{-\beta} + L_1 x^{1-\beta}:\ "
            r"f(x) - f(x^+) \ge \tfrac12\,\gamma\,\|g\|^{2-\beta};\ "
            rf"\text{{iterations to }} \epsilon \le {sp.latex(BNGD_BOUND)}"
        ),
        source="T3; Chen et al. 2023 (rule), this project's schedule and bound",
        assumptions="f (L0,L1)-smooth (T1 upper model); L0, L1 > 0; 0 <= beta <= 1; "
        "eps <= ||g|| <= M before the hit",
        steps=[
            Identity(step * g, r, "step length r = h g = gamma g^(1-beta)"),
            Identity(
                (L0 + L1 * g) * r**2,
                gamma**2 * g ** (2 - beta) * (A + B),
                "(L0 + L1 g) r^2 = gamma^2 g^(2-beta) psi(g)",
            ),
            # decrease(h) = h g^2 - (L0 + L1 g) phi(L1 h g)/L1^2 (T1 upper model), term by term:
            Identity(step * g**2, gamma * g ** (2 - beta), "h g^2 = gamma g^(2-beta)"),
            Identity(
                (L0 + L1 * g) / L1**2,
                gamma * g ** (2 - beta) * (gamma * (A + B)) / (L1 * r) ** 2,
                "(L0 + L1 g)/L1^2 = gamma g^(2-beta) t/c^2: decrease = gamma g^(2-beta) "
                "(1 - t phi(c)/c^2), t = gamma psi, c = L1 r",
            ),
            Identity(L1 * r, gamma * B, "c = gamma b <= gamma psi = t"),
            NonNegative(c**2 * sp.exp(c) / 2 - phi(c), c, (0, None), "phi(c) <= c^2 e^c / 2"),
            ConstantBound(
                t_max * sp.exp(t_max) / 2,
                f"t phi(c)/c^2 <= t e^c/2 <= t e^t/2 <= 1/2 at t = {t_max}",
                hi="0.5",
            ),
            Identity(
                sp.diff(psi(x), x) * x ** (beta + 1),
                (1 - beta) * L1 * x - beta * L0,
                "psi'(x) x^(beta+1) = (1-beta) L1 x - beta L0: psi is quasi-convex, max at an end",
            ),
            Identity(
                1 / (2 * sp.Max(psi(eps), psi(M))),
                BNGD_GAMMA,
                "gamma = 1/(2 max{psi(eps), psi(M)}) (BNGD_GAMMA)",
            ),
            Identity(
                Delta / (BNGD_GAMMA * eps ** (2 - beta) / 2),
                factor * Delta * sp.Max(psi(eps), psi(M)) / eps ** (2 - beta),
                f"Delta / (gamma eps^(2-beta)/2) = {factor} Delta max psi / eps^(2-beta)",
            ),
            Identity(
                BNGD_BOUND,
                factor * Delta * sp.Max(psi(eps), psi(M)) / eps ** (2 - beta),
                "BNGD_BOUND is that count",
            ),
        ],
    )


LEMMA = _lemma("beta_normalized_gd")
FALSE_SIBLINGS = [
    _lemma("beta_normalized_gd_gamma_1_over_psi", t_max=sp.Integer(1)),
    _lemma("beta_normalized_gd_bound_3", factor=3),
]
