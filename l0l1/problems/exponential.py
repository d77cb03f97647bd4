"""The exponential family of THEORY T2, with certified constants and start constants.

Separable sums over d coordinates of e^x (0, 1), cosh x (1, 1), log cosh x (1, 0), and
the logistic loss log(1 + e^{-a.x}) (0, ||a||). The Hessians of the sums are diagonal
(rank one for logistic), so the univariate pairs carry over (T2, derived).

The scaled cosh cosh(a x)/a^2 (``cosh_sum(dim, scale=a)``) is (1, a)-smooth: its certified
L1 is the parameter a, with L0 = 1 and f* = d/a^2 for every a (T2, derived), which makes it
the family of the L1 sweep of T4 (parameter-agnostic NSGD-M).

Where the least L0 is 0 (e^x, logistic) the schedules of T3 divide by L0, so the
constructors take an ``L0`` (any L0 >= 0 is valid and stays certified): 1 for e^x,
||a||^2/4 (the global smoothness) for logistic.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.problems.base import (
    Constants,
    Problem,
    ProblemError,
    StartConstants,
    check_dim,
    check_finite_positive,
)
from l0l1.problems.kinds import KIND_COSH, KIND_EXP, KIND_LOGCOSH, KIND_LOGISTIC
from l0l1.validate import show

_CERT = "closed form (T2)"


def exp_sum(dim: int = 1, L0: float = 1.0) -> Problem:
    """f(x) = sum_j e^{x_j}: (L0, 1)-smooth for every L0 >= 0; inf f = 0, not attained."""
    dim = check_dim("dim", dim)
    L0 = check_finite_positive("L0", L0, allow_zero=True)
    return Problem(
        name="exp",
        kind=KIND_EXP,
        P=np.zeros((1, 1)),
        v=np.zeros(0),
        dim=dim,
        constants=Constants(L0, 1.0, True, _CERT),
        f_star=0.0,
        spec={"problem": "exp", "dim": dim, "L0": L0},
    )


SCALE_RANGE = (1e-4, 1e4)  # a^2 and 1/a^2 stay far from overflow and underflow


def cosh_sum(dim: int = 1, scale: float = 1.0) -> Problem:
    """f(x) = sum_j cosh(a x_j)/a^2 with a = ``scale`` (T2, derived): f'' = cosh(a x) <=
    1 + |sinh(a x)| = 1 + a |f'|, so (L0, L1) = (1, a); f* = d/a^2 at 0. a = 1 is cosh x.

    The kernels read a from P[0, 0]; ``spec`` names ``scale`` only when a != 1, so the
    records of the plain cosh stay as they were.
    """
    dim = check_dim("dim", dim)
    a = _scale(scale)
    spec = {"problem": "cosh", "dim": dim}
    if a != 1.0:
        spec["scale"] = a
    return Problem(
        name="cosh",
        kind=KIND_COSH,
        P=np.full((1, 1), a),
        v=np.zeros(0),
        dim=dim,
        constants=Constants(1.0, a, True, _CERT),
        f_star=dim / (a * a),
        spec=spec,
    )


def _scale(scale) -> float:
    """The cosh scale a: a finite number in SCALE_RANGE (one-line ProblemError otherwise)."""
    lo, hi = SCALE_RANGE
    allowed = f"allowed: a finite number in [{lo:g}, {hi:g}]"
    if isinstance(scale, bool):
        raise ProblemError(f"scale: {show(scale)} is not a number; {allowed}")
    try:
        a = float(scale)
    except (TypeError, ValueError):
        raise ProblemError(f"scale: {show(scale)} is not a number; {allowed}") from None
    if not (math.isfinite(a) and lo <= a <= hi):
        raise ProblemError(f"scale: {show(scale)} is not allowed; {allowed}")
    return a


def logcosh_sum(dim: int = 1) -> Problem:
    """f(x) = sum_j log cosh x_j: 1-smooth ((1, 0)); f* = 0 at 0."""
    dim = check_dim("dim", dim)
    return Problem(
        name="logcosh",
        kind=KIND_LOGCOSH,
        P=np.zeros((1, 1)),
        v=np.zeros(0),
        dim=dim,
        constants=Constants(1.0, 0.0, True, _CERT),
        f_star=0.0,
        spec={"problem": "logcosh", "dim": dim},
    )


def logistic(a, L0: float | None = None) -> Problem:
    """f(x) = log(1 + e^{-a.x}): (0, ||a||)-smooth; inf f = 0, not attained."""
    try:
        arr = np.asarray(a, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ProblemError(
            f"a: {show(a)} is not a vector of numbers; allowed: a finite, non-zero vector"
        ) from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or not np.any(arr):
        raise ProblemError(
            f"a: {show(arr.tolist())} is not allowed; allowed: a finite, non-zero vector"
        )
    norm = float(np.linalg.norm(arr))
    L0 = norm**2 / 4.0 if L0 is None else check_finite_positive("L0", L0, allow_zero=True)
    return Problem(
        name="logistic",
        kind=KIND_LOGISTIC,
        P=arr[None, :].copy(),
        v=np.zeros(0),
        dim=arr.size,
        constants=Constants(L0, norm, True, _CERT),
        f_star=0.0,
        spec={"problem": "logistic", "a": arr.tolist(), "L0": L0},
    )


def start_constants(problem: Problem, x0: np.ndarray) -> StartConstants:
    """Delta and a certified M on {f <= f(x0)} for the exponential family (T3)."""
    c = problem.value(x0)
    delta = c - problem.f_star
    d = problem.dim
    if problem.kind == KIND_EXP:
        m = c  # ||e^x||_2 <= ||e^x||_1 = f(x)
    elif problem.kind == KIND_COSH:
        # u_j = cosh(a x_j) >= 1 with sum (u_j - 1) <= S = a^2 Delta: max sum sinh^2(a x_j)/a^2
        # = (sum u_j^2 - d)/a^2 (convex in u) is at a vertex, u = (1 + S, 1, ..., 1). S is
        # summed as 2 sinh^2(a x_j/2) = cosh(a x_j) - 1, free of cancellation near 0.
        a = float(problem.P[0, 0])
        S = float(np.sum(2.0 * np.sinh(a * np.asarray(x0) / 2.0) ** 2))
        delta = S / (a * a)
        m = math.sqrt(S * (S + 2.0)) / a
    elif problem.kind == KIND_LOGCOSH:
        # log cosh x_j <= c gives tanh^2 x_j <= 1 - e^{-2c}.
        m = math.sqrt(d * -math.expm1(-2.0 * c))
    elif problem.kind == KIND_LOGISTIC:
        # |f'| = ||a|| sigma(-t) = ||a|| (1 - e^{-f}), increasing in f.
        m = problem.constants.L1 * -math.expm1(-c)
    else:
        raise ProblemError(f"problem: '{problem.name}' is not of the exponential family")
    # Outward rounding: the closed forms are evaluated in floating point (libm errors are
    # below an ulp), so a relative 1e-12 keeps Delta and M upper bounds.
    return StartConstants(
        Delta=delta * (1 + 1e-12), M=m * (1 + 1e-12), certified=True,
        how="closed form on the sublevel set",
    )  # fmt: skip
