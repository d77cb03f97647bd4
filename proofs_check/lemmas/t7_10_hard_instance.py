"""Algebra of the C17 / A19 zero-chain hard instance (THEORY T2, T7 item 10).

Certified: Psi(x) Phi'(y) > 1 for x >= 1, |y| < 1 (log of the product is
(1 - 1/(2x-1)^2) + (1 - y^2)/2 > 0); F_T(0) - inf F_T <= 12 T (from 0 <= Psi < e,
0 <= Phi < sqrt(2 pi e), Phi(0) = sqrt(2 pi e)/2); the scalings of f(x) = (L lam^2/152)
F_T(x/lam), lam = 152 eps/L (chain rule: gradient times L lam/152 = eps, Hessian times
L/152, gap times L lam^2/152, so T = floor(Delta L/(1824 eps^2)) keeps the gap <= Delta).
Numeric only (sampled, labelled so): grad F_T is 152-Lipschitz, |d_i F_T| <= 23, and
||grad F_T(u)|| > 1 whenever |u_T| < 1.
"""

import numpy as np
import sympy as sp

from proofs_check import (
    CoefficientsNonNegative,
    Identity,
    Lemma,
    Limit,
    Monotone,
    NonNegative,
    NumericOnly,
)
from proofs_check.lemmas import _chain

x = sp.Symbol("x", real=True)
y, t = sp.symbols("y t", real=True)
xp = sp.Symbol("x", positive=True)
L, eps, Delta, lam = sp.symbols("L epsilon Delta lambda", positive=True)
m, T = sp.symbols("m T", nonnegative=True)
PSI = sp.exp(1 - 1 / (2 * xp - 1) ** 2)
PHI = sp.sqrt(sp.E) * sp.sqrt(sp.pi / 2) * (1 + sp.erf(t / sp.sqrt(2)))
DPHI = sp.sqrt(sp.E) * sp.exp(-(y**2) / 2)
SUP_PHI = sp.sqrt(2 * sp.pi * sp.E)


def _sampled(kind: str, bound: float, T_: int = 5, n: int = 20000):
    def fn():
        u = _chain.samples(T_, n, seed=T_)
        if kind == "lipschitz":
            vals = np.abs(np.linalg.eigvalsh(_chain.hessian(u))).max(axis=1)
            ok, what = vals.max() <= bound, "max ||hess F_T||"
        elif kind == "partial":
            vals = np.abs(_chain.grad(u)).max(axis=1)
            ok, what = vals.max() <= bound, "max |d_i F_T|"
        else:
            u[:, -1] = np.random.default_rng(7).uniform(-1, 1, n)
            vals = -np.linalg.norm(_chain.grad(u), axis=1)
            ok, what = -vals.max() > bound, "min ||grad F_T|| with |u_T| < 1"
        k = int(np.argmax(vals))
        value = abs(vals[k])
        detail = f"{what} = {value:.4f} over {n} seeded points (T = {T_}), bound {bound}"
        return (
            ok,
            detail,
            None if ok else {"u": np.array2string(u[k], precision=6), "value": f"{value:.6g}"},
        )

    return fn


def _lemma(name, y_range=1, scale=152, partial_bound=23, lip_bound=152) -> Lemma:
    lam_v = scale * eps / L
    c = L * lam**2 / 152
    return Lemma(
        name=name,
        statement=(
            r"\Psi(x)\Phi'(y) > 1\ (x \ge 1, |y| < 1);\ F_T(0) - \inf F_T \le 12T;\ "
            r"f(x) = \tfrac{L\lambda^2}{152}F_T(x/\lambda),\ \lambda = \tfrac{152\epsilon}{L}:\ "
            r"\nabla f = \epsilon\,\nabla F_T,\ \nabla^2 f = \tfrac{L}{152}\nabla^2 F_T,\ "
            r"f(0) - \inf f \le \Delta \text{ for } "
            r"T = \lfloor \tfrac{\Delta L}{1824\epsilon^2}\rfloor"
        ),
        source="T2; C17, A19 (recalled)",
        assumptions="L, eps, Delta > 0; T >= 1 integer; sampled facts at T = 5",
        steps=[
            Identity(
                sp.log(PSI * DPHI),
                (1 - 1 / (2 * xp - 1) ** 2) + (1 - y**2) / 2,
                "log(Psi(x) Phi'(y)) = (1 - 1/(2x-1)^2) + (1 - y^2)/2",
                domain={xp: (1, sp.oo)},
            ),
            Identity(sp.diff(PHI, t), DPHI.subs(y, t), "Phi' = sqrt(e) e^{-t^2/2}"),
            NonNegative(1 - 1 / (2 * x - 1) ** 2, x, (1, None), "1 - 1/(2x-1)^2 >= 0 for x > 1"),
            Identity((1 - 1 / (2 * x - 1) ** 2).subs(x, 1), 0, "... and = 0 at x = 1"),
            NonNegative(
                (1 - y**2) / 2, y, (-y_range, y_range), "(1 - y^2)/2 > 0 for |y| < 1", strict=True
            ),
            Monotone(1 - 1 / (2 * x - 1) ** 2, x, (sp.S.Half, None), 1, "Psi increases on t > 1/2"),
            Limit(PSI, xp, sp.oo, sp.E, "Psi < sup Psi = e"),
            Limit(PHI, t, sp.oo, SUP_PHI, "Phi increases (Phi' > 0) to sqrt(2 pi e)"),
            Identity(
                PHI.subs(t, 0), SUP_PHI / 2, "F_T(0) = -Phi(0) = -sqrt(2 pi e)/2 (Psi(0) = 0)"
            ),
            CoefficientsNonNegative(
                12 * (1 + m) - (SUP_PHI / 2 + m * sp.E * SUP_PHI),
                "gap: sqrt(2 pi e)/2 + (T-1) e sqrt(2 pi e) <= 12 T (T = 1 + m)",
            ),
            Identity((c / lam).subs(lam, lam_v), eps, "gradient scale L lam/152 = eps"),
            Identity((c / lam**2) * 152, L, "Hessian scale L/152: 152-Lipschitz -> L-smooth"),
            Identity(
                (c * 12 * T).subs(lam, lam_v), 1824 * eps**2 * T / L, "gap scale (L lam^2/152) 12T"
            ),
            Identity(
                Delta - 1824 * eps**2 * T / L,
                (1824 * eps**2 / L) * (Delta * L / (1824 * eps**2) - T),
                "Delta - gap = (1824 eps^2/L)(Delta L/(1824 eps^2) - T) >= 0 for T = floor(.)",
            ),
            NumericOnly(_sampled("lipschitz", lip_bound), "grad F_T is 152-Lipschitz (sampled)"),
            NumericOnly(_sampled("partial", partial_bound), "|d_i F_T| <= 23 (sampled)"),
            NumericOnly(_sampled("stationary", 1), "|u_T| < 1 implies ||grad F_T|| > 1 (sampled)"),
        ],
    )


LEMMA = _lemma("hard_instance_algebra")
FALSE_SIBLINGS = [
    _lemma("hard_instance_y_range_2", y_range=2),
    _lemma("hard_instance_lambda_150", scale=150),
    _lemma("hard_instance_partial_20", partial_bound=20),
    _lemma("hard_instance_lipschitz_120", lip_bound=120),
]
