"""Normalized GD with heavy-ball extrapolation (Polyak's heavy ball on the normalized
direction): x_{k+1} = x_k - eta g_k/||g_k|| + beta (x_k - x_{k-1}), x_{-1} = x_0, and
g_k/||g_k|| = 0 when g_k = 0 (p = [eta, beta]). One gradient call per iteration; the step
length is ||x_{k+1} - x_k||.
"""

from __future__ import annotations

import numpy as np

from l0l1.methods.algorithm import algorithm, finite, norm


def _init(o, x0, p):
    """State: g_k, x_{k-1} (x_0 at the start), a difference buffer."""
    d = o.dim
    return (np.empty(d), x0.copy(), np.empty(d))


def _step(o, k, x, x_next, state, p):
    g, x_prev, diff = state
    o.grad(x, g)
    gn = norm(g)
    eta, beta = p[0], p[1]
    h = eta / gn if gn > 0.0 else 0.0
    for j in range(x.shape[0]):
        diff[j] = beta * (x[j] - x_prev[j]) - h * g[j]
        x_prev[j] = x[j]
        x_next[j] = x[j] + diff[j]
    return gn, norm(diff), False, finite(x_next)


NORMALIZED_HB = algorithm(_init, _step)
