"""Algorithms written outside the package, against the oracle (tests/test_algorithms.py).

A two-sequence method (gradient at the extrapolated point y_k = x_k + beta (x_k - x_{k-1}))
and a slow variant of it for the SIGKILL test. Imported by entry point, never by the package.
"""

import numpy as np

from l0l1 import register_method
from l0l1.methods.algorithm import descend, norm


def init(o, x0, p):
    """State: the gradient at y_k, y_k itself and x_{k-1} (x_{-1} = x_0)."""
    return (np.empty(o.dim), np.empty(o.dim), x0.copy())


def step(o, k, x, x_next, state, p):
    """y_k = x_k + beta (x_k - x_{k-1}); x_{k+1} = y_k - h grad f(y_k); p = [h, beta]."""
    h, beta = p[0], p[1]
    g, y, x_prev = state
    for j in range(x.shape[0]):
        y[j] = x[j] + beta * (x[j] - x_prev[j])
    o.grad(y, g)
    gn = norm(g)
    x_prev[:] = x
    return gn, h * gn, False, descend(x_next, y, h, g)


extrapolated = register_method(
    "extrapolated", step, init=init, schedule={"h": 0.01, "beta": 0.5},
    label="extrapolated GD", source="tests/usercode/algorithms.py",
)  # fmt: skip
