"""Stochastic gradient oracles (THEORY T4, T5), in Numba.

An oracle call is split in two so that SPIDER can evaluate the *same* sample at two
points: ``draw_sample`` fills a sample buffer ``s`` (length d + 1) from the run's
``np.random.Generator``; ``sample_grad_into`` evaluates that sample's gradient at x.

Oracles (``oracle``, with its scalar parameter ``w``):
- ORACLE_EXACT: grad f(x); a call costs max(n, 1) (a full pass over a finite sum).
- ORACLE_BOUNDED: grad f(x) + xi, xi uniform in the ball of radius tau = w (Z20's model).
- ORACLE_GAUSS: grad f(x) + xi, xi ~ N(0, (w^2/d) I), so E||xi||^2 = sigma^2 = w^2.
- ORACLE_MINIBATCH: grad f_i(x), i uniform in 0..n-1 (finite sums).
- ORACLE_PHASE_ONLINE: one phase-retrieval sample: a uniform on the sphere of radius
  sqrt(d), y = (a.z*)^2 + w * N(0, 1); gradient ((a.x)^2 - y)(a.x) a, which depends
  on x, so SPIDER's differences are not exact (problem kind KIND_PHASE_POP).
Additive noise (bounded, Gaussian) cancels exactly in SPIDER's differences.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from l0l1.problems.evaluate import component_grad_into, grad_into, phase_sample_grad_into

ORACLE_EXACT = 0
ORACLE_BOUNDED = 1
ORACLE_GAUSS = 2
ORACLE_MINIBATCH = 3
ORACLE_PHASE_ONLINE = 4

ORACLE_NAMES = {
    ORACLE_EXACT: "exact",
    ORACLE_BOUNDED: "bounded",
    ORACLE_GAUSS: "gaussian",
    ORACLE_MINIBATCH: "minibatch",
    ORACLE_PHASE_ONLINE: "online",
}


@njit(cache=True)
def draw_sample(oracle, P, v, w, n, rng, s):
    """Fill the sample buffer s (length d + 1) for one oracle call."""
    d = s.shape[0] - 1
    if oracle == ORACLE_BOUNDED:
        u = rng.standard_normal(d)
        nrm = math.sqrt(np.dot(u, u))
        r = w * rng.random() ** (1.0 / d)
        for j in range(d):
            s[j] = u[j] * (r / nrm)
    elif oracle == ORACLE_GAUSS:
        u = rng.standard_normal(d)
        c = w / math.sqrt(d)
        for j in range(d):
            s[j] = c * u[j]
    elif oracle == ORACLE_MINIBATCH:
        s[0] = rng.integers(0, n)
    elif oracle == ORACLE_PHASE_ONLINE:
        u = rng.standard_normal(d)
        c = math.sqrt(d / np.dot(u, u))
        for j in range(d):
            s[j] = c * u[j]
        t = np.dot(s[:d], P[0])
        s[d] = t * t + w * rng.standard_normal()


@njit(cache=True)
def sample_grad_into(oracle, kind, P, v, s, x, out):
    """out <- the gradient of sample s at x."""
    d = x.shape[0]
    if oracle == ORACLE_BOUNDED or oracle == ORACLE_GAUSS:
        grad_into(kind, P, v, x, out)
        for j in range(d):
            out[j] += s[j]
    elif oracle == ORACLE_MINIBATCH:
        component_grad_into(kind, P, v, int(s[0]), x, out)
    elif oracle == ORACLE_PHASE_ONLINE:
        phase_sample_grad_into(s, x, out)
    else:
        grad_into(kind, P, v, x, out)
