"""Numerics of the zero-chain F_T of C17 (THEORY T2) for sampled checks, batched in numpy.

Psi(t) = exp(1 - 1/(2t - 1)^2) for t > 1/2 (else 0), Phi(t) = sqrt(e) int_{-oo}^t
e^{-s^2/2} ds; F_T(u) = -Psi(1) Phi(u_1) + sum_{i>=2} Psi(-u_{i-1}) Phi(-u_i) -
Psi(u_{i-1}) Phi(u_i). Rows of ``u`` are points.
"""

import math

import numpy as np
from scipy.special import erf

_SE = math.sqrt(math.e)
_PSI1 = 1.0  # Psi(1) = exp(1 - 1) = 1


def _psi(t, k=0):
    """k-th derivative of Psi."""
    out = np.zeros_like(t)
    m = t > 0.5
    z = 2 * t[m] - 1
    base = np.exp(1 - 1 / z**2)
    out[m] = base * (1, 4 / z**3, 16 / z**6 - 24 / z**4)[k]
    return out


def _phi(t, k=0):
    """k-th derivative of Phi."""
    if k == 0:
        return _SE * math.sqrt(math.pi / 2) * (1 + erf(t / math.sqrt(2)))
    d = _SE * np.exp(-(t**2) / 2)
    return d if k == 1 else -t * d


def grad(u: np.ndarray) -> np.ndarray:
    g = np.zeros_like(u)
    a, b = u[:, :-1], u[:, 1:]
    g[:, 0] = -_PSI1 * _phi(u[:, 0], 1)
    g[:, :-1] += -_psi(-a, 1) * _phi(-b) - _psi(a, 1) * _phi(b)
    g[:, 1:] += -_psi(-a) * _phi(-b, 1) - _psi(a) * _phi(b, 1)
    return g


def hessian(u: np.ndarray) -> np.ndarray:
    n, T = u.shape
    H = np.zeros((n, T, T))
    a, b = u[:, :-1], u[:, 1:]
    i = np.arange(T - 1)
    H[:, 0, 0] = -_PSI1 * _phi(u[:, 0], 2)
    H[:, i, i] += _psi(-a, 2) * _phi(-b) - _psi(a, 2) * _phi(b)
    H[:, i + 1, i + 1] += _psi(-a) * _phi(-b, 2) - _psi(a) * _phi(b, 2)
    off = _psi(-a, 1) * _phi(-b, 1) - _psi(a, 1) * _phi(b, 1)
    H[:, i, i + 1] = off
    H[:, i + 1, i] = off
    return H


def samples(T: int, n: int, seed: int) -> np.ndarray:
    """Seeded points: half Gaussian, half concentrated where Psi' and Psi'' peak."""
    rng = np.random.default_rng(seed)
    wide = rng.normal(0, 1.5, (n // 2, T))
    peaks = rng.choice([-1, 1], (n - n // 2, T)) * rng.uniform(0.5, 3, (n - n // 2, T))
    return np.vstack([wide, peaks])
