"""Slow, obvious NumPy twins of the Numba code (no numba here).

Written from the docstrings of :mod:`l0l1.problems.base` (the KIND_* table),
:mod:`l0l1.problems.oracles`, :mod:`l0l1.methods.steps` and :mod:`l0l1.methods.kernels`,
not from their code: polynomials through ``np.polynomial``, phase retrieval with matrix
products, step rules as the formulas in the comments of steps.py, and the two loops as
the measurement rules of T6 read. Random draws are consumed in the documented order, so
a twin fed a generator in the same state reproduces a stochastic kernel run.

The twins take the kernels' arguments and return the kernels' tuple
``(status, stop_iter, calls_at_hit, calls, n_clipped, gmax, x, trace, rows)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import polynomial as npoly
from scipy.special import erfc

# Codes copied from the docstring tables (kinds.KIND_*, oracles.ORACLE_*, steps.RULE_*).
POLY, EXP, COSH, LOGCOSH, LOGISTIC, PHASE, PHASE_POP, CHAIN, CHAIN_SUM, BOWL = range(10)
EXACT, BOUNDED, GAUSS, MINIBATCH, ONLINE, BERNOULLI, STUDENT, STABLE, AFFINE, SKEWED = range(10)
SKEW_P = 0.1
(
    FIXED,
    CLIP,
    NORMALIZED,
    V24_SI,
    V24_CL,
    V24_STAR,
    SMOOTH,
    CLIP_SGD,
    SPIDER,
    SPIDER_CLIP,
    POWER,
) = range(11)
REACHED, NOT_REACHED, DIVERGED = 0, 1, 2
PLAIN, MOMENTUM, ADAGRAD_NORM, ADAM, POLYAK = range(5)  # how run_single forms its direction
# The direction each built-in algorithm's own values (MethodSpec.algorithm_values) stand for.
DIRECTION_OF = {(): PLAIN, ("momentum",): MOMENTUM, ("b0",): ADAGRAD_NORM,
                ("momentum", "momentum2", "delta"): ADAM, ("f_star",): POLYAK}  # fmt: skip


# ---------------------------------------------------------------- problem formulas (T2)
def _pop_c(d):
    return d / (d + 2.0)


# Zero chain (chain.py docstring): Psi(t) = exp(1 - 1/(2t-1)^2) for t > 1/2, else 0;
# Phi(t) = sqrt(e) int_{-inf}^t exp(-s^2/2) ds; F_T(u) = -Psi(1) Phi(u_1)
# + sum_{i>=2} [Psi(-u_{i-1}) Phi(-u_i) - Psi(u_{i-1}) Phi(u_i)], f = s F_T(x/lam).
def _psi(t):
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(t > 0.5, np.exp(1.0 - 1.0 / (2.0 * t - 1.0) ** 2), 0.0)


def _dpsi(t):
    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        return np.where(_psi(t) > 0, _psi(t) * 4.0 / (2.0 * t - 1.0) ** 3, 0.0)


def _phi(t):
    return math.sqrt(math.e) * math.sqrt(math.pi / 2.0) * erfc(-np.asarray(t) / math.sqrt(2.0))


def _dphi(t):
    return math.sqrt(math.e) * np.exp(-0.5 * np.asarray(t, dtype=float) ** 2)


def chain_F(u):
    """F_T(u), written term by term."""
    a, b = u[:-1], u[1:]
    return float(-_phi(u[0]) + np.sum(_psi(-a) * _phi(-b) - _psi(a) * _phi(b)))


def chain_dF(u):
    """grad F_T(u): each term's derivative added to the coordinates it touches."""
    g = np.zeros(u.size)
    g[0] -= _dphi(u[0])
    a, b = u[:-1], u[1:]
    g[1:] += -_psi(-a) * _dphi(-b) - _psi(a) * _dphi(b)
    g[:-1] += -_dpsi(-a) * _phi(-b) - _dpsi(a) * _phi(b)
    return g


def _bowl(L0, L1, x):
    inside = np.abs(x) * L1 <= 1.0
    with np.errstate(over="ignore"):
        out = np.where(inside, 0.5 * L0 * x**2 + 0.5 * L0 / L1**2,
                       L0 / L1**2 * np.exp(L1 * np.abs(x) - 1.0))  # fmt: skip
        der = np.where(inside, L0 * x, np.sign(x) * L0 / L1 * np.exp(L1 * np.abs(x) - 1.0))
    return out, der


