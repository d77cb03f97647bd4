"""Phase retrieval, finite-sum and online (THEORY T2): realistic non-convex problems.

Finite sum: f(z) = (1/(4m)) sum_r ((a_r.z)^2 - y_r)^2, y_r = (a_r.z*)^2 + noise_r,
rows a_r ~ N(0, I_d) from a seeded generator. Online: the population version with a
uniform on the sphere of radius sqrt(d) (a bounded design, so T5's per-sample
assumption is not violated by heavy tails); with c = d/(d + 2),
f(x) = (c/4)(3|x|^4 - 2|x|^2|z*|^2 - 4(x.z*)^2 + 3|z*|^4) + s^2/4, f* = s^2/4.

Their (L0, L1) pairs are *estimated*: the frontier max(||hess|| - L1 ||grad||) over
sampled points, a lower bound on the true requirement. M is a certified upper bound
by Cauchy-Schwarz on the sublevel set (see start_constants).
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
    check_entries,
    check_finite_positive,
    check_integer,
)
from l0l1.problems.kinds import KIND_PHASE, KIND_PHASE_POP

_EST = "estimated: max over sampled points (a lower bound on the true L0)"


def finite_sum(m: int = 200, d: int = 10, seed: int = 0, noise: float = 0.0, L1=None) -> Problem:
    """Phase retrieval with m Gaussian measurements in R^d; a finite sum of n = m terms."""
    m = check_dim("m", m)
    d = check_dim("d", d)
    check_entries("m", f"{m} measurements in dimension d = {d}", m, d)
    check_entries("d", f"{d} (its Hessians)", d, d)
    seed = check_integer("seed", seed, 0)
    noise = check_finite_positive("noise", noise, allow_zero=True)
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    z = rng.standard_normal(d)
    z /= np.linalg.norm(z)
    y = (A @ z) ** 2 + noise * rng.standard_normal(m)
    spec = {"problem": "phase_retrieval", "m": m, "d": d, "seed": seed, "noise": noise}
    prob = Problem(
        name="phase_retrieval",
        kind=KIND_PHASE,
        P=A,
        v=y,
        dim=d,
        constants=Constants(math.nan, math.nan, False, _EST),
        f_star=0.0,
        n=m,
        spec={**spec, "z_star": z.tolist()},
    )
    return prob.with_constants(estimate_constants(prob, z, L1, seed))


def online(d: int = 10, seed: int = 0, noise: float = 0.0, L1=None) -> Problem:
    """Population phase retrieval, sampled online by ORACLE_PHASE_ONLINE."""
    d = check_dim("d", d)
    check_entries("d", f"{d} (its Hessians)", d, d)
    seed = check_integer("seed", seed, 0)
    noise = check_finite_positive("noise", noise, allow_zero=True)
    z = np.random.default_rng(seed).standard_normal(d)
    z /= np.linalg.norm(z)
    prob = Problem(
        name="online_phase_retrieval",
        kind=KIND_PHASE_POP,
        P=z[None, :].copy(),
        v=np.array([noise]),
        dim=d,
        constants=Constants(math.nan, math.nan, False, _EST),
        f_star=noise**2 / 4.0,
        spec={"problem": "online_phase_retrieval", "d": d, "seed": seed, "noise": noise},
    )
    return prob.with_constants(estimate_constants(prob, z, L1, seed))


def hessian(problem: Problem, x: np.ndarray) -> np.ndarray:
    """The Hessian of either phase-retrieval kind at x (NumPy)."""
    if problem.kind == KIND_PHASE:
        A, y = problem.P, problem.v
        t = A @ x
        return (A.T * (3.0 * t**2 - y)) @ A / A.shape[0]
    z = problem.P[0]
    d = problem.dim
    c = d / (d + 2.0)
    eye = np.eye(d)
    return c * ((3.0 * x @ x - z @ z) * eye + 6.0 * np.outer(x, x) - 2.0 * np.outer(z, z))


def sample_points(z: np.ndarray, seed: int, count: int = 64) -> np.ndarray:
    """Points around z* at radii 1e-3..10 |z*| along random directions (for estimates)."""
    rng = np.random.default_rng(seed + 1)
    u = rng.standard_normal((count, z.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    radii = np.logspace(-3, 1, count)
    return np.vstack([z + radii[:, None] * u, radii[:, None] * u])


def frontier_samples(problem: Problem, z: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(||hess f||, ||grad f||) at the sampled points."""
    pts = sample_points(z, seed)
    hn = np.array([np.linalg.norm(hessian(problem, p), 2) for p in pts])
    gn = np.array([np.linalg.norm(problem.grad(p)) for p in pts])
    return hn, gn


def estimate_constants(problem: Problem, z: np.ndarray, L1, seed: int) -> Constants:
    """Estimated (L0, L1): L1 given, or the one minimizing L0 + L1 (a neutral default)."""
    hn, gn = frontier_samples(problem, z, seed)
    if L1 is None:
        grid = np.logspace(-3, 3, 121)
        l0 = np.array([np.max(np.maximum(hn - l1 * gn, 0.0)) for l1 in grid])
        L1 = float(grid[np.argmin(l0 + grid)])
    L1 = check_finite_positive("L1", L1, allow_zero=True)
    L0 = float(np.max(np.maximum(hn - L1 * gn, 0.0)))
    return Constants(L0, L1, False, _EST)


def start_constants(problem: Problem, x0: np.ndarray) -> StartConstants:
    """Delta and a certified upper bound on M over {f <= c}, c = f(x0) (Cauchy-Schwarz).

    Finite sum: with r_i = (a_i.x)^2 - y_i, sum r_i^2 = 4 m f <= 4 m c and
    sum (a_i.x)^2 <= sum |r_i| + |y_i| <= 2 m sqrt(c) + sum |y_i|, so
    ||grad|| <= (1/m) sqrt(4 m c) * max|a_i| * sqrt(2 m sqrt(c) + sum |y_i|).
    Online: ||grad|| <= sqrt(4 c) sqrt(d (sqrt(4c - s^2) + |z*|^2)) likewise.
    """
    c = problem.value(x0)
    if problem.kind == KIND_PHASE:
        m = problem.n
        amax = float(np.max(np.linalg.norm(problem.P, axis=1)))
        bound = (
            math.sqrt(4 * m * c) * amax * math.sqrt(2 * m * math.sqrt(c) + np.abs(problem.v).sum())
        ) / m
    elif problem.kind == KIND_PHASE_POP:
        s2 = problem.v[0] ** 2
        zz = float(problem.P[0] @ problem.P[0])
        bound = math.sqrt(4 * c) * math.sqrt(problem.dim * (math.sqrt(max(4 * c - s2, 0)) + zz))
    else:
        raise ProblemError(f"problem: '{problem.name}' is not a phase-retrieval problem")
    return StartConstants(
        Delta=c - problem.f_star,
        M=bound * (1 + 1e-12),
        certified=True,
        how="Cauchy-Schwarz on the sublevel set",
    )
