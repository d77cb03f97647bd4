"""T7 item 13: normalized SGD with momentum (NSGD-M) on (L0,L1)-smooth f (THEORY T4, derived).

x_{t+1} = x_t - eta m_t/||m_t||, m_0 = g_0, m_t = mu m_{t-1} + (1 - mu) g_t, g_t = grad f(x_t)
+ xi_t (E[xi_t | past] = 0, E||xi_t||^2 <= sigma^2). G_t = ||grad f(x_t)||, eps_t = m_t -
grad f(x_t), e_t = ||eps_t||, c = L1 eta, K = phi(c)/c^2, A = (e^c - 1)/c (T1).

1. Direction (CM20's Lemma 2 form): <g, m/||m||> >= G/3 - 8e/3 (cases e <= G/2, e > G/2).
2. Descent: the T1 upper model at r = eta and K c <= 1/6 give
   f(x_{t+1}) <= f(x_t) - eta G_t/6 + 8 eta e_t/3 + K L0 eta^2.
3. Summing and f(x_T) >= f*: (1/T) sum G_t <= 6 Delta/(eta T) + 16 (1/T) sum e_t + 6 K L0 eta.
4. eps_t = mu (eps_{t-1} + grad f(x_{t-1}) - grad f(x_t)) + (1 - mu) xi_t; the drift is at most
   A (L0 + L1 G_{t-1}) eta (T1 gradient difference), and the unrolled weights sum to mu/(1-mu).
5. Noise: E||mu^t xi_0 + (1-mu) sum_k mu^(t-k) xi_k|| <= mu^t sigma + sigma sqrt(1 - mu).
6. With Gbar = E (1/T) sum G_t: Gbar (1 - 16 A mu c/(1-mu)) <= (five terms); the coupling
   16 A mu c/(1-mu) <= 1/2 gives Gbar <= 2 (five terms) = NSGDM_BOUND.

Hypotheses enter as substitutions in nonnegative slack parameters: e = s G (s <= 1/2) or
e = G (1 + w)/2; K c = 1/(6 (1 + w)); coupling = 1/(2 (1 + w)); mu = 1/(1 + u), u > 0, for the
geometric sums. Vectors in the (linear) recursion identities are treated as symbols.
"""

import sympy as sp

from l0l1.theory import (
    L0,
    L1,
    NSGDM_A,
    NSGDM_BOUND,
    NSGDM_COUPLING,
    NSGDM_DESCENT,
    NSGDM_K,
    Delta,
    T,
    gamma,
    mu,
    sigma,
)
from proofs_check import CaseSplit, ConstantBound, Identity, Lemma, Monotone, NonNegative
from proofs_check.lemmas._regime import InRegime
from proofs_check.lemmas.t7_04_clipped_gd import phi

eta = gamma  # the normalized step length
c, u = sp.symbols("c u", positive=True)  # u > 0: mu = 1/(1 + u) < 1
G, e, Gb, Se, SG, R5, F0, FT, fstar = sp.symbols(
    "G e Gbar S_e S_G R_5 F_0 F_T f^*", nonnegative=True
)
s, v, w, D, C = sp.symbols("s v w D C", nonnegative=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
HALF, THIRD, SIXTH = sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6)
EIGHT_THIRDS = sp.Rational(8, 3)

# the five terms of the rearranged bound (step 6); NSGDM_BOUND is twice their sum
FIVE = (
    6 * Delta / (eta * T)
    + 16 * sigma / (T * (1 - mu))
    + 16 * sigma * sp.sqrt(1 - mu)
    + 16 * NSGDM_A * L0 * eta * mu / (1 - mu)
    + 6 * NSGDM_K * L0 * eta
)
# E (1/T) sum e_t <= EBAR (steps 4-6)
EBAR = (
    sigma / (T * (1 - mu))
    + sigma * sp.sqrt(1 - mu)
    + NSGDM_A * eta * mu / (1 - mu) * (L0 + L1 * Gb)
)
GEOM_MU = [(mu, 1 / (1 + u))]  # 0 < mu < 1


def _unrolled(t):
    """(eps_t by the recursion, its closed form) with drifts D_k and noises xi_k as symbols."""
    dk = sp.symbols(f"D_1:{t + 1}")
    xk = sp.symbols(f"xi_0:{t + 1}")
    rec = xk[0]  # m_0 = g_0: eps_0 = xi_0
    for k in range(1, t + 1):
        rec = mu * (rec + dk[k - 1]) + (1 - mu) * xk[k]
    closed = (
        mu**t * xk[0]
        + sum(mu ** (t - k + 1) * dk[k - 1] for k in range(1, t + 1))
        + (1 - mu) * sum(mu ** (t - k) * xk[k] for k in range(1, t + 1))
    )
    return rec, closed


