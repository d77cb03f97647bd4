"""Searching, not only sampling, for where ||hess f|| - L1 ||grad f|| is large (THEORY T2).

The least valid L0 at L1 is a supremum, L0*(L1) = sup_x (||hess f(x)|| - L1 ||grad f(x)||)_+;
uniform samples miss narrow peaks (a minimizer where grad f = 0 and hess f is large, a peak
far out along the flattest direction). :class:`Probe` evaluates and logs (||hess f||,
||grad f||) at every point the searches visit inside the searched set; the searches are

* :func:`rays`: points c + t u along given directions u (e.g. eigen-directions of the
  Hessian at c and the coordinate axes) at growing radii t;
* :func:`descend`: a gradient-descent path on f (what a run from that start traverses),
  ended by :func:`newton` steps to a stationary point (grad f = 0);
* :func:`newton`: Newton steps on grad f = 0 (least squares where H is singular, or steps
  along -H g, the gradient of ||g||^2/2, above FULL_HESSIAN_MAX_DIM), finding minimizers,
  saddles and maximizers alike;
* :func:`ascend`: local ascent of phi(x) = ||hess f(x)|| - L1 ||grad f(x)||, whose
  gradient is s D^3 f(x)[v, v] - L1 hess f(x) g/||g|| (v the top eigenvector, s the sign of
  its eigenvalue), with an adaptive step (doubled on success, halved otherwise); a step
  leaving the set is tried again along the tangent of {f = const} (a maximum on the
  boundary of a sublevel set).

Every logged value is ||H u|| <= ||H|| from power iteration, so each logged point gives a
valid lower bound on L0*(L1) (up to the products' rounding): the search can only raise an
estimate towards the true frontier, never above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from l0l1.curvature import FULL_HESSIAN_MAX_DIM, full_hessian, power, product, random_unit, third


@dataclass
class Probe:
    """Evaluates (||hess f||, ||grad f||) at points of the searched set and logs them."""

    problem: object
    hvp: object
    rng: np.random.Generator
    iters: int
    tol: float
    inside: Callable[[np.ndarray], bool]
    xs: list = field(default_factory=list)
    hs: list = field(default_factory=list)
    gs: list = field(default_factory=list)
    skipped: int = 0  # points where grad f or hess f was not finite

    def at(self, x: np.ndarray, u=None):
        """(h, g, grad f(x), u) at x (logged), or None outside the set or where not finite."""
        if not self.inside(x):
            return None
        with np.errstate(all="ignore"):
            gv = self.problem.grad(x)
            g = float(np.linalg.norm(gv))
        if not math.isfinite(g):
            self.skipped += 1
            return None
        start = random_unit(self.rng, x.size) if u is None else u
        h, u = power(self.problem, x, self.hvp, start, self.iters, self.tol)
        if not math.isfinite(h):
            self.skipped += 1
            return None
        self.xs.append(np.array(x, dtype=float))
        self.hs.append(h)
        self.gs.append(g)
        return h, g, gv, u

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        d = self.problem.dim
        xs = np.array(self.xs).reshape(-1, d)
        return xs, np.array(self.hs, dtype=float), np.array(self.gs, dtype=float)

    def best(self, L1: float, count: int, accuracy: float, L0: float = 0.0) -> list[np.ndarray]:
        """Up to ``count`` distinct logged points with the largest (h - L1 g - L0) /
        (h + L1 g + L0) if L0 > 0 (scale-free: the audit's violations), else the largest
        h - L1 g among those above ``accuracy`` (h + L1 g) (rounding noise never starts)."""
        xs, hs, gs = self.arrays()
        with np.errstate(all="ignore"):
            if L0 > 0:
                key = (hs - L1 * gs - L0) / (hs + L1 * gs + L0)
            else:
                key = hs - L1 * gs
                key = np.where(key > accuracy * (hs + L1 * gs), key, 0.0)
        order = np.argsort(-key, kind="stable")
        out: list[np.ndarray] = []
        for i in order:
            if all(not np.allclose(xs[i], y, rtol=1e-9, atol=1e-12) for y in out):
                out.append(xs[i])
            if len(out) == count:
                break
        return out


def rays(probe: Probe, centre: np.ndarray, directions, radii) -> int:
    """Evaluate centre +- t u for each direction u and radius t (ascending); the number of
    points evaluated."""
    n = 0
    for u in directions:
        for sign in (1.0, -1.0):
            v = None
            for t in radii:
                got = probe.at(centre + sign * t * u, v)
                n += 1
                if got is not None:
                    v = got[3]
    return n


def directions(probe: Probe, centre: np.ndarray, extra: int) -> list[np.ndarray]:
    """Eigen-directions of hess f(centre) and the coordinate axes (dim <= FULL_HESSIAN_MAX_DIM),
    else the top eigen-direction and random ones; ``extra`` random directions besides."""
    d = centre.size
    dirs: list[np.ndarray] = []
    if d <= FULL_HESSIAN_MAX_DIM:
        H = full_hessian(probe.problem, centre, probe.hvp)
        if np.all(np.isfinite(H)):
            dirs += list(np.linalg.eigh(H)[1].T)
        dirs += list(np.eye(d))
    else:
        dirs.append(power(probe.problem, centre, probe.hvp, random_unit(probe.rng, d), 50, 1e-8)[1])
    dirs += [random_unit(probe.rng, d) for _ in range(extra)]
    out: list[np.ndarray] = []
    for u in dirs:
        if np.all(np.isfinite(u)) and all(abs(float(u @ w)) < 0.999 for w in out):
            out.append(u / np.linalg.norm(u))
    return out


def descend(probe: Probe, x: np.ndarray, steps: int, length: float) -> np.ndarray:
    """A gradient-descent path on f from x (normalized steps of adaptive length, Armijo
    test), each accepted point logged; returns its end."""
    problem = probe.problem
    with np.errstate(all="ignore"):
        fx, gv = problem.value(x), problem.grad(x)
    floor = 1e-12 * max(1.0, float(np.linalg.norm(x)))
    for _ in range(steps):
        with np.errstate(all="ignore"):
            g = float(np.linalg.norm(gv))
        if not (math.isfinite(g) and g > 0 and length > floor):
            break
        y = x - length * gv / g
        with np.errstate(all="ignore"):
            fy = problem.value(y)
        if fy <= fx - 1e-4 * length * g:
            x, fx = y, fy
            with np.errstate(all="ignore"):
                gv = problem.grad(x)
            probe.at(x)
            length *= 2.0
        else:
            length /= 2.0
    return x


def newton(probe: Probe, x: np.ndarray, iters: int) -> tuple[np.ndarray, float]:
    """Newton steps towards grad f = 0 from x, halved until ||grad f|| decreases; returns the
    end (logged) and its ||grad f||."""
    problem, d = probe.problem, x.size
    with np.errstate(all="ignore"):
        gv = problem.grad(x)
        gn = float(np.linalg.norm(gv))
    for _ in range(iters):
        if not math.isfinite(gn) or gn == 0.0:
            break
        with np.errstate(all="ignore"):
            if d <= FULL_HESSIAN_MAX_DIM:
                H = full_hessian(problem, x, probe.hvp)
                if not np.all(np.isfinite(H)):
                    break
                step = np.linalg.lstsq(H, -gv, rcond=None)[0]
            else:
                hg = product(problem, x, gv, probe.hvp)
                step = -hg * (gn**2 / max(float(hg @ hg), 1e-300))
        t, moved = 1.0, False
        for _ in range(40):
            y = x + t * step
            with np.errstate(all="ignore"):
                gy = problem.grad(y)
                gyn = float(np.linalg.norm(gy))
            if math.isfinite(gyn) and gyn < gn:
                x, gv, gn, moved = y, gy, gyn, True
                break
            t /= 2.0
        if not moved:
            break
    probe.at(x)
    return x, gn


def ascend(probe: Probe, x: np.ndarray, L1: float, steps: int, length: float) -> tuple[bool, int]:
    """Local ascent of ||hess f|| - L1 ||grad f|| from x; (converged, steps taken). Converged:
    the step length fell below 1e-9 max(1, ||x||) (a local maximum, up to the rounding of
    the differences)."""
    got = probe.at(x)
    if got is None:
        return False, 0
    h, g, gv, u = got
    val = h - L1 * g
    problem = probe.problem
    for k in range(steps):
        with np.errstate(all="ignore"):
            w = product(problem, x, u, probe.hvp)
            d = math.copysign(1.0, float(u @ w)) * third(problem, x, u, probe.hvp)
            if L1 > 0 and g > 0:
                d = d - L1 * product(problem, x, gv / g, probe.hvp)
        with np.errstate(all="ignore"):
            nd = float(np.linalg.norm(d))
        if not (math.isfinite(nd) and nd > 0):
            return False, k
        y = x + length * d / nd
        if not probe.inside(y) and g > 0:  # along the boundary of {f <= f(x0)} instead
            t = d - max(float(d @ gv), 0.0) * gv / g**2
            nt = float(np.linalg.norm(t))
            y = x + length * t / nt if nt > 0 else y
        new = probe.at(y, u)
        if new is not None and new[0] - L1 * new[1] > val:
            x, (h, g, gv, u) = y, new
            val = h - L1 * g
            length *= 2.0
        else:
            length /= 2.0
            if length < 1e-9 * max(1.0, float(np.linalg.norm(x))):
                return True, k + 1
    return False, steps
