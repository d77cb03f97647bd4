"""Parameter schedules and bounds of THEORY T3-T5, each written once as a SymPy expression.

`proofs_check` certifies these very objects; :func:`numeric` turns one into a fast
float function (cached lambdify) for the schedules and the figures. Constants are
exact (Rationals, E, sqrt) so that nothing is rounded before it is certified.

Status of each statement (THEORY): Z20 step rules are stated, their bounds recalled;
the V24 rules are recalled; the SPIDER-clip schedule is derived for this project.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

L0, L1, Delta, M, eps, sigma, tau, n, T, R = sp.symbols(
    "L_0 L_1 Delta M epsilon sigma tau n T R", positive=True
)
n0 = sp.Symbol("n_0", positive=True, integer=True)
INPUT_SYMBOLS = (L0, L1, Delta, M, eps, sigma, tau, n, n0, T, R)  # what a schedule may read
g = sp.Symbol("g", nonnegative=True)  # gradient (or estimator) norm fed to a step rule


def _min(*args):
    """Min without SymPy's slow pairwise simplification at import time."""
    return sp.Min(*args, evaluate=False)


def _max(*args):
    return sp.Max(*args, evaluate=False)


# --- T3: deterministic methods -----------------------------------------------------------
GD_STEP = 1 / (2 * (L0 + L1 * M))  # Z20 Thm 6 rule (stated)
GD_BOUND = 4 * (L0 + L1 * M) * Delta / eps**2  # Z20 Thm 6 bound (recalled)

CLIP_ETA = 1 / (10 * L0)  # Z20 Thm 3: eta_c
CLIP_GAMMA = _min(1 / CLIP_ETA, 1 / (10 * L1 * CLIP_ETA))  # Z20 Thm 3: gamma
CLIP_STEP = _min(CLIP_ETA, CLIP_GAMMA * CLIP_ETA / g)
CLIP_BOUND = 20 * L0 * Delta / eps**2 + 20 * _max(1, L1**2) * Delta / L0  # (recalled)

# Normalized GD with gamma*eta_c = eta_n and eta_c = eta_n/beta (derived): h_c/2 <= h_n <= h_c.
NGD_ETA = CLIP_GAMMA * CLIP_ETA
NGD_BETA = CLIP_GAMMA
NGD_STEP = NGD_ETA / (g + NGD_BETA)
NGD_BOUND = 26 * L0 * Delta / eps**2 + 26 * _max(1, L1**2) * Delta / L0  # (derived)

# Z20 Thm 4 lower bound over the family (recalled): a reference curve, not a per-run check.
GD_LOWER_BOUND = L1 * M * (Delta - 5 * eps / 8) / (8 * eps**2 * (sp.log(M) + 1))

# V24 rules (recalled) and smoothed clipping (Gorbunov et al. 2024).
V24_SI_STEP = 1 / (L0 + sp.Rational(3, 2) * L1 * g)
V24_CL_STEP = _min(1 / (2 * L0), 1 / (3 * L1 * g))
V24_STAR_STEP = sp.log(1 + L1 * g / (L0 + L1 * g)) / (L1 * g)
SMOOTH_NU = sp.LambertW(1)  # W(1) = 0.56714...
SMOOTH_STEP = SMOOTH_NU / (2 * (L0 + L1 * g))

# Per-step decrease a g^2/(2 L0 + 3 L1 g) gives the bound below; a per rule.
V24_A = {"v24_si": sp.Integer(1), "v24_star": sp.Integer(1), "v24_cl": sp.Rational(1, 2)}


def v24_bound(a):
    """Iterations to eps for a V24 rule with decrease constant a (T3, recalled)."""
    return 2 * L0 * Delta / (a * eps**2) + 3 * L1 * Delta / (a * eps)


# beta-normalized GD (Chen et al. 2023: the rule, stated); schedule and bound derived here:
# with gamma = 1/(2 max{phi(eps), phi(M)}), phi(x) = L0 x^-beta + L1 x^(1-beta), each step
# before the hit decreases f by >= gamma ||g||^(2-beta)/2 (T1 upper model, steps <= 1/(2 L1)).
beta = sp.Symbol("beta", nonnegative=True)  # the power of ||g||, a method choice in [0, 1]
gamma = sp.Symbol("gamma", positive=True)


def _bngd_phi(x):
    return L0 * x ** (-beta) + L1 * x ** (1 - beta)


