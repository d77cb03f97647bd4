"""The benchmarked loops, one function per (case, implementation).

Every function takes the case's data and an iteration count and returns
``(status, iterations, oracle_calls, clipped_steps, gmax, x)`` (status 0 reached,
1 not reached, 2 diverged), so the smoke test can check that the implementations
compute the same iterates. Implementations:

- ``numba``: the l0l1 kernels themselves (:mod:`l0l1.methods.kernels`);
- ``numpy``: the same algorithm as idiomatic vectorised NumPy (whole-vector operations,
  ``np.linalg.norm``, the minibatch gathered and multiplied at once);
- ``c``: :mod:`cref` (benchmarks/ref.c compiled with -O3 -march=native);
- ``torch``: the usual PyTorch CPU loop (autograd, ``clip_grad_norm_``, ``optim.SGD``),
  when PyTorch is installed. Its noise comes from PyTorch's generator and
  ``clip_grad_norm_`` divides by ``norm + 1e-6``, so its iterates are close, not equal.

The stochastic NumPy and C loops draw from the generator in the kernels' order, so from
the same seed they make the same draws as the Numba kernel.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

# ------------------------------------------------------------------------------ data


def poly8_coeffs(d: int, seed: int = 0) -> np.ndarray:
    """d rows of degree-8 coefficients (ascending), bounded below: a_8 in [0.5, 1.5]."""
    rng = np.random.default_rng(seed)
    P = rng.uniform(-1.0, 1.0, (d, 9))
    P[:, 8] = rng.uniform(0.5, 1.5, d)
    return P


def poly8_x0(d: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, d)


def chain_v(T: int, eps: float = 0.01, L: float = 1.0) -> np.ndarray:
    """v = [lam, s, p] of the scaled zero chain f(x) = s F_T(x / lam) of length T
    (:func:`l0l1.problems.hard.scaled_chain`; lam = 152 eps / L, s = L lam^2 / 152)."""
    from l0l1.problems.hard import scaled_chain

    return scaled_chain(eps, L, T=T).v


# ------------------------------------------------------------------------------ numba


def _ck():
    return np.zeros(1, dtype=np.int64)


def _algorithm(name):
    """The registry's algorithm of built-in method ``name`` (the driver runs it)."""
    from l0l1.methods.registry import METHODS

    return METHODS[name].algorithm


def numba_clipped_gd(P, x0, eta, gamma, eps, iters):
    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.kinds import KIND_POLY
    from l0l1.problems.oracles import ORACLE_EXACT

    out = run_algorithm(
        KIND_POLY, P, np.zeros(0), 0, ORACLE_EXACT, 0.0, 1, _algorithm("clipped_gd"),
        np.array([eta, gamma]), x0, eps, iters, 0, 1, np.random.default_rng(0), _ck(),
    )  # fmt: skip
    return out[0], out[1], out[3], out[4], out[5], out[6]


_USER: dict = {}


def user_poly8(P, variant: str = "same"):
    """The separable polynomial as a user writes it, handed to Problem.from_functions (the
    kernels' user door). ``variant`` "same": the built-in's arithmetic (value and
    derivative by one Horner pass per coordinate, one coordinate at a time: the same bits
    as the built-in gradient); "dcoef": Horner on the derivative's coefficients k a_k
    (one chain of 7 mul-adds instead of two dependent ones; other rounding)."""
    from numba import njit

    from l0l1 import Problem

    key = (id(P), P.shape, variant)
    if key in _USER:
        return _USER[key]
    C = np.ascontiguousarray(P)
    D = np.ascontiguousarray(P[:, 1:] * np.arange(1, 9))  # coefficients of p_j'

    @njit
    def value(x):
        s = 0.0
        for j in range(x.size):
            acc = C[j, 8]
            for k in range(7, -1, -1):
                acc = acc * x[j] + C[j, k]
            s += acc
        return s

    @njit
    def grad_same(x, out):
        for j in range(x.size):
            val, der = C[j, 8], 0.0
            for k in range(7, -1, -1):
                der = der * x[j] + val
                val = val * x[j] + C[j, k]
            out[j] = der

    @njit
    def grad_dcoef(x, out):
        for j in range(x.size):
            acc = D[j, 7]
            for k in range(6, -1, -1):
                acc = acc * x[j] + D[j, k]
            out[j] = acc

    grad = grad_same if variant == "same" else grad_dcoef
    prob = Problem.from_functions(value, grad, dim=P.shape[0], name="user_poly8",
                                  constants=(1.0, 1.0))  # fmt: skip
    _USER[key] = prob
    return prob


