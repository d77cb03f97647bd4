"""T7 item 9: every step, constant and limit of the SPIDER-clip schedule (THEORY T5; F18, R23).

Scalars stand for norms: |g| = |v_k| (the estimator), e = |e_k| = |v_k - grad f(x_k)|,
D = eta_k |v_k| (the step length). Vector facts used as glue (Cauchy-Schwarz, the triangle
inequality, variance of a mean of S2 independent terms, Jensen E e <= sqrt(E e^2), Markov) are
named in the claims; every scalar inequality is certified. Regimes (see _regime.py) put
|g| = 2 eps (1+t)^{+-1} and L0 = L1 |g| (1+s)^{+-1}; a ceiling is written y + phi/(1+phi),
phi >= 0, and Max(1, ceil(y)) = ceil(y) for y > 0.
"""

import sympy as sp

from l0l1.theory import (
    L0,
    L1,
    RHO_FINITE,
    RHO_ONLINE,
    S1,
    S2,
    SPIDER_CLIP_K_MIN,
    SPIDER_CLIP_K_NOISELESS,
    SPIDER_CLIP_Q_FINITE,
    SPIDER_CLIP_Q_ONLINE,
    SPIDER_CLIP_S1_ONLINE,
    SPIDER_CLIP_S2,
    SPIDER_CLIP_STEP,
    SPIDER_SFO_TOTAL,
    A,
    Delta,
    K,
    eps,
    g,
    n,
    n0,
    q,
    sigma,
    spider_clip_C,
)
from proofs_check import (
    ConstantBound,
    Identity,
    Lemma,
    Limit,
    Monotone,
    NonNegative,
    OdeSolution,
)
from proofs_check.lemmas._regime import InRegime

c, r, x, rho, m, e, D, v, E0, beta, alpha = sp.symbols(
    "c r x rho m e D v E_0 beta alpha", positive=True
)
s, t, k, j = sp.symbols("s t k j", nonnegative=True)
K0, q0, S10, a2 = sp.symbols("K_0 q_0 S_10 a_2", positive=True)
fi = sp.symbols("varphi1:6", nonnegative=True)
theta = [p / (1 + p) for p in fi]  # ceil(y) = y + theta, theta in [0, 1)
STEP_LEN = SPIDER_CLIP_STEP * g  # D_k
HALF = sp.Rational(1, 2)
PHI_HALF = sp.exp(HALF) - HALF - 1
C_EPS = sp.Rational(5949, 10000)  # descent constant on eps/n0
C_ERR = sp.Rational(2975, 10000)  # descent constant on e/n0 (1.2975 at n0 = 1)
G_REGIMES = {"|g| >= 2 eps": (g, 2 * eps * (1 + t)), "|g| <= 2 eps": (g, 2 * eps / (1 + t))}


def _lemma(name, statement, assumptions, steps):
    return Lemma(name, statement, "T5; R23, F18", assumptions, steps)


def gronwall(value_at_half=A):
    return _lemma(
        "spider_clip_A" if value_at_half == A else "spider_clip_A_1.297",
        rf"\|\nabla f(y;\xi) - \nabla f(x;\xi)\| \le {sp.latex(value_at_half)}\,(L_0 + L_1\|\nabla "
        r"f(x)\|)\,\|y - x\| \text{ for } \|y - x\| \le \tfrac{1}{2L_1};\ A = 2(\sqrt e - 1) "
        r"\text{ is attained by } e^x",
        "per sample |hess f(z; xi)| <= L0 + L1 |grad f(z)|; f (L0,L1)-smooth",
        [
            OdeSolution(
                sp.exp(L1 * r) * (g + L0 / L1) - L0 / L1,
                r,
                L0 + L1 * x,
                x,
                0,
                g,
                "Gronwall: u' = L0 + L1 u, u(0) = |g| bounds |grad f| at distance r",
            ),
            Identity(
                sp.integrate(L0 + L1 * (sp.exp(L1 * x) * (g + L0 / L1) - L0 / L1), (x, 0, r)),
                (sp.exp(L1 * r) - 1) / (L1 * r) * (L0 + L1 * g) * r,
                "integral of the Hessian bound = ((e^c - 1)/c)(L0 + L1|g|) r, c = L1 r",
            ),
            Monotone((sp.exp(c) - 1) / c, c, (0, HALF), 1, "(e^c - 1)/c increases on (0, 1/2]"),
            Identity(((sp.exp(c) - 1) / c).subs(c, HALF), value_at_half, "(e^c - 1)/c at c = 1/2"),
            ConstantBound(A, "A = 1.2974...", lo="1.2974", hi="1.2975"),
            Identity(
                ((sp.exp(x + r) - sp.exp(x)) / (sp.exp(x) * r)).subs(r, HALF),
                A,
                "f = e^x (L0 = 0, L1 = 1) at r = 1/2 attains A: no smaller factor (e.g. 1) holds",
            ),
        ],
    )


