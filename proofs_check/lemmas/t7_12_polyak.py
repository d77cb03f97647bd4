"""T7 item 12: GD with Polyak steps on convex (L0,L1)-smooth f (THEORY T3, this project's bound).

delta = f(x) - f*, G = ||g||, kappa = phi(1) = e - 2, phi(t) = e^t - t - 1. Gap lower bound:
the T1 upper model at y = x - t g/G, t = G/(2 kappa (L0 + L1 G)), has c = L1 t < 1/(2 kappa)
<= 1, where phi(c)/c^2 <= phi(1) = kappa (2 phi(c)/c^2 increases, item 3), so
f* <= f(y) <= f(x) - t G + (L0 + L1 G) kappa t^2 and delta >= G^2/(4 kappa (L0 + L1 G)).
Hence G^2 <= 8 kappa L0 delta if L1 G <= L0, else G <= 8 kappa L1 delta. Distance to a point
u with f(u) - f* <= eps/4 (convexity: <g, x - u> >= delta - eps/4), h = delta/G^2:
||x+ - u||^2 <= ||x - u||^2 - h (delta - eps/2) <= ||x - u||^2 - delta^2/(2 G^2) while
delta > eps, and delta^2/(2 G^2) >= min{eps/(16 kappa L0), 1/(128 kappa^2 L1^2)}. Summing
over the iterations before the hit gives POLYAK_BOUND with R = ||x0 - u||.

Hypotheses enter as regimes in nonnegative parameters: delta = (lower bound)(1 + w),
delta = eps (1 + w), L1 G = L0/(1 + s) or L0 (1 + s), G^2 = (case bound)/(1 + v).
"""

import sympy as sp

from l0l1.theory import KAPPA, L0, L1, POLYAK_BOUND, POLYAK_STEP, R, eps, g, gap
from proofs_check import CaseSplit, ConstantBound, Identity, Lemma
from proofs_check.lemmas._regime import InRegime
from proofs_check.lemmas.t7_04_clipped_gd import phi

c, t, D2, a, b = sp.symbols("c t D2 a b", positive=True)
s, v, w, p = sp.symbols("s v w p", nonnegative=True)
h = POLYAK_STEP

L_SMALL = [(g, L0 / (L1 * (1 + s)))]  # L1 G <= L0
L_LARGE = [(g, L0 * (1 + s) / L1)]  # L1 G > L0


