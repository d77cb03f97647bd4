"""Estimated (L0, L1) constants of any problem (THEORY T2): sampled and searched, never certified.

For a point x let h(x) = ||hess f(x)|| (the spectral norm: the largest |eigenvalue|) and
g(x) = ||grad f(x)||. The least L0 that makes f (L0, L1)-smooth on a set S is

    L0*(L1) = sup over x in S of (h(x) - L1 g(x))_+ .

:func:`estimate_constants` replaces the sup by a max over evaluated points, so every value
it returns is a *lower* bound on the least valid L0 (up to the rounding of the Hessian-vector
products): an estimate, never certified. The set S is

* ``region``: a ball ``r`` (radius about ``x0``, or about 0 when ``x0`` is None) or a box
  ``(lo, hi)``, scaled by 1, 2, 4, ..., 2**growth about its centre (the *growth ladder*);
* intersected with the sublevel set {f <= f(x0)} when ``x0`` is given (Z20's setting: the
  constants a run from x0 needs), the whole region when ``x0`` is None.

The points are uniform samples of each scale, then a search (:mod:`l0l1.search`): rays
along the Hessian's eigen-directions and the axes at growing radii, a gradient-descent path
from x0 (what a run traverses) and from samples, Newton steps to stationary points
(grad f = 0, where h - L1 g = h: minimizers are where uniform samples fail most), and local
ascent of h - L1 g from the best points at a few L1 of the grid; plus any ``points`` you give
(e.g. a trajectory), which are not filtered.

The growth ladder answers "did L0*(L1) stop growing?": row k of ``L0_by_radius`` is the max
over the evaluated points inside scale k. L0*(L1) *grows* at L1 when it rose by more than
``growth_rtol`` at the last doubling. A scale that kept fewer than ``min_kept`` uniform
samples (e.g. a sublevel set filling a tiny part of a large ball) cannot pass this test.
``established[j]`` is True only when the last two scales are well sampled, L0*(L1_j) did
not grow, and the search ran: evidence, not proof (a narrow peak the search never
approached is still missed). ``fits`` is False when L0*(L1) grew for every L1 of the grid
(no finite pair fits, e.g. f = e^{x^2}), None when the growth test could not run, True
otherwise. ``statement`` says all of this in words.

    >>> from l0l1.problems.catalog import make_problem
    >>> est = estimate_constants(make_problem("polynomial", coeffs=[0, 0, 0, 0, 1]),
    ...                          region=(-5.0, 5.0), L1_grid=[1.0, 2.0], samples=500)
    >>> est.status, est.fits, [round(float(v), 1) for v in est.L0], est.established.tolist()
    ('estimated', True, [16.0, 4.0], [True, True])
    >>> est.pair(1.0).certified
    False
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l0l1.curvature import ACCURACY, FD_STEP, hvp_route, norms, power, random_unit
from l0l1.search import Probe, ascend, descend, directions, newton, rays
from l0l1.validate import InputError, integer, positive

DEFAULT_L1_GRID = tuple(float(v) for v in np.logspace(-2, 2, 41))
SEARCH_L1 = 5  # L1 values of the grid (evenly spread) at which the local ascent runs
RAY_POINTS = 41  # radii per ray: the largest scale's radius times 2^(-k/4), k = 0..40
NEWTON_ITERS = 30
_CHUNK_FLOATS = 1 << 20  # candidate points are drawn in chunks of about this many floats


@dataclass(frozen=True, eq=False)
class ConstantEstimate:
    """The estimated frontier L0*(L1) of a problem (THEORY T2): never certified.

    Attributes
    ----------
    L1, L0 : the L1 grid (ascending) and L0*(L1) = max over all evaluated points of
        (||hess f|| - L1 ||grad f||)_+ on it: lower bounds on the least valid L0.
    established : per L1, whether the search and the growth test support L0 as the
        frontier (well-sampled last scales, no growth at the last doubling, search run):
        evidence, not proof; False means "could not establish".
    max_hess_norm, max_grad_norm : the largest ||hess f|| and ||grad f|| evaluated.
    samples : the number of points evaluated (samples, search, x0 and ``points``).
    region : the largest region searched, in words (sublevel set included).
    radii : the growth ladder's scales of the base region (1, 2, 4, ...).
    L0_by_radius : ``(len(radii), len(L1))``: row k is the frontier over the evaluated
        points inside the region scaled by ``radii[k]`` (``points`` not included).
    samples_by_radius : the uniform samples kept (in the sublevel set, finite) per scale.
    stationary : ``(k, dim)``: the stationary points (grad f = 0) the search found.
    argmax : ``(len(L1), dim)``: an evaluated point attaining each L0 value.
    fits : False when L0*(L1) still grew at the last doubling for every L1 of the grid,
        None when the growth test could not run (thin scales), True otherwise.
    status : always "estimated" (a sampled value is never certified).
    statement : one line saying what was estimated, on what, whether the growth test ran,
        for which L1 the estimate is established and for which it could not be.
    confidence : what the uniform sampling does and does not guarantee.
    how : the route to ||hess f|| ("hvp" or "central differences") and the sampling.
    search : what the search did (rays, descent paths, stationary points, ascents).
    hess_norms, grad_norms : the per-point values behind L0 (:meth:`pair` uses them).
    accuracy : relative accuracy trusted: h - L1 g <= accuracy (h + L1 g) counts as 0
        (1e-8 for central differences, 1e-12 for an hvp).
    """

    L1: np.ndarray
    L0: np.ndarray
    established: np.ndarray
    max_hess_norm: float
    max_grad_norm: float
    samples: int
    region: str
    radii: np.ndarray
    L0_by_radius: np.ndarray
    samples_by_radius: tuple[int, ...]
    stationary: np.ndarray
    argmax: np.ndarray
    fits: bool | None
    statement: str
    confidence: str
    how: str
    search: str
    hess_norms: np.ndarray
    grad_norms: np.ndarray
    accuracy: float
    status: str = "estimated"

    def __post_init__(self):
        if self.status != "estimated":
            raise ValueError(f"status: {self.status!r}; a sampled estimate is 'estimated'")

    def L0_at(self, L1) -> float:
        """max over the evaluated points of (||hess f|| - L1 ||grad f||)_+ at any L1 >= 0."""
        lam = positive("L1", L1, allow_zero=True)
        vals = _excess(self.hess_norms, self.grad_norms, np.array([lam]), self.accuracy)
        return float(np.max(vals))

    def pair(self, L1):
        """The estimated pair at ``L1`` as :class:`l0l1.problems.base.Constants`
        (``certified=False``), e.g. for ``problem.with_constants(est.pair(1.0))``."""
        from l0l1.problems.base import Constants

        lam = positive("L1", L1, allow_zero=True)
        on_grid = np.flatnonzero(np.isclose(self.L1, lam, rtol=0, atol=0))
        trust = (
            "established by search (not proven)"
            if on_grid.size and self.established[on_grid[0]]
            else "NOT established (see the estimate's statement)"
        )
        how = (
            f"estimated (not certified): max over {self.samples} sampled and searched points "
            f"of {self.region}; a lower bound on the least L0, {trust} "
            "(l0l1.estimate_constants)"
        )
        return Constants(self.L0_at(lam), lam, False, how)


def estimate_constants(
    problem,
    region=None,
    x0=None,
    *,
    points=None,
    L1_grid=None,
    samples: int = 2000,
    seed: int = 0,
    growth: int = 3,
    growth_rtol: float = 0.1,
    delta: float = 0.05,
    hessian: str = "auto",
    power_iters: int = 100,
    power_tol: float = 1e-10,
    starts: int = 3,
    steps: int = 40,
    min_kept: int = 50,
) -> ConstantEstimate:
    """Estimate the frontier L0*(L1) of ``problem`` by sampling and searching (THEORY T2).

    Parameters
    ----------
    problem : any :class:`l0l1.problems.base.Problem` (built-in or user-defined).
    region : where to sample and search:

        * a number ``r > 0``: the ball ||x - c|| <= r, c = x0 (or 0 when x0 is None);
        * a pair ``(lo, hi)`` of numbers or of length-``dim`` vectors, lo < hi: the box;
        * None: the ball of radius max(1, ||x0||) about x0 (radius 1 about 0 without x0).

        The region is scaled by 1, 2, ..., 2**growth about its centre (the growth ladder);
        the search stays inside the largest scale.
    x0 : a start; points count only in its sublevel set {f <= f(x0)}; x0 itself is
        evaluated and starts the descent path. None: the whole region.
    points : extra points ``(m, dim)`` (e.g. a trajectory), always included, never filtered
        (for dim 1 a flat array of m numbers is accepted).
    L1_grid : the values of L1 >= 0 (default 41 log-spaced values in [0.01, 100]).
    samples : uniform candidates drawn per scale of the ladder.
    seed : seed of the sampling and search (the same seed gives the same estimate).
    growth : number of doublings of the region (>= 1), so ``growth + 1`` scales.
    growth_rtol : L0*(L1) "grows" at the last doubling when it rises by more than this
        relative amount.
    delta : the failure probability of the order-statistics statement in ``confidence``.
    hessian : "auto" (``problem.hvp`` when present, else central differences), "hvp"
        (require it) or "differences" (always central differences of ``problem.grad``).
    power_iters, power_tol : power-iteration budget and relative stopping tolerance.
    starts : search starts: descent paths and Newton runs from that many samples, and
        local ascents from that many best points at each of up to SEARCH_L1 = 5 L1 values
        of the grid (0: no search, sampling only, never "established").
    steps : steps per descent path and per local ascent (0: no search).
    min_kept : the least number of uniform samples a scale must keep for the growth test.

    Cost: at most ``samples * (growth + 1)`` sampled points, about 2 (2 dim + starts) * 41
    ray points, and ``starts * (2 + SEARCH_L1) * steps`` search points, each a power
    iteration of at most ``power_iters`` Hessian-vector products (two gradients each with
    differences; one product in dim 1), plus dim products per Newton step (dim <= 200).
    """
    from l0l1.problems.base import Problem

    if not isinstance(problem, Problem):
        raise InputError(
            f"problem: {_short(problem)} is not allowed; allowed: an l0l1 Problem "
            "(make_problem, Problem.from_functions or Problem.from_sympy)"
        )
    d = problem.dim
    grid = _l1_grid(L1_grid)
    samples = integer("samples", samples, 1)
    seed = integer("seed", seed, 0)
    growth = integer("growth", growth, 1)
    growth_rtol = positive("growth_rtol", growth_rtol)
    power_iters = integer("power_iters", power_iters, 1)
    power_tol = positive("power_tol", power_tol)
    starts = integer("starts", starts, 0)
    steps = integer("steps", steps, 0)
    min_kept = integer("min_kept", min_kept, 1)
    delta = positive("delta", delta)
    if delta >= 1:
        raise InputError(f"delta: {delta!r} is not allowed; allowed: a number in (0, 1)")
    hvp = hvp_route(problem, hessian)
    start = None if x0 is None else _vector("x0", x0, d)
    extra = _points(points, d)
    f0 = math.inf
    if start is not None:
        f0 = problem.value(start)
        if not math.isfinite(f0):
            raise InputError(f"x0: f(x0) = {f0} is not finite; allowed: a start where f is finite")
    base = _region(region, start, d)
    rng = np.random.default_rng(seed)
    radii = 2.0 ** np.arange(growth + 1)

    def inside(x: np.ndarray) -> bool:
        if not _contains(base, radii[-1], x[None, :])[0]:
            return False
        with np.errstate(all="ignore"):
            return start is None or bool(problem.value(x) <= f0)

    probe = Probe(problem, hvp, rng, power_iters, power_tol, inside)
    kept = []
    for scale in radii:
        n_kept = 0
        for pts in _uniform(base, scale, samples, rng):
            if start is not None:
                with np.errstate(all="ignore"):
                    pts = pts[[problem.value(p) <= f0 for p in pts]]
            h, g = norms(problem, pts, hvp, rng, power_iters, power_tol)
            ok = np.isfinite(h) & np.isfinite(g)
            probe.skipped += int(np.count_nonzero(~ok))
            probe.xs += list(pts[ok])
            probe.hs += list(h[ok])
            probe.gs += list(g[ok])
            n_kept += int(np.count_nonzero(ok))
        kept.append(n_kept)
    if start is not None:
        probe.at(start)
    searched = starts > 0 and steps > 0
    accuracy = ACCURACY["hvp" if hvp is not None else "differences"]
    found = _search(probe, base, radii, start, grid, starts, steps, accuracy) if searched else None
    X, hs, gs = probe.arrays()
    scale_of = _scale_index(base, radii, X)
    if len(extra):
        h, g = norms(problem, extra, hvp, rng, power_iters, power_tol)
        ok = np.isfinite(h) & np.isfinite(g)
        probe.skipped += int(np.count_nonzero(~ok))
        X, hs, gs = (
            np.vstack([X, extra[ok]]),
            np.concatenate([hs, h[ok]]),
            np.concatenate([gs, g[ok]]),
        )
        scale_of = np.concatenate([scale_of, np.full(int(ok.sum()), radii.size)])
    if not hs.size:
        raise InputError(
            f"region: {_describe(base, radii[-1], start)} gave no point where grad f and "
            "hess f are finite; allowed: a region (and x0) where f is finite"
        )
    vals = _excess(hs, gs, grid, accuracy)
    rows = np.array([
        np.max(vals[scale_of <= k], axis=0) if np.any(scale_of <= k) else np.zeros(grid.size)
        for k in range(radii.size)
    ])  # fmt: skip
    L0_by_radius = _frozen(rows)
    idx = np.argmax(vals, axis=0)
    L0 = _frozen(vals[idx, np.arange(grid.size)])
    last, before = rows[-1], rows[-2]
    grows = last > (1.0 + growth_rtol) * before
    thick = min(kept[-2:]) >= min_kept
    fits = False if bool(np.all(grows)) else (True if thick else None)
    established = ~grows & bool(thick and searched)
    established.setflags(write=False)
    where = _describe(base, radii[-1], start)
    route = "hvp" if hvp is not None else f"central differences (step {FD_STEP:.2g} max(1, ||x||))"
    how = (
        f"||hess f|| by power iteration on Hessian-vector products ({route}); "
        f"{samples} uniform candidates per scale {_nums(radii)} of {_describe(base, 1.0, start)}"
    )
    search = found["text"] if found else "no search (starts = 0 or steps = 0): sampling only"
    stationary = found["stationary"] if found else np.zeros((0, d))
    statement = _statement(
        grid, L0, radii, rows, grows, fits, where, int(hs.size), probe.skipped, kept, min_kept,
        established, search,
    )  # fmt: skip
    return ConstantEstimate(
        L1=_frozen(grid),
        L0=L0,
        established=established,
        max_hess_norm=float(np.max(hs)),
        max_grad_norm=float(np.max(gs)),
        samples=int(hs.size),
        region=where,
        radii=_frozen(radii),
        L0_by_radius=L0_by_radius,
        samples_by_radius=tuple(kept),
        stationary=_frozen(stationary),
        argmax=_frozen(X[idx]),
        fits=fits,
        statement=statement,
        confidence=_confidence(kept[-1], delta, where, probe.skipped, min_kept),
        how=how,
        search=search,
        hess_norms=_frozen(hs),
        grad_norms=_frozen(gs),
        accuracy=accuracy,
    )


def _search(probe: Probe, base, radii, start, grid, starts: int, steps: int, accuracy) -> dict:
    """Rays, descent paths, Newton runs and local ascents (:mod:`l0l1.search`) in the
    largest scale; what was done, in words, and the stationary points found."""
    d = probe.problem.dim
    centre = base.centre
    R = float(np.max(base.size)) * float(radii[-1])
    ts = R * 2.0 ** (-np.arange(RAY_POINTS)[::-1] / 4.0)
    dirs = directions(probe, centre, starts)
    n_ray = rays(probe, centre, dirs, ts)
    X = probe.arrays()[0]
    rng = probe.rng
    picks = [X[i] for i in rng.choice(len(X), size=min(starts, len(X)), replace=False)]
    begins = ([start] if start is not None else [centre]) + picks
    stationary = []

    def polish(x):
        g0 = float(np.linalg.norm(probe.problem.grad(x)))
        end, gn = newton(probe, x, NEWTON_ITERS)
        new = all(not np.allclose(end, y, rtol=1e-6, atol=1e-9) for y in stationary)
        if math.isfinite(gn) and gn <= 1e-8 * max(1.0, g0) and probe.inside(end) and new:
            stationary.append(end)

    for b in begins:
        polish(descend(probe, b, steps, 0.1 * max(float(np.linalg.norm(b - centre)), 0.01 * R)))
    for p in picks:
        polish(p)
    L1s = grid[np.unique(np.round(np.linspace(0, grid.size - 1, min(grid.size, SEARCH_L1))))
               .astype(int)]  # fmt: skip
    n_asc = n_conv = 0
    for lam in L1s:
        for p in probe.best(float(lam), starts, accuracy):
            conv, _ = ascend(
                probe, p, float(lam), steps, 0.1 * max(float(np.linalg.norm(p - centre)), 0.01 * R)
            )
            n_asc += 1
            n_conv += conv
    text = (
        f"rays along {len(dirs)} distinct directions (of: eigen-directions of hess f at the "
        f"centre, the axes, {starts} random) at {RAY_POINTS} radii up to {R:.4g} "
        f"({n_ray} points); descent paths from {'x0' if start is not None else 'the centre'} "
        f"and {len(picks)} samples ({steps} steps each) and Newton runs ({NEWTON_ITERS} "
        f"steps) found {len(stationary)} stationary point(s); {n_asc} local ascents of "
        f"||hess f|| - L1 ||grad f|| ({steps} steps each, {n_conv} converged) at L1 = "
        f"{_nums(L1s)}"
    )
    return {"text": text, "stationary": np.array(stationary).reshape(-1, d)}


def hessian_norm(
    problem, x, *, hessian: str = "auto", iters: int = 100, tol: float = 1e-10, rng=None
) -> float:
    """||hess f(x)||: the largest |eigenvalue|, by power iteration on Hessian-vector products.

    The products are ``problem.hvp(x, u)`` when available (``hessian="auto"`` or "hvp"),
    otherwise central differences (grad f(x + h u) - grad f(x - h u)) / (2h) with
    h = FD_STEP * max(1, ||x||). The iterate u_k is a unit vector and the value returned
    is ||H u_k|| <= ||H|| (a lower bound, up to the products' rounding), stopped when it
    changes by at most ``tol`` relatively or after ``iters`` products. ``rng`` draws the
    random start (a fixed seed when None). Returns NaN where a product is not finite.
    """
    x = _vector("x", x, problem.dim)
    hvp = hvp_route(problem, hessian)
    rng = np.random.default_rng(0) if rng is None else rng
    iters, tol = integer("iters", iters, 1), positive("tol", tol)
    return power(problem, x, hvp, random_unit(rng, problem.dim), iters, tol)[0]


def _excess(h: np.ndarray, g: np.ndarray, grid: np.ndarray, accuracy: float) -> np.ndarray:
    """(h - L1 g)_+ per point (rows) and L1 (columns), rounded up by its accuracy
    a = accuracy (h + L1 g) (so a peak found exactly is reported at or above its true
    value); 0 where h - L1 g <= a (it cannot be told from 0)."""
    lg = grid[None, :] * g[:, None]
    vals = h[:, None] - lg
    margin = accuracy * (h[:, None] + lg)
    return np.where(vals > margin, vals + margin, 0.0)


# ---------------------------------------------------------------------------
# Regions and sampling
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    kind: str  # "ball" or "box"
    centre: np.ndarray
    size: np.ndarray  # radius (shape ()) or half-widths (shape (d,))


def _region(region, start, d: int) -> _Region:
    centre = np.zeros(d) if start is None else start
    if region is None:
        radius = 1.0 if start is None else max(1.0, float(np.linalg.norm(start)))
        return _Region("ball", centre, np.asarray(radius))
    allowed = (
        "a radius r > 0, a box (lo, hi) with lo < hi (numbers or vectors of length d), or None"
    )
    if isinstance(region, tuple | list) and len(region) == 2:
        lo = _box_side("region lo", region[0], d)
        hi = _box_side("region hi", region[1], d)
        if not np.all(lo < hi):
            raise InputError(
                f"region: lo = {_short(lo)}, hi = {_short(hi)} is not allowed; allowed: lo < hi"
            )
        return _Region("box", (lo + hi) / 2.0, (hi - lo) / 2.0)
    if isinstance(region, bool) or not isinstance(region, int | float | np.integer | np.floating):
        raise InputError(f"region: {_short(region)} is not allowed; allowed: {allowed}")
    return _Region("ball", centre, np.asarray(positive("region", region)))


def _box_side(field: str, value, d: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.full(1, np.nan)
    if arr.ndim == 0:
        arr = np.full(d, float(arr))
    if arr.shape != (d,) or not np.all(np.isfinite(arr)):
        raise InputError(
            f"{field}: {_short(value)} is not allowed; allowed: a finite number or {d} finite "
            "numbers"
        )
    return arr


def _uniform(region: _Region, scale: float, n: int, rng):
    """Chunks of n i.i.d. uniform points of the region scaled about its centre."""
    d = region.centre.shape[0]
    chunk = max(1, _CHUNK_FLOATS // d)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        if region.kind == "box":
            yield region.centre + scale * region.size * rng.uniform(-1.0, 1.0, (m, d))
        else:
            z = rng.standard_normal((m, d))
            z /= np.linalg.norm(z, axis=1, keepdims=True)
            r = scale * float(region.size) * rng.uniform(0.0, 1.0, m) ** (1.0 / d)
            yield region.centre + z * r[:, None]


def _contains(region: _Region, scale: float, X: np.ndarray) -> np.ndarray:
    """Per row of X: inside the region scaled by ``scale`` about its centre."""
    reach = scale * region.size * (1.0 + 1e-12)
    if region.kind == "ball":
        return np.linalg.norm(X - region.centre, axis=1) <= reach
    return np.all(np.abs(X - region.centre) <= reach, axis=1)


def _scale_index(region: _Region, radii: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Per row of X: the first scale of the ladder containing it (len(radii): none)."""
    idx = np.full(len(X), radii.size)
    for k in range(radii.size - 1, -1, -1):
        idx[_contains(region, float(radii[k]), X)] = k
    return idx


def _describe(region: _Region, scale: float, start) -> str:
    if region.kind == "ball":
        about = "0" if start is None and not np.any(region.centre) else _short(region.centre)
        text = f"the ball ||x - {about}|| <= {scale * float(region.size):.4g}"
    else:
        lo = region.centre - scale * region.size
        hi = region.centre + scale * region.size
        if np.all(lo == lo[0]) and np.all(hi == hi[0]):
            text = f"the box [{lo[0]:.4g}, {hi[0]:.4g}]^{lo.size}"
        else:
            text = f"the box {_short(lo)} <= x <= {_short(hi)}"
    if start is not None:
        text = f"{{f <= f(x0)}} within {text} (x0 = {_short(start)})"
    return text


# ---------------------------------------------------------------------------
# Validation helpers and text
# ---------------------------------------------------------------------------


def _l1_grid(L1_grid) -> np.ndarray:
    if L1_grid is None:
        return np.array(DEFAULT_L1_GRID)
    allowed = "a non-empty list of finite numbers >= 0"
    try:
        arr = np.atleast_1d(np.asarray(L1_grid, dtype=np.float64))
    except (TypeError, ValueError):
        raise InputError(f"L1_grid: {_short(L1_grid)} is not allowed; allowed: {allowed}") from None
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise InputError(f"L1_grid: {_short(L1_grid)} is not allowed; allowed: {allowed}")
    return np.unique(arr)


def _vector(field: str, value, d: int) -> np.ndarray:
    try:
        arr = np.ascontiguousarray(np.atleast_1d(np.asarray(value, dtype=np.float64)))
    except (TypeError, ValueError):
        arr = np.full(1, np.nan)
    if arr.shape != (d,) or not np.all(np.isfinite(arr)):
        raise InputError(f"{field}: {_short(value)} is not allowed; allowed: {d} finite numbers")
    return arr


def _points(points, d: int) -> np.ndarray:
    if points is None:
        return np.zeros((0, d))
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.full((1, 0), np.nan)
    if arr.ndim == 1 and d == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != d or not np.all(np.isfinite(arr)):
        raise InputError(
            f"points: {_short(points)} (shape {np.shape(arr)}) is not allowed; allowed: an "
            f"array of shape (m, {d}) of finite numbers"
        )
    return np.ascontiguousarray(arr)


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, threshold=6, separator=", ")
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _nums(values) -> str:
    return ", ".join(f"{v:.3g}" for v in values)