def step_length(bound=eps / n0):
    steps = []
    for label, sub in G_REGIMES.items():
        steps += [
            InRegime(
                bound, (L0 + L1 * g) * STEP_LEN, [sub], f"(L0 + L1|v|) D <= bound ({label})", ">="
            ),
            InRegime(
                1 / (2 * n0) - L1 * STEP_LEN,
                L0 / (2 * n0 * (L0 + L1 * g)),
                [sub],
                f"1/(2 n0) - L1 D >= L0/(2 n0 (L0 + L1|v|)) > 0 ({label})",
                ">=",
            ),
        ]
    clip = eps / (g * n0 * (L0 + L1 * g))
    steps += [
        InRegime(
            SPIDER_CLIP_STEP, clip, [G_REGIMES["|g| >= 2 eps"]], "clipping branch for |v| >= 2 eps"
        ),
        Limit(clip * n0 * L1 * g**2 / eps, g, sp.oo, 1, "clipping branch: eta ~ eps/(n0 L1 |v|^2)"),
    ]
    return _lemma(
        "spider_clip_step_length" if bound == eps / n0 else "spider_clip_step_length_half",
        rf"\eta = {sp.latex(SPIDER_CLIP_STEP)},\ D = \eta\|v\|:\ (L_0 + L_1\|v\|) D \le "
        rf"{sp.latex(bound)},\ L_1 D < \tfrac{{1}}{{2n_0}};\ "
        r"\eta \sim \frac{\epsilon}{n_0 L_1 \|v\|^2}",
        "L0, L1, eps > 0, integer n0 >= 1",
        steps,
    )


