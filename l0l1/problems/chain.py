"""Numba formulas of the zero-chain hard instances (THEORY T2; Carmon et al. 2017, Arjevani et
al. 2019) and of the Z20 Thm 4 bowl.

The chain of length T, in the unscaled variable u in R^T:

    Psi(t) = 0 for t <= 1/2,   exp(1 - 1/(2t - 1)^2) for t > 1/2,
    Phi(t) = sqrt(e) * int_{-inf}^t exp(-s^2/2) ds = sqrt(e) sqrt(pi/2) erfc(-t/sqrt(2)),
    F_T(u) = -Psi(1) Phi(u_1) + sum_{i=2..T} [Psi(-u_{i-1}) Phi(-u_i) - Psi(u_{i-1}) Phi(u_i)].

Psi and all its derivatives vanish for |t| <= 1/2, so the i-th partial derivative is zero
unless |u_{i-1}| > 1/2 or |u_i| > 1/2 or |u_{i+1}| ... only through Psi(u_{i-1}) and
Psi'(u_i): a gradient reveals at most one coordinate beyond the last one with |u_i| > 1/2
(the zero-chain property). The Hessian is tridiagonal.

Problem kinds built on it (see :mod:`l0l1.problems.hard` for the constructors):

- scaled chain f(x) = s F_T(x / lam) with s = L lam^2 / 152, lam = 152 eps / L;
  grad f(x) = (s / lam) grad F_T(x / lam) = eps grad F_T(x / lam). ``v = [lam, s, p, ...]``.
- finite-sum chain: component i is f plus sign_i s c cos(W_k . u + phi_k), k = i // 2,
  sign +1 for even i and -1 for odd i, so the perturbations cancel in pairs and the mean
  of the components is exactly f. ``P = W`` (rows omega w_k), ``v = [lam, s, p, c, phi_0, ...]``.
- Z20 bowl: L0 x^2/2 + L0/(2 L1^2) for |x| <= 1/L1, (L0/L1^2) exp(L1 |x| - 1) outside,
  summed over coordinates. ``v = [L0, L1]``.

All functions are ``njit(cache=True)`` and allocate nothing in the hot path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SQRT_E = math.sqrt(math.e)
PHI_SCALE = math.sqrt(math.e) * math.sqrt(math.pi / 2.0)  # Phi(t) = PHI_SCALE erfc(-t/sqrt 2)
INV_SQRT2 = 1.0 / math.sqrt(2.0)

# v slots shared by the chain kinds
V_LAM, V_SCALE, V_P, V_C, V_PHASES = 0, 1, 2, 3, 4


@njit(cache=True)
def psi(t):
    """Psi(t) = exp(1 - 1/(2t-1)^2) for t > 1/2, else 0."""
    if t <= 0.5:
        return 0.0
    s = 2.0 * t - 1.0
    return math.exp(1.0 - 1.0 / (s * s))


@njit(cache=True)
def dpsi(t):
    """Psi'(t) = Psi(t) 4/(2t-1)^3 (0 where Psi underflows)."""
    return dpsi_from(psi(t), t)


@njit(cache=True)
def dpsi_from(p, t):
    """Psi'(t) given p = Psi(t)."""
    if p == 0.0:
        return 0.0
    s = 2.0 * t - 1.0
    return p * 4.0 / (s * s * s)


@njit(cache=True)
def d2psi(t):
    """Psi''(t) = Psi(t) (16/(2t-1)^6 - 24/(2t-1)^4)."""
    p = psi(t)
    if p == 0.0:
        return 0.0
    y = 1.0 / ((2.0 * t - 1.0) ** 2)
    return p * (16.0 * y * y * y - 24.0 * y * y)


@njit(cache=True)
def phi(t):
    """Phi(t) = sqrt(e) int_{-inf}^t e^{-s^2/2} ds (erfc form: accurate for t << 0)."""
    return PHI_SCALE * math.erfc(-t * INV_SQRT2)


@njit(cache=True)
def dphi(t):
    """Phi'(t) = sqrt(e) e^{-t^2/2}."""
    return SQRT_E * math.exp(-0.5 * t * t)


@njit(cache=True)
def d2phi(t):
    """Phi''(t) = -t Phi'(t)."""
    return -t * dphi(t)


@njit(cache=True)
def chain_value(x, lam):
    """F_T(x / lam), T = len(x)."""
    T = x.shape[0]
    acc = -phi(x[0] / lam)  # Psi(1) = 1
    for i in range(1, T):
        a = x[i - 1] / lam
        if a > 0.5:
            acc -= psi(a) * phi(x[i] / lam)
        elif a < -0.5:
            acc += psi(-a) * phi(-x[i] / lam)
    return acc


