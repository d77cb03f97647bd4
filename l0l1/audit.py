"""Audit a declared (L0, L1) pair: an adversarial search for a point where it fails (T1, T2).

A pair is valid when ||hess f(x)|| <= L0 + L1 ||grad f(x)|| at every x (THEORY T1).
:func:`check_constants` searches for a witness x where ||hess f(x)|| - L1 ||grad f(x)|| > L0
with the searches of :mod:`l0l1.search` (uniform samples at radii R/2^k, rays along the
Hessian's eigen-directions and the axes at radii R 2^(-j/4) down to R/8192, descent paths
and Newton runs to stationary points, local ascent of ||hess f|| - L1 ||grad f|| from the
best points), in the ball of radius R about the centre c (x0, or 0) and, when x0 is given,
in its sublevel set {f <= f(x0)}. A violation far out along the flattest direction (f =
||A x||^4 with A = diag(linspace(1/20, 1, 20)) fails (4, 3) at x = 88.9 e_1) needs those
rays and radii, hence the large default R = 1000 max(1, ||c||).

A witness is verified before it is reported: ||hess f|| is recomputed at it from the full
symmetric Hessian (dim products, numpy.linalg.eigvalsh; dim <= 200) or by power iteration
to relative tolerance 1e-13 from several starts (dim > 200), and the violation must exceed
the products' accuracy. "No violation found" is what the search saw, never a proof.

    >>> from l0l1.problems.catalog import make_problem
    >>> cosh = make_problem("cosh")
    >>> check_constants(cosh, 1.0, 1.0, region=20.0).violated
    False
    >>> check_constants(cosh, 0.5, 1.0, region=20.0).violated   # at x = 0: 1 > 0.5
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l0l1.curvature import (
    FULL_HESSIAN_MAX_DIM,
    full_hessian,
    hvp_route,
    norms,
    power,
    random_unit,
)
from l0l1.estimate import _short, _vector
from l0l1.search import Probe, ascend, descend, directions, newton, rays
from l0l1.validate import InputError, integer, positive

DEFAULT_REACH = 1000.0  # R = DEFAULT_REACH * max(1, ||c||) when region is None
SAMPLE_RADII = 10  # uniform samples in the balls of radius R / 2^k, k = 0..9
RAY_POINTS = 53  # ray radii R 2^(-j/4), j = 0..52 (down to R/8192)
NEWTON_ITERS = 30
VERIFY = 5  # candidates verified, best first
# A violation must exceed this share of ||H|| + L0 + L1 ||g|| (the products' accuracy)
MARGIN = {"hvp": 1e-10, "differences": 1e-6}


@dataclass(frozen=True, eq=False)
class ConstantCheck:
    """The outcome of :func:`check_constants` (THEORY T1).

    Attributes
    ----------
    L0, L1 : the pair audited.
    violated : True when a verified witness was found.
    x : the witness (None when no violation was found).
    hess_norm, grad_norm : ||hess f(x)|| (verified) and ||grad f(x)|| at the witness.
    excess : hess_norm - (L0 + L1 grad_norm) (> 0 at a witness).
    best : the largest (||hess f|| - L1 ||grad f|| - L0) / (||hess f|| + L1 ||grad f|| + L0)
        the search saw (scale-free; <= 0: no violation, up to the products' accuracy).
    verified_by : how ||hess f|| was recomputed at the witness.
    points : the number of points evaluated.
    region : the searched set, in words.
    how : how the search went (samples, rays, descent paths, stationary points, ascents).
    statement : one line: the witness, or "no violation found" with how it searched.
    """

    L0: float
    L1: float
    violated: bool
    x: np.ndarray | None
    hess_norm: float
    grad_norm: float
    excess: float
    best: float
    verified_by: str
    points: int
    region: str
    how: str
    statement: str

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["x"] = None if self.x is None else self.x.tolist()
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def check_constants(
    problem,
    L0,
    L1,
    *,
    region=None,
    x0=None,
    samples: int = 1000,
    starts: int = 4,
    steps: int = 60,
    seed: int = 0,
    hessian: str = "auto",
    power_iters: int = 200,
    power_tol: float = 1e-10,
) -> ConstantCheck:
    """Search for a point where ||hess f|| > L0 + L1 ||grad f|| (THEORY T1).

    Parameters
    ----------
    problem : any :class:`l0l1.problems.base.Problem`.
    L0, L1 : the declared pair (finite numbers >= 0).
    region : the radius R > 0 of the searched ball about the centre c = x0 (or 0); None:
        R = 1000 max(1, ||c||).
    x0 : a start; then only its sublevel set {f <= f(x0)} is searched (the constants a
        run from x0 needs, Z20). None: the whole ball (the pair must hold everywhere).
    samples : uniform samples, spread over the balls of radius R/2^k, k = 0..9.
    starts : descent paths and Newton runs from that many samples, and local ascents from
        that many best points.
    steps : steps per descent path and per local ascent.
    seed : seed of the sampling and search (the same seed gives the same answer).
    hessian : "auto", "hvp" or "differences" (as in :func:`l0l1.estimate_constants`).
    power_iters, power_tol : power iteration at each searched point.
    """
    from l0l1.problems.base import Problem

    if not isinstance(problem, Problem):
        raise InputError(
            f"problem: {_short(problem)} is not allowed; allowed: an l0l1 Problem "
            "(make_problem, Problem.from_functions or Problem.from_sympy)"
        )
    L0 = positive("L0", L0, allow_zero=True)
    L1 = positive("L1", L1, allow_zero=True)
    d = problem.dim
    centre = np.zeros(d) if x0 is None else _vector("x0", x0, d)
    number = int | float | np.integer | np.floating
    if region is not None and (isinstance(region, bool) or not isinstance(region, number)):
        raise InputError(
            f"region: {_short(region)} is not allowed; allowed: a radius R > 0 (a number) or None"
        )
    R = DEFAULT_REACH * max(1.0, float(np.linalg.norm(centre))) if region is None else None
    R = positive("region", region) if R is None else R
    samples = integer("samples", samples, 1)
    starts = integer("starts", starts, 1)
    steps = integer("steps", steps, 1)
    seed = integer("seed", seed, 0)
    power_iters = integer("power_iters", power_iters, 1)
    power_tol = positive("power_tol", power_tol)
    hvp = hvp_route(problem, hessian)
    f0 = math.inf
    if x0 is not None:
        f0 = problem.value(centre)
        if not math.isfinite(f0):
            raise InputError(f"x0: f(x0) = {f0} is not finite; allowed: a start where f is finite")
    rng = np.random.default_rng(seed)

    def inside(x: np.ndarray) -> bool:
        if not float(np.linalg.norm(x - centre)) <= R * (1 + 1e-12):
            return False
        with np.errstate(all="ignore"):
            return x0 is None or bool(problem.value(x) <= f0)

    probe = Probe(problem, hvp, rng, power_iters, power_tol, inside)
    where = f"the ball ||x - {_short(centre)}|| <= {R:.4g}"
    if x0 is not None:
        where = f"{{f <= f(x0)}} within {where} (x0 = {_short(centre)})"
    how = _search(probe, centre, R, L0, L1, samples, starts, steps, x0 is not None)
    X, hs, gs = probe.arrays()
    route = "hvp" if hvp is not None else "differences"
    with np.errstate(all="ignore"):
        rel = (hs - L1 * gs - L0) / (hs + L1 * gs + L0)
    rel = np.where(np.isfinite(rel), rel, -1.0)
    best = float(np.max(rel)) if rel.size else -math.inf
    for i in np.argsort(-rel, kind="stable")[:VERIFY]:
        if not rel[i] > MARGIN[route]:
            break
        h, err, by = _verify(problem, X[i], hvp, rng)
        g = float(np.linalg.norm(problem.grad(X[i])))
        excess = h - L0 - L1 * g
        if excess > err + MARGIN[route] * (h + L0 + L1 * g):
            x = X[i].copy()
            x.setflags(write=False)
            statement = (
                f"violation: (L0, L1) = ({L0:.6g}, {L1:.6g}) fails at x = {_short(x)} "
                f"(||x - c|| = {float(np.linalg.norm(x - centre)):.4g}): ||hess f|| = {h:.6g} > "
                f"L0 + L1 ||grad f|| = {L0:.6g} + {L1:.6g} * {g:.6g} = {L0 + L1 * g:.6g} "
                f"(||hess f|| recomputed {by}); searched {where}"
            )
            return ConstantCheck(L0, L1, True, x, h, g, excess, best, by, len(hs), where, how,
                                 statement)  # fmt: skip
    seen = f"{best:.3g}" if math.isfinite(best) else "nothing (no finite point)"
    statement = (
        f"no violation found for (L0, L1) = ({L0:.6g}, {L1:.6g}) on {where}: the largest "
        f"(||hess f|| - L1 ||grad f|| - L0) / (||hess f|| + L1 ||grad f|| + L0) seen was {seen} "
        f"(violations must exceed {MARGIN[route]:g}, the products' accuracy) over {len(hs)} points "
        f"({probe.skipped} non-finite left out); searched by {how}; a search, not a proof"
    )
    return ConstantCheck(L0, L1, False, None, math.nan, math.nan, math.nan, best, "", len(hs),
                         where, how, statement)  # fmt: skip


def _search(probe, centre, R, L0, L1, samples, starts, steps, sublevel: bool) -> str:
    """Samples, rays, descent paths, Newton runs and ascents; what was done, in words."""
    problem, rng, d = probe.problem, probe.rng, probe.problem.dim
    per = max(1, samples // SAMPLE_RADII)
    for k in range(SAMPLE_RADII):
        z = rng.standard_normal((per, d))
        z /= np.linalg.norm(z, axis=1, keepdims=True)
        r = R * 2.0**-k * rng.uniform(0.0, 1.0, per) ** (1.0 / d)
        pts = centre + z * r[:, None]
        keep = np.array([probe.inside(p) for p in pts], dtype=bool)
        h, g = norms(problem, pts[keep], probe.hvp, rng, probe.iters, probe.tol)
        ok = np.isfinite(h) & np.isfinite(g)
        probe.skipped += int(np.count_nonzero(~ok))
        probe.xs += list(pts[keep][ok])
        probe.hs += list(h[ok])
        probe.gs += list(g[ok])
    n_samples = len(probe.xs)
    dirs = directions(probe, centre, starts)
    n_rays = rays(probe, centre, dirs, R * 2.0 ** (-np.arange(RAY_POINTS)[::-1] / 4.0))
    X = probe.arrays()[0]
    picks = [X[i] for i in rng.choice(len(X), size=min(starts, len(X)), replace=False)]
    n_stat = 0
    for b in [centre, *picks]:
        length = 0.1 * max(float(np.linalg.norm(b - centre)), 1e-3 * R)
        gn = newton(probe, descend(probe, b, steps, length), NEWTON_ITERS)[1]
        n_stat += bool(gn <= 1e-8)
    for p in picks:
        n_stat += bool(newton(probe, p, NEWTON_ITERS)[1] <= 1e-8)
    n_asc = n_conv = 0
    for p in probe.best(L1, starts, 0.0, max(L0, 1e-300)):
        length = 0.1 * max(float(np.linalg.norm(p - centre)), 1e-3 * R)
        n_conv += ascend(probe, p, L1, steps, length)[0]
        n_asc += 1
    return (
        f"{n_samples} uniform samples in the balls of radius {R:.4g}/2^k (k = 0..9)"
        f"{' kept in the sublevel set' if sublevel else ''}; rays along {len(dirs)} distinct "
        f"directions (of: eigen-directions of hess f at the centre, the axes, {starts} random) at "
        f"{RAY_POINTS} radii {R:.4g} 2^(-j/4) ({n_rays} points); descent paths ({steps} steps) "
        f"and Newton runs ({NEWTON_ITERS} steps) from the centre and {len(picks)} samples "
        f"({n_stat} ended at grad f = 0); {n_asc} local ascents of ||hess f|| - L1 ||grad f|| "
        f"({steps} steps each, {n_conv} converged)"
    )


def _verify(problem, x: np.ndarray, hvp, rng) -> tuple[float, float, str]:
    """(||hess f(x)||, its error bar, how): from the full Hessian (dim <= 200) or by power
    iteration to 1e-13 (3 starts). With differences the error bar is the change of
    ||hess f|| when the step doubles (3 times the O(h^2) truncation error), 0 with an hvp."""
    d = x.size
    route = "Hessian-vector products" if hvp is not None else "central differences of grad f"

    def norm_at(step: float) -> float:
        if d <= FULL_HESSIAN_MAX_DIM:
            H = full_hessian(problem, x, hvp, step)
            if not np.all(np.isfinite(H)):
                return math.nan
            return float(np.max(np.abs(np.linalg.eigvalsh(H))))
        sub = np.random.default_rng(rng.integers(2**63))
        return max(power(problem, x, hvp, random_unit(sub, d), 5000, 1e-13)[0] for _ in range(3))

    h = norm_at(1.0)
    err = 0.0 if hvp is not None else abs(norm_at(2.0) - h)
    if d <= FULL_HESSIAN_MAX_DIM:
        by = f"from the full {d} x {d} Hessian ({route}, numpy.linalg.eigvalsh)"
    else:
        by = f"by power iteration ({route}, 3 starts, relative tolerance 1e-13)"
    if hvp is None:
        by += f"; step-doubling error bar {err:.3g}"
    return h, err, by
