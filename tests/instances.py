"""Random certified instances for the bound checks of tests/test_bounds.py (THEORY T3, T6).

An :class:`Instance` is plain data (problem name, its parameters, a start, a target) so
that a failing case can be printed and rebuilt exactly. Everything is drawn from a
seeded ``numpy.random.Generator``: the suite is deterministic.

Polynomials are drawn as a random shape q of even degree with positive leading
coefficient, stretched horizontally by a random factor, with a random start (near the
minimizers or far out, where ||grad f|| L1 >> L0 and clipping matters) and then scaled
vertically so that Delta = f(x0) - min f is log-uniform in a fixed range. The vertical
scale only chooses the instance; it never looks at eps, a method or a bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.polynomial.polynomial as npoly

from l0l1 import make_problem, schedules
from l0l1.methods.registry import get_method
from l0l1.problems import catalog
from l0l1.problems.frontier import frontier_float

DET_METHODS = ("clipped_gd", "gd", "normalized_gd", "v24_si", "v24_cl", "v24_star")
EPS_RANGE = (1e-3, 1e-1)
DELTA_RANGE = (1e-3, 1e1)
POLY_DEGREES = (4, 6, 8, 10)
SEPARABLE_DEGREES = (4, 6, 8)


@dataclass(frozen=True)
class Instance:
    """One certified problem, start and target; ``params`` are make_problem's kwargs."""

    name: str
    params: dict = field(hash=False)
    x0: tuple[float, ...]
    eps: float
    far: bool

    def problem(self, L1: float | None = None):
        """The problem, with the user-fixed ``L1`` when given (polynomials only)."""
        if L1 is None:
            return make_problem(self.name, **self.params)
        return make_problem(self.name, **self.params, L1=L1)

    def describe(self) -> str:
        return f"{self.name} {self.params} x0={list(self.x0)!r} eps={self.eps!r}"


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _shape(rng: np.random.Generator, degree: int) -> np.ndarray:
    """A random even-degree polynomial with positive leading coefficient, x-stretched."""
    c = rng.standard_normal(degree + 1)
    c[-1] = rng.uniform(0.2, 1.5)
    stretch = _log_uniform(rng, 0.5, 2.0)
    return c / stretch ** np.arange(degree + 1)


def _min_float(c: np.ndarray) -> float:
    """min p over R from the real critical points (float; only used to pick a scale)."""
    xs = npoly.polyroots(npoly.polyder(c)).real
    return float(np.min(npoly.polyval(xs, c)))


def _start(rng: np.random.Generator, c: np.ndarray, far: bool) -> float:
    """A start near the critical points, or far out (2 to 6 times their spread)."""
    crit = npoly.polyroots(npoly.polyder(c)).real
    centre = float(np.mean(crit))
    spread = max(float(np.max(np.abs(crit - centre))), 0.5)
    if far:
        return centre + float(rng.choice([-1.0, 1.0])) * spread * rng.uniform(2.0, 6.0)
    return centre + spread * rng.uniform(-1.2, 1.2)


def _scaled_rows(rng, shapes, x0s):
    """Rows scaled by one common factor so that Delta is log-uniform in DELTA_RANGE."""
    gap = sum(float(npoly.polyval(x, c)) - _min_float(c) for c, x in zip(shapes, x0s, strict=True))
    target = _log_uniform(rng, *DELTA_RANGE)
    scale = target / max(gap, 1e-12)
    return [[float(v) for v in c * scale] for c in shapes]


def _grad_norm(inst: Instance) -> float:
    """||grad f(x0)|| in float (numpy, independent of the package's kernels)."""
    x = np.asarray(inst.x0, dtype=float)
    if inst.name in ("polynomial", "separable_polynomial"):
        rows = poly_rows(inst)
        g = [npoly.polyval(v, npoly.polyder(np.asarray(r))) for r, v in zip(rows, x, strict=True)]
    else:
        g = {"cosh": np.sinh, "logcosh": np.tanh, "exp": np.exp}[inst.name](x)
    return float(np.linalg.norm(g))


def random_instance(rng: np.random.Generator, family: str) -> Instance:
    """A draw from ``family`` whose start is not already 2 eps-stationary (such a draw
    would test nothing); the rejected draws are simply redrawn."""
    draw = {
        "polynomial": random_polynomial,
        "separable": random_separable,
        "exponential": random_exponential,
    }[family]
    while True:
        inst = draw(rng)
        if _grad_norm(inst) > 2 * inst.eps:
            return inst