def value(kind, P, v, x):
    """f(x) for every problem kind."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        if kind == POLY:
            return float(sum(npoly.polyval(x[j], P[j]) for j in range(x.size)))
        if kind == EXP:
            return float(np.exp(x).sum())
        if kind == COSH:  # P = [[a]]: sum_j cosh(a x_j)/a^2
            a = P[0, 0]
            return float(np.cosh(a * x).sum() / a**2)
        if kind == LOGCOSH:
            return float((np.logaddexp(x, -x) - math.log(2.0)).sum())
        if kind == LOGISTIC:
            return float(np.logaddexp(0.0, -(P[0] @ x)))
        if kind == PHASE:
            r = (P @ x) ** 2 - v
            return float(r @ r / (4.0 * P.shape[0]))
        if kind == PHASE_POP:
            c = _pop_c(x.size)
            z = P[0]
            xx, zz, xz = x @ x, z @ z, x @ z
            quartic = 3 * xx**2 - 2 * xx * zz - 4 * xz**2 + 3 * zz**2
            return float(c / 4 * quartic + v[0] ** 2 / 4)
        if kind in (CHAIN, CHAIN_SUM):  # v = [lam, s, ...]
            return v[1] * chain_F(x / v[0])
        if kind == BOWL:  # v = [L0, L1]
            return float(np.sum(_bowl(v[0], v[1], x)[0]))
    raise ValueError(kind)


def grad(kind, P, v, x):
    """grad f(x) for every problem kind."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        if kind == POLY:
            return np.array([npoly.polyval(x[j], npoly.polyder(P[j])) for j in range(x.size)])
        if kind == EXP:
            return np.exp(x)
        if kind == COSH:
            return np.sinh(P[0, 0] * x) / P[0, 0]
        if kind == LOGCOSH:
            return np.tanh(x)
        if kind == LOGISTIC:
            t = P[0] @ x
            # d/dx log(1 + e^{-t}) = -a e^{-t}/(1 + e^{-t}) = -a / (1 + e^{t})
            return -P[0] * math.exp(-np.logaddexp(0.0, t))
        if kind == PHASE:
            t = P @ x
            return P.T @ ((t**2 - v) * t) / P.shape[0]
        if kind == PHASE_POP:
            c = _pop_c(x.size)
            z = P[0]
            return c * (3 * (x @ x) * x - (z @ z) * x - 2 * (x @ z) * z)
        if kind in (CHAIN, CHAIN_SUM):
            return v[1] / v[0] * chain_dF(x / v[0])
        if kind == BOWL:
            return _bowl(v[0], v[1], x)[1]
    raise ValueError(kind)


def component_grad(kind, P, v, i, x):
    """Gradient of f_i(x) = (1/4)((a_i.x)^2 - y_i)^2 (phase retrieval; f = mean of f_i);
    finite-sum chain: f_i = f + (+1 for even i, -1 for odd) s c cos(W_k.x/lam + phi_k),
    k = i // 2, with v = [lam, s, p, c, phi_0, ...] and P = W."""
    if kind == CHAIN_SUM:
        lam, scale, c = v[0], v[1], v[3]
        k = i // 2
        sign = 1.0 if i % 2 == 0 else -1.0
        t = P[k] @ (np.asarray(x) / lam) + v[4 + k]
        return grad(kind, P, v, x) - sign * scale * c * math.sin(t) / lam * P[k]
    if kind != PHASE:
        return np.full(np.size(x), np.nan)
    t = P[i] @ x
    return (t * t - v[i]) * t * P[i]


