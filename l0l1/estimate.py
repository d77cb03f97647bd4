"""Sampled (L0, L1) constants of any problem (THEORY T2): estimated, never certified.

For a point x let h(x) = ||hess f(x)|| (the spectral norm: the largest |eigenvalue|) and
g(x) = ||grad f(x)||. The least L0 that makes f (L0, L1)-smooth on a set S is

    L0*(L1) = sup over x in S of (h(x) - L1 g(x))_+ .

:func:`estimate_constants` replaces the sup by a max over sampled points, so every value it
returns is a *lower* bound on the least valid L0 (up to the rounding of the Hessian-vector
products): an estimate, never certified. The sampled set S is

* ``region``: a ball ``r`` (radius about ``x0``, or about 0 when ``x0`` is None) or a box
  ``(lo, hi)``, scaled by 1, 2, 4, ..., 2**growth about its centre (the *growth ladder*);
* intersected with the sublevel set {f <= f(x0)} when ``x0`` is given (Z20's setting: the
  constants a run from x0 needs), the whole region when ``x0`` is None;
* plus x0 and any ``points`` you give (e.g. a trajectory), which are not filtered.

h(x) comes from power iteration on Hessian-vector products: ``problem.hvp`` when the
problem has one, otherwise central differences of ``problem.grad`` (see
:func:`hessian_norm`).

The growth ladder answers "does a finite pair fit?": if L0*(L1) still grows (by more than
``growth_rtol``) at the last doubling of the region for *every* L1 of the grid, no finite
pair fits the sampled region's trend (e.g. f = e^{x^2}, THEORY T2's non-example) and the
result says so (``fits=False``). Otherwise (e.g. x^4, whose L0*(L1) = 16/L1^2 saturates once
the region contains |x| = 2/L1) ``fits=True``. The ladder sees only what its radii reach:
for e^{x^2} at L1 = 100, h - L1 g stays below h(0) = 2 until |x| > 50, so on the default
grid (up to L1 = 100) and radius 8 the pair (2, 100) does fit every sampled point and
``fits`` is True; choose ``L1_grid`` as the L1 values you would run with.

    >>> from l0l1.problems.catalog import make_problem
    >>> est = estimate_constants(make_problem("polynomial", coeffs=[0, 0, 0, 0, 1]),
    ...                          region=(-5.0, 5.0), L1_grid=[1.0, 2.0], samples=500)
    >>> est.status, est.fits, [round(float(v), 1) for v in est.L0]
    ('estimated', True, [16.0, 4.0])
    >>> est.pair(1.0).certified
    False
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l0l1.validate import InputError, integer, positive

DEFAULT_L1_GRID = tuple(float(v) for v in np.logspace(-2, 2, 41))
HESSIAN_ROUTES = ("auto", "hvp", "differences")
# Central differences: step h = FD_STEP * max(1, ||x||) along a unit vector u. The
# truncation error is O(h^2 |f''''|) and the rounding error O(eps ||grad f|| / h); the cube
# root of the machine epsilon balances the two for a well-scaled f.
FD_STEP = float(np.finfo(np.float64).eps) ** (1.0 / 3.0)
# Relative accuracy trusted in h = ||hess f|| against L1 g = L1 ||grad f||: a difference
# h - L1 g below ACCURACY[route] * (h + L1 g) cannot be told from 0 and counts as 0 (the
# truncation error of differences grows like (FD_STEP ||x||)^2 h, their rounding error like
# eps g / FD_STEP: e^x at x = 16 with L1 = 1 would otherwise show a spurious L0 ~ 1e-9 e^16).
ACCURACY = {"hvp": 1e-12, "differences": 1e-8}
_CHUNK_FLOATS = 1 << 20  # candidate points are drawn in chunks of about this many floats


@dataclass(frozen=True, eq=False)
class ConstantEstimate:
    """The sampled frontier L0*(L1) of a problem (THEORY T2): estimated, never certified.

    Attributes
    ----------
    L1, L0 : the L1 grid (ascending) and L0*(L1) = max over all sampled points of
        (||hess f|| - L1 ||grad f||)_+ on it: lower bounds on the least valid L0.
    max_hess_norm, max_grad_norm : the largest ||hess f|| and ||grad f|| sampled.
    samples : the number of points evaluated (uniform samples, x0 and ``points``).
    region : the largest region sampled, in words (sublevel set included).
    radii : the growth ladder's scales of the base region (1, 2, 4, ...).
    L0_by_radius : ``(len(radii), len(L1))``: row k is the frontier of the uniform samples
        of the regions scaled by ``radii[:k+1]`` (x0 and ``points`` not included).
    samples_by_radius : the uniform samples kept (in the sublevel set, finite) per scale.
    argmax : ``(len(L1), dim)``: a sampled point attaining each L0 value.
    fits : False when L0*(L1) still grew at the last doubling for every L1 of the grid.
    status : always "estimated" (a sampled value is never certified).
    statement : one line saying what was estimated, on what, and whether a pair fits.
    confidence : what the sampling does and does not guarantee.
    how : the route to ||hess f|| ("hvp" or "central differences") and the sampling.
    hess_norms, grad_norms : the per-point values behind L0 (:meth:`pair` uses them).
    accuracy : relative accuracy trusted: h - L1 g <= accuracy (h + L1 g) counts as 0
        (1e-8 for central differences, 1e-12 for an hvp).
    """

    L1: np.ndarray
    L0: np.ndarray
    max_hess_norm: float
    max_grad_norm: float
    samples: int
    region: str
    radii: np.ndarray
    L0_by_radius: np.ndarray
    samples_by_radius: tuple[int, ...]
    argmax: np.ndarray
    fits: bool
    statement: str
    confidence: str
    how: str
    hess_norms: np.ndarray
    grad_norms: np.ndarray
    accuracy: float
    status: str = "estimated"

    def __post_init__(self):
        if self.status != "estimated":
            raise ValueError(f"status: {self.status!r}; a sampled estimate is 'estimated'")

    def L0_at(self, L1) -> float:
        """max over the sampled points of (||hess f|| - L1 ||grad f||)_+ at any L1 >= 0."""
        lam = positive("L1", L1, allow_zero=True)
        vals = _excess(self.hess_norms, self.grad_norms, np.array([lam]), self.accuracy)
        return float(np.max(vals))

    def pair(self, L1):
        """The estimated pair at ``L1`` as :class:`l0l1.problems.base.Constants`
        (``certified=False``), e.g. for ``problem.with_constants(est.pair(1.0))``."""
        from l0l1.problems.base import Constants

        lam = positive("L1", L1, allow_zero=True)
        how = (
            f"estimated (not certified): max over {self.samples} sampled points of "
            f"{self.region}; a lower bound on the least L0 (l0l1.estimate_constants)"
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
) -> ConstantEstimate:
    """Estimate the frontier L0*(L1) of ``problem`` by sampling (THEORY T2).

    Parameters
    ----------
    problem : any :class:`l0l1.problems.base.Problem` (built-in or user-defined).
    region : where to sample uniformly:

        * a number ``r > 0``: the ball ||x - c|| <= r, c = x0 (or 0 when x0 is None);
        * a pair ``(lo, hi)`` of numbers or of length-``dim`` vectors, lo < hi: the box;
        * None: the ball of radius max(1, ||x0||) about x0 (radius 1 about 0 without x0).

        The region is scaled by 1, 2, ..., 2**growth about its centre (the growth ladder).
    x0 : a start; samples are kept only in its sublevel set {f <= f(x0)}, and x0 itself is
        a sampled point. None: the whole region.
    points : extra points ``(m, dim)`` (e.g. a trajectory), always included, never filtered
        (for dim 1 a flat array of m numbers is accepted).
    L1_grid : the values of L1 >= 0 (default 41 log-spaced values in [0.01, 100]).
    samples : uniform candidates drawn per scale of the ladder.
    seed : seed of the sampling (the same seed gives the same estimate).
    growth : number of doublings of the region (>= 1), so ``growth + 1`` scales.
    growth_rtol : L0*(L1) "grows" at the last doubling when it rises by more than this
        relative amount; ``fits`` is False when it grows for every L1 of the grid.
    delta : the failure probability of the order-statistics statement in ``confidence``.
    hessian : "auto" (``problem.hvp`` when present, else central differences), "hvp"
        (require it) or "differences" (always central differences of ``problem.grad``).
    power_iters, power_tol : power-iteration budget and relative stopping tolerance.

    Cost: at most ``samples * (growth + 1) * (2 + 2 * power_iters)`` gradient calls with
    differences (one hvp in place of two gradients otherwise); dim 1 needs one product.
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
    delta = positive("delta", delta)
    if delta >= 1:
        raise InputError(f"delta: {delta!r} is not allowed; allowed: a number in (0, 1)")
    hvp = _hvp_route(problem, hessian)
    start = None if x0 is None else _vector("x0", x0, d)
    extra = _points(points, d)
    f0 = math.inf
    if start is not None:
        f0 = problem.value(start)
        if not math.isfinite(f0):
            raise InputError(f"x0: f(x0) = {f0} is not finite; allowed: a start where f is finite")
        extra = np.vstack([start[None, :], extra])
    base = _region(region, start, d)
    rng = np.random.default_rng(seed)

    accuracy = ACCURACY["hvp" if hvp is not None else "differences"]
    track = _Frontier(grid, d, accuracy)
    radii = 2.0 ** np.arange(growth + 1)
    rows, kept, dropped = [], [], 0
    for scale in radii:
        n_kept = 0
        for pts in _uniform(base, scale, samples, rng):
            if start is not None:
                pts = pts[[problem.value(p) <= f0 for p in pts]]
            h, g = _norms(problem, pts, hvp, rng, power_iters, power_tol)
            ok = np.isfinite(h) & np.isfinite(g)
            dropped += int(np.count_nonzero(~ok))
            n_kept += track.add(pts[ok], h[ok], g[ok])
        rows.append(track.best.copy())
        kept.append(n_kept)
    if len(extra):
        h, g = _norms(problem, extra, hvp, rng, power_iters, power_tol)
        ok = np.isfinite(h) & np.isfinite(g)
        dropped += int(np.count_nonzero(~ok))
        track.add(extra[ok], h[ok], g[ok])
    if not track.hess:
        raise InputError(
            f"region: {_describe(base, radii[-1], start)} gave no point where grad f and "
            "hess f are finite; allowed: a region (and x0) where f is finite"
        )

    L0_by_radius = _frozen(np.array(rows))
    last, before = L0_by_radius[-1], L0_by_radius[-2]
    grows = last > (1.0 + growth_rtol) * before
    fits = not bool(np.all(grows))
    hess_norms = _frozen(np.concatenate(track.hess))
    grad_norms = _frozen(np.concatenate(track.grad))
    where = _describe(base, radii[-1], start)
    route = "hvp" if hvp is not None else f"central differences (step {FD_STEP:.2g} max(1, ||x||))"
    how = (
        f"||hess f|| by power iteration on Hessian-vector products ({route}); "
        f"{samples} uniform candidates per scale {_nums(radii)} of {_describe(base, 1.0, start)}"
    )
    n_total = int(hess_norms.size)
    L0 = _frozen(track.best.copy())
    statement = _statement(grid, L0, radii, L0_by_radius, grows, fits, where, n_total, dropped)
    return ConstantEstimate(
        L1=_frozen(grid),
        L0=L0,
        max_hess_norm=float(np.max(hess_norms)),
        max_grad_norm=float(np.max(grad_norms)),
        samples=n_total,
        region=where,
        radii=_frozen(radii),
        L0_by_radius=L0_by_radius,
        samples_by_radius=tuple(kept),
        argmax=_frozen(track.arg.copy()),
        fits=fits,
        statement=statement,
        confidence=_confidence(kept[-1], delta, where, dropped),
        how=how,
        hess_norms=hess_norms,
        grad_norms=grad_norms,
        accuracy=accuracy,
    )


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
    hvp = _hvp_route(problem, hessian)
    rng = np.random.default_rng(0) if rng is None else rng
    return _power(problem, x, hvp, rng, integer("iters", iters, 1), positive("tol", tol))


