"""AdGD, adaptive gradient descent without descent (Malitsky & Mishchenko 2020, Alg. 1).

x_1 = x_0 - lambda_0 grad f(x_0), theta_0 = +inf; for k >= 1
lambda_k = min{sqrt(1 + theta_{k-1}) lambda_{k-1}, ||x_k - x_{k-1}|| / (2 ||g_k - g_{k-1}||)},
x_{k+1} = x_k - lambda_k g_k, theta_k = lambda_k / lambda_{k-1} (p = [lambda0]). A zero
gradient difference makes the second term +inf; when both terms are +inf (k = 1 only)
lambda_1 = lambda_0 (this project's choice). One gradient call per iteration; ``clipped``:
the local-curvature (second) term is the smaller one.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.methods.algorithm import algorithm, descend, norm


def _init(o, x0, p):
    """State: g_k, g_{k-1}, x_{k-1}, a difference buffer, [lambda_{k-1}, theta_{k-1}]."""
    d = o.dim
    return (np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.array([p[0], math.inf]))


def _step(o, k, x, x_next, state, p):
    g, g_prev, x_prev, diff, lt = state
    o.grad(x, g)
    gn = norm(g)
    lam = lt[0]
    second_wins = False
    if k > 0:
        for j in range(diff.shape[0]):
            diff[j] = x[j] - x_prev[j]
        dx = norm(diff)
        for j in range(diff.shape[0]):
            diff[j] = g[j] - g_prev[j]
        dg = norm(diff)
        first = math.sqrt(1.0 + lt[1]) * lt[0]
        second = dx / (2.0 * dg) if dg > 0.0 else math.inf
        second_wins = second < first
        lam = min(first, second)
        if math.isinf(lam):
            lam = lt[0]
        lt[1] = lam / lt[0]
        lt[0] = lam
    x_prev[:] = x
    g_prev[:] = g
    return gn, lam * gn, second_wins, descend(x_next, x, lam, g)


ADGD = algorithm(_init, _step)