# ---------------------------------------------------------------- oracles (T4, T5)
def draw_sample(oracle, P, v, w, n, rng, d):
    """One oracle sample, drawing from ``rng`` in the documented order.

    bounded: direction u ~ N(0, I_d) normalised, radius w U^(1/d) (uniform in the ball);
    gaussian: w/sqrt(d) N(0, I_d); minibatch: an index uniform in 0..n-1;
    online: a = sqrt(d) u/|u|, then y = (a.z*)^2 + w N(0, 1);
    bernoulli: Z = [U < p], U uniform, p = w; the sample is Z/p;
    student: w/sqrt(3 d) t_3 per coordinate; stable: w/sqrt(d) S per coordinate, S symmetric
    1.5-stable from (U, E) by Chambers-Mallows-Stuck; affine: N(0, I_d), scaled at x by
    w sqrt((1 + ||grad f(x)||^2)/d); skewed: Z = [U < 0.1], the shift w sqrt(p/(1-p))
    (Z/p - 1)/sqrt(d) on every coordinate.
    """
    if oracle == BOUNDED:
        u = rng.standard_normal(d)
        radius = w * rng.random() ** (1.0 / d)
        return ("shift", radius * u / np.linalg.norm(u))
    if oracle == GAUSS:
        return ("shift", w / math.sqrt(d) * rng.standard_normal(d))
    if oracle == MINIBATCH:
        return ("index", int(rng.integers(0, n)))
    if oracle == ONLINE:
        u = rng.standard_normal(d)
        a = math.sqrt(d) * u / np.linalg.norm(u)
        y = (a @ P[0]) ** 2 + w * rng.standard_normal()
        return ("online", (a, y))
    if oracle == BERNOULLI:
        return ("bernoulli", (1.0 / w if rng.random() < w else 0.0))
    if oracle == STUDENT:
        return ("shift", w / math.sqrt(3.0 * d) * np.array([rng.standard_t(3.0) for _ in range(d)]))
    if oracle == STABLE:
        a = 1.5
        draws = []
        for _ in range(d):
            u = math.pi * (rng.random() - 0.5)
            e = rng.standard_exponential()
            draws.append(
                math.sin(a * u)
                / math.cos(u) ** (1 / a)
                * (math.cos((1 - a) * u) / e) ** ((1 - a) / a)
            )
        return ("shift", w / math.sqrt(d) * np.array(draws))
    if oracle == AFFINE:
        return ("affine", (w, rng.standard_normal(d)))
    if oracle == SKEWED:
        z = 1.0 / SKEW_P if rng.random() < SKEW_P else 0.0
        t = w * math.sqrt(SKEW_P / (1.0 - SKEW_P)) * (z - 1.0) / math.sqrt(d)
        return ("shift", np.full(d, t))
    return ("exact", None)


def sample_grad(oracle, kind, P, v, sample, x):
    """Gradient of one sample at x."""
    tag, data = sample
    with np.errstate(all="ignore"):
        if tag == "shift":
            return grad(kind, P, v, x) + data
        if tag == "index":
            return component_grad(kind, P, v, data, x)
        if tag == "affine":
            w, z = data
            g = grad(kind, P, v, x)
            return g + w * math.sqrt((1.0 + g @ g) / x.size) * z
        if tag == "online":
            a, y = data
            t = a @ x
            return (t * t - y) * t * a
        if tag == "bernoulli":  # coordinates i > prog_{1/4}(x/lam) scaled by Z/p
            u = np.abs(np.asarray(x) / v[0])
            prog = int(np.nonzero(u > 0.25)[0].max()) + 1 if np.any(u > 0.25) else 0
            g = grad(kind, P, v, x)
            g[prog:] *= data
            return g
        return grad(kind, P, v, x)


