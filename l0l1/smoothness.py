"""THEORY T6's local-smoothness estimate along the trajectory of a method.

Z20's observation is that the local smoothness L_hat grows with ||grad f|| along real
trajectories. The estimate at x_k, with d_k = x_{k+1} - x_k, is

    L_hat_k = max over gamma in GAMMAS of
              ||grad f(x_k + gamma d_k) - grad f(x_k)|| / (gamma ||d_k||).

* :func:`trajectory`: the iterates of a deterministic method with the schedule of
  :func:`l0l1.runs.run` (plus overrides), kept in full (runs keep only checkpoints);
* :func:`smoothness_along`: L_hat along the iterates of any gradient map;
* :func:`records`: both, as the rows of the local-smoothness figure of ``l0l1 reproduce``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GAMMAS = (0.125, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Trajectory:
    """Iterates of a deterministic method kept in full.

    ``xs[k]`` is x_k (k = 0..len-1), ``grad_norms[k]`` = ||grad f(x_k)|| and ``f[k]`` =
    f(x_k); ``status`` is "diverged" when an iterate or gradient stopped being finite
    (the arrays then end at the last finite iterate), else "ran". ``params`` are the step
    rule's values (the schedule of :func:`l0l1.runs.run` after ``overrides``), computed
    with the constants ``L0``, ``L1`` (``certified`` when proven, else estimated).
    """

    method: str
    xs: np.ndarray
    f: np.ndarray
    grad_norms: np.ndarray
    status: str
    params: dict
    L0: float
    L1: float
    certified: bool


def trajectory(problem, method: str, x0, iters: int, overrides: dict | None = None) -> Trajectory:
    """Run a deterministic ``method`` for ``iters`` iterations from ``x0`` and keep every
    iterate: the same driver and algorithm as :func:`l0l1.runs.run`, with the schedule
    of ``run(problem, method, x0=x0, overrides=...)``.
    """
    from l0l1.methods.driver import run_algorithm
    from l0l1.methods.registry import get_method
    from l0l1.problems.oracles import ORACLE_EXACT
    from l0l1.runs import run

    spec = get_method(method)
    if spec.stochastic:
        raise ValueError(f"method: {method!r} is not allowed here; allowed: a deterministic method")
    res = run(problem, method, eps=1e-300, x0=x0, max_iter=1, overrides=overrides)
    p = np.array([float(res.params[k]) for k in spec.param_names])
    x0 = np.atleast_1d(np.asarray(x0, dtype=float))
    f_star = problem.f_star if spec.target == "gap" else math.nan
    out = run_algorithm(
        problem.kernel_kind, problem.P, problem.v, problem.n, ORACLE_EXACT, 0.0, 1,
        spec.algorithm, p, x0, -1.0, iters, 0, 1, np.random.default_rng(0),
        np.arange(iters, dtype=np.int64), f_star, True,
    )  # fmt: skip
    xs, trace = out.iterates[: out.rows], out.trace[: out.rows]
    ok = np.all(np.isfinite(xs), axis=1) & np.isfinite(trace[:, 2]) & np.isfinite(trace[:, 3])
    last = int(np.argmin(ok)) if not ok.all() else len(ok)
    return Trajectory(
        method, xs[:last].copy(), trace[:last, 2].copy(), trace[:last, 3].copy(),
        "diverged" if last < len(ok) else "ran", dict(res.params), res.L0, res.L1,
        res.constants_certified,
    )  # fmt: skip


def smoothness_along(grad: Callable, xs: np.ndarray, gammas=GAMMAS) -> dict:
    """THEORY T6 along a trajectory ``xs`` (rows x_0, x_1, ...) of the gradient map ``grad``.

    Returns arrays ``k``, ``grad_norm`` = ||grad f(x_k)|| and ``L_hat`` = max over gamma of
    ||grad f(x_k + gamma d_k) - grad f(x_k)|| / (gamma ||d_k||), d_k = x_{k+1} - x_k.
    """
    ks, gn, lh = [], [], []
    for k in range(len(xs) - 1):
        g = grad(xs[k])
        d = xs[k + 1] - xs[k]
        dn = float(np.linalg.norm(d))
        if dn == 0 or not math.isfinite(dn):
            break
        est = max(float(np.linalg.norm(grad(xs[k] + t * d) - g)) / (t * dn) for t in gammas)
        ks.append(k)
        gn.append(float(np.linalg.norm(g)))
        lh.append(est)
    return {"k": np.array(ks), "grad_norm": np.array(gn), "L_hat": np.array(lh)}


def records(problem, label: str, method: str, x0, iters: int = 300) -> list[dict]:
    """L_hat and ||grad f|| at x_k for k < ``iters`` along ``method`` from ``x0``, one row
    per k, tagged with the constants of the run's schedule (certified or estimated)."""
    traj = trajectory(problem, method, x0, iters)
    est = smoothness_along(problem.grad, traj.xs)
    tag = "certified" if traj.certified else "estimated"
    base = {"problem_label": label, "method": method, "L0": traj.L0, "L1": traj.L1,
            "constants": tag}  # fmt: skip
    return [
        {**base, "k": int(k), "grad_norm": float(gn), "L_hat": float(lh)}
        for k, gn, lh in zip(est["k"], est["grad_norm"], est["L_hat"], strict=True)
    ]
