"""Hard instances: where the worst-case rates of T3-T5 show up on real runs (THEORY T2, T3).

**Zero chain** (Carmon, Duchi, Hinder, Sidford 2017). In u in R^T,
F_T(u) = -Psi(1) Phi(u_1) + sum_{i=2..T} [Psi(-u_{i-1}) Phi(-u_i) - Psi(u_{i-1}) Phi(u_i)]
with Psi(t) = exp(1 - 1/(2t-1)^2) for t > 1/2 (else 0) and Phi(t) = sqrt(e) times the
integral of exp(-s^2/2) up to t (formulas in :mod:`l0l1.problems.chain`). What makes it hard:

- *zero chain*: Psi vanishes on [-1/2, 1/2] with all its derivatives, so the gradient at u
  is zero beyond coordinate prog(u) + 1, where prog(u) is the last coordinate with
  |u_i| > 1/2. A method whose iterates stay in the span of the gradients it has seen
  (every method here) discovers at most one new coordinate per gradient;
- *large gradient*: while |u_T| < 1, ||grad F_T(u)|| > 1.

So a zero-respecting method needs at least T gradients to make ||grad F_T|| <= 1.
Scaled instance for a target eps, smoothness L and gap Delta:
f(x) = (L lam^2 / 152) F_T(x / lam), lam = 152 eps / L, T = floor(Delta L / (1824 eps^2)).
Then grad f(x) = eps grad F_T(x / lam): ||grad f|| > eps until |x_T| >= lam, f is L-smooth,
f(0) - inf f <= Delta, and every zero-respecting method needs >= T ~ L Delta / eps^2
iterations: the eps^-2 rate of GD is unimprovable. The constants make T tiny (Delta = L = 1,
eps = 0.01 give T = 5), so instances are built from (eps, L, T) as well ("T-sweep mode",
Delta then follows), and figures sweep T ~ eps^-2.

Constants (proofs in the docstrings below; the tests re-check each number):

- inf F_T = -sqrt(2 pi e) (1 + (T - 1) e) exactly (not attained: u -> +infinity), so
  F_T(0) - inf F_T = sqrt(2 pi e)(1 + (T-1) e) - sqrt(pi e / 2) = 11.23 T - 9.10 <= 12 T.
- |d_i F_T| <= e^{3/2} + sqrt(54/e) sqrt(2 pi e) = e^{3/2} + sqrt(108 pi) = 22.90 (<= 23).
- ||hess F_T|| <= 2 sqrt(54) + e + sup|Psi''| sqrt(2 pi e) = 151.3 (<= 152) by Gershgorin:
  the Hessian is tridiagonal, |off-diagonal| <= sup|Psi'| sup Phi' = sqrt(54), the diagonal
  <= sup Psi sup|Phi''| + sup|Psi''| sup Phi with sup|Psi''| = 32.39 (at 1/(2t-1)^2 = (9 +
  sqrt 33)/4). The chain is L-smooth: (L0, L1) = (L, 0), certified. Because L1 = 0, the
  clipping of Z20 never engages on it (gamma = 10 L is far above every gradient): clipped
  and normalized GD are fixed-step GD there.

**Stochastic chain** (Arjevani et al. 2019): the oracle multiplies the partial derivatives
beyond prog_{1/4}(u) by Z/p, Z ~ Bernoulli(p). Unbiased; only the frontier coordinate is
noisy, where |d_j F_T| <= e^{3/2} (Psi' vanishes below 1/2), so the variance is at most
e^3 eps^2 (1 - p)/p in the scaled instance; p = min(1, (e^{3/2} eps / sigma)^2) keeps it
<= sigma^2 (:func:`bernoulli_p`). Each new coordinate then costs about 1/p calls: SGD needs
~ T/p ~ eps^-4 calls.

**Finite-sum chain.** n copies of one chain on disjoint blocks do not separate GD from
SPIDER (GD with the sum's own smoothness also scales as sqrt(n)). Here every component is the
same scaled chain plus a zero-mean cosine in a random direction: component i is
f(x) + sign_i s c cos(omega w_k . x/lam + phi_k), k = i // 2, sign +/- for even/odd i, so the
perturbations cancel in pairs (n even) and the mean is exactly the chain. Each component
has Hessian norm <= (L/152)(151.3 + c omega^2), so with c omega^2 <= PER_SAMPLE_ROOM = 45.9
the per-sample assumption of T5 (per-sample Lipschitz constant A L, A = 2(sqrt(e) - 1)) holds.

**Z20 bowl** (Z20 Thm 4): L0 x^2/2 + L0/(2 L1^2) on |x| <= 1/L1, (L0/L1^2) e^{L1|x| - 1}
outside. Value and slope match at |x| = 1/L1 (both L0/L1^2 and L0/L1), and so does the
curvature (L0): the function is C^2. Inside f'' = L0, outside f'' = L1 |f'|: (L0, L1)-smooth
exactly, with f* = L0/(2 L1^2) at 0. From a start with |f'(x0)| = M, GD with Z20's step
1/(2(L0 + L1 M)) crawls (about L1 M / L0 iterations per e-fold of the gradient near the
minimum), while clipped GD's count grows only like log M.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.problems.base import (
    MAX_DIM,
    Constants,
    Problem,
    ProblemError,
    StartConstants,
    check_dim,
    check_entries,
    check_finite_positive,
    check_integer,
)
from l0l1.problems.kinds import KIND_CHAIN, KIND_CHAIN_SUM, KIND_Z20_BOWL
from l0l1.validate import show

E = math.e
PHI_MAX = math.sqrt(2 * math.pi * E)  # sup Phi (t -> infinity)
DPSI_MAX = math.sqrt(54 / E)  # sup Psi', at 1/(2t-1)^2 = 3/2
_Y2 = (9 + math.sqrt(33)) / 4  # where |Psi''| peaks, y = 1/(2t-1)^2
D2PSI_MAX = math.exp(1 - _Y2) * (16 * _Y2**3 - 24 * _Y2**2)  # sup |Psi''| = 32.39
GRAD_BOUND = E**1.5 + DPSI_MAX * PHI_MAX  # |d_i F_T| <= 22.90 (claimed 23)
HESS_BOUND = 2 * DPSI_MAX * math.sqrt(E) + E + D2PSI_MAX * PHI_MAX  # 151.3 (claimed 152)
FRONTIER_BOUND = E**1.5  # |d_j F_T| where |u_j| <= 1/2 (Psi'(u_j) = 0 there)
CLAIMED = {"gap_per_T": 12.0, "lipschitz": 152.0, "partial": 23.0, "large_gradient": 1.0}
SCALE_LIP = 152.0  # the C17 normalisation: f = (L lam^2/152) F_T(x/lam), lam = 152 eps/L
DELTA_PER_T = 1824.0  # 12 * 152: T = floor(Delta L / (1824 eps^2))
A_PER_SAMPLE = 2 * (math.sqrt(E) - 1)  # T5's per-sample factor
PER_SAMPLE_ROOM = A_PER_SAMPLE * SCALE_LIP - HESS_BOUND  # allowed c omega^2 (45.9)
_CERT_L = (
    "certified: (L, 0); ||hess F_T|| <= 151.3 <= 152 by Gershgorin with closed-form sups (C17)"
)


def inf_chain(T: int) -> float:
    """inf F_T = -sqrt(2 pi e)(1 + (T - 1) e), exact (approached as every u_i -> +inf)."""
    return -PHI_MAX * (1.0 + (T - 1) * E)


def chain_gap(T: int) -> float:
    """F_T(0) - inf F_T = sqrt(2 pi e)(1 + (T-1) e) - sqrt(pi e / 2) (claimed <= 12 T)."""
    return -inf_chain(T) - math.sqrt(math.pi * E / 2.0)


def bernoulli_p(eps: float, sigma: float) -> float:
    """The A19 eps-to-p scaling: p = min(1, (e^{3/2} eps / sigma)^2) (1 when sigma = 0).

    With it the oracle's variance (d_j f)^2 (1 - p)/p <= e^3 eps^2 (1 - p)/p is <= sigma^2.
    """
    eps = check_finite_positive("eps", eps)
    sigma = check_finite_positive("sigma", sigma, allow_zero=True)
    if sigma == 0:
        return 1.0
    return min(1.0, (FRONTIER_BOUND * eps / sigma) ** 2)


def bernoulli_noise(eps: float, p: float) -> tuple[float, float]:
    """(tau, sigma) of the A19 oracle with probability p on the instance built for eps:
    ||g - grad f|| = |d_j f| |Z/p - 1| <= e^{3/2} eps (1 - p)/p almost surely (tau) and
    E||g - grad f||^2 <= e^3 eps^2 (1 - p)/p (sigma^2). Certified bounds."""
    return FRONTIER_BOUND * eps * (1 - p) / p, FRONTIER_BOUND * eps * math.sqrt((1 - p) / p)


def chain_length(eps: float, L: float, Delta=None, T=None) -> int:
    """T from exactly one of Delta (T = floor(Delta L / (1824 eps^2))) or T itself."""
    if (Delta is None) == (T is None):
        raise ProblemError(
            f"Delta, T: {show(Delta)}, {show(T)} given; allowed: exactly one of Delta (the gap, "
            "T = floor(Delta L / (1824 eps^2))) or T (the chain length, Delta then follows)"
        )
    if T is not None:
        return check_dim("T", T)
    Delta = check_finite_positive("Delta", Delta)
    ratio = Delta * L / (DELTA_PER_T * eps**2) * (1 + 1e-12)
    if not ratio <= MAX_DIM:  # also inf (overflow) and nan
        raise ProblemError(
            f"Delta: {Delta!r} gives a chain of length T = {ratio:.4g} at eps = {eps:g}, "
            f"L = {L:g}; allowed: T <= {MAX_DIM}, i.e. Delta <= "
            f"{MAX_DIM * DELTA_PER_T * eps**2 / L:.4g}"
        )
    length = math.floor(ratio)
    if length < 1:
        need = DELTA_PER_T * eps**2 / L
        raise ProblemError(
            f"Delta: {Delta!r} gives a chain of length T = 0 at eps = {eps:g}, L = {L:g}; "
            f"allowed: Delta >= 1824 eps^2 / L = {need:.4g} (or give T directly)"
        )
    return int(length)


def _chain_v(eps: float, L: float, p: float) -> list[float]:
    lam = SCALE_LIP * eps / L
    return [lam, L * lam * lam / SCALE_LIP, p]


def scaled_chain(eps: float, L: float = 1.0, Delta=None, T=None, sigma: float = 0.0) -> Problem:
    """The C17 chain for target eps and smoothness L, of length T (given, or from Delta).

    ``sigma`` sets the default probability p of the Bernoulli oracle (noise "bernoulli",
    :func:`bernoulli_p`); the deterministic methods ignore it. Starts at x0 = 0.
    """
    eps = check_finite_positive("eps", eps)
    L = check_finite_positive("L", L)
    length = chain_length(eps, L, Delta, T)
    p = bernoulli_p(eps, sigma)
    v = np.array(_chain_v(eps, L, p))
    return Problem(
        name="zero_chain",
        kind=KIND_CHAIN,
        P=np.zeros((1, 1)),
        v=v,
        dim=length,
        constants=Constants(L, 0.0, True, _CERT_L),
        f_star=v[1] * inf_chain(length),
        spec={"problem": "zero_chain", "eps": eps, "L": L, "T": length, "sigma": sigma,
              "p": p, "Delta_given": Delta},
    )  # fmt: skip


def finite_sum_chain(
    n: int, eps: float, L: float = 1.0, Delta=None, T=None, c: float = 8.0,
    omega: float = 2.0, seed: int = 0,
) -> Problem:  # fmt: skip
    """n components: the scaled chain plus +/- c cos(omega w_k . x/lam + phi_k) in pairs.

    w_k uniform on the unit sphere of R^T and phi_k uniform in [0, 2 pi) from ``seed``.
    The mean is exactly the chain (same constants, f*, start constants). With
    c omega^2 <= PER_SAMPLE_ROOM (45.9) every component's gradient is A L-Lipschitz, T5's
    per-sample assumption; the default c omega^2 = 32 satisfies it.
    """
    n = check_integer("n", n, 2)
    if n % 2:
        raise ProblemError(f"n: {n} is odd; allowed: an even integer >= 2 (pairs cancel)")
    eps = check_finite_positive("eps", eps)
    L = check_finite_positive("L", L)
    c = check_finite_positive("c", c, allow_zero=True)
    omega = check_finite_positive("omega", omega)
    seed = check_integer("seed", seed, 0)
    length = chain_length(eps, L, Delta, T)
    check_entries("n", f"{n} components of dimension T = {length}", n, length)
    rng = np.random.default_rng([seed, length, n])
    W = rng.standard_normal((n // 2, length))
    W *= omega / np.linalg.norm(W, axis=1, keepdims=True)
    phases = rng.uniform(0.0, 2 * math.pi, n // 2)
    v = np.array([*_chain_v(eps, L, 1.0), c, *phases.tolist()])
    return Problem(
        name="zero_chain_sum",
        kind=KIND_CHAIN_SUM,
        P=W,
        v=v,
        dim=length,
        constants=Constants(L, 0.0, True, _CERT_L + "; the mean is exactly the chain"),
        f_star=v[1] * inf_chain(length),
        n=n,
        spec={"problem": "zero_chain_sum", "n": n, "eps": eps, "L": L, "T": length, "c": c,
              "omega": omega, "seed": seed,
              "per_sample_assumption": c * omega**2 <= PER_SAMPLE_ROOM},
    )  # fmt: skip


def z20_bowl(L0: float = 1.0, L1: float = 1.0) -> Problem:
    """Z20 Thm 4's bowl in one dimension: (L0, L1)-smooth exactly, f* = L0/(2 L1^2)."""
    L0 = check_finite_positive("L0", L0)
    L1 = check_finite_positive("L1", L1)
    return Problem(
        name="z20_bowl",
        kind=KIND_Z20_BOWL,
        P=np.zeros((1, 1)),
        v=np.array([L0, L1]),
        dim=1,
        constants=Constants(L0, L1, True, "closed form: f'' = L0 inside, L1 |f'| outside"),
        f_star=L0 / (2 * L1 * L1),
        spec={"problem": "z20_bowl", "L0": L0, "L1": L1},
    )