# ---------------------------------------------------------------- step rules (T3-T5)
def step_size(rule, p, g):
    """(h, clipped) of the rule; for a min{first, second}, clipped = second < first.

    V24's h_si is a jitted rule in the registry (registered like a user's); its token
    maps to the V24_SI formula below."""
    from l0l1.methods.registry import get_method

    if rule is get_method("v24_si").rule:
        rule = V24_SI
    p = [float(t) for t in p]

    def two(first, second):
        return (second, True) if second < first else (first, False)

    with np.errstate(all="ignore"):
        if rule == FIXED:
            return p[0], False
        if rule == CLIP:
            eta, gamma = p
            return (eta, False) if g == 0 else two(eta, gamma * eta / g)
        if rule == NORMALIZED:
            eta, beta = p
            return eta / (g + beta), g > beta
        if rule == V24_SI:
            L0, L1 = p
            return 1.0 / (L0 + 1.5 * L1 * g), L1 * g > L0
        if rule == V24_CL:
            L0, L1 = p
            if g == 0 or L1 == 0:
                return 1.0 / (2.0 * L0), False
            return two(1.0 / (2.0 * L0), 1.0 / (3.0 * L1 * g))
        if rule == V24_STAR:
            L0, L1 = p
            u = L1 * g
            if u == 0:
                return 1.0 / L0, False
            return math.log1p(u / (L0 + u)) / u, u > L0
        if rule == SMOOTH:
            L0, L1, nu = p
            return nu / (2.0 * (L0 + L1 * g)), L1 * g > L0
        if rule == CLIP_SGD:
            L1, tau, eta = p
            if L1 == 0:
                return eta, False
            return two(eta, 1.0 / (16.0 * L1 * (g + tau)))
        if rule == SPIDER:
            L, n0, eps = p
            if g == 0:
                return 1.0 / (2.0 * L * n0), False
            return two(1.0 / (2.0 * L * n0), eps / (L * n0 * g))
        if rule == SPIDER_CLIP:
            L0, L1, n0, eps = p
            if g == 0:
                return 0.5 / (n0 * L0), False
            factor, clipped = two(0.5, eps / g)
            return factor / (n0 * (L0 + L1 * g)), clipped
        if rule == POWER:
            gamma, beta = p
            if g == 0 or beta == 0:
                return gamma, False
            return gamma / g**beta, True
    return math.nan, False


# ---------------------------------------------------------------- the loops (T6)
def _gnorm(g):
    """||g|| without overflow of the squares; NaN or inf when an entry is."""
    if np.any(np.isnan(g)):
        return math.nan
    if np.any(np.isinf(g)):
        return math.inf
    scale = float(np.max(np.abs(g))) if g.size else 0.0
    if scale == 0.0:
        return 0.0
    return scale * math.sqrt(float(np.sum((g / scale) ** 2)))


def _batch_mean(oracle, kind, P, v, w, n, rng, x, count):
    samples = [draw_sample(oracle, P, v, w, n, rng, x.size) for _ in range(count)]
    return np.mean([sample_grad(oracle, kind, P, v, s, x) for s in samples], axis=0)


class _Log:
    """Trace rows at the checkpoints: k, calls before step k, f, ||grad f||, ||est||, h||est||."""

    def __init__(self, ckpts):
        self.ckpts = {int(c) for c in ckpts}
        self.size = len(ckpts) + 1
        self.rows = []

    def array(self):
        out = np.full((self.size, 6), np.nan)
        for r, row in enumerate(self.rows):
            out[r] = row
        return out


def _hit(kind, P, v, x, gn, eps, f_star):
    """T6's test at a probed x: DIVERGED when ||grad f|| is not finite, REACHED when
    ||grad f|| <= eps (or f(x) - f_star <= eps when f_star is a number), else NOT_REACHED."""
    if not math.isfinite(gn):
        return DIVERGED
    measure = gn if math.isnan(f_star) else value(kind, P, v, x) - f_star
    return REACHED if measure <= eps else NOT_REACHED


def _loop(
    kind, P, v, x0, eps, max_iter, max_calls, probe_every, ckpts, probe_always, step,
    f_star=math.nan,
):  # fmt: skip
    """Shared T6 measurement loop; ``step.advance(k, x)`` returns (x_{k+1}, estimator norm,
    step length, clipped, calls spent). The hit
    is ||grad f(x_k)|| <= eps, or f(x_k) - f_star <= eps when f_star is a number."""
    x = np.array(x0, dtype=float)
    log = _Log(ckpts)
    calls, n_clipped, gmax = 0, 0, 0.0
    status, calls_at_hit, gn = NOT_REACHED, -1, math.nan
    k = 0
    while True:
        at_ckpt = k in log.ckpts
        on_grid = probe_always or k % probe_every == 0
        stop = k >= max_iter or (max_calls > 0 and calls >= max_calls)
        if on_grid or at_ckpt:
            gn = _gnorm(grad(kind, P, v, x))
        # The hitting test: on the probe grid, and at a stop iterate that a checkpoint probed.
        if on_grid or (stop and at_ckpt):
            status = _hit(kind, P, v, x, gn, eps, f_star)
            if status != NOT_REACHED:
                calls_at_hit = calls if status == REACHED else -1
                break
        if stop:
            break
        x_new, en, length, clipped, spent = step.advance(k, x)
        n_clipped += int(clipped)
        gmax = max(gmax, en)
        if at_ckpt:
            log.rows.append([k, calls, value(kind, P, v, x), gn, en, length])
        calls += spent
        x = x_new
        k += 1
        if not np.all(np.isfinite(x)):
            status = DIVERGED
            break
    # Final row: the stop iterate with its own exact gradient norm (NaN if x is not finite).
    gn = _gnorm(grad(kind, P, v, x)) if np.all(np.isfinite(x)) else math.nan
    log.rows.append([k, calls, value(kind, P, v, x), gn, math.nan, math.nan])
    return status, k, calls_at_hit, calls, n_clipped, gmax, x, log.array(), len(log.rows)