def _growth(before: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Relative rise last/before - 1 (0 where both are 0, inf where only before is)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = last / before - 1.0
    return np.where(before > 0, rise, np.where(last > 0, np.inf, 0.0))


def _statement(
    grid, L0, radii, rows, grows, fits, where, n, dropped, kept, min_kept, established, search
) -> str:
    left = f"; {dropped} non-finite point(s) left out" if dropped else ""
    r0, r1 = radii[-2], radii[-1]
    before, last = rows[-2], rows[-1]
    rise = _growth(before, last)
    head = (
        f"estimated, not certified: L0*(L1) = max over {n} sampled and searched points of "
        f"(||hess f|| - L1 ||grad f||)_+ on {where}: {L0[0]:.3g} at L1 = {grid[0]:.3g} ... "
        f"{L0[-1]:.3g} at L1 = {grid[-1]:.3g}"
    )
    thin = [f"{r:g} kept {k}" for r, k in zip(radii[-2:], kept[-2:], strict=True) if k < min_kept]
    if fits is False:
        j = int(np.argmin(rise))
        growth = (
            f"no finite (L0, L1) fits the sampled region: L0 keeps growing with the radius for "
            f"every L1 in the grid [{grid[0]:.3g}, {grid[-1]:.3g}]: from scale {r0:g} to "
            f"{r1:g}, L0*({grid[0]:.3g}) {before[0]:.3g} -> {last[0]:.3g}, "
            f"L0*({grid[-1]:.3g}) {before[-1]:.3g} -> {last[-1]:.3g}, least growth "
            f"x{1 + rise[j]:.3g} at L1 = {grid[j]:.3g}"
        )
    elif thin:
        growth = (
            f"the growth test could not run: scale {', scale '.join(thin)} uniform samples "
            f"(fewer than {min_kept}), so nothing shows that L0 stopped growing with the radius"
        )
    else:
        flat = grid[~grows]
        growth = (
            f"from scale {r0:g} to {r1:g} it rose by at most "
            f"{100 * float(np.max(rise[~grows])):.2g}% for {flat.size} of {grid.size} L1 "
            f"values (from L1 = {flat[0]:.3g})"
        )
    m = int(np.count_nonzero(established))
    if m == grid.size:
        trust = (
            "established by search (evidence, not proof: a narrow peak the search never "
            "approached can still be missed) for every L1 of the grid"
        )
    elif m:
        good = grid[established]
        trust = (
            f"established by search (evidence, not proof) for {m} of {grid.size} L1 values "
            f"(L1 in [{good[0]:.3g}, {good[-1]:.3g}]); COULD NOT ESTABLISH L0*(L1) for the "
            "other L1 (L0 still grew at the last doubling): there the true L0 may be larger"
        )
    else:
        trust = (
            "COULD NOT ESTABLISH L0*(L1) for any L1: the values are lower bounds and the true "
            "L0 may be larger (widen the region, sample more, or declare a pair and audit it "
            "with l0l1.check_constants)"
        )
    return f"{head}; {growth}; {trust}; search: {search}{left}"


def _confidence(n_last: int, delta: float, where: str, dropped: int, min_kept: int) -> str:
    caveat = (
        "it does NOT bound how far the true sup (the least valid L0) lies above the sampled "
        "max: a narrow peak between samples, or anything outside the sampled region, is "
        "missed; the estimate is a lower bound, never certified"
    )
    if n_last < min_kept:
        return (
            f"only {n_last} uniform sample(s) of {where} were kept (fewer than {min_kept}), "
            f"so no probability statement; {caveat}"
        )
    eps = math.log(1.0 / delta) / n_last
    left = f" (among the points where f, grad f and hess f are finite: {dropped} were not)"
    return (
        f"max over {n_last} i.i.d. uniform samples of {where} (its largest scale, plus the "
        f"other points): by the order-statistics bound, for each L1 separately, with "
        f"probability >= {1 - delta:.3g} over the seed the sampled max is at least the "
        f"(1 - ln(1/{delta:.3g})/{n_last}) = {1 - eps:.4g}-quantile of (||hess f|| - "
        f"L1 ||grad f||)_+ over that region, i.e. the points where it exceeds the reported "
        f"L0 fill at most a fraction {min(eps, 1.0):.3g} of its volume"
        f"{left if dropped else ''}; {caveat}"
    )