def _exchange(n):
    """sum_{t<n} sum_{1<=k<=t} mu^(t-k+1) a_k == sum_{1<=k<n} a_k sum_{1<=j<=n-k} mu^j."""
    a = sp.symbols(f"a_1:{n}")
    lhs = sum(mu ** (t - k + 1) * a[k - 1] for t in range(n) for k in range(1, t + 1))
    rhs = sum(a[k - 1] * sum(mu**i for i in range(1, n - k + 1)) for k in range(1, n))
    return lhs, rhs


def _lemma(name, dir_g=THIRD, dir_e=EIGHT_THIRDS, factor=2) -> Lemma:
    """``dir_g``, ``dir_e``: constants of the direction lemma <g, m/||m||> >= dir_g G - dir_e e;
    ``factor``: what the coupling <= 1/2 is claimed to cost in the final bound."""
    d_lo = dir_g * G - dir_e * e
    upper = (L0 + L1 * G) * phi(L1 * eta) / L1**2  # T1 curvature term at r = eta
    descent_rhs = F0 - eta * G / 6 + 8 * eta * e / 3 + NSGDM_K * L0 * eta**2
    summed = Delta + 8 * eta * Se / 3 + T * NSGDM_K * L0 * eta**2  # >= eta S_G / 6
    return Lemma(
        name=name,
        statement=(
            r"\langle \nabla f, m/\|m\|\rangle \ge "
            rf"{sp.latex(dir_g)}\|\nabla f\| - {sp.latex(dir_e)}\|m - \nabla f\|;\ "
            r"f(x_{t+1}) \le f(x_t) - \tfrac{\eta}{6}\|\nabla f(x_t)\| + \tfrac{8\eta}{3}"
            r"\|\epsilon_t\| + K L_0 \eta^2;\ "
            r"\mathbb{E}\,\frac1T\sum_{t<T}\|\nabla f(x_t)\| \le "
            rf"{factor}\Big(\frac{{6\Delta}}{{\eta T}} + \frac{{16\sigma}}{{T(1-\mu)}}"
            r" + 16\sigma\sqrt{1-\mu} + \frac{16 A L_0 \eta \mu}{1-\mu} + 6 K L_0 \eta\Big)"
            r"\ (K = \varphi(c)/c^2,\ A = (e^c - 1)/c,\ c = L_1\eta)"
        ),
        source="T4; Cutkosky & Mehta 2020 (method; their L-smooth theorem recalled), "
        "this project's (L0,L1) derivation",
        assumptions="f (L0,L1)-smooth (T1); unbiased noise with E||xi||^2 <= sigma^2 given the "
        "past; K c <= 1/6 and 16 A mu c/(1-mu) <= 1/2, c = L1 eta",
        steps=[
            # 1. direction lemma
            Identity(
                ((G**2 - G * e) / (G + e)).subs(e, s * G),
                G * (1 - s) / (1 + s),
                "case e <= G/2, e = s G: <g, m> >= G^2 - G e >= 0 and ||m|| <= G + e, so "
                "<g, m/||m||> >= (G^2 - G e)/(G + e) = G (1 - s)/(1 + s)",
            ),
            NonNegative(
                (1 - s) / (1 + s) - dir_g,
                s,
                (0, HALF),
                f"case e <= G/2: (1 - s)/(1 + s) >= {dir_g} for s in [0, 1/2]",
            ),
            InRegime(
                dir_g * G,
                d_lo,
                [],
                f"case e <= G/2: {dir_g} G >= {dir_g} G - {dir_e} e",
                ">=",
            ),
            InRegime(
                -G,
                d_lo,
                [(e, G * (1 + w) / 2)],
                f"case e > G/2: <g, m/||m||> >= -G >= {dir_g} G - {dir_e} e",
                ">=",
            ),
            # 2. descent
            Identity(
                upper,
                (L0 + L1 * G) * NSGDM_K * eta**2,
                "T1 upper model at r = eta (cited, t7_03): curvature term "
                "(L0 + L1 G) phi(L1 eta)/L1^2 = (L0 + L1 G) K eta^2, K = NSGDM_K",
            ),
            Identity(
                (L0 + L1 * G) * NSGDM_K * eta**2,
                NSGDM_K * L0 * eta**2 + NSGDM_DESCENT * eta * G,
                "(L0 + L1 G) K eta^2 = K L0 eta^2 + (K c) eta G, K c = NSGDM_DESCENT",
            ),
            InRegime(
                descent_rhs,
                F0 - eta * (G / 3 - 8 * e / 3) + NSGDM_K * L0 * eta**2 + D * eta * G,
                [(D, SIXTH / (1 + w))],
                "f(x_t) - eta (G/3 - 8e/3) + K L0 eta^2 + (K c) eta G <= f(x_t) - eta G/6 "
                "+ 8 eta e/3 + K L0 eta^2 when K c <= 1/6 (direction lemma, x_{t+1} - x_t = "
                "-eta m/||m||)",
                ">=",
            ),
            # 3. summing over t = 0..T-1
            InRegime(
                summed,
                F0 - FT + 8 * eta * Se / 3 + T * NSGDM_K * L0 * eta**2,
                [(F0, fstar + Delta), (FT, fstar + v)],
                "summing step 2 over t < T: eta S_G/6 <= f(x_0) - f(x_T) + 8 eta S_e/3 "
                "+ T K L0 eta^2 <= Delta + 8 eta S_e/3 + T K L0 eta^2 (f(x_T) >= f*)",
                ">=",
            ),
            Identity(
                6 / (eta * T) * (eta * SG / 6),
                SG / T,
                "multiplying by 6/(eta T): the left side becomes (1/T) sum G_t",
            ),
            Identity(
                6 / (eta * T) * summed,
                6 * Delta / (eta * T) + 16 * Se / T + 6 * NSGDM_K * L0 * eta,
                "(6/(eta T)) (Delta + 8 eta S_e/3 + T K L0 eta^2) = 6 Delta/(eta T) "
                "+ 16 S_e/T + 6 K L0 eta",
            ),
            # 4. error recursion and drift
            Identity(
                mu * (sp.Symbol("eps_p") + sp.Symbol("grad_p"))
                + (1 - mu) * (sp.Symbol("grad_t") + sp.Symbol("xi_t"))
                - sp.Symbol("grad_t"),
                mu * (sp.Symbol("eps_p") + sp.Symbol("grad_p") - sp.Symbol("grad_t"))
                + (1 - mu) * sp.Symbol("xi_t"),
                "eps_t = m_t - grad_t = mu (eps_{t-1} + grad_{t-1}) + (1 - mu)(grad_t + xi_t) "
                "- grad_t = mu (eps_{t-1} + grad_{t-1} - grad_t) + (1 - mu) xi_t",
            ),
            Identity(
                NSGDM_A,
                ((sp.exp(L1 * c) - 1) / (L1 * c)).subs(c, eta),
                "drift: ||grad f(x_{t-1}) - grad f(x_t)|| <= A (L0 + L1 G_{t-1}) eta, T1 "
                "gradient difference (cited, t7_02) at r = eta: A = NSGDM_A = (e^c - 1)/c",
            ),
            CaseSplit(
                "unrolled (eps_0 = xi_0): eps_t = mu^t xi_0 + sum_{1<=k<=t} mu^(t-k+1) D_k + "
                "(1 - mu) sum_{1<=k<=t} mu^(t-k) xi_k, D_k = grad_{k-1} - grad_k "
                "(checked for t = 1..4; the induction step is the recursion above)",
                [Identity(*_unrolled(t), f"unrolled recursion, t = {t}") for t in range(1, 5)],
            ),
            CaseSplit(
                "summed drift: sum_{t<T} sum_{k<=t} mu^(t-k+1) a_k = sum_k a_k "
                "sum_{1<=j<=T-k} mu^j (exchange of order, checked for T = 2..5)",
                [Identity(*_exchange(n), f"exchange of order, T = {n}") for n in range(2, 6)],
            ),
            Identity(
                sp.Sum((1 / (1 + u)) ** j, (j, 1, sp.oo)).doit(),
                (mu / (1 - mu)).subs(GEOM_MU),
                "sum_{j>=1} mu^j = mu/(1 - mu) for 0 < mu < 1, mu = 1/(1 + u) (sympy summation;"
                " each a_k carries weight <= mu/(1 - mu))",
            ),
            # 5. noise
            Identity(
                sp.Sum((1 / (1 + u)) ** j, (j, 0, sp.oo)).doit(),
                1 / (1 - 1 / (1 + u)),
                "sum_{j>=0} q^j = 1/(1 - q), q = 1/(1 + u) in (0, 1) (sympy summation; q = mu^2:"
                " E||(1 - mu) sum_k mu^(t-k) xi_k||^2 <= (1 - mu)^2 sigma^2/(1 - mu^2), cross "
                "terms vanish as E[xi_k | past] = 0)",
            ),
            Identity(
                (1 - mu) ** 2 / (1 - mu**2),
                (1 - mu) / (1 + mu),
                "(1 - mu)^2/(1 - mu^2) = (1 - mu)/(1 + mu): E||noise part|| <= mu^t sigma "
                "+ sigma sqrt((1 - mu)/(1 + mu)) (Jensen)",
            ),
            NonNegative(
                (1 - mu) - (1 - mu) / (1 + mu),
                mu,
                (0, 1),
                "(1 - mu)/(1 + mu) <= 1 - mu for mu in (0, 1): E||noise part|| <= mu^t sigma "
                "+ sigma sqrt(1 - mu)",
            ),
            Identity(
                sp.Sum((1 / (1 + u)) ** j, (j, 0, sp.oo)).doit(),
                (1 / (1 - mu)).subs(GEOM_MU),
                "sum_{t>=0} mu^t = 1/(1 - mu), mu = 1/(1 + u) (sympy summation): "
                "sum_t mu^t sigma <= sigma/(1 - mu)",
            ),
            # 6. average error, coupling, final bound
            Identity(
                (sigma / (1 - mu) + T * sigma * sp.sqrt(1 - mu))
                + mu / (1 - mu) * NSGDM_A * eta * (T * L0 + L1 * T * Gb),
                T * EBAR,
                "E sum_t e_t <= sigma/(1 - mu) + T sigma sqrt(1 - mu) + (mu/(1 - mu)) A eta "
                "(T L0 + L1 T Gbar), i.e. E (1/T) sum e_t <= sigma/(T(1 - mu)) "
                "+ sigma sqrt(1 - mu) + A eta mu/(1 - mu) (L0 + L1 Gbar)",
            ),
            Identity(
                16 * NSGDM_A * eta * mu / (1 - mu) * L1,
                NSGDM_COUPLING,
                "the Gbar term of 16 E (1/T) sum e_t is NSGDM_COUPLING Gbar = "
                "16 A mu c/(1 - mu) Gbar",
            ),
            Identity(
                6 * Delta / (eta * T) + 16 * EBAR + 6 * NSGDM_K * L0 * eta - NSGDM_COUPLING * Gb,
                FIVE,
                "plugging into step 3: Gbar (1 - NSGDM_COUPLING) <= 6 Delta/(eta T) "
                "+ 16 sigma/(T(1 - mu)) + 16 sigma sqrt(1 - mu) + 16 A L0 eta mu/(1 - mu) "
                "+ 6 K L0 eta",
            ),
            InRegime(
                factor * R5,
                Gb,
                [(R5, Gb * (1 - C) + v), (C, HALF / (1 + w))],
                f"Gbar (1 - C) <= R and C <= 1/2 give Gbar <= {factor} R",
                ">=",
            ),
            Identity(
                factor * FIVE,
                NSGDM_BOUND,
                f"{factor} (the five terms) = NSGDM_BOUND",
            ),
            # the descent condition is usable
            Monotone(
                phi(c) / c,
                c,
                (0, None),
                1,
                "K c = phi(c)/c increases in c: eta <= 0.3/L1 gives K c <= its value at 0.3",
            ),
            Identity(NSGDM_DESCENT, (phi(c) / c).subs(c, L1 * eta), "NSGDM_DESCENT = phi(c)/c"),
            ConstantBound(
                NSGDM_DESCENT.subs(eta, sp.Rational(3, 10) / L1),
                "at c = 0.3: K c = phi(0.3)/0.3 = 0.16620 < 1/6",
                hi=SIXTH,
            ),
        ],
    )


LEMMA = _lemma("nsgd_m")
# False statements only: the direction lemma with ||eps|| weighted 1 (m anti-parallel to g,
# ||eps|| just above ||g||, breaks it) and the bound without its factor 2. (A coefficient 1/2
# on ||g|| would fail this route but is true: <g, m/||m||> >= ||g|| - 2||eps||.)
FALSE_SIBLINGS = [
    _lemma("nsgd_m_direction_e_coefficient_1", dir_e=sp.Integer(1)),
    _lemma("nsgd_m_bound_factor_1", factor=1),
]