class _Step:
    """The estimator ``fn(k, x)`` and the step rule, fed ``rule_norm(||d_k||)``."""

    def __init__(self, fn, rule, p, rule_norm=None):
        self.fn, self.rule_code, self.p = fn, rule, p
        self.rule_norm = rule_norm or (lambda en: en)

    def __call__(self, k, x):
        return self.fn(k, x)

    def rule(self, en):
        return step_size(self.rule_code, self.p, self.rule_norm(en))

    def advance(self, k, x):
        """x_{k+1} = x_k - h d_k with d_k = ``fn(k, x)`` and h from the rule."""
        est, spent = self(k, x)
        en = _gnorm(est)
        h, clipped = self.rule(en)
        with np.errstate(all="ignore"):
            return x - h * est, en, h * en, clipped, spent


class _Algo:
    """A written-out algorithm for :func:`_loop`: ``fn(k, x, count)`` returns (x_{k+1},
    estimator norm, step length, clipped); ``count(grads, values)`` books its oracle calls."""

    def __init__(self, fn):
        self.fn, self.spent, self.values = fn, 0, 0

    def count(self, grads=0, values=0):
        self.spent += grads + values
        self.values += values

    def advance(self, k, x):
        before = self.spent
        with np.errstate(all="ignore"):
            x_new, en, length, clipped = self.fn(k, x, self.count)
        return x_new, en, length, clipped, self.spent - before


def run_code(
    name, kind, P, v, n, oracle, w, batch, p, x0, eps, max_iter, max_calls, probe_every, rng,
    ckpts, f_star=math.nan,
):  # fmt: skip
    """The methods written only as algorithms (l0l1/methods/algorithms: armijo, adgd, sign,
    normalized_hb), step by step in NumPy; returns :func:`_loop`'s tuple and the number of
    function-value calls."""
    cost = max(n, 1)
    st = {"fx": None, "lam": p[0], "theta": math.inf, "x_prev": np.array(x0, dtype=float),
          "g_prev": None}  # fmt: skip

    def armijo(k, x, count):
        h0, rho, c = p
        if k == 0:
            st["fx"] = value(kind, P, v, x)
            count(values=cost)
        g = grad(kind, P, v, x)
        count(grads=cost)
        gn = _gnorm(g)
        h = h0
        fy = value(kind, P, v, x - h * g)
        count(values=cost)
        while not fy <= st["fx"] - c * h * gn * gn and h > 0.0:
            h *= rho
            fy = value(kind, P, v, x - h * g)
            count(values=cost)
        st["fx"] = fy
        return x - h * g, gn, h * gn, h < h0

    def adgd(k, x, count):
        g = grad(kind, P, v, x)
        count(grads=cost)
        lam, wins = st["lam"], False
        if k > 0:
            dx, dg = _gnorm(x - st["x_prev"]), _gnorm(g - st["g_prev"])
            first = math.sqrt(1.0 + st["theta"]) * st["lam"]
            second = dx / (2.0 * dg) if dg > 0.0 else math.inf
            wins, lam = second < first, min(first, second)
            lam = st["lam"] if math.isinf(lam) else lam
            st["theta"], st["lam"] = lam / st["lam"], lam
        st["x_prev"], st["g_prev"] = x, g
        gn = _gnorm(g)
        return x - lam * g, gn, lam * gn, wins

    def sign(k, x, count):
        if oracle == EXACT:
            g = grad(kind, P, v, x)
            count(grads=cost)
        else:
            g = _batch_mean(oracle, kind, P, v, w, n, rng, x, batch)
            count(grads=batch)
        s = np.sign(np.nan_to_num(g, nan=0.0))
        return x - p[0] * s, _gnorm(g), p[0] * math.sqrt(np.count_nonzero(s)), False

    def normalized_hb(k, x, count):
        g = grad(kind, P, v, x)
        count(grads=cost)
        gn = _gnorm(g)
        h = p[0] / gn if gn > 0.0 else 0.0
        diff = p[1] * (x - st["x_prev"]) - h * g
        st["x_prev"] = x
        return x + diff, gn, _gnorm(diff), False

    fns = {"armijo_gd": armijo, "adgd": adgd, "sign_gd": sign, "sign_sgd": sign,
           "normalized_hb": normalized_hb}  # fmt: skip
    algo = _Algo(fns[name])
    out = _loop(kind, P, v, x0, eps, max_iter, max_calls, probe_every, ckpts, oracle == EXACT,
                algo, f_star)  # fmt: skip
    return (*out, algo.values)


