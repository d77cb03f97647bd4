"""Your own algorithm: gradient descent with Armijo backtracking, written against the oracle.

    l0l1 run --coeffs 0,0,0,0,1 --method examples/armijo.py:armijo --set h0=1 \\
             --set rho=0.5 --set c=1e-4 --eps 1e-3 --x0 3 --json

From x_k with g = grad f(x_k): try h = h0, h0 rho, h0 rho^2, ... until the sufficient
decrease f(x_k - h g) <= f(x_k) - c h ||g||^2 holds, then x_{k+1} = x_k - h g. It needs no
knowledge of L0 or L1 (Hübler et al. 2024 analyse its deterministic form on
(L0,L1)-smooth functions). Counting, as the oracle does it: one gradient call per
iteration, one function-value call for f(x_0) and one per trial point; the accepted
trial's value is kept as f(x_{k+1}), not asked again.

``init`` allocates the state once; ``step`` reads x_k (read-only) and writes x_{k+1}.
Naming this file on the command line runs its top-level code (it registers the method).
"""

from __future__ import annotations

import numpy as np

from l0l1 import register_method
from l0l1.methods.algorithm import descend, norm


def init(o, x0, p):
    """State: the gradient, the trial point, f(x_k) (one entry, kept across steps)."""
    return (np.empty(o.dim), np.empty(o.dim), np.full(1, np.nan))


def step(o, k, x, x_next, state, p):
    """One Armijo step; p = [h0, rho, c]. Returns (||g||, step length, backtracked, finite)."""
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
    x_next[:] = y
    return gn, h * gn, h < h0, descend(x_next, x, h, g)


armijo = register_method(
    "armijo", step, init=init, schedule={"h0": 1.0, "rho": 0.5, "c": 1e-4},
    label="Armijo GD", source="examples/armijo.py; Hübler et al. 2024 (deterministic Armijo)",
)  # fmt: skip
