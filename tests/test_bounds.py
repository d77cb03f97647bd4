"""Bound checks on random certified instances (THEORY T3, T5, T6 'Bound check').

On every instance whose constants are certified, the measured hitting iteration must not
exceed the method's bound (the RunResult's own ``bound``):
- clipped GD (Z20 Thm 3): 20 L0 Delta/eps^2 + 20 max{1, L1^2} Delta/L0;
- GD (Z20 Thm 6, h = 1/(2(L0 + L1 M))): 4 (L0 + L1 M) Delta/eps^2;
- normalized GD (T3, derived): 26 L0 Delta/eps^2 + 26 max{1, L1^2} Delta/L0;
- V24 rules: 2 L0 Delta/(a eps^2) + 3 L1 Delta/(a eps), a = 1 (si, star), 1/2 (cl);
- SPIDER-clip without noise (T5): with the schedule for eps, some x_k with k <= K - 1 has
  ||grad f(x_k)|| <= 2 eps, K = floor(0.712 L0 Delta/eps^2 + 1.424 L1 Delta/eps) + 1.

Instances (tests/instances.py, seeded): even-degree polynomials of degree 4..10, separable
polynomials in d = 2..4, cosh / log cosh / exp sums; near and far starts; eps log-uniform
in [1e-3, 1e-1]. Each polynomial runs once with the bound-minimizing L1 the run picks and,
on a second set, with several user-fixed L1. Draws whose bound exceeds CAP iterations are
skipped (counted, printed). Run with ``-s`` to see the measured/bound table.

Budgets. With a fixed L1 the bound is known before the run and max_iter = ceil(bound) + 1,
so a violation shows up as "not reached". With the run's own L1 choice the bound is known
only after the pick, so those runs get max_iter = CAP + 1 >= ceil(bound) + 1; the kernel's
trajectory does not depend on max_iter, so "reached at k <= bound" is the same verdict.

``L0L1_BOUNDS_SCALE`` (default 1) multiplies the number of instances for a deeper sweep.
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.polynomial.polynomial as npoly
import pytest
from instances import (
    DET_METHODS,
    Instance,
    fixed_bound,
    poly_rows,
    random_instance,
    screen_bound,
    spider_K,
)

from l0l1 import make_problem, run
from l0l1.methods.registry import get_method
from l0l1.problems import catalog
from l0l1.schedules import Inputs, build

SEED = 20240601
CAP = 2_000_000  # skip draws whose bound exceeds this many iterations
SCREEN = 4 * CAP  # cheap float pre-screen: skip before paying for exact certification
SCALE = float(os.environ.get("L0L1_BOUNDS_SCALE", "1"))
MIN_INSTANCES = 50  # per method, with the run's own L1 choice
# Kept instances per method and family, with the run's own L1 choice (sum = 50).
AUTO_TARGETS = {"polynomial": 20, "separable": 6, "exponential": 24}
# User-fixed L1: kept (instance, L1) pairs per method and family (sum = 50).
FIXED_TARGETS = {"polynomial": 42, "separable": 8}
FIXED_L1_PER_INSTANCE = 3
MAX_DRAW_FACTOR = 3
SPIDER = "spider_clip"
L1_ZERO_METHODS = ("clipped_gd", "normalized_gd")  # whose gamma = Min(10 L0, 1/(10 L1 eta_c))


@dataclass(frozen=True)
class Record:
    """One bound check: the instance, the run and its verdict."""

    mode: str  # "auto" (the run picks L1) or "fixed" (user-fixed L1)
    method: str
    inst: Instance
    L1_fixed: float | None
    res: object  # RunResult
    bound: float
    measured: int | None  # hitting iteration (None when not reached)

    @property
    def ok(self) -> bool:
        if self.measured is None:
            return False
        if self.method == SPIDER:  # min over x_0 .. x_{K-1}
            return self.measured <= self.bound - 1
        return self.measured <= self.bound

    def describe(self) -> str:
        r = self.res
        fixed = "" if self.L1_fixed is None else f" (user-fixed L1={self.L1_fixed!r})"
        return (
            f"{self.method} [{self.mode}{fixed}] {self.inst.describe()}: L0={r.L0!r} L1={r.L1!r} "
            f"Delta={r.Delta!r} M={r.M!r} status={r.status} iterations={r.iterations} "
            f"bound={self.bound!r}"
        )


SKIPS: Counter = Counter()  # (mode, method) -> draws skipped because bound > CAP
EXCLUDED: Counter = Counter()  # (mode, method) -> runs excluded because of a known bug
RECORDS: dict[str, list[Record]] = defaultdict(list)  # mode -> records
CPU_SECONDS: dict[str, float] = {}  # mode -> process time spent building the records


def _x0(inst: Instance) -> list[float]:
    return list(inst.x0)


def _run_auto(inst: Instance, method: str, prob) -> Record | None:
    if screen_bound(inst, method) > SCREEN:
        SKIPS["auto", method] += 1
        return None
    if method == SPIDER:
        return _run_spider(inst, prob, "auto", None, None)
    res = run(prob, method, eps=inst.eps, x0=_x0(inst), seed=0, max_iter=CAP + 1)
    if res.bound is None or res.bound > CAP:
        SKIPS["auto", method] += 1
        return None
    return Record("auto", method, inst, None, res, res.bound, res.hit_iteration)


def _run_spider(inst: Instance, prob, mode: str, start, L1_fixed) -> Record | None:
    """SPIDER-clip with exact gradients (bounded noise of level 0, so sigma = 0), the
    schedule for eps and the hitting threshold 2 eps: run(eps=2 eps) with the schedule's
    eps overridden back to eps (with sigma = 0, q, S1 and S2 do not depend on eps; the
    parameters are checked against T5's schedule for eps below)."""
    eps = inst.eps
    kwargs = {"noise": "bounded", "noise_level": 0.0, "seed": 0, "overrides": {"eps": eps}}
    if start is None:  # the run picks L1 (minimizing K at 2 eps; any frontier point is valid)
        res = run(prob, SPIDER, eps=2 * eps, x0=_x0(inst), max_iter=CAP, **kwargs)
        K = spider_K(res.L0, res.L1, res.Delta, res.M, eps)
        if K > CAP:
            SKIPS[mode, SPIDER] += 1
            return None
    else:
        c = prob.constants
        K = spider_K(c.L0, c.L1, start.Delta, start.M, eps)
        # the bound a plain run at eps reports is this K
        assert fixed_bound(prob, start, SPIDER, eps) == K
        if K > CAP:
            SKIPS[mode, SPIDER] += 1
            return None
        res = run(prob, SPIDER, eps=2 * eps, x0=_x0(inst), max_iter=max(K - 1, 1), **kwargs)
    assert res.oracle == "bounded" and res.noise_level == 0.0
    i = Inputs(res.L0, res.L1, res.Delta, res.M, eps, sigma=0.0, tau=0.0)
    expected = build(get_method(SPIDER), i, finite=False)
    assert res.params == expected.values, (res.params, expected.values)
    assert (expected.q, expected.S1) == (1, 1) and expected.bound == K
    return Record(mode, SPIDER, inst, L1_fixed, res, K, res.hit_iteration)


def _need(counts: Counter, methods, target: int) -> bool:
    return any(counts[m] < target for m in methods)


def _auto_records() -> list[Record]:
    if "auto" in RECORDS:
        return RECORDS["auto"]
    t0 = time.process_time()
    rng = np.random.default_rng(SEED)
    methods = (*DET_METHODS, SPIDER)
    out: list[Record] = []
    for family, base in AUTO_TARGETS.items():
        target = math.ceil(base * SCALE)
        kept: Counter = Counter()
        for _ in range(MAX_DRAW_FACTOR * target):
            if not _need(kept, methods, target):
                break
            inst = random_instance(rng, family)
            prob = inst.problem()
            for method in [m for m in methods if kept[m] < target]:
                rec = _run_auto(inst, method, prob)
                if rec is not None:
                    kept[method] += 1
                    out.append(rec)
    RECORDS["auto"] = out
    CPU_SECONDS["auto"] = time.process_time() - t0
    return out


def _fixed_L1_values(rng, inst: Instance) -> list[float]:
    """FIXED_L1_PER_INSTANCE random L1 in [1e-2, 1e3] (log-uniform) for which at least
    one method's float-screened bound is within the budget."""
    values = []
    for _ in range(20 * FIXED_L1_PER_INSTANCE):
        if len(values) == FIXED_L1_PER_INSTANCE:
            break
        lam = float(math.exp(rng.uniform(math.log(1e-2), math.log(1e3))))
        if min(screen_bound(inst, m, L1=lam) for m in (*DET_METHODS, SPIDER)) <= SCREEN:
            values.append(lam)
    return values


def _fixed_runs(inst: Instance, lam: float, start, methods) -> tuple[list[Record], object]:
    """``methods`` on ``inst`` with user-fixed ``lam``; also the start constants (the same
    for every L1, so computed once per instance)."""
    prob = inst.problem(L1=lam)
    assert prob.spec["L1_fixed"] and prob.constants.L1 == lam  # noqa: SIM300
    start = start or catalog.start_constants(prob, np.array(inst.x0))
    out = []
    for method in [m for m in DET_METHODS if m in methods]:
        bound = fixed_bound(prob, start, method, inst.eps)
        if bound > CAP:
            SKIPS["fixed", method] += 1
            continue
        res = run(prob, method, eps=inst.eps, x0=_x0(inst), seed=0, max_iter=math.ceil(bound) + 1)
        assert res.bound == bound
        assert res.L1 == lam  # noqa: SIM300
        out.append(Record("fixed", method, inst, lam, res, bound, res.hit_iteration))
    rec = _run_spider(inst, prob, "fixed", start, lam) if SPIDER in methods else None
    return out + ([rec] if rec is not None else []), start


def _fixed_records() -> list[Record]:
    if "fixed" in RECORDS:
        return RECORDS["fixed"]
    t0 = time.process_time()
    rng = np.random.default_rng(SEED + 1)
    methods = (*DET_METHODS, SPIDER)
    out: list[Record] = []
    for family, base in FIXED_TARGETS.items():
        target = math.ceil(base * SCALE)
        kept: Counter = Counter()
        for _ in range(MAX_DRAW_FACTOR * target):
            if not _need(kept, methods, target):
                break
            inst = random_instance(rng, family)
            start = None
            for lam in _fixed_L1_values(rng, inst):
                needed = [m for m in methods if kept[m] < target]
                recs, start = _fixed_runs(inst, lam, start, needed)
                kept.update(r.method for r in recs)
                out.extend(recs)
    RECORDS["fixed"] = out
    CPU_SECONDS["fixed"] = time.process_time() - t0
    return out


@pytest.fixture(scope="module")
def auto_records() -> list[Record]:
    return _auto_records()


@pytest.fixture(scope="module")
def fixed_records() -> list[Record]:
    return _fixed_records()


def _families(recs: list[Record]) -> str:
    names = Counter(r.inst.name for r in recs)
    sep = names.pop("separable_polynomial", 0)
    return f"{names.pop('polynomial', 0)}/{sep}/{sum(names.values())}"


@pytest.fixture(scope="module", autouse=True)
def _ratio_table():
    """Print measured/bound per method (min, median, max) after the module's tests."""
    yield
    lines = ["", "measured / bound over certified instances (skipped: bound > CAP draws)"]
    lines.append(
        f"{'method':<14} {'mode':<6} {'n':>4} {'min':>10} {'median':>10} {'max':>10} "
        f"{'skipped':>7} {'far':>4} {'clipped':>7}  poly/sep/exp"
    )
    for mode in ("auto", "fixed"):
        for method in (*DET_METHODS, SPIDER):
            recs = [r for r in RECORDS.get(mode, []) if r.method == method]
            if not recs:
                continue
            ratios = [(r.measured if r.measured is not None else math.inf) / r.bound for r in recs]
            far = sum(r.inst.far for r in recs)
            clipped = sum(r.res.clipped_steps > 0 for r in recs)
            lines.append(
                f"{method:<14} {mode:<6} {len(recs):>4} {min(ratios):>10.2e} "
                f"{float(np.median(ratios)):>10.2e} {max(ratios):>10.2e} "
                f"{SKIPS[mode, method]:>7} {far:>4} {clipped:>7}  {_families(recs)}"
            )
    excluded = {f"{m} ({mode})": n for (mode, m), n in EXCLUDED.items()}
    if excluded:
        lines.append(f"excluded (log cosh, L1 = 0 schedule bug): {excluded}")
    cpu = ", ".join(f"{mode} {sec:.0f} s" for mode, sec in CPU_SECONDS.items())
    lines.append(f"CPU time building the records (informational): {cpu}")
    print("\n".join(lines))


def _violations(records: list[Record], method: str) -> tuple[list[Record], list[str]]:
    recs = [r for r in records if r.method == method]
    bad = [r.describe() for r in recs if not r.ok]
    return recs, bad


@pytest.mark.parametrize("method", DET_METHODS)
def test_bound_with_chosen_L1(auto_records, method):
    """The run's own bound-minimizing L1 (polynomials) or the closed-form constants."""
    recs, bad = _violations(auto_records, method)
    assert len(recs) >= MIN_INSTANCES
    assert not bad, "bound violated on:\n" + "\n".join(bad)


@pytest.mark.parametrize("method", DET_METHODS)
def test_bound_with_fixed_L1(fixed_records, method):
    """Several user-fixed L1 per polynomial instance, not only the bound-minimizing one."""
    recs, bad = _violations(fixed_records, method)
    assert len(recs) >= MIN_INSTANCES
    assert len({r.inst for r in recs}) < len(recs)  # several L1 on the same instance
    assert not bad, "bound violated on:\n" + "\n".join(bad)


def test_spider_clip_noiseless_with_chosen_L1(auto_records):
    recs, bad = _violations(auto_records, SPIDER)
    assert len(recs) >= MIN_INSTANCES
    assert not bad, "min ||grad f|| > 2 eps within K on:\n" + "\n".join(bad)


def test_spider_clip_noiseless_with_fixed_L1(fixed_records):
    recs, bad = _violations(fixed_records, SPIDER)
    assert len(recs) >= MIN_INSTANCES
    assert not bad, "min ||grad f|| > 2 eps within K on:\n" + "\n".join(bad)


def test_certified_flags(auto_records, fixed_records):
    """Every run of the bound checks used certified constants and a certified start."""
    for rec in auto_records + fixed_records:
        r = rec.res
        assert r.constants_certified and r.start_certified, rec.describe()
        assert "estimated" not in r.constants_how, rec.describe()
        assert not any("estimated" in a for a in r.assumptions), rec.describe()
        assert math.isfinite(r.L0) and r.L0 > 0 and math.isfinite(r.L1) and r.L1 >= 0
        if rec.inst.name in ("polynomial", "separable_polynomial"):
            assert r.constants_how == "exact frontier (real-root isolation)"
            assert r.problem.startswith(("polynomial", "separable_polynomial"))
        if rec.L1_fixed is not None:
            assert r.L1 == rec.L1_fixed  # noqa: SIM300


V24_A = {"v24_si": 1.0, "v24_cl": 0.5, "v24_star": 1.0}


def _t3_bound(method: str, L0: float, L1: float, D: float, M: float, eps: float) -> float:
    """The bounds of THEORY T3 / T5, written out again in plain floats."""
    if method == "clipped_gd":
        return 20 * L0 * D / eps**2 + 20 * max(1.0, L1**2) * D / L0
    if method == "gd":
        return 4 * (L0 + L1 * M) * D / eps**2
    if method == "normalized_gd":
        return 26 * L0 * D / eps**2 + 26 * max(1.0, L1**2) * D / L0
    if method in V24_A:
        a = V24_A[method]
        return 2 * L0 * D / (a * eps**2) + 3 * L1 * D / (a * eps)
    return math.floor(0.712 * L0 * D / eps**2 + 1.424 * L1 * D / eps) + 1


def test_bounds_and_steps_are_the_theory_formulas(auto_records, fixed_records):
    """The bound each check uses, and the step parameters each run used, are T3's / T5's
    formulas at the run's own (L0, L1, Delta, M, eps), recomputed here in plain floats."""
    for rec in auto_records + fixed_records:
        r, p = rec.res, rec.res.params
        L0, L1, D, M, eps = r.L0, r.L1, r.Delta, r.M, rec.inst.eps
        expected = _t3_bound(rec.method, L0, L1, D, M, eps)
        if rec.method == SPIDER:
            assert abs(rec.bound - expected) <= 1, rec.describe()
            assert p["eps"] == eps and p["L0"] == L0 and p["L1"] == L1, rec.describe()
            continue
        assert rec.bound == pytest.approx(expected, rel=1e-12), rec.describe()
        if rec.method == "gd":
            assert p["h"] == pytest.approx(1 / (2 * (L0 + L1 * M)), rel=1e-12)
        elif rec.method in ("clipped_gd", "normalized_gd"):
            eta_c = 1 / (10 * L0)
            gamma = 1 / eta_c if L1 == 0 else min(1 / eta_c, 1 / (10 * L1 * eta_c))
            got = (
                (p["eta_c"], p["gamma"])
                if rec.method == "clipped_gd"
                else (p["eta_n"] / p["beta"], p["beta"])
            )
            assert got == pytest.approx((eta_c, gamma), rel=1e-12), rec.describe()
        else:
            assert (p["L0"], p["L1"]) == (L0, L1), rec.describe()


def _grid(row: np.ndarray, x0: float) -> np.ndarray:
    crit = npoly.polyroots(npoly.polyder(row)).real
    lo = min(float(crit.min()), x0) - 1.0
    hi = max(float(crit.max()), x0) + 1.0
    return np.linspace(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo), 20001)