def user_clipped_gd(P, x0, eta, gamma, eps, iters, variant="same"):
    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.oracles import ORACLE_EXACT

    code = user_poly8(P, variant).code
    out = run_algorithm(
        code, P, np.zeros(0), 0, ORACLE_EXACT, 0.0, 1, _algorithm("clipped_gd"),
        np.array([eta, gamma]), x0, eps, iters, 0, 1, np.random.default_rng(0), _ck(),
    )  # fmt: skip
    return out[0], out[1], out[3], out[4], out[5], out[6]


def numba_clipped_sgd(P, x0, L1, tau, eta, w, eps, iters, rng):
    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.kinds import KIND_POLY
    from l0l1.problems.oracles import ORACLE_BOUNDED

    out = run_algorithm(
        KIND_POLY, P, np.zeros(0), 0, ORACLE_BOUNDED, w, 1, _algorithm("clipped_sgd"),
        np.array([L1, tau, eta]), x0, eps, iters, 0, 1, rng, _ck(),
    )  # fmt: skip
    return out[0], out[1], out[3], out[4], out[5], out[6]


def numba_sgd_chain(v, x0, p, h, eps, iters, rng):
    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.kinds import KIND_CHAIN
    from l0l1.problems.oracles import ORACLE_BERNOULLI

    out = run_algorithm(
        KIND_CHAIN, np.zeros((1, 1)), np.asarray(v, dtype=np.float64), 0, ORACLE_BERNOULLI, p, 1,
        _algorithm("sgd"), np.array([h]), x0, eps, iters, 0, 1, rng, _ck(),
    )  # fmt: skip
    return out[0], out[1], out[3], out[4], out[5], out[6]


def numba_spider_clip(A, y, x0, p, q, S2, eps, iters, probe_every, rng):
    from l0l1.methods.algorithms.spider import with_sizes
    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.kinds import KIND_PHASE
    from l0l1.problems.oracles import ORACLE_MINIBATCH

    n = A.shape[0]
    p = with_sizes(np.asarray(p, dtype=np.float64), q, n, S2, True)
    out = run_algorithm(
        KIND_PHASE, A, y, n, ORACLE_MINIBATCH, 0.0, 1, _algorithm("spider_clip"), p, x0, eps,
        iters, 0, probe_every, rng, _ck(),
    )  # fmt: skip
    return out[0], out[1], out[3], out[4], out[5], out[6]


# ------------------------------------------------------------------------------ numpy


class _PolyGrad:
    """Vectorised Horner over all coordinates, value and derivative as in the kernel."""

    def __init__(self, P):
        self.cols = [np.ascontiguousarray(P[:, i]) for i in range(P.shape[1])]

    def __call__(self, x):
        deg = len(self.cols) - 1
        val = self.cols[deg].copy()
        der = np.zeros_like(x)
        for i in range(deg - 1, -1, -1):
            der *= x
            der += val
            val *= x
            val += self.cols[i]
        return der


def numpy_clipped_gd(P, x0, eta, gamma, eps, iters):
    grad = _PolyGrad(P)
    x = np.array(x0, dtype=np.float64)
    k = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        g = grad(x)
        gn = float(np.linalg.norm(g))
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        h = eta
        if gn != 0.0 and gamma * eta / gn < eta:
            h = gamma * eta / gn
            clipped += 1
        gmax = max(gmax, gn)
        x -= h * g
        k += 1
        if not np.isfinite(x).all():
            status = 2
            break
    return status, k, k, clipped, gmax, x


