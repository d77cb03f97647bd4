"""The distance R that convex bounds read (THEORY T3, Polyak steps; derived, closed form).

For a convex problem, R = ||x0 - u|| for a point u with f(u) - f* <= eps/4: the minimizer
where f* is attained (cosh, log cosh: u = 0), else the nearest point of an explicit part of
the sublevel set {f <= f* + eps/4} (e^x: each coordinate at most log(eps/(4d)); logistic:
the half-space a.u >= -log(e^(eps/4) - 1)). Any such u makes T3's GD-PS bound valid, so
these are certified up to outward rounding. NaN for every other problem: its bound is then
not given.

    >>> import numpy as np
    >>> from l0l1.problems.exponential import cosh_sum
    >>> round(reference_distance(cosh_sum(2), np.array([3.0, 4.0]), 1e-3), 9)  # rounded out
    5.0
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.problems.base import Problem
from l0l1.problems.kinds import KIND_COSH, KIND_EXP, KIND_LOGCOSH, KIND_LOGISTIC

_SAFE = 1.0 - 1e-9  # aim at f(u) - f* <= (1 - 1e-9) eps/4: floating logs keep it <= eps/4
_OUT = 1.0 + 1e-12  # outward rounding of the distance


def reference_distance(problem: Problem, x0: np.ndarray, eps: float) -> float:
    """R = ||x0 - u|| with f(u) - f* <= eps/4 for the convex built-ins; NaN otherwise."""
    kind = problem.kind
    x0 = np.asarray(x0, dtype=np.float64)
    if kind in (KIND_COSH, KIND_LOGCOSH):  # minimizer 0
        return float(np.linalg.norm(x0)) * _OUT
    if kind == KIND_EXP:  # sum e^(u_j) <= d e^(log(eps/(4d))) = eps/4
        level = _SAFE * eps / (4.0 * problem.dim)
        cap = math.log(level) if level > 0.0 else -math.inf  # eps below the float range
        return float(np.linalg.norm(x0 - np.minimum(x0, cap))) * _OUT
    if kind == KIND_LOGISTIC:  # log(1 + e^(-t)) <= eps/4 for t >= s
        a = problem.P[0]
        s = -math.log(math.expm1(_SAFE * eps / 4.0))
        return max(0.0, (s - float(a @ x0)) / float(np.linalg.norm(a))) * _OUT
    return math.nan