def test_certified_constants_hold_on_a_grid(auto_records, fixed_records):
    """The certified numbers are real: on a dense grid (float, independent of the exact
    code), |p''| <= L0 + L1 |p'| per coordinate, f(x0) - min f <= Delta, and
    |p'| <= M on the sublevel set {p <= p(x0)} (univariate)."""
    seen = set()
    for rec in auto_records + fixed_records:
        if rec.inst.name not in ("polynomial", "separable_polynomial"):
            continue
        r = rec.res
        key = (rec.inst, r.L1)
        if key in seen:
            continue
        seen.add(key)
        rows = [np.trim_zeros(np.asarray(c, dtype=float), "b") for c in poly_rows(rec.inst)]
        gap = 0.0
        for row, x0 in zip(rows, rec.inst.x0, strict=True):
            xs = _grid(row, x0)
            d1, d2 = npoly.polyval(xs, npoly.polyder(row)), npoly.polyval(xs, npoly.polyder(row, 2))
            excess = np.abs(d2) - r.L1 * np.abs(d1) - r.L0
            scale = np.abs(d2) + r.L1 * np.abs(d1) + r.L0
            assert np.all(excess <= 1e-9 * scale), rec.describe()
            fx = npoly.polyval(xs, row)
            f0 = float(npoly.polyval(x0, row))
            gap += f0 - float(fx.min())
            if len(rows) == 1:
                inside = fx <= f0
                assert np.max(np.abs(d1[inside])) <= r.M * (1 + 1e-9), rec.describe()
        assert gap <= r.Delta * (1 + 1e-9) + 1e-12, rec.describe()
        g0 = np.array(
            [npoly.polyval(x, npoly.polyder(row)) for row, x in zip(rows, rec.inst.x0, strict=True)]
        )
        assert float(np.linalg.norm(g0)) <= r.M * (1 + 1e-9), rec.describe()


