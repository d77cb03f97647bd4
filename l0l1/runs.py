"""Run one method on one problem: the Python API behind ``l0l1 run`` (THEORY T6).

    >>> from l0l1 import make_problem, run
    >>> prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])     # x^4
    >>> res = run(prob, "clipped_gd", eps=1e-2, x0=[3.0], seed=0)
    >>> res.status, res.constants_certified
    ('reached', True)

The flow is one-way: problem + start -> constants (L1 picked on the frontier when the
user did not fix it) -> schedule (+ overrides) -> Numba kernel -> frozen RunResult.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from l0l1 import schedules
from l0l1.methods.registry import (
    DEFAULT_SELECTION_TEXT,
    MethodSpec,
    default_selection,
    get_method,
)
from l0l1.problems import catalog, convex, frontier, oracles, polynomial
from l0l1.problems.base import Problem, StartConstants
from l0l1.problems.kinds import KIND_CHAIN, KIND_CHAIN_SUM, KIND_PHASE_POP, KIND_POLY
from l0l1.validate import MAX_CHECKPOINTS, did_you_mean, integer, positive, show

NOISE_KINDS = ("exact", "bounded", "gaussian", "minibatch", "online", "bernoulli", "student",
               "stable", "affine", "skewed")  # fmt: skip
ADDITIVE = ("bounded", "gaussian", "student", "stable", "affine", "skewed")  # level w on grad f
_ORACLE_CODES = {
    "exact": oracles.ORACLE_EXACT,
    "bounded": oracles.ORACLE_BOUNDED,
    "gaussian": oracles.ORACLE_GAUSS,
    "minibatch": oracles.ORACLE_MINIBATCH,
    "online": oracles.ORACLE_PHASE_ONLINE,
    "bernoulli": oracles.ORACLE_BERNOULLI,
    "student": oracles.ORACLE_STUDENT,
    "stable": oracles.ORACLE_STABLE,
    "affine": oracles.ORACLE_AFFINE,
    "skewed": oracles.ORACLE_SKEWED,
}
DEFAULT_MAX_ITER = 100_000
SPIDER_CLIP_K_CAP = 10**7  # SPIDER-clip's default budget is its K (T5), at most this
DEFAULT_NOISE_LEVEL = 1.0


@dataclass(frozen=True)
class RunResult:
    """Outcome of one run (T6). ``status`` is "reached", "not reached" or "diverged".

    ``iterations`` is where the run stopped: the hitting iteration when reached, the
    budget when not reached, the first non-finite iterate when diverged.
    ``oracle_calls`` counts every call the method made (T6): ``value_calls`` of them asked
    for f, the rest (``gradient_calls``) for gradients or stochastic samples.
    ``trace`` rows: iteration, oracle calls, f, ||grad f||, estimator norm, step length.
    """

    problem: str
    method: str
    status: str
    iterations: int
    oracle_calls: int
    oracle_calls_at_hit: int | None
    value_calls: int
    f_value: float
    grad_norm: float
    eps: float
    seed: int
    L0: float
    L1: float
    constants_certified: bool
    constants_how: str
    Delta: float
    M: float
    start_certified: bool
    oracle: str
    noise_level: float
    schedule: str
    params: dict
    bound: float | None
    bound_name: str
    clipped_steps: int
    clip_fraction: float
    max_estimator_norm: float
    assumptions: tuple[str, ...]
    trace: np.ndarray
    x: np.ndarray

    @property
    def gradient_calls(self) -> int:
        """The gradient-type calls (gradients, samples, component gradients)."""
        return self.oracle_calls - self.value_calls

    @property
    def hit_iteration(self) -> int | None:
        return self.iterations if self.status == "reached" else None

    def to_dict(self) -> dict:
        """A JSON-ready dict (the trace as a list of rows, x as a list)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["trace"] = self.trace.tolist()
        out["x"] = self.x.tolist()
        out["assumptions"] = list(self.assumptions)
        out["hit_iteration"] = self.hit_iteration
        return _jsonable(out)


