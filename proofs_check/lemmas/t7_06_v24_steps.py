"""T7 item 6: the V24 step rules h_cl <= h_si <= h* and their per-step decreases (THEORY T3).

Decreases are those of the T1 upper model (see t7_04_clipped_gd.decrease), normalized by
L0/L1^2, against the target a|g|^2/(2 L0 + 3 L1|g|). Each rule gets its own bijective
parametrization of |g| > 0: h_si by c = L1 h|g| in (0, 2/3), h* by u = L1|g|/(L0 + L1|g|) in
(0, 1), h_cl by its two branches (|g| <= 2L0/(3L1): c = |g| L1/(2 L0) in (0, 1/3]; otherwise
w = L1|g|/L0 >= 2/3). On the first branch of h_cl, phi(c) <= c^2/2 + c^3/6 + 7c^4/120
(e^{1/3} < 7/5) reduces the claim to a polynomial one.
"""

import sympy as sp

from l0l1.theory import (
    L0,
    L1,
    V24_A,
    V24_CL_STEP,
    V24_SI_STEP,
    V24_STAR_STEP,
    Delta,
    eps,
    g,
    v24_bound,
)
from proofs_check import Identity, Lemma, Limit, Monotone, NonNegative
from proofs_check.lemmas._regime import InRegime
from proofs_check.lemmas.t7_04_clipped_gd import decrease, phi, s

c, u, w = sp.symbols("c u w", positive=True)
THIRD = sp.Rational(1, 3)
TAYLOR = c**2 / 2 + c**3 / 6 + sp.Rational(7, 120) * c**4  # >= phi(c) on (0, 1/3)
BRANCH_A = [(g, 2 * L0 / (3 * L1 * (1 + s)))]  # h_cl = 1/(2 L0), c = 1/(3(1+s))
BRANCH_B = [(g, 2 * L0 * (1 + s) / (3 * L1))]  # h_cl = 1/(3 L1|g|), w = 2(1+s)/3


def target(a):
    return a * g**2 / (2 * L0 + 3 * L1 * g)


def normalized(h, a):
    """(L1^2/L0) (decrease(h) - a|g|^2/(2L0 + 3L1|g|))."""
    return L1**2 / L0 * (decrease(h) - target(a))


def _order_lemma(name, si=V24_SI_STEP):
    si_u = sp.cancel((L1 * g * si).subs(g, L0 * u / (L1 * (1 - u))))  # 2u/(2+u) for V24
    return Lemma(
        name=name,
        statement=rf"h_{{cl}} = {sp.latex(V24_CL_STEP)} \le h_{{si}} = {sp.latex(si)} \le "
        rf"h^* = {sp.latex(V24_STAR_STEP)}",
        source="T3; V24",
        assumptions="L0, L1 > 0, |g| > 0; u = L1|g|/(L0 + L1|g|) in (0, 1)",
        steps=[
            InRegime(si, V24_CL_STEP, BRANCH_A, "h_cl <= h_si for |g| <= 2L0/(3L1)", ">="),
            InRegime(si, V24_CL_STEP, BRANCH_B, "h_cl <= h_si for |g| >= 2L0/(3L1)", ">="),
            Identity(
                (L1 * g * (V24_STAR_STEP - si)).subs(g, L0 * u / (L1 * (1 - u))),
                sp.log(1 + u) - si_u,
                f"L1|g| (h* - h_si) = log(1+u) - {si_u} at |g| = L0 u/(L1 (1-u))",
                domain={u: (0, 1)},
            ),
            NonNegative(sp.log(1 + u) - si_u, u, (0, 1), f"log(1+u) >= {si_u} on (0, 1)"),
        ],
    )


def _bound_steps(a):
    return [
        Identity(
            (g**2 / (2 * L0 + 3 * L1 * g)).subs(g, L0 * w / L1),
            L0 / L1**2 * w**2 / (2 + 3 * w),
            "|g|^2/(2L0 + 3L1|g|) = (L0/L1^2) w^2/(2+3w), w = L1|g|/L0",
        ),
        Monotone(w**2 / (2 + 3 * w), w, (0, None), 1, "w^2/(2+3w) increases: |g| > eps suffices"),
        Identity(Delta / target(a).subs(g, eps), v24_bound(a), "Delta / (a eps^2/(2L0+3L1 eps))"),
    ]