# ---------------------------------------------------------------------------
# Hessian-vector products and power iteration
# ---------------------------------------------------------------------------


def _hvp_route(problem, hessian):
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


def _product(problem, x: np.ndarray, u: np.ndarray, hvp) -> np.ndarray:
    if hvp is not None:
        return hvp(x, u)
    h = FD_STEP * max(1.0, float(np.linalg.norm(x)))
    return (problem.grad(x + h * u) - problem.grad(x - h * u)) / (2.0 * h)


def _power(problem, x, hvp, rng, iters: int, tol: float) -> float:
    d = x.shape[0]
    if d == 1:  # H is a number: one product is exact
        return float(abs(_product(problem, x, np.ones(1), hvp)[0]))
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    est = math.nan
    with np.errstate(all="ignore"):
        for k in range(iters):
            w = _product(problem, x, u, hvp)
            norm = float(np.linalg.norm(w))
            if not math.isfinite(norm):
                return math.nan
            if norm == 0.0:  # H u = 0 for a random u: H = 0 almost surely
                return 0.0
            if k and abs(norm - est) <= tol * norm:
                return norm
            est = norm
            u = w / norm
    return est


def _norms(problem, pts, hvp, rng, iters, tol) -> tuple[np.ndarray, np.ndarray]:
    """(||hess f||, ||grad f||) at each row of pts (NaN where not finite)."""
    h = np.empty(len(pts))
    g = np.empty(len(pts))
    with np.errstate(all="ignore"):
        for i, p in enumerate(pts):
            g[i] = np.linalg.norm(problem.grad(p))
            h[i] = _power(problem, p, hvp, rng, iters, tol) if math.isfinite(g[i]) else math.nan
    return h, g