BNGD_STEP = gamma / g**beta
BNGD_GAMMA = 1 / (2 * _max(_bngd_phi(eps), _bngd_phi(M)))
BNGD_BOUND = 2 * Delta / (BNGD_GAMMA * eps ** (2 - beta))

# Convex (L0,L1)-smooth f, measured by the gap f - f* (T3, T6). GD with Polyak steps
# h = (f(x) - f*)/||g||^2 (Polyak 1987; Gorbunov et al. 2024 give O(L0 R^2/eps + L1^2 R^2),
# recalled). Bound derived here: R = ||x0 - u|| for any u with f(u) - f* <= eps/4, and
# kappa = phi(1) = e - 2 (T1 upper model at L1 t <= 1): f - f* >= ||g||^2/(4 kappa (L0 + L1||g||)).
KAPPA = sp.E - 2
gap = sp.Symbol("delta", positive=True)  # the gap f(x_k) - f* fed to a Polyak step
POLYAK_STEP = gap / g**2
POLYAK_BOUND = 16 * KAPPA * L0 * R**2 / eps + 128 * KAPPA**2 * L1**2 * R**2

# --- T4: stochastic methods ---------------------------------------------------------------
SGD_STEP = _min(1 / sp.sqrt(T), 1 / (L1 * (M + tau)))  # Z20 Thm 8 rule (stated)
SGD_BOUND = (Delta + (5 * L0 + 4 * L1 * M) * (M + tau) ** 2) ** 2 / eps**4  # (recalled, low)
CLIP_SGD_ETA = _min(1 / (20 * L0), 1 / (128 * L1 * tau), 1 / sp.sqrt(T))  # Z20 Thm 7
# The printed first branch 1/(16 eta L1 (|g|+tau)) is dimensionally a number; we use:
CLIP_SGD_STEP = _min(1 / (16 * L1 * (g + tau)), CLIP_SGD_ETA)

L = sp.Symbol("L", positive=True)  # a global smoothness constant (F18's SPIDER, NSGD-M)

# Momentum methods (m_k = mu m_{k-1} + (1 - mu) g_k, m_0 = g_0; mu is "momentum").
# NSGD-M, Cutkosky & Mehta 2020 (recalled): 1 - mu = min{1, sqrt(L Delta)/(sigma sqrt(T))},
# step length eta = sqrt(Delta (1 - mu)/(L T)), L = L0 + L1 M (this project's heuristic).
NSGDM_ALPHA = _min(1, sp.sqrt(L * Delta) / (sigma * sp.sqrt(T)))
NSGDM_ETA = sp.sqrt(Delta * NSGDM_ALPHA / (L * T))
# Parameter-agnostic NSGD-M, Hubler et al. 2024 (recalled; constant-horizon form):
# eta = eta0 T^(-3/4), 1 - mu = T^(-1/2), eta0 = 1: no constant of the problem is read.
NSGDM_AGNOSTIC_ETA = T ** sp.Rational(-3, 4)
NSGDM_AGNOSTIC_ALPHA = T ** sp.Rational(-1, 2)
# NSGD-M guarantee (derived here; CM20's Theorem is for L-smooth f and was not re-read): with
# step length eta, momentum mu, c = L1 eta, K = phi(c)/c^2, A = (e^c - 1)/c (T1), bounded-
# variance noise (sigma) and the two conditions below, T steps give
# E (1/T) sum_t ||grad f(x_t)|| <= NSGDM_BOUND (so P(min_t ||grad f(x_t)|| > t) <= bound/t).
mu = sp.Symbol("mu", positive=True)  # the momentum weight
_c = L1 * gamma  # gamma is the normalized step length here
NSGDM_K = (sp.exp(_c) - _c - 1) / _c**2
NSGDM_A = (sp.exp(_c) - 1) / _c
NSGDM_DESCENT = NSGDM_K * _c  # must be <= 1/6: the curvature term is at most eta ||g||/6
NSGDM_COUPLING = 16 * NSGDM_A * mu * _c / (1 - mu)  # must be <= 1/2: the drift is absorbed
NSGDM_BOUND = 2 * (
    6 * Delta / (gamma * T)
    + 16 * sigma / (T * (1 - mu))
    + 16 * sigma * sp.sqrt(1 - mu)
    + 16 * NSGDM_A * L0 * gamma * mu / (1 - mu)
    + 6 * NSGDM_K * L0 * gamma
)