def error_recursion(s2_factor=2):
    s2 = sp.ceiling(s2_factor * A**2 * q / n0**2)
    alpha_k = 1 + A**2 / (2 * n0**2 * S2)
    beta_k = 2 * A**2 * eps**2 / (n0**2 * S2)
    p1, p2 = eps / n0, e / (2 * n0)
    worst_s2 = [(S2, s2.args[0] + theta[0])]
    tie = [Identity(SPIDER_CLIP_S2, s2, "the schedule's S2")] if s2_factor == 2 else []
    return _lemma(
        "spider_clip_error" if s2_factor == 2 else "spider_clip_error_S2_halved",
        r"E\|e_k\|^2 \le \big(1 + \tfrac{A^2}{2n_0^2S_2}\big)E\|e_{k-1}\|^2 + "
        r"\tfrac{2A^2\epsilon^2}{n_0^2S_2};\ "
        rf"S_2 = {sp.latex(s2)} \Rightarrow E\|e_k\|^2 \le e^{{1/4}}(\sigma^2/S_1 + \epsilon^2) = "
        r"\rho\epsilon^2,\ \rho = \tfrac32 e^{1/4} \text{ (online)},\ e^{1/4} \text{ (finite sum)}",
        "per-sample A-Lipschitz within 1/(2 L1) (spider_clip_A; D < 1/(2 L1) by "
        "spider_clip_step_length); |grad f(x_{k-1})| <= |v| + e; variance of a mean of S2 "
        "samples <= (1/S2) E|X|^2; S1 >= 2 sigma^2/eps^2 online, S1 = n finite sum",
        [
            Identity(
                2 * p1**2 + 2 * p2**2 - (p1 + p2) ** 2, (p1 - p2) ** 2, "(a + b)^2 <= 2a^2 + 2b^2"
            ),
            Identity(
                A**2 * (2 * p1**2 + 2 * p2**2) / S2,
                (alpha_k - 1) * e**2 + beta_k,
                "A^2 (eps/n0 + e/(2n0))^2 / S2 <= (A^2/(2 n0^2 S2)) e^2 + 2 A^2 eps^2/(n0^2 S2)",
            ),
            *tie,
            InRegime(1 + 1 / (4 * q), alpha_k, worst_s2, "alpha <= 1 + 1/(4q)", ">="),
            InRegime(eps**2 / q, beta_k, worst_s2, "beta <= eps^2/q", ">="),
            NonNegative(
                x - sp.log(1 + x), x, (0, None), "log(1+x) <= x: (1 + 1/(4q))^q <= e^{1/4}"
            ),
            Identity(
                alpha**j * (E0 + j * beta)
                - (alpha * alpha ** (j - 1) * (E0 + (j - 1) * beta) + beta),
                beta * (alpha**j - 1),
                "induction: E_j <= alpha^j (E_0 + j beta) (alpha >= 1); j beta <= (q-1) eps^2/q",
            ),
            Identity(
                SPIDER_CLIP_S1_ONLINE, sp.Max(1, sp.ceiling(2 * sigma**2 / eps**2)), "online S1"
            ),
            InRegime(
                eps**2 / 2,
                sigma**2 / S1,
                [(S1, 2 * sigma**2 / eps**2 + theta[1])],
                "online: sigma^2/S1 <= eps^2/2",
                ">=",
            ),
            Identity(
                sp.exp(sp.Rational(1, 4)) * (eps**2 / 2 + eps**2), RHO_ONLINE * eps**2, "online rho"
            ),
            Identity(
                sp.exp(sp.Rational(1, 4)) * (0 + eps**2), RHO_FINITE * eps**2, "finite-sum rho"
            ),
            ConstantBound(RHO_ONLINE, "rho online = 1.926...", lo="1.926", hi="1.927"),
            ConstantBound(RHO_FINITE, "rho finite = 1.284...", lo="1.284", hi="1.285"),
        ],
    )


def descent(c_eps=C_EPS, c_err=C_ERR):
    k4 = 4 * PHI_HALF  # 2 phi(1/2)/(1/2)^2 / 2
    return _lemma(
        "spider_clip_descent"
        if (c_eps, c_err) == (C_EPS, C_ERR)
        else f"spider_clip_descent_{c_eps}",
        rf"f(x_{{k+1}}) \le f(x_k) - D_k\big(\|v_k\| - {sp.latex(c_eps)}\,\epsilon/n_0 - "
        rf"(1 + {sp.latex(c_err)}/n_0)\|e_k\|\big),\ 1 + {sp.latex(c_err)}/n_0 \le "
        rf"{sp.latex(1 + c_err)}",
        "T1 upper model; <grad f, v> >= |v|^2 - e|v|; |grad f| <= |v| + e; (L0 + L1|v|) D <= "
        "eps/n0 and c = L1 D <= 1/(2 n0) <= 1/2 (spider_clip_step_length)",
        [
            Monotone(
                (sp.exp(c) - 1 - c) / c**2, c, (0, HALF), 1, "phi(c)/c^2 increases: <= 4 phi(1/2)"
            ),
            Identity(((sp.exp(c) - 1 - c) / c**2).subs(c, HALF), k4, "phi(c)/c^2 at 1/2"),
            ConstantBound(k4, f"4 phi(1/2) <= {c_eps}", hi=c_eps),
            ConstantBound(k4 / 2, f"2 phi(1/2) <= {c_err}", hi=c_err),
            Identity(
                -D * v + D * e + k4 * D * (eps / n0 + e / (2 * n0)),
                -D * (v - k4 * eps / n0 - (1 + k4 / (2 * n0)) * e),
                "-eta<grad f, v> + (L0 + L1|grad f|) phi(L1 D)/L1^2 <= -D|v| + D e + "
                "4 phi(1/2) D (eps/n0 + e/(2 n0))",
            ),
            InRegime(1 + c_err, 1 + c_err / n0, [(n0, 1 + k)], "n0 >= 1", ">="),
        ],
    )