def _lemma(rule, a, name):
    a = sp.sympify(a)
    if rule == "v24_si":
        g_of = 2 * L0 * c / (L1 * (2 - 3 * c))
        p_si = ((2 - a) * c**2 - (2 - c) * phi(c)) / (2 - 3 * c)
        steps = [
            Identity(
                normalized(V24_SI_STEP, a).subs(g, g_of),
                p_si,
                "normalized decrease at |g| = 2L0 c/(L1(2-3c)), c = L1 h_si|g|",
                domain={c: (0, sp.Rational(2, 3))},
            ),
            NonNegative(p_si, c, (0, sp.Rational(2, 3)), "((2-a)c^2 - (2-c)phi(c))/(2-3c) >= 0"),
        ]
    elif rule == "v24_star":
        g_of = L0 * u / (L1 * (1 - u))
        p_star = ((1 + u) * sp.log(1 + u) - u - a * u**2 / (2 + u)) / (1 - u)
        steps = [
            Identity(
                normalized(V24_STAR_STEP, a).subs(g, g_of),
                p_star,
                "normalized decrease at |g| = L0 u/(L1(1-u)): phi(c*) = u - c*, c* = log(1+u)",
                domain={u: (0, 1)},
            ),
            NonNegative(p_star, u, (0, 1), "((1+u)log(1+u) - u - a u^2/(2+u))/(1-u) >= 0"),
        ]
    else:
        cA = THIRD / (1 + s)
        wB = 2 * (1 + s) / 3

        def p_a(ph):
            return 2 * c**2 - (1 + 2 * c) * ph - 2 * a * c**2 / (1 + 3 * c)

        p_b = w / 3 - (1 + w) * phi(THIRD) - a * w**2 / (2 + 3 * w)
        steps = [
            InRegime(
                normalized(V24_CL_STEP, a),
                p_a(phi(c)).subs(c, cA),
                BRANCH_A,
                "branch h_cl = 1/(2L0): normalized decrease = 2c^2 - (1+2c)phi(c) - 2ac^2/(1+3c)",
            ),
            NonNegative(TAYLOR - phi(c), c, (0, THIRD), "phi(c) <= c^2/2 + c^3/6 + 7c^4/120"),
            NonNegative(p_a(TAYLOR), c, (0, THIRD), "the polynomial bound is >= 0 on (0, 1/3)"),
            Identity(
                p_a(phi(c)),
                p_a(TAYLOR) + (1 + 2 * c) * (TAYLOR - phi(c)),
                "2c^2 - (1+2c)phi - ... = (polynomial bound) + (1+2c)(Taylor - phi)",
            ),
            InRegime(
                normalized(V24_CL_STEP, a),
                p_b.subs(w, wB),
                BRANCH_B,
                "branch h_cl = 1/(3L1|g|), c = 1/3: normalized decrease = "
                "w/3 - (1+w)phi(1/3) - a w^2/(2+3w)",
            ),
            NonNegative(
                p_b, w, (sp.Rational(2, 3), None), "w/3 - (1+w)phi(1/3) - aw^2/(2+3w) >= 0"
            ),
        ]
    return Lemma(
        name=name,
        statement=rf"f(x) - f(x - h g) \ge {sp.latex(a)}\,\frac{{\|g\|^2}}{{2L_0 + 3L_1\|g\|}} "
        rf"\text{{ for }} h = h_{{{rule[4:]}}};\ \text{{iterations to }} \epsilon \le "
        rf"{sp.latex(v24_bound(a))}",
        source="T3; V24",
        assumptions="f (L0,L1)-smooth (T1 upper model); L0, L1 > 0",
        steps=steps + _bound_steps(a),
    )


SMALL_G_STEP = {"v24_si": V24_SI_STEP, "v24_star": V24_STAR_STEP, "v24_cl": 1 / (2 * L0)}


def _sharp(lem, rule, a):
    """Add: the decrease ratio tends to ``a`` as L1|g|/L0 -> 0 (so ``a`` cannot be raised)."""
    ratio = (decrease(SMALL_G_STEP[rule]) / target(1)).subs(g, L0 * w / L1)
    lem.steps.append(
        Limit(ratio, w, 0, a, f"{a} is sharp: the decrease ratio tends to {a} as L1|g|/L0 -> 0")
    )
    lem.statement += rf";\ {sp.latex(a)} \text{{ is sharp as }} L_1\|g\|/L_0 \to 0"
    return lem


LEMMAS = [
    _order_lemma("v24_step_order"),
    _sharp(_lemma("v24_si", V24_A["v24_si"], "v24_decrease_si"), "v24_si", 1),
    _sharp(_lemma("v24_star", V24_A["v24_star"], "v24_decrease_star"), "v24_star", 1),
    _lemma("v24_cl", V24_A["v24_cl"], "v24_decrease_cl"),
    _sharp(
        _lemma("v24_cl", sp.Rational(3, 4), "v24_decrease_cl_sharp"), "v24_cl", sp.Rational(3, 4)
    ),
]
FALSE_SIBLINGS = [
    _order_lemma("v24_step_order_si_1.4", si=1 / (L0 + sp.Rational(7, 5) * L1 * g)),
    _lemma("v24_si", sp.Rational(101, 100), "v24_decrease_si_1.01"),
    _lemma("v24_star", sp.Rational(101, 100), "v24_decrease_star_1.01"),
    _sharp(
        _lemma("v24_cl", sp.Rational(76, 100), "v24_decrease_cl_0.76"),
        "v24_cl",
        sp.Rational(76, 100),
    ),
]
