"""T7 item 4: clipped GD (Z20 Thm 3) and GD with h = 1/(2(L0 + L1 M)) (Z20 Thm 6), THEORY T3.

Every decrease is the one guaranteed by the T1 upper model
f(x - h g) <= f(x) - h|g|^2 + (L0 + L1|g|) phi(L1 h|g|)/L1^2, phi(t) = e^t - t - 1.
With eta_c = 1/(10 L0), gamma = min{10 L0, L0/L1} and R = gamma eta_c = min{1, 1/(10 L1)},
both clipped-GD cases reduce to one inequality in c = L1 * (step length) <= 1/10:
F(c) = 9c^2/2 - (1 + 10c) phi(c) >= 0. Regimes: L1 = 1/(10(1+s)) or (1+s)/10, and
|g| = gamma/(1+u) (unclipped) or gamma(1+u) (clipped), s, u >= 0.
"""

import sympy as sp

from l0l1.theory import (
    CLIP_BOUND,
    CLIP_ETA,
    CLIP_GAMMA,
    CLIP_STEP,
    GD_BOUND,
    GD_STEP,
    L0,
    L1,
    Delta,
    M,
    eps,
    g,
)
from proofs_check import Identity, Lemma, NonNegative
from proofs_check.lemmas._regime import InRegime

c = sp.Symbol("c", positive=True)
s, u, t = sp.symbols("s u t", nonnegative=True)
R = CLIP_GAMMA * CLIP_ETA  # longest clipped step, min{1, 1/(10 L1)}


def phi(x):
    return sp.exp(x) - x - 1


def decrease(h, grad=g):
    """Decrease of f guaranteed by the T1 upper model for the step x -> x - h grad."""
    return h * grad**2 - (L0 + L1 * grad) * phi(L1 * h * grad) / L1**2


NINE_HALVES = sp.Rational(9, 2)
Z20_UNCLIPPED = sp.Rational(55, 1000)  # 0.055 |g|^2/L0


def F(x, slack=NINE_HALVES):
    return slack * x**2 - (1 + 10 * x) * phi(x)


L_REGIMES = {"L1 <= 1/10": (L1, 1 / (10 * (1 + s))), "L1 >= 1/10": (L1, (1 + s) / 10)}
G_REGIMES = {"unclipped": (g, CLIP_GAMMA / (1 + u)), "clipped": (g, CLIP_GAMMA * (1 + u))}


def regimes(*g_names):
    """(label, substitution list) over both L1 regimes and the named |g| regimes."""
    return [
        (f"{gn}, {ln}", [G_REGIMES[gn], lsub]) for gn in g_names for ln, lsub in L_REGIMES.items()
    ]