# Clipped SGD with momentum, ZJFW20's form (schedule: this project's choice): 1 - mu =
# min{1, eps^2/sigma^2}, eta = (1 - mu)/(10 L0), steps at most 1/(10 L1) long (as clipped GD).
CLIP_SGDM_ALPHA = _min(1, eps**2 / sigma**2)
CLIP_SGDM_ETA = CLIP_SGDM_ALPHA / (10 * L0)
CLIP_SGDM_GAMMA = 1 / (10 * L1 * CLIP_SGDM_ETA)

# AdaGrad-norm (Ward, Wu & Bottou 2019: the rule h = eta/b_k, b_k^2 = b0^2 + sum ||g_i||^2) and
# Adam (Kingma & Ba 2015): schedules are this project's choice. AdaGrad-norm's first step is
# about 1/(10 (L0 + L1 M)), a fifth of GD's; Adam's per-coordinate step is that over sqrt(T).
ADAGRAD_ETA = M / (10 * (L0 + L1 * M))
ADAGRAD_B0 = eps
ADAM_ETA = ADAGRAD_ETA / sp.sqrt(T)

# --- T5: SPIDER (F18) and SPIDER-clip (derived) ---------------------------------------------
SPIDER_STEP = _min(eps / (L * n0 * g), 1 / (2 * L * n0))  # F18 (recalled)
SPIDER_ONLINE_S1 = 2 * sigma**2 / eps**2
SPIDER_ONLINE_S2 = 2 * sigma / (eps * n0)
SPIDER_ONLINE_Q = sigma * n0 / eps
SPIDER_FINITE_S2 = sp.sqrt(n) / n0
SPIDER_FINITE_Q = n0 * sp.sqrt(n)
SPIDER_K = 4 * L * Delta * n0 / eps**2 + 1

A = 2 * (sp.sqrt(sp.E) - 1)  # per-sample Lipschitz factor within radius 1/(2 L1)
SPIDER_CLIP_STEP = _min(eps / g, sp.Rational(1, 2)) / (n0 * (L0 + L1 * g))
SPIDER_CLIP_S1_ONLINE = _max(1, sp.ceiling(2 * sigma**2 / eps**2))
SPIDER_CLIP_Q_ONLINE = _max(1, sp.ceiling(sigma * n0 / eps))
SPIDER_CLIP_Q_FINITE = sp.ceiling(n0 * sp.sqrt(n))
q = sp.Symbol("q", positive=True, integer=True)
SPIDER_CLIP_S2 = sp.ceiling(2 * A**2 * q / n0**2)
RHO_ONLINE = sp.Rational(3, 2) * sp.exp(sp.Rational(1, 4))
RHO_FINITE = sp.exp(sp.Rational(1, 4))


def spider_clip_C(rho):
    """Constant C of the T5 guarantee E min{|grad f|, L0/L1} <= C eps (derived)."""
    m = sp.Rational(5949, 10000) / n0 + (1 + sp.Rational(2975, 10000) / n0) * sp.sqrt(rho)
    return 3 + m**2 + sp.sqrt(rho)


SPIDER_CLIP_K_MIN = 4 * n0 * L0 * Delta / eps**2  # K for the probability statement
SPIDER_CLIP_K_NOISELESS = (
    sp.floor(
        sp.Rational(712, 1000) * n0 * L0 * Delta / eps**2
        + sp.Rational(1424, 1000) * n0 * L1 * Delta / eps
    )
    + 1
)
K = sp.Symbol("K", positive=True, integer=True)
S1, S2 = sp.symbols("S_1 S_2", positive=True, integer=True)
SPIDER_SFO_TOTAL = sp.ceiling(K / q) * S1 + 2 * S2 * (K - sp.ceiling(K / q))


@cache
def numeric(expr: sp.Expr, args: tuple[sp.Symbol, ...]):
    """A function of ``args`` evaluating ``expr`` (lambdify to NumPy, cached).

    NumPy semantics make a division by a zero constant (L1 = 0: ordinary smoothness)
    an infinity that Min discards, where plain floats would raise.
    """
    return sp.lambdify(args, expr, modules=[{"LambertW": _lambert_w}, "numpy"])


def _lambert_w(x):
    from scipy.special import lambertw

    return float(lambertw(x).real)
