"""Algorithms written outside the package, against the oracle (tests/test_algorithms.py,
tests/test_worstcase_algorithms.py).

A two-sequence method (gradient at the extrapolated point y_k = x_k + beta (x_k - x_{k-1}))
and GD written as code. Imported by entry point, never by the package.
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


def gd_step(o, k, x, x_next, state, p):
    """x_{k+1} = x_k - h grad f(x_k), p = [h]: GD written as code (no state)."""
    g = state[0]
    o.grad(x, g)
    gn = norm(g)
    return gn, p[0] * gn, False, descend(x_next, x, p[0], g)


def gd_init(o, x0, p):
    return (np.empty(o.dim),)


gd_as_code = register_method(
    "gd_as_code", gd_step, init=gd_init, schedule={"h": 0.5},
    label="GD as code", source="tests/usercode/algorithms.py",
)  # fmt: skip