def _jsonable(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _jsonable(float(obj))
    return obj


def run(
    problem: Problem,
    method: str,
    *,
    eps: float,
    x0=None,
    seed: int = 0,
    max_iter: int | None = None,
    max_calls: int = 0,
    noise: str | None = None,
    noise_level: float | None = None,
    batch: int = 1,
    n0: int = 1,
    probe_every: int = 1,
    overrides: dict | None = None,
    checkpoints: int = 60,
) -> RunResult:
    """Run ``method`` on ``problem`` from ``x0`` until ||grad f|| <= eps (f - f* <= eps for
    the methods whose ``target`` is the gap, T6) or the budget.

    ``noise`` picks the stochastic oracle of stochastic methods (default: minibatch for
    finite sums, online for online phase retrieval, else bounded noise of norm
    ``noise_level``, default 1); ``overrides`` replaces schedule values by name.
    Same inputs and seed give bit-identical results.
    """
    spec = get_method(method)
    _check_constants(problem)
    eps = positive("eps", eps)
    seed = integer("seed", seed, 0)
    budget_given = max_iter is not None
    max_iter = integer("budget", max_iter, 1) if budget_given else DEFAULT_MAX_ITER
    max_calls = integer("max_calls", max_calls, 0)
    batch = integer("batch", batch, 1)
    n0 = integer("n0", n0, 1)
    probe_every = integer("probe_every", probe_every, 1)
    checkpoints = integer("checkpoints", checkpoints, 1, MAX_CHECKPOINTS)
    x0 = catalog.default_x0(problem) if x0 is None else x0
    x0 = start_point(problem, x0)
    start = catalog.start_constants(problem, x0)
    oracle, level = choose_oracle(problem, spec, noise, noise_level)
    tau, sigma, noise_notes = _noise_constants(problem, oracle, level, x0, seed)
    finite = problem.n > 0
    f_star = _target_f_star(problem, spec)
    R = convex.reference_distance(problem, x0, eps)

    def inputs_for(prob: Problem) -> schedules.Inputs:
        c = prob.constants
        return schedules.Inputs(
            L0=c.L0, L1=c.L1, Delta=start.Delta, M=start.M, eps=eps, sigma=sigma, tau=tau,
            n=prob.n, n0=n0, T=max_iter, f_star=prob.f_star, R=R,
        )  # fmt: skip

    problem, pick_notes = _pick_L1(problem, spec, inputs_for(problem), spec.chosen(overrides)[0])
    sched = schedules.build(spec, inputs_for(problem), finite=finite, overrides=overrides)
    if spec.budget is not None and not budget_given and not overrides:
        max_iter = _budget(spec, inputs_for(problem))
    ckpts = _checkpoints(max_iter, checkpoints)
    rng = np.random.default_rng(seed)
    kernel_oracle = _ORACLE_CODES[oracle]
    p = sched.p
    if spec.family == "spider":
        from l0l1.methods.algorithms.spider import with_sizes

        p = with_sizes(p, sched.q, sched.S1, sched.S2, sched.exact_refresh)
    out = _run_algorithm(
        spec, problem.kernel_kind, problem.P, problem.v, problem.n, kernel_oracle, level, batch,
        spec.algorithm, p, x0, eps, max_iter, max_calls, probe_every, rng, ckpts, f_star,
    )  # fmt: skip
    if spec.target == "gap":
        noise_notes += (f"hitting test f(x_k) - f* <= eps (T6, convex measure), f* = {f_star:g}",)
    notes = pick_notes + noise_notes
    return _result(problem, spec, start, sched, out, eps, seed, oracle, level, notes)


def _run_algorithm(spec: MethodSpec, *args):
    """The T6 driver around the method's algorithm; a user algorithm that Numba cannot
    compile gets a one-line error naming it."""
    from numba.core.errors import NumbaError

    from l0l1.methods.driver import run_algorithm
    from l0l1.problems.user import numba_first_line

    try:
        return run_algorithm(*args)
    except NumbaError as err:
        if spec.builtin:
            raise
        raise ValueError(
            f"method: Numba cannot compile {spec.name}'s algorithm: {numba_first_line(err)}"
        ) from None


def _target_f_star(problem: Problem, spec: MethodSpec) -> float:
    """f* for a method whose hitting test is the gap f - f* (NaN for the gradient test); a
    one-line error when the problem's f* is not finite."""
    if spec.target != "gap":
        return math.nan
    if not math.isfinite(problem.f_star):
        raise ValueError(
            f"method: {spec.name!r} stops on f - f* <= eps, but problem {problem.name!r} has "
            f"f* = {problem.f_star!r}; allowed: a problem with a finite f* (f_star= in "
            f"{origin(problem)})"
        )
    return float(problem.f_star)


def _budget(spec: MethodSpec, i: schedules.Inputs) -> int:
    """The method's own iteration budget (T5's K for SPIDER-clip), at most the cap."""
    K = spec.budget(i)
    if not math.isfinite(K):
        raise ValueError(
            f"budget: {spec.name}'s default budget is {K} (Delta = {i.Delta}: is f* known?); "
            "allowed: give max_iter, or f_star to the problem"
        )
    return int(min(K, SPIDER_CLIP_K_CAP))


def _check_constants(problem: Problem) -> None:
    c = problem.constants
    if not (math.isfinite(c.L0) and math.isfinite(c.L1)):
        raise ValueError(
            f"constants: {problem.name!r} has no (L0, L1) pair ({c.how}); allowed: "
            "problem.with_constants((L0, L1)), or "
            "problem.with_constants(l0l1.estimate_constants(problem, ...).pair(L1))"
        )


def _result(problem, spec, start, sched, out, eps, seed, oracle, level, notes) -> RunResult:
    from l0l1.methods.kernels import STATUS_NAMES

    status = STATUS_NAMES[out.status]
    k, calls, n_clipped = out.iterations, out.calls, out.clipped
    trace = out.trace[: out.rows].copy()
    trace.setflags(write=False)
    x = out.x.copy()
    x.setflags(write=False)
    finite_x = bool(np.all(np.isfinite(x)))
    params = dict(sched.values)
    c = problem.constants
    return RunResult(
        problem=problem.name,
        method=spec.name,
        status=status,
        iterations=int(k),
        oracle_calls=int(calls),
        oracle_calls_at_hit=int(out.calls_at_hit) if status == "reached" else None,
        value_calls=int(out.value_calls),
        f_value=problem.value(x) if finite_x else math.nan,
        grad_norm=float(trace[-1, 3]),
        eps=eps,
        seed=seed,
        L0=c.L0,
        L1=c.L1,
        constants_certified=c.certified,
        constants_how=c.how,
        Delta=start.Delta,
        M=start.M,
        start_certified=start.certified,
        oracle=oracle,
        noise_level=level,
        schedule=spec.source,
        params=params,
        bound=sched.bound,
        bound_name=sched.bound_name,
        clipped_steps=int(n_clipped),
        clip_fraction=n_clipped / k if k else 0.0,
        max_estimator_norm=float(out.gmax),
        assumptions=sched.assumptions + notes + _constant_notes(problem, start),
        trace=trace,
        x=x,
    )


def origin(problem: Problem) -> str:
    """How a user problem was built (for hints): Problem.from_functions or from_sympy."""
    return problem.spec.get("origin", "Problem.from_functions")


def _constant_notes(problem: Problem, start: StartConstants) -> tuple[str, ...]:
    notes = []
    if math.isnan(start.Delta):
        notes.append(
            f"f* is unknown for {problem.name!r}: Delta = f(x0) - f* and the bounds that use "
            f"it are NaN (give f_star= to {origin(problem)})"
        )
    if not problem.constants.certified:
        notes.append(f"(L0, L1) {problem.constants.how}")
    if not start.certified:
        notes.append(f"M {start.how}")
    return tuple(notes)


def _pick_L1(
    problem: Problem, spec: MethodSpec, base: schedules.Inputs, choices: dict
) -> tuple[Problem, tuple[str, ...]]:
    """For a polynomial whose L1 the user did not fix, the frontier point minimizing what
    the method's selection minimizes at its ``choices`` (T2 'Choosing L1'; the default
    L0 + L1 M when it has neither selection nor bound), re-certified at that L1, and the
    note saying which L1 was picked and why. Candidates whose cost is inf or NaN never win:
    when all of them are, the default decides (and the note says so)."""
    if problem.kind != KIND_POLY or problem.spec.get("L1_fixed", True):
        return problem, ()
    frontiers = [frontier.float_frontier(r) for r in problem.P]
    small = max(len(np.trim_zeros(r, "b")) for r in problem.P) <= 3
    grid = [0.0] if small else []
    grid += list(np.logspace(-4, 4, 81))

    def point(l1: float) -> schedules.Inputs:
        return replace(base, L0=max(f(l1) for f in frontiers), L1=l1)

    def by_method(l1: float) -> float:
        i = point(l1)
        return math.inf if i.L0 <= 0 else spec.selection_at(i, choices)

    def by_default(l1: float) -> float:
        i = point(l1)
        return math.inf if i.L0 <= 0 else default_selection(i)

    why = spec.selection_text()
    affine = all(point(g).L0 <= 0 for g in grid)  # (0, L1) holds at every L1: nothing to pick
    cost, costs = by_method, np.zeros(len(grid)) if affine else _finite_costs(by_method, grid)
    if not np.any(np.isfinite(costs)):
        why = (
            f"{DEFAULT_SELECTION_TEXT}, since {spec.selection_text()} is inf or NaN at "
            "every candidate"
        )
        cost, costs = by_default, _finite_costs(by_default, grid)
    if not np.any(np.isfinite(costs)):
        raise ValueError(
            f"L1: no point of {problem.name!r}'s frontier gives a finite L0 + L1 M "
            f"(M = {base.M:g}); allowed: fix L1 (L1= in make_problem, --L1 on the CLI)"
        )
    best = int(np.argmin(costs))
    l1 = float(grid[best])
    if not small and not affine and 0 < best < len(grid) - 1:
        l1 = _golden_log(cost, grid[best - 1], grid[best + 1])
    coeffs = problem.P.tolist()
    built = (
        polynomial.univariate(coeffs[0], l1)
        if problem.spec.get("problem") == "polynomial"
        else polynomial.separable(coeffs, l1)
    )
    picked = replace(built, spec={**built.spec, "L1_fixed": False, "L1_choice": "min " + spec.name})
    over = "{0} U [1e-4, 1e4]" if small else "[1e-4, 1e4]"
    note = (
        f"L1 = {l1:.4g} picked on the frontier (L0 = {built.constants.L0:.4g}): it minimizes "
        f"{why} over L1 in {over}"
    )
    if affine:
        note = f"L1 = {l1:.4g} kept: f is affine, so L0 = 0 holds at every L1 (nothing to pick)"
    return picked, (note,)


def _finite_costs(cost, grid) -> np.ndarray:
    """cost at each grid point, +inf where it is inf or NaN (so argmin never lands there)."""
    vals = np.array([cost(g) for g in grid], dtype=float)
    return np.where(np.isfinite(vals), vals, np.inf)


def _golden_log(fn, lo: float, hi: float, iters: int = 40) -> float:
    """Golden-section minimum of fn over [lo, hi] in log scale."""
    a, b = math.log(lo), math.log(hi)
    r = (math.sqrt(5) - 1) / 2
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = fn(math.exp(c)), fn(math.exp(d))
    for _ in range(iters):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = fn(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = fn(math.exp(d))
    return math.exp((a + b) / 2)


def choose_oracle(problem: Problem, spec: MethodSpec, noise, level) -> tuple[str, float]:
    """The oracle name and its level (tau or sigma; the measurement noise when online; the
    probability p when bernoulli, by default the chain's own p from its sigma)."""
    name = _oracle_name(problem, spec, noise)
    if level is not None and name not in (*ADDITIVE, "bernoulli"):
        raise ValueError(
            f"noise_level: {show(level)} does not apply to oracle {name!r} of {spec.name!r} on "
            f"{problem.name!r}; allowed: only with noise {', '.join(ADDITIVE)} or bernoulli"
        )
    if name == "online":
        return name, float(problem.v[0])
    if name == "bernoulli":
        p = float(problem.v[2]) if level is None else positive("noise_level", level)
        if p > 1:
            raise ValueError(f"noise_level: {show(level)} is not allowed; allowed: p in (0, 1]")
        return name, p
    if name in ADDITIVE:
        level = DEFAULT_NOISE_LEVEL if level is None else level
        return name, positive("noise_level", level, allow_zero=True)
    return name, 0.0


def _oracle_name(problem: Problem, spec: MethodSpec, noise) -> str:
    """The oracle a run uses: the user's ``noise`` if it fits, else the problem's default."""
    if not spec.stochastic:
        if noise not in (None, "exact"):
            raise ValueError(
                f"noise: {noise!r} does not apply to deterministic method {spec.name!r}; "
                "allowed: exact (or a stochastic method: sgd, clipped_sgd, spider, spider_clip)"
            )
        return "exact"
    if noise is None:
        if problem.n > 0:
            return "minibatch"
        if problem.kind == KIND_PHASE_POP:
            return "online"
        return "bernoulli" if problem.kind == KIND_CHAIN else "bounded"
    if noise not in NOISE_KINDS:
        hint = did_you_mean(noise, NOISE_KINDS)
        raise ValueError(f"noise: {noise!r} is unknown{hint}; allowed: {', '.join(NOISE_KINDS)}")
    if noise == "minibatch" and problem.n == 0:
        raise ValueError(f"noise: 'minibatch' needs a finite sum; {problem.name!r} is not one")
    if noise == "online" and problem.kind != KIND_PHASE_POP:
        raise ValueError(
            f"noise: 'online' needs problem 'online_phase_retrieval'; got {problem.name!r}"
        )
    if noise == "bernoulli" and problem.kind not in (KIND_CHAIN, KIND_CHAIN_SUM):
        raise ValueError(
            f"noise: 'bernoulli' needs a zero chain (zero_chain, zero_chain_sum); "
            f"got {problem.name!r}"
        )
    return noise


def _noise_constants(problem, oracle, level, x0, seed) -> tuple[float, float, tuple[str, ...]]:
    """(tau, sigma) for the schedules (T4, T5) and notes on assumptions that fail."""
    if oracle == "exact":
        return 0.0, 0.0, ()
    if oracle == "bounded":
        return level, level, ()
    if oracle == "gaussian":
        return level, level, ("Gaussian noise is unbounded: tau = sigma used (T4 needs a.s. tau)",)
    if oracle == "student":
        note = "Student t_3 noise is heavy-tailed: tau = sigma used (T4 needs a.s. tau)"
        return level, level, (note,)
    if oracle == "stable":
        note = (f"alpha-stable noise (alpha = {oracles.STABLE_ALPHA}) has infinite variance: its "
                "scale stands in for tau and sigma (T4, T5 do not apply)")  # fmt: skip
        return level, level, (note,)
    if oracle == "affine":
        g0 = problem.grad(x0)
        sigma = level * math.sqrt(1.0 + float(g0 @ g0))
        note = (
            "affine variance w^2 (1 + ||grad f||^2): tau = sigma at x0 used (T4, T5 need a bound)"
        )
        return sigma, sigma, (note,)
    if oracle == "skewed":
        p = oracles.SKEW_P
        note = (
            f"skewed noise (jumps of probability {p:g}): bounded by tau = w sqrt((1-p)/p) but "
            "asymmetric, so clipping below the jump biases the step (T4 assumes symmetry)"
        )
        return level * math.sqrt((1 - p) / p), level, (note,)
    if oracle == "bernoulli":
        from l0l1.problems.hard import bernoulli_noise

        tau, sigma = bernoulli_noise(problem.spec["eps"], level)
        return tau, sigma, (f"A19 Bernoulli oracle, p = {level:.4g}: tau, sigma certified",)
    grads = _sample_grads(problem, oracle, x0, seed)
    dev = np.linalg.norm(grads - problem.grad(x0), axis=1)
    tau, sigma = float(dev.max()), float(np.sqrt(np.mean(dev**2)))
    how = f"all {problem.n} components" if oracle == "minibatch" else f"{len(grads)} samples"
    return tau, sigma, (f"tau and sigma from {how} at x0 (T4, T5)",)


def _sample_grads(problem: Problem, oracle: str, x0, seed: int) -> np.ndarray:
    """Per-sample gradients at x0: every component of a finite sum, or 4096 online draws."""
    if oracle == "minibatch":
        return np.array([problem.component_grad(i, x0) for i in range(problem.n)])
    rng = np.random.default_rng([seed, 7])
    a = rng.standard_normal((4096, problem.dim))
    a *= np.sqrt(problem.dim) / np.linalg.norm(a, axis=1, keepdims=True)
    y = (a @ problem.P[0]) ** 2 + problem.v[0] * rng.standard_normal(4096)
    t = a @ x0
    return ((t**2 - y) * t)[:, None] * a


def _checkpoints(max_iter: int, count: int) -> np.ndarray:
    pts = np.unique(np.round(np.logspace(0, math.log10(max(max_iter, 1)), count)).astype(np.int64))
    return np.concatenate([[0], pts[pts <= max_iter]]).astype(np.int64)


def start_point(problem: Problem, x0) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"x0: {show(x0)} is not a vector of numbers") from None
    if arr.ndim != 1 or arr.shape[0] != problem.dim:
        raise ValueError(
            f"x0: length {arr.size} does not match the problem dimension; allowed: {problem.dim}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"x0: {show(arr.tolist())} has non-finite entries; allowed: finite numbers"
        )
    return np.ascontiguousarray(arr)