def guarantee(k_min=SPIDER_CLIP_K_MIN, c_online="10.13"):
    m_of = C_EPS / n0 + (1 + C_ERR / n0) * sp.sqrt(rho)
    w_lo = eps / (2 * n0 * L0) * (sp.Min(g, L0 / L1) - eps / 2)
    below, above = (L0, L1 * g * (1 + s)), (L0, L1 * g / (1 + s))
    big, small = G_REGIMES.values()
    steps = [
        InRegime(
            STEP_LEN * g, w_lo, [below, big], "D|v| >= lower (|v| >= 2eps, |v| <= L0/L1)", ">="
        ),
        InRegime(
            STEP_LEN * g, w_lo, [above, big], "D|v| >= lower (|v| >= 2eps, |v| >= L0/L1)", ">="
        ),
        InRegime(
            STEP_LEN * g, g**2 / (4 * n0 * L0), [below, small], "D|v| >= |v|^2/(4 n0 L0)", ">="
        ),
        InRegime(
            g**2 / (4 * n0 * L0) - (g - eps) ** 2 / (4 * n0 * L0),
            w_lo,
            [below, small],
            "|v|^2/(4 n0 L0) >= lower (|v| <= 2eps, |v| <= L0/L1)",
        ),
        InRegime(STEP_LEN * g, g / (4 * n0 * L1), [above, small], "D|v| >= |v|/(4 n0 L1)", ">="),
        InRegime(
            g / (4 * n0 * L1) - (g - eps) ** 2 / (4 * n0 * L1 * g),
            w_lo,
            [above, small],
            "|v|/(4 n0 L1) >= lower (|v| <= 2eps, |v| >= L0/L1)",
            ">=",
        ),
    ]
    steps += [
        InRegime(eps / (n0 * L0), STEP_LEN, [sub], f"D <= eps/(n0 L0) ({label})", ">=")
        for label, sub in G_REGIMES.items()
    ]
    steps += [
        Identity(
            2 * n0 * L0 / (eps * K) * (Delta + K * m * eps**2 / (n0 * L0)) + eps / 2,
            2 * n0 * L0 * Delta / (K * eps) + 2 * m * eps + eps / 2,
            "sum_k E[D v] <= Delta + K m eps^2/(n0 L0), m = C_eps/n0 + (1 + C_err/n0) sqrt(rho)",
        ),
        InRegime(
            (1 + 2 * m) * eps,
            2 * n0 * L0 * Delta / (K * eps) + 2 * m * eps + eps / 2,
            [(K, k_min * (1 + t))],
            f"K >= {k_min}: E min(|v|, L0/L1) <= (1 + 2m) eps",
            ">=",
        ),
        Identity(
            spider_clip_C(rho) - (1 + 2 * m_of + sp.sqrt(rho)),
            (m_of - 1) ** 2 + 1,
            "1 + 2m + sqrt(rho) <= C = 3 + m^2 + sqrt(rho)",
        ),
        ConstantBound(
            spider_clip_C(RHO_ONLINE).subs(n0, 1),
            f"C online (n0 = 1) = {c_online} to 2 decimals",
            lo=sp.Rational(c_online) - sp.Rational(5, 1000),
            hi=sp.Rational(c_online) + sp.Rational(5, 1000),
        ),
        ConstantBound(
            spider_clip_C(RHO_FINITE).subs(n0, 1),
            "C finite sum (n0 = 1) = 8.40",
            lo="8.395",
            hi="8.405",
        ),
        ConstantBound(
            (1 + 2 * m_of + sp.sqrt(rho)).subs({n0: 1, rho: RHO_ONLINE}),
            "the proof gives 7.18 online",
            lo="7.175",
            hi="7.185",
        ),
        ConstantBound(
            (1 + 2 * m_of + sp.sqrt(rho)).subs({n0: 1, rho: RHO_FINITE}),
            "the proof gives 6.26 finite sum",
            lo="6.255",
            hi="6.265",
        ),
    ]
    return _lemma(
        "spider_clip_guarantee" if k_min == SPIDER_CLIP_K_MIN else "spider_clip_guarantee_half_K",
        rf"K \ge {sp.latex(k_min)},\ \tilde x \sim U\{{x_0..x_{{K-1}}\}}:\ "
        r"E\min\{\|\nabla f(\tilde x)\|, L_0/L_1\} \le (1 + 2m + \sqrt\rho)\,\epsilon "
        r"\le C\epsilon,\ C = 3 + m^2 + \sqrt\rho,\ "
        r"m = \tfrac{0.5949}{n_0} + (1 + \tfrac{0.2975}{n_0})\sqrt\rho;\ "
        r"C = 10.13 \text{ online},\ 8.40 \text{ finite sum } (n_0 = 1)",
        "spider_clip_descent summed over k (telescoping, f >= f*); E e <= sqrt(rho) eps; "
        "min(|grad f|, L0/L1) <= min(|v|, L0/L1) + e; Markov gives the probability statement",
        steps,
    )