def _excess(h: np.ndarray, g: np.ndarray, grid: np.ndarray, accuracy: float) -> np.ndarray:
    """(h - L1 g)_+ per point (rows) and L1 (columns); 0 where below accuracy (h + L1 g)."""
    lg = grid[None, :] * g[:, None]
    vals = h[:, None] - lg
    return np.where(vals > accuracy * (h[:, None] + lg), vals, 0.0)


class _Frontier:
    """Running max of (h - L1 g)_+ over the grid, the point attaining it, and all (h, g)."""

    def __init__(self, grid: np.ndarray, d: int, accuracy: float):
        self.grid = grid
        self.accuracy = accuracy
        self.best = np.zeros(grid.size)
        self.arg = np.full((grid.size, d), np.nan)
        self.hess: list[np.ndarray] = []
        self.grad: list[np.ndarray] = []

    def add(self, pts: np.ndarray, h: np.ndarray, g: np.ndarray) -> int:
        if len(pts) == 0:
            return 0
        self.hess.append(h)
        self.grad.append(g)
        vals = _excess(h, g, self.grid, self.accuracy)
        idx = np.argmax(vals, axis=0)
        top = vals[idx, np.arange(self.grid.size)]
        better = (top > self.best) | np.isnan(self.arg[:, 0])
        self.best[better] = top[better]
        self.arg[better] = pts[idx[better]]
        return len(pts)


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