def _clipped_lemma(name, unclipped=Z20_UNCLIPPED, floor_l1=Z20_UNCLIPPED):
    slack = 10 - 100 * unclipped  # F's c^2 coefficient for the unclipped constant
    clipped = 10 * unclipped  # 0.55: the clipped case is the same inequality
    floor = sp.Min(100 * floor_l1 * L0, floor_l1 * L0 / L1**2)
    per_step = sp.Min(unclipped * eps**2 / L0, floor)
    steps = [
        NonNegative(
            F(c, slack),
            c,
            (0, sp.Rational(1, 10)),
            f"F(c) = {slack} c^2 - (1 + 10c) phi(c) >= 0 for 0 < c < 1/10",
        ),
        NonNegative(phi(c), c, (0, None), "phi(c) >= 0"),
    ]
    for label, reg in regimes("unclipped", "clipped"):
        steps.append(
            InRegime(
                1 / (10 * L1), CLIP_STEP * g, reg, f"step length h|g| <= 1/(10 L1) ({label})", ">="
            )
        )
    for label, reg in regimes("unclipped"):
        steps += [
            InRegime(
                decrease(CLIP_STEP) - unclipped * g**2 / L0,
                L0 / L1**2 * F(L1 * g / (10 * L0), slack),
                reg,
                f"unclipped: decrease - {unclipped}|g|^2/L0 = (L0/L1^2) F(L1|g|/(10 L0)) ({label})",
            ),
            InRegime(
                sp.Rational(1, 10),
                L1 * g / (10 * L0),
                reg,
                f"c = L1|g|/(10 L0) <= 1/10 ({label})",
                ">=",
            ),
        ]
    for label, reg in regimes("clipped"):
        steps += [
            InRegime(
                decrease(CLIP_STEP) - clipped * R * g,
                g / (10 * R * L1**2) * (F(L1 * R, slack) + u / (1 + u) * phi(L1 * R)),
                reg,
                f"clipped: decrease - {clipped} gamma eta_c |g| = |g|/(10 R L1^2) "
                f"(F(L1 R) + u/(1+u) phi(L1 R)) ({label})",
            ),
            InRegime(
                sp.Rational(1, 10), L1 * R, reg, f"c = L1 gamma eta_c <= 1/10 ({label})", ">="
            ),
            InRegime(
                clipped * R * g,
                floor,
                reg,
                f"{clipped} gamma eta_c |g| >= {clipped} gamma^2 eta_c = min{{{100 * floor_l1} L0, "
                f"{floor_l1} L0/L1^2}} ({label})",
                ">=",
            ),
        ]
    for ln, lsub in {"L1 <= 1": (L1, 1 / (1 + s)), "L1 >= 1": (L1, 1 + s)}.items():
        for arg in per_step.args:
            steps.append(
                InRegime(
                    CLIP_BOUND,
                    Delta / arg,
                    [lsub],
                    f"CLIP_BOUND >= Delta/({arg}) ({ln})",
                    ">=",
                )
            )
    return Lemma(
        name=name,
        statement=(
            r"h = \min\{\eta_c, \gamma\eta_c/\|g\|\},\ \eta_c = \tfrac{1}{10L_0},\ "
            r"\gamma = \min\{10L_0, L_0/L_1\}:\ h\|g\| \le \tfrac{1}{10L_1};\ "
            rf"f(x) - f(x^+) \ge {sp.latex(unclipped)}\,\|g\|^2/L_0 "
            r"\text{ if } \|g\| \le \gamma,\ "
            rf"\ge {sp.latex(clipped)}\,\gamma\eta_c\|g\| \ge {sp.latex(floor)} \text{{ if }} "
            rf"\|g\| > \gamma;\ \text{{iterations to }} \epsilon \le {sp.latex(CLIP_BOUND)}"
        ),
        source="T3; Z20 Thm 3",
        assumptions="f (L0,L1)-smooth (T1 upper model); L0, L1 > 0; the iteration count uses "
        "k * (least decrease over steps with |g| > eps) <= Delta",
        steps=steps,
    )


def _gd_lemma(name, scale=1):
    h = scale * GD_STEP
    cc = L1 * h * g
    return Lemma(
        name=name,
        statement=(
            rf"h = {sp.latex(h)},\ \|g\| \le M:\ f(x) - f(x^+) \ge h\|g\|^2/2;\ "
            rf"\text{{iterations to }} \epsilon \le {sp.latex(GD_BOUND)}"
        ),
        source="T3; Z20 Thm 6",
        assumptions="f (L0,L1)-smooth (T1 upper model); iterates stay in {f <= f(x0)}, where "
        "|grad f| <= M, because each step decreases f",
        steps=[
            Identity(
                decrease(h) - h * g**2 / 2,
                (L0 + L1 * M) / L1**2 * (cc**2 / scale - phi(cc)) + (M - g) * phi(cc) / L1,
                f"decrease - h|g|^2/2 = ((L0+L1 M)/L1^2)(c^2/{scale} - phi(c)) "
                "+ (M - |g|) phi(c)/L1, c = L1 h |g|",
            ),
            NonNegative(
                c**2 / scale - phi(c),
                c,
                (0, sp.Rational(scale, 2)),
                f"c^2/{scale} - phi(c) >= 0 on (0, {scale}/2)",
            ),
            NonNegative(phi(c), c, (0, None), "phi(c) >= 0"),
            InRegime(
                sp.Rational(scale, 2), cc, [(g, M / (1 + t))], f"c <= {scale}/2 for |g| <= M", ">="
            ),
            InRegime(M, g, [(g, M / (1 + t))], "|g| <= M (parametrized |g| = M/(1+t))", ">="),
            InRegime(
                GD_BOUND, Delta / (h * eps**2 / 2), [], "Delta / (h eps^2/2) <= GD_BOUND", ">="
            ),
        ],
    )


LEMMAS = [_clipped_lemma("clipped_gd_decrease"), _gd_lemma("gd_fixed_step")]
FALSE_SIBLINGS = [
    _clipped_lemma("clipped_gd_floor_0.056", floor_l1=sp.Rational(56, 1000)),
    _clipped_lemma("clipped_gd_unclipped_0.09", unclipped=sp.Rational(9, 100)),
    _gd_lemma("gd_step_doubled", scale=2),
]
