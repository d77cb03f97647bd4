"""GD with Armijo backtracking (Hübler et al. 2024's deterministic variant; no L0, L1 read).

From x_k with g = grad f(x_k): try h = h0, h0 rho, h0 rho^2, ... until the sufficient
decrease f(x_k - h g) <= f(x_k) - c h ||g||^2 holds, then x_{k+1} = x_k - h g (p = [h0, rho,
c]). Counting (T6): one gradient call per iteration, one function-value call for f(x_0) and
one per trial point; the accepted trial's value is kept as f(x_{k+1}). ``clipped``: the step
backtracked (h < h0). The same algorithm as the user file ``examples/armijo.py``.
"""

from __future__ import annotations

import numpy as np

from l0l1.methods.algorithm import algorithm, descend, norm


def _init(o, x0, p):
    """State: the gradient, the trial point, f(x_k) (one entry, kept across steps)."""
    return (np.empty(o.dim), np.empty(o.dim), np.full(1, np.nan))


def _step(o, k, x, x_next, state, p):
    h0, rho, c = p[0], p[1], p[2]
    g, y, fx = state
    if k == 0:
        fx[0] = o.value(x)
    o.grad(x, g)
    gn = norm(g)
    h = h0
    descend(y, x, h, g)
    fy = o.value(y)
    while not fy <= fx[0] - c * h * gn * gn and h > 0.0:  # NaN (overflow) backtracks too
        h *= rho
        descend(y, x, h, g)
        fy = o.value(y)
    fx[0] = fy
    return gn, h * gn, h < h0, descend(x_next, x, h, g)


ARMIJO = algorithm(_init, _step)