@pytest.mark.parametrize("method", ["gd", "clipped_gd", "v24_si", "spider_clip"])
@pytest.mark.parametrize("L1", [None, 2.0])
def test_phase_retrieval_never_certified(method, L1):
    """Estimated constants (sampled frontier) must never be reported as certified."""
    kwargs = {} if L1 is None else {"L1": L1}
    prob = make_problem("phase_retrieval", m=50, d=5, **kwargs)
    assert not prob.constants.certified
    res = run(prob, method, eps=1e-2, seed=0, max_iter=50)
    assert res.constants_certified is False
    assert "estimated" in res.constants_how
    assert any("estimated" in a for a in res.assumptions)
    assert res.to_dict()["constants_certified"] is False


def test_spider_clip_schedule_without_noise():
    """T5 with sigma = 0: q = S1 = 1, and a run with bounded noise of level 0 works.

    Regression: before commit f523941, Max(1, ceiling(sigma n0/eps)) in theory.py
    simplified to the bare ceiling (sigma is a positive symbol), so q = S1 = S2 = 0 and
    run_spider raised 'integer modulo by zero'."""
    i = Inputs(L0=1.0, L1=1.0, Delta=1.0, M=1.0, eps=1e-2, sigma=0.0, tau=0.0)
    sched = build(get_method(SPIDER), i, finite=False)
    assert (sched.q, sched.S1) == (1, 1), (sched.q, sched.S1, sched.S2)
    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])
    res = run(prob, SPIDER, eps=1e-2, x0=[2.0], noise="bounded", noise_level=0.0)
    assert res.params["q"] == 1 and res.params["S1"] == 1
    assert res.bound == spider_K(res.L0, res.L1, res.Delta, res.M, 1e-2)


@pytest.mark.parametrize("method", L1_ZERO_METHODS)
@pytest.mark.parametrize(
    ("name", "params", "x0"),
    [("logcosh", {"dim": 2}, [3.0, -2.0]), ("polynomial", {"coeffs": [1.0, 0.0, 1.0]}, [2.0])],
)
def test_clipping_schedules_with_L1_zero(method, name, params, x0):
    """L1 = 0 is L-smoothness: gamma = 10 L0 (a division by L1 = 0 once raised here)."""
    res = run(make_problem(name, **params), method, eps=1e-2, x0=x0)
    assert res.L1 == 0.0
    assert res.status == "reached" and res.iterations <= res.bound