K_COEF = sp.Rational(712, 1000)


def noiseless(coef=K_COEF, name="spider_clip_noiseless_K"):
    k_of = SPIDER_CLIP_K_NOISELESS.subs(K_COEF, coef)
    x_k = k_of.atoms(sp.floor).pop().args[0]
    dec = STEP_LEN * (g - C_EPS * eps / n0)  # e = 0
    worst = dec.subs(g, 2 * eps)
    return _lemma(
        name,
        rf"\sigma = 0:\ K = \lfloor {sp.latex(x_k)} \rfloor + 1 \Rightarrow "
        r"\min_{k<K}\|\nabla f(x_k)\| \le 2\epsilon",
        "spider_clip_descent with e = 0; if |grad f(x_k)| > 2 eps for all k < K then "
        "K * (least decrease) <= Delta; floor(X) + 1 > X",
        [
            Identity(k_of, sp.floor(x_k) + 1, "K = floor(X) + 1"),
            InRegime(
                dec, worst, [G_REGIMES["|g| >= 2 eps"]], "decrease is least at |v| = 2 eps", ">="
            ),
            InRegime(x_k * worst, Delta, [(n0, 1 + k)], "X * (decrease at 2 eps) >= Delta", ">="),
        ],
    )


def _ceil_arg(expr):
    """y for expr = ceil(y) or Max(1, ceil(y))."""
    return expr.atoms(sp.ceiling).pop().args[0]


# Sandwich of SFO by expressions in K0, q0, S1_0 (K, q, S1 = ceilings of these), a2 = A^2.
S2_LO, S2_HI = 2 * a2 * q0 / n0**2, 2 * a2 * (q0 + 1) / n0**2 + 1
SFO_LOWER = K0 * S10 / (q0 + 1) + 2 * S2_LO * K0 - 2 * S2_HI * ((K0 + 1) / q0 + 1)
SFO_UPPER = ((K0 + 1) / q0 + 1) * (S10 + 1) + 2 * S2_HI * (K0 + 1)
ONLINE = {
    K0: SPIDER_CLIP_K_MIN,
    q0: _ceil_arg(SPIDER_CLIP_Q_ONLINE),
    S10: _ceil_arg(SPIDER_CLIP_S1_ONLINE),
    a2: A**2,
}
FINITE = {K0: SPIDER_CLIP_K_MIN, q0: _ceil_arg(SPIDER_CLIP_Q_FINITE), S10: n, a2: A**2}


def sfo_sandwich():
    sub = [(S2, 2 * a2 * q / n0**2 + theta[3]), (K, K0 + theta[0]), (q, q0 + theta[1])]
    sub.append((S1, S10 + theta[2]))
    ceil_kq = [(sp.ceiling(K / q), K / q + theta[4])]
    return _lemma(
        "spider_clip_sfo_sandwich",
        r"K = \lceil K_0\rceil, q = \lceil q_0\rceil, S_1 = \lceil S_{1,0}\rceil, "
        r"S_2 = \lceil 2a_2q/n_0^2\rceil:\ "
        rf"{sp.latex(SFO_LOWER)} \le \mathrm{{SFO}} \le {sp.latex(SFO_UPPER)}",
        "each ceiling is y + theta, theta in [0, 1); all quantities positive",
        [
            Identity(SPIDER_CLIP_S2, sp.ceiling(2 * a2 * q / n0**2).subs(a2, A**2), "S2, a2 = A^2"),
            InRegime(
                (K / q + 1) * S1 + 2 * S2 * K,
                SPIDER_SFO_TOTAL,
                ceil_kq,
                "SFO <= (K/q + 1) S1 + 2 S2 K",
                ">=",
            ),
            InRegime(SFO_UPPER, (K / q + 1) * S1 + 2 * S2 * K, sub, "... <= upper", ">="),
            InRegime(
                SPIDER_SFO_TOTAL,
                K / q * S1 + 2 * S2 * K - 2 * S2 * (K / q + 1),
                ceil_kq,
                "SFO >= (K/q) S1 + 2 S2 K - 2 S2 (K/q + 1)",
                ">=",
            ),
            InRegime(K / q * S1, K0 * S10 / (q0 + 1), sub, "(K/q) S1 >= K0 S1_0/(q0 + 1)", ">="),
            InRegime(2 * S2 * K, 2 * S2_LO * K0, sub, "2 S2 K >= 4 a2 q0 K0/n0^2", ">="),
            InRegime(
                2 * S2_HI * ((K0 + 1) / q0 + 1),
                2 * S2 * (K / q + 1),
                sub,
                "2 S2 (K/q+1) <= ...",
                ">=",
            ),
        ],
    )


