"""Gradient growth and gradient difference along a segment (THEORY T1, T7 item 2).

Along a unit-speed segment from x, u(t) = ||grad f|| obeys u' <= L0 + L1 u (Hessian
bound). Gronwall: e^{-L1 t}(u + L0/L1) is nonincreasing, so u(t) <= e^{L1 t}(u0 + L0/L1)
- L0/L1, the exact solution of u' = L0 + L1 u. Integrating the Hessian bound gives
||grad f(y) - grad f(x)|| <= ((e^c - 1)/c)(L0 + L1 ||g||) r with c = L1 r, never worse
than ZJFW20's factor A0(c) = 1 + e^c - (e^c - 1)/c.
"""

import sympy as sp

from proofs_check import Identity, Lemma, NonNegative, OdeSolution

L0, L1, r = sp.symbols("L_0 L_1 r", positive=True)
t, s = sp.symbols("t s", nonnegative=True)
u0 = sp.Symbol("u_0", nonnegative=True)
c = sp.Symbol("c", positive=True)
U = sp.Function("u")
A1 = (sp.exp(c) - 1) / c
A0 = 1 + sp.exp(c) - A1


def _lemma(name, shift=0, growth=L0 / L1, a0_at_1=2) -> Lemma:
    sol = sp.exp(L1 * t) * (u0 + growth) - growth
    state = sp.Symbol("u")
    sol_s = sol.subs(t, s)
    return Lemma(
        name=name,
        statement=(
            r"\|\nabla f(y)\| + \tfrac{L_0}{L_1} \le e^{c}\big(\|g\| + \tfrac{L_0}{L_1}\big),\ "
            r"\|\nabla f(y) - g\| \le \tfrac{e^c - 1}{c}(L_0 + L_1\|g\|)\,r "
            r"\le A_0(c)(L_0 + L_1\|g\|)\,r"
        ),
        source="T1; Gronwall, ZJFW20",
        assumptions="f (L0,L1)-smooth, L0, L1 > 0, r = ||y - x||, c = L1 r > 0",
        steps=[
            Identity(
                sp.diff(sp.exp(-L1 * t) * (U(t) + L0 / L1), t),
                sp.exp(-L1 * t) * (sp.diff(U(t), t) - L0 - L1 * U(t)),
                "Gronwall: (e^{-L1 t}(u + L0/L1))' = e^{-L1 t}(u' - L0 - L1 u) <= 0",
            ),
            OdeSolution(sol, t, L0 + L1 * state, state, 0, u0, "comparison ODE u' = L0 + L1 u"),
            Identity(
                (sol + L0 / L1).subs(t, c / L1),
                sp.exp(c) * (u0 + L0 / L1),
                "gradient growth: u(r) + L0/L1 = e^c (u0 + L0/L1)",
            ),
            Identity(
                sp.integrate(L0 + L1 * sol_s, (s, 0, r)),
                ((sp.exp(L1 * r) - 1) / (L1 * r)) * (L0 + L1 * u0) * r,
                "gradient difference: int_0^r (L0 + L1 u) = ((e^c - 1)/c)(L0 + L1 u0) r",
            ),
            NonNegative(A0 - A1 - shift, c, (0, None), "(e^c - 1)/c <= A0(c) for all c > 0"),
            Identity(A0.subs(c, 1), a0_at_1, "A0(1) = 2"),
            Identity(A1.subs(c, 1), sp.E - 1, "A1(1) = e - 1"),
        ],
    )


LEMMA = _lemma("gradient_growth_and_difference")
FALSE_SIBLINGS = [
    _lemma("gradient_difference_A0_minus_0.01", shift=sp.Rational(1, 100)),
    _lemma("gradient_growth_wrong_offset", growth=L0),
    _lemma("gradient_A0_at_1_is_e", a0_at_1=sp.E),
]