def _statement(grid, L0, radii, by_radius, grows, fits, where, n, dropped) -> str:
    left = f"; {dropped} non-finite point(s) left out" if dropped else ""
    r0, r1 = radii[-2], radii[-1]
    before, last = by_radius[-2], by_radius[-1]
    rise = _growth(before, last)
    if not fits:
        j = int(np.argmin(rise))
        return (
            f"estimated, not certified: no finite (L0, L1) fits the sampled region ({where}): "
            f"L0 keeps growing with the radius for every L1 in the grid [{grid[0]:.3g}, "
            f"{grid[-1]:.3g}]: from scale {r0:g} to {r1:g}, L0*({grid[0]:.3g}) "
            f"{before[0]:.3g} -> {last[0]:.3g}, L0*({grid[-1]:.3g}) {before[-1]:.3g} -> "
            f"{last[-1]:.3g}, least growth x{1 + rise[j]:.3g} at L1 = {grid[j]:.3g}{left}"
        )
    flat = grid[~grows]
    return (
        f"estimated, not certified: L0*(L1) = max over {n} sampled points of "
        f"(||hess f|| - L1 ||grad f||)_+ on {where}: {L0[0]:.3g} at L1 = {grid[0]:.3g} ... "
        f"{L0[-1]:.3g} at L1 = {grid[-1]:.3g}; from scale {r0:g} to {r1:g} it rose by at "
        f"most {100 * float(np.max(rise[~grows])):.2g}% for {flat.size} of {grid.size} L1 "
        f"values (from L1 = {flat[0]:.3g}){left}"
    )


def _confidence(n_last: int, delta: float, where: str, dropped: int) -> str:
    caveat = (
        "it does NOT bound how far the true sup (the least valid L0) lies above the sampled "
        "max: a narrow peak between samples, or anything outside the sampled region, is "
        "missed; the estimate is a lower bound, never certified"
    )
    if n_last == 0:
        return f"no uniform sample of {where} was kept, so no probability statement; {caveat}"
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
