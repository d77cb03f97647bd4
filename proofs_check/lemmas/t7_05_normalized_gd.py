"""T7 item 5: normalized GD h_n = eta_n/(|g| + beta) against clipped GD (Z20; THEORY T3).

With eta_n = gamma eta_c and beta = gamma, h_n = tau h_c with tau = (1+u)/(2+u) in [1/2, 1)
in both regimes |g| = gamma/(1+u) and |g| = gamma(1+u) (see t7_04_clipped_gd). The T1
upper model then reduces both decreases to G(tau, c) = (10 tau - 31/8) c^2 - (1+10c) phi(tau c)
>= 0 on [1/2, 1] x (0, 1/10], concave in tau, so checked at tau = 1/2 and tau = 1.
The constants 0.03875 and 0.3875 are Z20-style constants 0.055, 0.55 times 31/44 = 0.70454...
"""

import sympy as sp

from l0l1.theory import (
    CLIP_ETA,
    CLIP_STEP,
    L0,
    L1,
    NGD_BETA,
    NGD_BOUND,
    NGD_ETA,
    NGD_STEP,
    Delta,
    eps,
    g,
)
from proofs_check import ConstantBound, Identity, IntervalBound, Lemma, NonNegative
from proofs_check.lemmas._regime import InRegime
from proofs_check.lemmas.t7_04_clipped_gd import R, decrease, phi, regimes, s, u

c, tau = sp.symbols("c tau", positive=True)
UNCLIPPED = sp.Rational(31, 800)  # 0.03875 |g|^2/L0
CLIPPED = 10 * UNCLIPPED  # 0.3875 gamma eta_c |g|
TAU = (1 + u) / (2 + u)


def G(t, x):
    return (10 * t - 100 * UNCLIPPED) * x**2 - (1 + 10 * x) * phi(t * x)


def _lemma(name, bound=NGD_BOUND, ratio_lo="0.7045"):
    per_step = [UNCLIPPED * eps**2 / L0, 100 * CLIPPED / 10 * L0, UNCLIPPED * L0 / L1**2]
    steps = [
        Identity(NGD_ETA / NGD_BETA, CLIP_ETA, "eta_n / beta = eta_c"),
        Identity(
            sp.diff(G(tau, c), tau, 2),
            -(c**2) * (1 + 10 * c) * sp.exp(tau * c),
            "d^2 G / d tau^2 = -c^2 (1 + 10c) e^{tau c}",
        ),
        IntervalBound(
            (1 + 10 * c) * sp.exp(tau * c),
            {tau: (sp.Rational(1, 2), 1), c: (0, sp.Rational(1, 10))},
            "(1 + 10c) e^{tau c} >= 0, so G is concave in tau",
            lo=0,
        ),
        NonNegative(G(sp.Rational(1, 2), c), c, (0, sp.Rational(1, 10)), "G(1/2, c) >= 0"),
        NonNegative(G(1, c), c, (0, sp.Rational(1, 10)), "G(1, c) >= 0"),
        NonNegative(phi(c), c, (0, None), "phi(c) >= 0"),
        Identity(UNCLIPPED / sp.Rational(55, 1000), sp.Rational(31, 44), "0.03875/0.055 = 31/44"),
        ConstantBound(
            sp.Rational(31, 44), "the decrease ratio 31/44 to 4 decimals", lo=ratio_lo, hi="0.7046"
        ),
    ]
    for label, reg in regimes("unclipped", "clipped"):
        steps += [
            InRegime(CLIP_STEP, NGD_STEP, reg, f"h_n <= h_c ({label})", ">="),
            InRegime(NGD_STEP, CLIP_STEP / 2, reg, f"h_n >= h_c/2 ({label})", ">="),
            InRegime(NGD_STEP, TAU * CLIP_STEP, reg, f"h_n = tau h_c, tau = (1+u)/(2+u) ({label})"),
        ]
    for label, reg in regimes("unclipped"):
        steps.append(
            InRegime(
                decrease(NGD_STEP) - UNCLIPPED * g**2 / L0,
                L0 / L1**2 * G(TAU, L1 * g / (10 * L0)),
                reg,
                f"decrease - 0.03875|g|^2/L0 = (L0/L1^2) G(tau, L1|g|/(10 L0)) ({label})",
            )
        )
    for label, reg in regimes("clipped"):
        steps += [
            InRegime(
                decrease(NGD_STEP) - CLIPPED * R * g,
                g / (10 * R * L1**2) * (G(TAU, L1 * R) + u / (1 + u) * phi(TAU * L1 * R)),
                reg,
                "decrease - 0.3875 gamma eta_c |g| = |g|/(10 R L1^2) (G(tau, L1 R) + "
                f"u/(1+u) phi(tau L1 R)) ({label})",
            ),
            InRegime(
                CLIPPED * R * g,
                sp.Min(per_step[1], per_step[2]),
                reg,
                f"0.3875 gamma eta_c |g| >= min{{3.875 L0, 0.03875 L0/L1^2}} ({label})",
                ">=",
            ),
        ]
    for ln, lsub in {"L1 <= 1": (L1, 1 / (1 + s)), "L1 >= 1": (L1, 1 + s)}.items():
        steps += [
            InRegime(bound, Delta / d, [lsub], f"bound >= Delta/({d}) ({ln})", ">=")
            for d in per_step
        ]
    return Lemma(
        name=name,
        statement=(
            r"h_n = \frac{\gamma\eta_c}{\|g\| + \gamma}:\ \tfrac12 h_c \le h_n \le h_c;\ "
            r"f(x) - f(x^+) \ge 0.03875\,\|g\|^2/L_0 \ (\|g\| \le \gamma),\ "
            r"\ge 0.3875\,\gamma\eta_c\|g\| \ge \min\{3.875 L_0, 0.03875 L_0/L_1^2\}\ "
            r"(\|g\| > \gamma),\ "
            r"\text{i.e. } \tfrac{31}{44} = 0.70454\ldots \text{ of clipped GD's};\ "
            rf"\text{{iterations to }} \epsilon \le {sp.latex(bound)}"
        ),
        source="T3; Z20 (normalized GD)",
        assumptions="f (L0,L1)-smooth (T1 upper model); L0, L1 > 0; "
        "eta_n = gamma eta_c, beta = gamma",
        steps=steps,
    )


LEMMA = _lemma("normalized_gd")
FALSE_SIBLINGS = [
    _lemma("normalized_gd_ratio_0.7046", ratio_lo="0.7046"),
    _lemma("normalized_gd_bound_25", bound=NGD_BOUND * sp.Rational(25, 26)),
]