def run_single(
    kind, P, v, n, oracle, w, batch, rule, p, x0, eps, max_iter, max_calls, probe_every, rng, ckpts,
    direction=PLAIN, dp=(), f_star=math.nan,
):  # fmt: skip
    """x_{k+1} = x_k - h d_k from g_k, the exact gradient (cost max(n, 1)) or the mean of
    ``batch`` oracle samples (cost ``batch``): d_k = g_k (PLAIN); m_k = mu m_{k-1} +
    (1 - mu) g_k, m_0 = g_0 (MOMENTUM, dp = [mu]); g_k with h from b_k = sqrt(b0^2 + sum
    ||g_i||^2) (ADAGRAD_NORM, dp = [b0]); Adam's m^/(sqrt(v^) + delta) (ADAM, dp = [b1, b2,
    delta]); g_k with h = rule(||g_k||) (f(x_k) - f*) (POLYAK, dp = [f*]). h = rule(||d_k||),
    or rule(b_k). ``f_star``: the gap test of :func:`_loop`."""
    state = {"m": None, "v": None, "b_sq": dp[0] ** 2 if dp else 0.0, "x": None}

    def sample(x):
        if oracle == EXACT:
            return grad(kind, P, v, x), max(n, 1)
        return _batch_mean(oracle, kind, P, v, w, n, rng, x, batch), batch

    def estimator(k, x):
        g, spent = sample(x)
        state["x"] = x
        with np.errstate(all="ignore"):
            if direction == MOMENTUM:
                state["m"] = g.copy() if k == 0 else dp[0] * state["m"] + (1.0 - dp[0]) * g
                return state["m"], spent
            if direction == ADAM:
                b1, b2, delta = dp
                m0 = np.zeros_like(g) if k == 0 else state["m"]
                v0 = np.zeros_like(g) if k == 0 else state["v"]
                state["m"] = b1 * m0 + (1.0 - b1) * g
                state["v"] = b2 * v0 + (1.0 - b2) * (g * g)
                m_hat = state["m"] / (1.0 - b1 ** (k + 1))
                v_hat = state["v"] / (1.0 - b2 ** (k + 1))
                return m_hat / (np.sqrt(v_hat) + delta), spent
        if direction == POLYAK:  # f(x_k) is asked of the oracle: one value call
            return g, spent + max(n, 1)
        return g, spent

    def rule_norm(en):
        if direction != ADAGRAD_NORM:
            return en
        state["b_sq"] += en * en
        return math.sqrt(state["b_sq"])

    step = _Step(estimator, rule, p, rule_norm)
    if direction == POLYAK:
        plain_rule = step.rule

        def polyak_rule(en):
            h, _ = plain_rule(en)
            return h * (value(kind, P, v, state["x"]) - dp[0]), False

        step.rule = polyak_rule
    return _loop(
        kind, P, v, x0, eps, max_iter, max_calls, probe_every, ckpts, oracle == EXACT, step,
        f_star,
    )  # fmt: skip