def bowl_x0(M: float, L0: float = 1.0, L1: float = 1.0) -> float:
    """The start x0 > 0 of the bowl with f'(x0) = M."""
    M = check_finite_positive("M", M)
    if M * L1 <= L0:
        return M / L0
    return (1.0 + math.log(L1 * M / L0)) / L1


def start_constants(problem: Problem, x0: np.ndarray) -> StartConstants:
    """Delta = f(x0) - f* (exact f*) and M for the hard instances.

    Chains: M <= 22.90 eps sqrt(T) on the whole space (certified, |d_i f| <= 22.90 eps).
    Bowl: the sublevel set is [-|x0|, |x0|] and |f'| grows with |x|, so M = |f'(x0)| exactly.
    """
    up = 1 + 1e-12  # outward rounding of float evaluations (errors below an ulp)
    delta = (problem.value(x0) - problem.f_star) * up
    if problem.kind in (KIND_CHAIN, KIND_CHAIN_SUM):
        eps = problem.spec["eps"]
        m = GRAD_BOUND * eps * math.sqrt(problem.dim) * up
        how = "upper bound 22.90 eps sqrt(T) on the whole space (|d_i f| <= 22.90 eps)"
        return StartConstants(Delta=delta, M=m, certified=True, how=how)
    if problem.kind == KIND_Z20_BOWL:
        m = float(abs(problem.grad(x0)[0])) * up
        return StartConstants(delta, m, True, "exact up to rounding: |f'| increases in |x| (T3)")
    raise ProblemError(f"problem: '{problem.name}' is not a hard instance")