def sfo_limits(power=3):
    rate = sp.sqrt(n) / eps**2 + n
    limit = 8 * L0 * Delta * sigma * (1 + 2 * A**2)
    lo_fin = (n + SFO_LOWER) / 2  # SFO >= S1 = n as well, since 1 <= ceil(K/q) <= K

    def eps_first(bound):  # bound is affine in K0, and K0 eps^2 = 4 n0 L0 Delta
        return (sp.diff(bound, K0) * 4 * n0 * L0 * Delta / sp.sqrt(n)).subs(FINITE)

    return _lemma(
        "spider_clip_sfo_limits" if power == 3 else f"spider_clip_sfo_limits_eps{power}",
        rf"\epsilon^{{{sp.latex(power)}}}\,\mathrm{{SFO}} \to 8L_0\Delta\sigma(1 + 2A^2) "
        r"\text{ (online, } \sigma > 0);\ "
        r"\text{finite sum: } \mathrm{SFO}/(\sqrt n\,\epsilon^{-2} + n) "
        r"\in [\tfrac12, 1] + o(1) \text{ as } n \to \infty,\ \in [2, 4]\,L_0\Delta(1 + 4A^2) + "
        r"o(1) \text{ as } \epsilon \to 0 \text{ then } n \to \infty",
        "spider_clip_sfo_sandwich with the schedule's K = ceil(4 n0 L0 Delta/eps^2), S1, q, S2",
        [
            Limit((eps**power * SFO_LOWER).subs(ONLINE), eps, 0, limit, "online: lower bound"),
            Limit((eps**power * SFO_UPPER).subs(ONLINE), eps, 0, limit, "online: upper bound"),
            Limit(
                (lo_fin / rate).subs(FINITE), n, sp.oo, HALF, "finite sum, n -> oo: lower -> 1/2"
            ),
            Limit((SFO_UPPER / rate).subs(FINITE), n, sp.oo, 1, "finite sum, n -> oo: upper -> 1"),
            Limit(
                (lo_fin / rate).subs(FINITE), eps, 0, eps_first(lo_fin), "finite, eps -> 0: lower"
            ),
            Limit((SFO_UPPER / rate).subs(FINITE), eps, 0, eps_first(SFO_UPPER), "eps -> 0: upper"),
            Limit(
                eps_first(lo_fin), n, sp.oo, 2 * L0 * Delta * (1 + 4 * A**2), "then n -> oo: lower"
            ),
            Limit(eps_first(SFO_UPPER), n, sp.oo, 4 * L0 * Delta * (1 + 4 * A**2), "then n: upper"),
        ],
    )


LEMMAS = [gronwall(), step_length(), error_recursion(), descent(), guarantee(), noiseless()]
LEMMAS += [sfo_sandwich(), sfo_limits()]
FALSE_SIBLINGS = [
    gronwall(sp.Rational(1297, 1000)),
    step_length(eps / (2 * n0)),
    error_recursion(s2_factor=1),
    descent(c_eps=sp.Rational(5948, 10000)),
    guarantee(k_min=SPIDER_CLIP_K_MIN / 2),
    noiseless(sp.Rational(711, 1000), "spider_clip_noiseless_K_0.711"),
    sfo_limits(power=sp.Rational(29, 10)),
]