def run_spider(
    kind,
    P,
    v,
    n,
    oracle,
    w,
    q,
    S1,
    S2,
    exact_refresh,
    rule,
    p,
    x0,
    eps,
    max_iter,
    max_calls,
    probe_every,
    rng,
    ckpts,
    anchor=False,
    f_star=math.nan,
):
    """SPIDER (F18): every q-th iteration the estimator is refreshed (exact gradient,
    max(n, 1) calls, or a mean of S1 samples, S1 calls); otherwise
    v_k = v_{k-1} + mean_{S2 samples} [g(x_k; xi) - g(x_{k-1}; xi)], 2 S2 calls.
    With ``anchor`` (SVRG): v_k = mu + mean [g(x_k; xi) - g(x~; xi)], x~ and mu the
    last refresh's point and estimate."""
    state = {"est": None, "prev": None, "mu": None}

    def estimator(k, x):
        if k % q == 0:
            if exact_refresh:
                est, spent = grad(kind, P, v, x), max(n, 1)
            else:
                est, spent = _batch_mean(oracle, kind, P, v, w, n, rng, x, S1), S1
        else:
            samples = [draw_sample(oracle, P, v, w, n, rng, x.size) for _ in range(S2)]
            with np.errstate(all="ignore"):
                diffs = [
                    sample_grad(oracle, kind, P, v, s, x)
                    - sample_grad(oracle, kind, P, v, s, state["prev"])
                    for s in samples
                ]
                base = state["mu"] if anchor else state["est"]
                est = base + np.sum(diffs, axis=0) / S2
            spent = 2 * S2
        if k % q == 0:
            state["mu"] = est
        if k % q == 0 or not anchor:
            state["prev"] = x.copy()
        state["est"] = est
        return est, spent

    step = _Step(estimator, rule, p)
    return _loop(kind, P, v, x0, eps, max_iter, max_calls, probe_every, ckpts, False, step, f_star)


def run_accelerated(
    kind, P, v, n, rule, p, x0, eps, max_iter, max_calls, probe_every, ckpts, f_star=math.nan
):
    """Similar triangles (Nesterov): G = max(G, 1/rule(||grad f(y_k)||)),
    a = (1 + sqrt(1 + 4 G A))/(2 G); x = (A y + a z)/(A + a); z -= a grad f(x);
    y = (A y + a z)/(A + a); A += a. Two exact gradients per step, at y_k and at x, both
    counted; the measured iterate is y_k, probed every iteration; ``clipped`` counts the
    steps k >= 1 where G grew; a step h that is not finite and positive leaves y where it
    is and ends the run as "diverged" after that iteration."""
    y = np.array(x0, dtype=float)
    z = y.copy()
    log = _Log(ckpts)
    calls, grown, gmax = 0, 0, 0.0
    big_a, big_g = 0.0, 0.0
    status, calls_at_hit = NOT_REACHED, -1
    k = 0
    while True:
        stop = k >= max_iter or (max_calls > 0 and calls >= max_calls)
        gn = _gnorm(grad(kind, P, v, y))
        status = _hit(kind, P, v, y, gn, eps, f_star)
        if status != NOT_REACHED:
            calls_at_hit = calls if status == REACHED else -1
            break
        if stop:
            break
        h, _ = step_size(rule, p, gn)
        if not (h > 0 and math.isfinite(1.0 / h)):
            gmax = max(gmax, gn)
            if k in log.ckpts:
                log.rows.append([k, calls, value(kind, P, v, y), gn, gn, 0.0])
            calls += max(n, 1)
            k += 1
            status = DIVERGED
            break
        if 1.0 / h > big_g:
            big_g, grown = 1.0 / h, grown + (k > 0)
        a = (1.0 + math.sqrt(1.0 + 4.0 * big_g * big_a)) / (2.0 * big_g)
        x = (big_a * y + a * z) / (big_a + a)
        est = grad(kind, P, v, x)
        en = _gnorm(est)
        gmax = max(gmax, en)
        with np.errstate(all="ignore"):
            z = z - a * est
            y_new = (big_a * y + a * z) / (big_a + a)
        if k in log.ckpts:
            log.rows.append([k, calls, value(kind, P, v, y), gn, en, _gnorm(y_new - y)])
        calls += 2 * max(n, 1)
        big_a += a
        y = y_new
        k += 1
        if not (np.all(np.isfinite(y)) and math.isfinite(en)):
            status = DIVERGED
            break
    gn = _gnorm(grad(kind, P, v, y)) if np.all(np.isfinite(y)) else math.nan
    log.rows.append([k, calls, value(kind, P, v, y), gn, math.nan, math.nan])
    return status, k, calls_at_hit, calls, grown, gmax, y, log.array(), len(log.rows)