def default_x0(problem: Problem) -> np.ndarray:
    """Chains start at 0 (the start of the lower bound); the bowl at f'(x0) = 100."""
    if problem.kind == KIND_Z20_BOWL:
        return np.array([bowl_x0(100.0, *problem.v)])
    return np.zeros(problem.dim)


# --- numerical checks of the claimed properties (THEORY T2: recalled, verify) ---------------


def _grad(u: np.ndarray) -> np.ndarray:
    from l0l1.problems.chain import chain_grad_into

    out = np.empty(u.size)
    chain_grad_into(np.ascontiguousarray(u, dtype=float), 1.0, out)
    return out


def hess_norm(u: np.ndarray) -> float:
    """||hess F_T(u)||_2 from the tridiagonal Hessian (scipy eigh_tridiagonal)."""
    from scipy.linalg import eigh_tridiagonal

    from l0l1.problems.chain import chain_hess_tridiag

    u = np.ascontiguousarray(u, dtype=float)
    diag, off = np.empty(u.size), np.empty(max(u.size - 1, 0))
    chain_hess_tridiag(u, diag, off)
    if u.size == 1:
        return float(abs(diag[0]))
    return float(np.max(np.abs(eigh_tridiagonal(diag, off, eigvals_only=True))))


def _maximize(fn, dim: int, rng, starts: int, scale: float = 2.0) -> float:
    """max of fn over R^dim: random points, then Nelder-Mead from the best of them."""
    from scipy.optimize import minimize

    pts = rng.normal(0.0, scale, (starts * 50, dim))
    vals = np.array([fn(p) for p in pts])
    best = float(vals.max())
    for i in np.argsort(vals)[-starts:]:
        res = minimize(lambda z: -fn(z), pts[i], method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})  # fmt: skip
        best = max(best, -float(res.fun))
    return best