def _lemma(name, four=4, cost=2) -> Lemma:
    """``four``: the constant of the gap lower bound; ``cost``: the factor that the eps/4
    reference point costs in the per-step decrease (delta^2/(cost G^2))."""
    t_star = g / (2 * KAPPA * (L0 + L1 * g))
    model_gain = t * g - (L0 + L1 * g) * KAPPA * t**2  # f(x) - (upper model of f(y))
    lower = g**2 / (four * KAPPA * (L0 + L1 * g))  # delta >= lower
    above = [(gap, lower * (1 + w))]
    k_a = 2 * four * KAPPA * L0  # case L1 G <= L0: G^2 <= k_a delta
    k_b = 2 * four * KAPPA * L1  # case L1 G > L0: G <= k_b delta
    dec = gap**2 / (cost * g**2)  # per-step decrease of ||x - u||^2 while delta > eps
    per_a = eps / (cost * k_a)  # its floor in each case
    per_b = 1 / (cost * k_b**2)
    k16 = 2 * four * cost  # 16 in "delta/(16 kappa L0)"
    return Lemma(
        name=name,
        statement=(
            r"h_k = \frac{f(x_k) - f^*}{\|g_k\|^2}:\ "
            rf"f(x) - f^* \ge \frac{{\|g\|^2}}{{{four}\kappa(L_0 + L_1\|g\|)}},\ "
            rf"\|x_{{k+1}} - u\|^2 \le \|x_k - u\|^2 - \frac{{(f(x_k) - f^*)^2}}{{{cost}\|g_k\|^2}}"
            r"\text{ while } f(x_k) - f^* > \epsilon;\ "
            rf"\text{{iterations to }} \epsilon \le {sp.latex(POLYAK_BOUND)},\ "
            r"\kappa = \varphi(1) = e - 2"
        ),
        source="T3; Polyak 1987 (rule), Gorbunov et al. 2024 (rate form, recalled); "
        "this project's constants",
        assumptions="f convex and (L0,L1)-smooth; u with f(u) - f* <= eps/4, R = ||x0 - u||; "
        "h = (f(x_k) - f*)/||g_k||^2",
        steps=[
            # 1. gap lower bound from the T1 upper model at y = x - t g/G
            Identity(phi(sp.Integer(1)), KAPPA, "kappa = phi(1) = e - 2 (KAPPA)"),
            Identity(
                (L0 + L1 * g) * phi(L1 * t) / L1**2,
                (L0 + L1 * g) * t**2 * (phi(c) / c**2).subs(c, L1 * t),
                "(L0 + L1 G) phi(c)/L1^2 = (L0 + L1 G) t^2 phi(c)/c^2, c = L1 t: <= (L0 + L1 G)"
                " kappa t^2 for c <= 1 (2 phi(c)/c^2 increasing, certified in t7_03)",
            ),
            InRegime(
                1 / (2 * KAPPA),
                L1 * t_star,
                [],
                "c = L1 t = L1 G/(2 kappa (L0 + L1 G)) <= 1/(2 kappa)",
                ">=",
            ),
            ConstantBound(1 / (2 * KAPPA), "1/(2 kappa) = 1/(2(e - 2)) < 1", hi=1),
            Identity(
                sp.diff(model_gain, t).subs(t, t_star),
                0,
                "t = G/(2 kappa (L0 + L1 G)) maximizes t G - (L0 + L1 G) kappa t^2",
            ),
            Identity(
                model_gain.subs(t, t_star),
                lower,
                f"t G - (L0 + L1 G) kappa t^2 = G^2/({four} kappa (L0 + L1 G)) at that t: "
                f"delta >= G^2/({four} kappa (L0 + L1 G))",
            ),
            # 2. case split on L1 G vs L0, from delta = lower (1 + w)
            InRegime(
                k_a * gap,
                g**2,
                above + L_SMALL,
                f"L1 G <= L0: G^2 <= {2 * four} kappa L0 delta",
                ">=",
            ),
            InRegime(
                k_b * gap * g,
                g**2,
                above + L_LARGE,
                f"L1 G > L0: G^2 <= {2 * four} kappa L1 delta G, so G <= {2 * four} kappa L1 delta",
                ">=",
            ),
            InRegime(
                (k_b * gap) ** 2,
                g**2,
                above + L_LARGE,
                f"L1 G > L0: G^2 <= {(2 * four) ** 2} kappa^2 L1^2 delta^2",
                ">=",
            ),
            # 3. distance recursion to u, f(u) - f* <= eps/4, <g, x - u> = p >= delta - eps/4
            InRegime(
                D2 - 2 * h * (gap - eps / 4) + h**2 * g**2,
                D2 - 2 * h * p + h**2 * g**2,
                [(p, gap - eps / 4 + v)],
                "||x+ - u||^2 = ||x - u||^2 - 2h <g, x - u> + h^2 G^2 "
                "<= ||x - u||^2 - 2h (delta - eps/4) + h^2 G^2 (convexity, h >= 0)",
                ">=",
            ),
            Identity(h**2 * g**2, h * gap, "h^2 G^2 = h delta (POLYAK_STEP)"),
            Identity(
                D2 - 2 * h * (gap - eps / 4) + h**2 * g**2,
                D2 - h * (gap - eps / 2),
                "||x - u||^2 - 2h (delta - eps/4) + h^2 G^2 = ||x - u||^2 - h (delta - eps/2)",
            ),
            InRegime(
                h * (gap - eps / 2),
                h * gap / cost,
                [(gap, eps * (1 + w))],
                f"delta > eps: h (delta - eps/2) >= h delta/{cost}",
                ">=",
            ),
            Identity(h * gap / cost, dec, f"h delta/{cost} = delta^2/({cost} G^2)"),
            # 4. the per-step floor in each case, then the count
            InRegime(
                dec,
                gap / (cost * k_a),
                [(g, sp.sqrt(k_a * gap / (1 + v)))],
                f"G^2 <= {2 * four} kappa L0 delta: delta^2/({cost} G^2) >= "
                f"delta/({2 * four * cost} kappa L0)",
                ">=",
            ),
            InRegime(
                gap / (cost * k_a),
                per_a,
                [(gap, eps * (1 + w))],
                f"delta > eps: delta/({k16} kappa L0) >= eps/({k16} kappa L0)",
                ">=",
            ),
            InRegime(
                dec,
                per_b,
                [(g, k_b * gap / (1 + v))],
                f"G <= {2 * four} kappa L1 delta: delta^2/({cost} G^2) >= "
                f"1/({cost * (2 * four) ** 2} kappa^2 L1^2)",
                ">=",
            ),
            CaseSplit(
                "N min{a, b} <= R^2 gives N <= R^2/min{a, b} <= R^2/a + R^2/b",
                [
                    InRegime(
                        R**2 / a + R**2 / b,
                        R**2 / sp.Min(a, b),
                        [(b, a * (1 + s))],
                        "R^2/a + R^2/b >= R^2/min{a, b} (a <= b)",
                        ">=",
                    ),
                    InRegime(
                        R**2 / a + R**2 / b,
                        R**2 / sp.Min(a, b),
                        [(a, b * (1 + s))],
                        "R^2/a + R^2/b >= R^2/min{a, b} (b <= a)",
                        ">=",
                    ),
                ],
            ),
            Identity(
                R**2 / per_a + R**2 / per_b,
                POLYAK_BOUND,
                f"R^2 ({2 * four * cost} kappa L0/eps + {cost * (2 * four) ** 2} kappa^2 L1^2) "
                "= POLYAK_BOUND",
            ),
        ],
    )


LEMMA = _lemma("polyak_gd_convex")
FALSE_SIBLINGS = [
    _lemma("polyak_gd_convex_gap_2_kappa", four=2),
    _lemma("polyak_gd_convex_bound_8_kappa", cost=1),
]
