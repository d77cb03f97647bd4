"""User code outside the package, as a researcher would write it (tests/test_user_code.py).

Imported by the tests by entry point (``.../quartic.py:quartic``), never by the package.
"""

import numpy as np
from numba import njit

from l0l1 import Problem, make_problem, problem, register_method, register_problem
from l0l1 import theory as th


def value(x):
    return np.sum(x**4)


def grad(x):
    return 4.0 * x**3


@njit
def grad_into(x, out):
    for j in range(x.size):
        out[j] = 4.0 * x[j] ** 3


def quartic(dim=1, inplace=False):
    """f(x) = sum x_j^4 with the built-in polynomial's certified pair at L1 = 1."""
    return Problem.from_functions(
        value, grad_into if inplace else grad, dim=dim, name="quartic",
        constants=(16.0, 1.0), f_star=0.0, x0=np.full(dim, 3.0),
    )  # fmt: skip


QUARTIC = quartic()  # a Problem object as an entry point
register_problem("user_quartic", quartic)  # registered: declared as a problem factory


@problem  # declared: an entry point may name and call it
def phase(m=40, d=4, seed=0):
    """The built-in finite-sum phase retrieval rewritten as user code (same data, constants)."""
    ref = make_problem("phase_retrieval", m=m, d=d, seed=seed)
    A, y = ref.P.copy(), ref.v.copy()

    @njit
    def value(x):
        s = 0.0
        for r in range(A.shape[0]):
            t = 0.0
            for j in range(x.size):
                t += A[r, j] * x[j]
            res = t * t - y[r]
            s += res * res
        return s / (4.0 * A.shape[0])

    @njit
    def grad(x, out):
        out[:] = 0.0
        for r in range(A.shape[0]):
            t = 0.0
            for j in range(x.size):
                t += A[r, j] * x[j]
            w = (t * t - y[r]) * t / A.shape[0]
            for j in range(x.size):
                out[j] += w * A[r, j]

    @njit
    def component_grad(i, x, out):
        t = 0.0
        for j in range(x.size):
            t += A[i, j] * x[j]
        w = (t * t - y[i]) * t
        for j in range(x.size):
            out[j] = w * A[i, j]

    c = ref.constants
    return Problem.from_functions(
        value, grad, dim=d, n=m, component_grad=component_grad, name="user_phase",
        constants=(c.L0, c.L1), f_star=0.0,
    )  # fmt: skip


@njit
def clip_step(p, g):
    """Z20's clipped GD rule, written by a user: min(eta_c, gamma eta_c / g)."""
    if g == 0.0:
        return p[0], False
    b = p[1] * p[0] / g
    return (b, True) if b < p[0] else (p[0], False)


my_clip = register_method(
    "my_clip", step=clip_step, schedule={"eta_c": th.CLIP_ETA, "gamma": th.CLIP_GAMMA},
    bound=th.CLIP_BOUND, bound_text="Z20 Thm 3", needs_positive_L0=True,
)  # fmt: skip


@njit
def sgd_step(p, g):
    return p[0], False


my_sgd = register_method("my_sgd", step=sgd_step, estimator="sample", schedule={"h": 1e-3})