def check_chain_properties(seed: int = 0, starts: int = 8, random_points: int = 2000) -> list[dict]:
    """Check C17's claimed properties of F_T on random and adversarial points (THEORY T2).

    Returns one row per property: ``property``, ``claimed``, ``measured`` (the worst value
    found), ``derived`` (this module's closed-form bound, if any), ``holds`` and ``how``.
    A failing row is a finding to report, not a reason to change the constants.
    """
    from scipy.optimize import minimize

    from l0l1.problems.chain import chain_value

    rng = np.random.default_rng(seed)
    rows = []
    # 1. gap: exact formula for many T, and the numerical value far out (u_i = 1e5).
    Ts = [1, 2, 3, 5, 10, 100, 1000, 10000]
    ratio = max(chain_gap(T) / T for T in Ts)
    far = max(abs(chain_value(np.full(T, 1e5), 1.0) - inf_chain(T)) / abs(inf_chain(T)) for T in Ts)
    rows.append({"property": "F_T(0) - inf F_T <= 12 T", "claimed": 12.0, "measured": ratio,
                 "derived": E * PHI_MAX, "holds": ratio <= 12.0 and far < 1e-9,
                 "how": f"exact inf -sqrt(2 pi e)(1 + (T-1) e), max over T in {Ts} of gap/T; "
                        f"F_T(1e5, ..., 1e5) matches the inf to {far:.1e} relative"})  # fmt: skip
    # 2. Lipschitz constant of the gradient: sup ||hess F_T|| (interior rows: T = 5).
    rand = max(hess_norm(rng.uniform(-3, 3, 6)) for _ in range(random_points))
    adv = _maximize(hess_norm, 5, rng, starts, scale=1.0)
    rows.append({"property": "grad F_T is 152-Lipschitz", "claimed": 152.0,
                 "measured": max(rand, adv), "derived": HESS_BOUND,
                 "holds": max(rand, adv) <= 152.0,
                 "how": f"max ||hess F_T(u)|| over {random_points} uniform points in "
                        f"[-3, 3]^6 ({rand:.4g}) and Nelder-Mead from {starts} starts, T = 5 "
                        f"({adv:.4g})"})  # fmt: skip
    # 3. partial derivatives: d_2 F_3 is the general interior case.
    part = _maximize(lambda z: abs(_grad(z)[1]), 3, rng, starts)
    rows.append({"property": "|d_i F_T| <= 23", "claimed": 23.0, "measured": part,
                 "derived": GRAD_BOUND, "holds": part <= 23.0,
                 "how": f"max |d_2 F_3|, random + Nelder-Mead, {starts} starts"})  # fmt: skip
    # 4. zero chain: |u_i| <= 1/2 beyond j  =>  d_i F_T = 0 beyond j + 1 (exactly).
    bad = 0
    for _ in range(random_points):
        T = int(rng.integers(2, 12))
        j = int(rng.integers(0, T))
        u = np.concatenate([rng.normal(0, 2, j), rng.uniform(-0.5, 0.5, T - j)])
        bad += int(np.any(_grad(u)[j + 1 :] != 0.0))
    rows.append({"property": "zero chain: grad is 0 beyond prog_{1/2}(u) + 1",
                 "claimed": 0.0, "measured": float(bad), "derived": 0.0, "holds": bad == 0,
                 "how": f"{random_points} random points, T in 2..11, exact zeros"})  # fmt: skip
    # 5. large gradient: |u_T| < 1  =>  ||grad F_T(u)|| > 1.
    worst = math.inf
    for T in (1, 2, 3, 4, 6):
        pts = rng.normal(0, 2, (random_points // 4, T))
        pts[:, -1] = rng.uniform(-1, 1, len(pts))
        norms = np.array([np.linalg.norm(_grad(p)) for p in pts])
        worst = min(worst, float(norms.min()))
        bounds = [(None, None)] * (T - 1) + [(-1 + 1e-9, 1 - 1e-9)]
        for i in np.argsort(norms)[:starts]:
            res = minimize(lambda z: float(np.sum(_grad(z) ** 2)), pts[i], method="L-BFGS-B",
                           bounds=bounds)  # fmt: skip
            worst = min(worst, float(np.linalg.norm(_grad(res.x))))
    rows.append({"property": "|u_T| < 1 implies ||grad F_T(u)|| > 1", "claimed": 1.0,
                 "measured": worst, "derived": None, "holds": worst > 1.0,
                 "how": f"min ||grad F_T|| with |u_T| < 1, T in 1..6: random points + "
                        f"L-BFGS-B from the {starts} lowest"})  # fmt: skip
    return rows