def numpy_clipped_sgd(P, x0, L1, tau, eta, w, eps, iters, rng):
    grad = _PolyGrad(P)
    x = np.array(x0, dtype=np.float64)
    d = x.size
    k = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        g = grad(x)
        gn = float(np.linalg.norm(g))
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        u = rng.standard_normal(d)  # noise uniform in the ball of radius w
        r = w * rng.random() ** (1.0 / d)
        est = g + u * (r / np.linalg.norm(u))
        en = float(np.linalg.norm(est))
        h = eta
        if L1 != 0.0 and 1.0 / (16.0 * L1 * (en + tau)) < eta:
            h = 1.0 / (16.0 * L1 * (en + tau))
            clipped += 1
        gmax = max(gmax, en)
        x -= h * est
        k += 1
        if not np.isfinite(x).all():
            status = 2
            break
    return status, k, k, clipped, gmax, x


# the constants of l0l1.problems.chain, by the same expressions (the same doubles)
_SQRT_E = math.sqrt(math.e)
_PHI_SCALE = math.sqrt(math.e) * math.sqrt(math.pi / 2.0)  # Phi(t) = _PHI_SCALE erfc(-t/sqrt 2)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _chain_grad(x, lam, c):
    """grad f(x) = c grad F_T(x / lam), c = s / lam, vectorised over the coordinates.

    Psi(|u_i|) is evaluated only where |u_i| > 1/2 (elsewhere Psi and Psi' vanish);
    Phi' on the first coordinate and on the successors of those; Phi (erfc) on the
    successors' signed values. Psi(-u) Phi(-u') on the negative side uses |u_i| and the
    successor's sign-flipped value. Each scalar is formed as chain.py forms it.
    """
    u = x / lam
    T = u.size
    act = np.flatnonzero(np.abs(u) > 0.5)
    s = 2.0 * np.abs(u[act]) - 1.0
    ps = np.exp(1.0 - 1.0 / (s * s))  # Psi(|u_i|) on the active coordinates
    keep = act + 1 < T
    nxt = act[keep] + 1  # coordinates whose predecessor is active
    head = np.concatenate(([0], nxt))
    ub = u[head]
    g = np.zeros(T)
    # -Psi(u_{i-1}) Phi'(u_i) (Psi(1) = 1 for the first coordinate; Phi' is even)
    g[head] = -np.concatenate(([1.0], ps[keep])) * (_SQRT_E * np.exp(-0.5 * ub * ub))
    # - Psi'(+-u_i) Phi(+-u_{i+1}) where |u_i| > 1/2 and i + 1 < T (Psi' = 0 where Psi is)
    i2, s2 = act[keep], s[keep]
    dps = ps[keep] * 4.0 / (s2 * s2 * s2)
    succ = np.where(u[i2] > 0.0, u[nxt], -u[nxt])
    g[i2] -= dps * (_PHI_SCALE * erfc(-succ * _INV_SQRT2))
    g *= c
    return g


def numpy_sgd_chain(v, x0, p, h, eps, iters, rng):
    lam = float(v[0])
    c = float(v[1]) / lam
    x = np.array(x0, dtype=np.float64)
    k = 0
    gmax = 0.0
    status = 1
    while True:
        g = _chain_grad(x, lam, c)
        gn = float(np.linalg.norm(g))  # the probe (not an oracle call)
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        z = 1.0 / p if rng.random() < p else 0.0  # Z/p, Z ~ Bernoulli(p)
        est = g.copy()  # the oracle's sample is formed from the probed gradient
        far = np.flatnonzero(np.abs(x / lam) > 0.25)
        est[far[-1] + 1 if far.size else 0 :] *= z  # beyond prog_{1/4}(x / lam)
        en = float(np.linalg.norm(est))
        gmax = max(gmax, en)
        x -= h * est
        k += 1
        if not np.isfinite(x).all():
            status = 2
            break
    return status, k, k, 0, gmax, x