def random_polynomial(rng: np.random.Generator) -> Instance:
    degree = int(rng.choice(POLY_DEGREES))
    far = bool(rng.random() < 0.5)
    c = _shape(rng, degree)
    x0 = _start(rng, c, far)
    (row,) = _scaled_rows(rng, [c], [x0])
    return Instance("polynomial", {"coeffs": row}, (x0,), _log_uniform(rng, *EPS_RANGE), far)


def random_separable(rng: np.random.Generator) -> Instance:
    d = int(rng.integers(2, 5))
    far = bool(rng.random() < 0.5)
    shapes = [_shape(rng, int(rng.choice(SEPARABLE_DEGREES))) for _ in range(d)]
    # far: at least the first coordinate starts far out; the others at random.
    x0 = [_start(rng, c, far and (j == 0 or rng.random() < 0.5)) for j, c in enumerate(shapes)]
    rows = _scaled_rows(rng, shapes, x0)
    eps = _log_uniform(rng, *EPS_RANGE)
    return Instance("separable_polynomial", {"coeffs": rows}, tuple(x0), eps, far)


def random_exponential(rng: np.random.Generator) -> Instance:
    """cosh, log cosh or exp sums in dimension 1..4 (closed-form certified constants)."""
    name = str(rng.choice(["cosh", "logcosh", "exp"]))
    d = int(rng.integers(1, 5))
    far = bool(rng.random() < 0.5)
    if name == "exp":
        x0 = rng.uniform(-4.0, 3.0 if far else 0.0, d)
    else:
        width = 5.0 if far else 1.5
        x0 = rng.uniform(-width, width, d)
    eps = _log_uniform(rng, *EPS_RANGE)
    return Instance(name, {"dim": d}, tuple(float(v) for v in x0), eps, far)


def poly_rows(inst: Instance) -> list[list[float]]:
    """The coefficient rows of a (separable) polynomial instance."""
    coeffs = inst.params["coeffs"]
    return [coeffs] if inst.name == "polynomial" else list(coeffs)


def screen_bound(inst: Instance, method: str, L1: float | None = None) -> float:
    """A cheap float estimate of the bound the run will report (used only to skip
    hopeless draws before paying for exact certification; the verdict always uses
    the run's own certified bound).

    For polynomials without a fixed L1, the minimum over a coarse L1 grid of the
    method's selection bound (the run minimizes over a finer grid, so it is smaller).
    """
    prob = inst.problem() if inst.name not in ("polynomial", "separable_polynomial") else None
    if prob is not None:
        start = catalog.start_constants(prob, np.array(inst.x0))
        i = schedules.Inputs(prob.constants.L0, prob.constants.L1, start.Delta, start.M, inst.eps)
        return get_method(method).selection_at(i)
    rows = [np.trim_zeros(np.asarray(r, dtype=float), "b") for r in poly_rows(inst)]
    delta = sum(npoly.polyval(x, r) - _min_float(r) for r, x in zip(rows, inst.x0, strict=True))
    m = math.sqrt(
        sum(npoly.polyval(x, npoly.polyder(r)) ** 2 for r, x in zip(rows, inst.x0, strict=True))
    )
    grid = [L1] if L1 is not None else list(np.logspace(-4, 4, 17))
    best = math.inf
    for lam in grid:
        l0 = max(frontier_float(list(r), lam)[0] for r in rows)
        if l0 <= 0:
            continue
        i = schedules.Inputs(l0, lam, float(delta), m, inst.eps)
        best = min(best, get_method(method).selection_at(i))
    return best


def fixed_bound(prob, start, method: str, eps: float, sigma: float = 0.0) -> float | None:
    """The bound a run of ``method`` reports on ``prob`` (constants fixed) from ``start``."""
    c = prob.constants
    i = schedules.Inputs(c.L0, c.L1, start.Delta, start.M, eps, sigma=sigma, tau=sigma)
    return schedules.build(get_method(method), i, finite=False).bound


def spider_K(L0: float, L1: float, Delta: float, M: float, eps: float) -> int:
    """T5's noiseless K (sigma = 0, n0 = 1) for target eps."""
    return int(get_method("spider_clip").budget(schedules.Inputs(L0, L1, Delta, M, eps)))