@njit(cache=True)
def chain_grad_into(x, lam, out):
    """out <- grad F_T at u = x / lam (unscaled: multiply by s/lam for the scaled chain)."""
    T = x.shape[0]
    psi_a = 1.0  # Psi(|u_{i-1}|) when |u_{i-1}| > 1/2: computed once, used by i-1 and i
    for i in range(T):
        b = x[i] / lam
        if i == 0:
            g = -dphi(b)
        else:
            a = x[i - 1] / lam
            if a > 0.5:
                g = -psi_a * dphi(b)
            elif a < -0.5:
                g = -psi_a * dphi(-b)
            else:
                g = 0.0
        if i + 1 < T:
            if b > 0.5:
                psi_a = psi(b)
                g -= dpsi_from(psi_a, b) * phi(x[i + 1] / lam)
            elif b < -0.5:
                psi_a = psi(-b)
                g -= dpsi_from(psi_a, -b) * phi(-x[i + 1] / lam)
        out[i] = g


@njit(cache=True)
def chain_hess_tridiag(u, diag, off):
    """The tridiagonal Hessian of F_T at u (unscaled): diag (T) and off-diagonal (T - 1)."""
    T = u.shape[0]
    for i in range(T):
        b = u[i]
        if i == 0:
            h = -d2phi(b)
        else:
            a = u[i - 1]
            h = psi(-a) * d2phi(-b) - psi(a) * d2phi(b)
        if i + 1 < T:
            c = u[i + 1]
            h += d2psi(-b) * phi(-c) - d2psi(b) * phi(c)
            off[i] = dpsi(-b) * dphi(-c) - dpsi(b) * dphi(c)
        diag[i] = h


@njit(cache=True)
def chain_hvp_into(u, w, out):
    """out <- hess F_T(u) w (unscaled; the scaled chain's Hessian is (L/152) hess F_T)."""
    T = u.shape[0]
    diag = np.empty(T)
    off = np.empty(max(T - 1, 0))
    chain_hess_tridiag(u, diag, off)
    for i in range(T):
        out[i] = diag[i] * w[i]
    for i in range(T - 1):
        out[i] += off[i] * w[i + 1]
        out[i + 1] += off[i] * w[i]


@njit(cache=True)
def progress(x, lam, a):
    """prog_a: the largest 1-based i with |x_i / lam| > a (0 if none)."""
    for i in range(x.shape[0] - 1, -1, -1):
        if abs(x[i] / lam) > a:
            return i + 1
    return 0


@njit(cache=True)
def scaled_value(v, x):
    """f(x) = s F_T(x / lam)."""
    return v[V_SCALE] * chain_value(x, v[V_LAM])


@njit(cache=True)
def scaled_grad_into(v, x, out):
    """grad f(x) = (s / lam) grad F_T(x / lam)."""
    lam = v[V_LAM]
    chain_grad_into(x, lam, out)
    c = v[V_SCALE] / lam
    for i in range(x.shape[0]):
        out[i] *= c


@njit(cache=True)
def sum_component_grad_into(P, v, i, x, out):
    """Component i of the finite-sum chain: grad f + sign_i (s/lam)(-c sin(W_k.u + phi_k)) W_k."""
    scaled_grad_into(v, x, out)
    lam = v[V_LAM]
    k = i // 2
    t = v[V_PHASES + k]
    for j in range(x.shape[0]):
        t += P[k, j] * (x[j] / lam)
    w = -v[V_SCALE] / lam * v[V_C] * math.sin(t)
    if i % 2 == 1:
        w = -w
    for j in range(x.shape[0]):
        out[j] += w * P[k, j]


@njit(cache=True)
def bowl_value(v, x):
    """Z20 Thm 4 bowl, summed over coordinates."""
    L0, L1 = v[0], v[1]
    acc = 0.0
    for j in range(x.shape[0]):
        a = abs(x[j])
        if a * L1 <= 1.0:
            acc += 0.5 * L0 * x[j] * x[j] + 0.5 * L0 / (L1 * L1)
        else:
            acc += L0 / (L1 * L1) * math.exp(L1 * a - 1.0)
    return acc


@njit(cache=True)
def bowl_grad_into(v, x, out):
    """L0 x inside |x| <= 1/L1, sign(x) (L0/L1) exp(L1|x| - 1) outside."""
    L0, L1 = v[0], v[1]
    for j in range(x.shape[0]):
        a = abs(x[j])
        if a * L1 <= 1.0:
            out[j] = L0 * x[j]
        else:
            g = L0 / L1 * math.exp(L1 * a - 1.0)
            out[j] = g if x[j] > 0 else -g