def numpy_spider_clip(A, y, x0, p, q, S2, eps, iters, probe_every, rng):
    L0, L1, n0, eps_rule = (float(t) for t in p)
    n = A.shape[0]

    def full_grad(x):
        t = A @ x
        return ((t * t - y) * t) @ A / n

    x = np.array(x0, dtype=np.float64)
    xp = x.copy()
    est = np.zeros_like(x)
    k = calls = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        if k % probe_every == 0:
            gn = float(np.linalg.norm(full_grad(x)))
            if not math.isfinite(gn):
                status = 2
                break
            if gn <= eps:
                status = 0
                break
        if k >= iters:
            break
        if k % q == 0:
            est = full_grad(x)
            calls += n
        else:
            idx = rng.integers(0, n, S2)
            Ai, yi = A[idx], y[idx]
            t, u = Ai @ x, Ai @ xp
            est = est + (((t * t - yi) * t - (u * u - yi) * u) @ Ai) / S2
            calls += 2 * S2
        en = float(np.linalg.norm(est))
        if en == 0.0:
            h = 0.5 / (n0 * L0)
        else:
            factor = min(0.5, eps_rule / en)
            clipped += eps_rule / en < 0.5
            h = factor / (n0 * (L0 + L1 * en))
        gmax = max(gmax, en)
        xp = x.copy()
        x -= h * est
        k += 1
        if not np.isfinite(x).all():
            status = 2
            break
    return status, k, calls, clipped, gmax, x


# ------------------------------------------------------------------------------ torch


def torch_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    torch.set_num_threads(1)  # one core, like every other implementation here
    return True


def _poly_value(cols, x):
    val = cols[-1]
    for c in reversed(cols[:-1]):
        val = val * x + c
    return val.sum()


def torch_clipped_gd(P, x0, eta, gamma, eps, iters):
    import torch

    cols = [torch.tensor(np.ascontiguousarray(P[:, i])) for i in range(P.shape[1])]
    x = torch.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    opt = torch.optim.SGD([x], lr=eta)
    k = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        opt.zero_grad()
        _poly_value(cols, x).backward()
        gn = float(torch.nn.utils.clip_grad_norm_([x], gamma))
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        clipped += gn > gamma
        gmax = max(gmax, gn)
        opt.step()
        k += 1
    return status, k, k, clipped, gmax, x.detach().numpy().copy()


