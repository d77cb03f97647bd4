"""||hess f||, ||grad f|| and the derivatives the constant searches use (THEORY T1, T2).

Hessian-vector products come from ``problem.hvp`` when the problem has one, otherwise from
central differences of ``problem.grad``; ||hess f(x)|| (the largest |eigenvalue|) from
power iteration on them (a lower bound: ||H u|| <= ||H|| for a unit u) or, for a
verification, from the full symmetric Hessian (``dim`` products) and its eigenvalues.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.validate import InputError

HESSIAN_ROUTES = ("auto", "hvp", "differences")
# Central differences: step h = FD_STEP * max(1, ||x||) along a unit vector u. The
# truncation error is O(h^2 |f''''|) and the rounding error O(eps ||grad f|| / h); the cube
# root of the machine epsilon balances the two for a well-scaled f.
FD_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)
# Second differences of grad f (third derivatives without an hvp): the fourth root.
FD2_STEP = float(np.finfo(np.float64).eps) ** 0.25
# Relative accuracy trusted in h = ||hess f|| against L1 g = L1 ||grad f||: a difference
# h - L1 g below ACCURACY[route] * (h + L1 g) cannot be told from 0 and counts as 0 (the
# truncation error of differences grows like (FD_STEP ||x||)^2 h, their rounding error like
# eps g / FD_STEP: e^x at x = 16 with L1 = 1 would otherwise show a spurious L0 ~ 1e-9 e^16).
ACCURACY = {"hvp": 1e-12, "differences": 1e-8}
FULL_HESSIAN_MAX_DIM = 200  # above this, verification uses power iteration to tolerance


def hvp_route(problem, hessian):
    """The problem's hvp, or None for central differences."""
    if hessian not in HESSIAN_ROUTES:
        raise InputError(
            f"hessian: {hessian!r} is not allowed; allowed: {', '.join(HESSIAN_ROUTES)}"
        )
    if hessian == "hvp" and problem.hvp is None:
        raise InputError(
            f"hessian: 'hvp' but problem {problem.name!r} has no hvp; allowed: auto, "
            "differences (or give hvp= to Problem.from_functions)"
        )
    return None if hessian == "differences" else problem.hvp


def product(problem, x: np.ndarray, u: np.ndarray, hvp, step: float = 1.0) -> np.ndarray:
    """hess f(x) u (an hvp, or a central difference of grad f with ``step`` times the
    default step)."""
    if hvp is not None:
        return hvp(x, u)
    h = step * FD_STEP * max(1.0, float(np.linalg.norm(x)))
    return (problem.grad(x + h * u) - problem.grad(x - h * u)) / (2.0 * h)


def power(problem, x, hvp, u, iters: int, tol: float) -> tuple[float, np.ndarray]:
    """(||H u_k||, u_k): power iteration from the unit vector ``u``, stopped when the value
    changes by at most ``tol`` relatively or after ``iters`` products; NaN if not finite."""
    d = x.shape[0]
    if d == 1:  # H is a number: one product is exact
        return float(abs(product(problem, x, np.ones(1), hvp)[0])), np.ones(1)
    est = math.nan
    with np.errstate(all="ignore"):
        for k in range(iters):
            w = product(problem, x, u, hvp)
            norm = float(np.linalg.norm(w))
            if not math.isfinite(norm):
                return math.nan, u
            if norm == 0.0:  # H u = 0 for a random u: H = 0 almost surely
                return 0.0, u
            if k and abs(norm - est) <= tol * norm:
                return norm, u
            est = norm
            u = w / norm
    return est, u


def random_unit(rng, d: int) -> np.ndarray:
    u = rng.standard_normal(d)
    return u / np.linalg.norm(u)


def norms(problem, pts, hvp, rng, iters, tol) -> tuple[np.ndarray, np.ndarray]:
    """(||hess f||, ||grad f||) at each row of pts (NaN where not finite)."""
    h = np.empty(len(pts))
    g = np.empty(len(pts))
    d = pts.shape[1] if len(pts) else 1
    with np.errstate(all="ignore"):
        for i, p in enumerate(pts):
            g[i] = np.linalg.norm(problem.grad(p))
            if math.isfinite(g[i]):
                h[i] = power(problem, p, hvp, random_unit(rng, d), iters, tol)[0]
            else:
                h[i] = math.nan
    return h, g


def full_hessian(problem, x: np.ndarray, hvp, step: float = 1.0) -> np.ndarray:
    """The symmetrized Hessian (H + H^T)/2 from ``dim`` products (differences: ``step``
    times the default step)."""
    d = x.shape[0]
    cols = np.empty((d, d))
    with np.errstate(all="ignore"):
        for j in range(d):
            e = np.zeros(d)
            e[j] = 1.0
            cols[:, j] = product(problem, x, e, hvp, step)
    return (cols + cols.T) / 2.0


def third(problem, x: np.ndarray, v: np.ndarray, hvp) -> np.ndarray:
    """D^3 f(x)[v, v] = d^2/dt^2 grad f(x + t v) at t = 0, the gradient of x -> v'H(x)v:
    a central difference of hvp(., v), or a second difference of grad f."""
    scale = max(1.0, float(np.linalg.norm(x)))
    with np.errstate(all="ignore"):
        if hvp is not None:
            t = FD_STEP * scale
            return (hvp(x + t * v, v) - hvp(x - t * v, v)) / (2.0 * t)
        s = FD2_STEP * scale
        return (problem.grad(x + s * v) - 2.0 * problem.grad(x) + problem.grad(x - s * v)) / s**2