def torch_clipped_sgd(P, x0, L1, tau, eta, w, eps, iters, seed=0):
    """Clipped SGD's rule min{eta, 1/(16 L1 (|g| + tau))} as clip_grad_norm_ at
    max_norm = 1/(16 L1 eta) - tau (the same step up to the 1e-6 and the tau shift)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    cols = [torch.tensor(np.ascontiguousarray(P[:, i])) for i in range(P.shape[1])]
    x = torch.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    d = x.numel()
    opt = torch.optim.SGD([x], lr=eta)
    max_norm = 1.0 / (16.0 * L1 * eta) - tau
    k = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        opt.zero_grad()
        _poly_value(cols, x).backward()
        gn = float(torch.linalg.vector_norm(x.grad))
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        u = torch.randn(d, generator=gen, dtype=torch.float64)
        r = w * float(torch.rand(1, generator=gen, dtype=torch.float64)) ** (1.0 / d)
        x.grad.add_(u, alpha=r / float(torch.linalg.vector_norm(u)))
        en = float(torch.nn.utils.clip_grad_norm_([x], max_norm))
        clipped += en > max_norm
        gmax = max(gmax, en)
        opt.step()
        k += 1
    return status, k, k, clipped, gmax, x.detach().numpy().copy()


def _torch_chain_value(u):
    """F_T(u) as a differentiable expression (Psi through a where that keeps the
    unused branch's gradient finite)."""
    import torch

    def psi(t):
        on = t > 0.5
        s = 2.0 * torch.where(on, t, torch.ones_like(t)) - 1.0
        return torch.where(on, torch.exp(1.0 - 1.0 / (s * s)), torch.zeros_like(t))

    def phi(t):
        return _PHI_SCALE * torch.special.erfc(-t * _INV_SQRT2)

    a, b = u[:-1], u[1:]
    return -phi(u[0]) + (psi(-a) * phi(-b) - psi(a) * phi(b)).sum()


def torch_sgd_chain(v, x0, p, h, eps, iters, seed=0):
    """SGD on the scaled chain with autograd gradients: one backward pass per iteration,
    the probe; the oracle multiplies x.grad beyond prog_{1/4} by Z/p (as the kernel forms
    its sample from the probed gradient), Z from PyTorch's generator."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    lam, scale = float(v[0]), float(v[1])
    x = torch.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    opt = torch.optim.SGD([x], lr=h)

    def grad():
        opt.zero_grad()
        (scale * _torch_chain_value(x / lam)).backward()
        return x.grad

    k = 0
    gmax = 0.0
    status = 1
    while True:
        g = grad()
        gn = float(torch.linalg.vector_norm(g))
        if not math.isfinite(gn):
            status = 2
            break
        if gn <= eps:
            status = 0
            break
        if k >= iters:
            break
        z = 1.0 / p if float(torch.rand(1, generator=gen, dtype=torch.float64)) < p else 0.0
        far = torch.nonzero(torch.abs(x.detach() / lam) > 0.25)
        g[int(far[-1, 0]) + 1 if far.numel() else 0 :] *= z
        en = float(torch.linalg.vector_norm(g))
        gmax = max(gmax, en)
        opt.step()
        k += 1
    return status, k, k, 0, gmax, x.detach().numpy().copy()


def torch_spider_clip(A, y, x0, p, q, S2, eps, iters, probe_every, seed=0):
    """SPIDER-clip with autograd gradients; the step min{eps/|v|, 1/2}/(n0(L0 + L1|v|))
    is not a clip_grad_norm_ rule, so the norm comes from torch.linalg.vector_norm."""
    import torch

    L0, L1, n0, eps_rule = (float(t) for t in p)
    gen = torch.Generator().manual_seed(seed)
    At, yt = torch.tensor(A), torch.tensor(y)
    n = A.shape[0]

    def grad(x, rows, yy, scale):
        z = x.detach().requires_grad_(True)
        (((rows @ z) ** 2 - yy) ** 2).sum().mul(scale / 4.0).backward()
        return z.grad

    x = torch.tensor(np.array(x0, dtype=np.float64))
    xp = x.clone()
    est = torch.zeros_like(x)
    k = calls = clipped = 0
    gmax = 0.0
    status = 1
    while True:
        if k % probe_every == 0:
            gn = float(torch.linalg.vector_norm(grad(x, At, yt, 1.0 / n)))
            if not math.isfinite(gn):
                status = 2
                break
            if gn <= eps:
                status = 0
                break
        if k >= iters:
            break
        if k % q == 0:
            est = grad(x, At, yt, 1.0 / n)
            calls += n
        else:
            idx = torch.randint(n, (S2,), generator=gen)
            rows, yy = At[idx], yt[idx]
            est = est + (grad(x, rows, yy, 1.0) - grad(xp, rows, yy, 1.0)) / S2
            calls += 2 * S2
        en = float(torch.linalg.vector_norm(est))
        factor = 0.5 if en == 0.0 else min(0.5, eps_rule / en)
        clipped += en > 0.0 and eps_rule / en < 0.5
        gmax = max(gmax, en)
        xp = x.clone()
        x = x - factor / (n0 * (L0 + L1 * en)) * est
        k += 1
    return status, k, calls, clipped, gmax, x.numpy().copy()
