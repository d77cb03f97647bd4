"""The Python API ``l0l1.runs.run`` (THEORY T6): reproducibility, divergence, the trace,
SPIDER-clip's oracle count (T5) and input validation."""

from __future__ import annotations

import functools
import math
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest

from l0l1 import theory as th
from l0l1.problems.catalog import make_problem
from l0l1.runs import run

FLOAT_MAX = Fraction(sys.float_info.max)


@functools.cache
def problem(key: str):
    return {
        "x4": lambda: make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0),
        "poly4": lambda: make_problem("polynomial", coeffs=[1, -2, 0, 0, 1], L1=2.0),
        "cosh2": lambda: make_problem("cosh", dim=2),
        "phase": lambda: make_problem("phase_retrieval", m=30, d=4, noise=0.05),
        "online": lambda: make_problem("online_phase_retrieval", d=4, noise=0.1),
    }[key]()


X0 = {
    "x4": [3.0],
    "poly4": [1.75],
    "cosh2": [2.0, -3.0],
    "phase": [0.8, -0.4, 0.3, 0.6],
    "online": [0.8, -0.4, 0.3, 0.6],
}
SMALL_SPIDER = {"q": 5, "S1": 8, "S2": 3}


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


# ------------------------------------------------------------------------- reproducibility
STOCHASTIC = [
    ("poly4", "sgd", {"noise": "bounded", "noise_level": 0.5}),
    ("cosh2", "sgd", {"noise": "gaussian", "batch": 3}),
    ("phase", "clipped_sgd", {}),
    ("online", "clipped_sgd", {"probe_every": 4}),
    ("phase", "spider", {}),
    ("online", "spider", {"overrides": SMALL_SPIDER}),
    ("phase", "spider_clip", {}),
    ("online", "spider_clip", {"overrides": SMALL_SPIDER}),
    ("cosh2", "spider_clip", {"noise": "bounded", "overrides": SMALL_SPIDER}),
]


def _stochastic_run(key, method, kw, seed):
    return run(problem(key), method, eps=1e-6, x0=X0[key], seed=seed, max_iter=300, **kw)


@pytest.mark.parametrize(("key", "method", "kw"), STOCHASTIC, ids=lambda v: str(v))
def test_same_seed_is_bit_identical_and_seeds_differ(key, method, kw):
    a = _stochastic_run(key, method, kw, seed=12)
    b = _stochastic_run(key, method, kw, seed=12)
    assert _same(a.x, b.x) and _same(a.trace, b.trace)
    assert (a.status, a.iterations, a.oracle_calls, a.clipped_steps) == (
        b.status,
        b.iterations,
        b.oracle_calls,
        b.clipped_steps,
    )
    assert a.to_dict() == b.to_dict()
    c = _stochastic_run(key, method, kw, seed=13)
    assert not _same(a.x, c.x)
    assert not _same(a.trace[1:, 2:], c.trace[1:, 2:])
    # row 0 is x0 before any draw: the same for every seed
    assert _same(a.trace[0, :4], c.trace[0, :4])


def test_deterministic_methods_ignore_the_seed():
    a = run(problem("poly4"), "clipped_gd", eps=1e-6, x0=X0["poly4"], seed=1, max_iter=200)
    b = run(problem("poly4"), "clipped_gd", eps=1e-6, x0=X0["poly4"], seed=99, max_iter=200)
    assert _same(a.x, b.x) and _same(a.trace, b.trace)


# ------------------------------------------------------------------------- divergence
def exact_divergence(h: float, x0: int = 3) -> tuple[int, list[Fraction]]:
    """GD on x^4 in exact arithmetic: the first k where x_k or f'(x_k) = 4 x_k^3 exceeds
    the float64 range (the kernel's "diverged at k"), with the iterates up to it."""
    x, step, xs = Fraction(x0), Fraction(h), []
    for k in range(100):
        xs.append(x)
        grad = 4 * x**3
        if abs(x) > FLOAT_MAX or abs(grad) > FLOAT_MAX:
            # far from the threshold, so float rounding of x_k cannot move the iteration
            assert abs(x) > 2 * FLOAT_MAX or abs(grad) > 2 * FLOAT_MAX
            assert abs(4 * xs[-2] ** 3) < FLOAT_MAX / 2
            return k, xs
        x -= step * grad
    raise AssertionError("no divergence")


@pytest.mark.parametrize(
    "h",
    [0.25, 0.5, 1.0, 10.0, 1e10, 1e100],
)
def test_gd_with_a_large_step_diverges_at_the_right_iteration(h):
    k, xs = exact_divergence(h)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = run(problem("x4"), "gd", eps=1e-3, x0=[3.0], overrides={"h": h}, max_iter=1000)
    assert res.status == "diverged"
    assert res.iterations == k
    assert res.hit_iteration is None and res.oracle_calls_at_hit is None
    assert res.oracle_calls == k  # one exact call per step taken
    # iterates before the blow-up were followed (rows are x_0..x_{k-1} at log checkpoints)
    for row in res.trace[:-1]:
        i = int(row[0])
        assert row[3] == pytest.approx(float(abs(4 * xs[i] ** 3)), rel=1e-9)
    assert res.trace[-1, 0] == k


# ------------------------------------------------------------------------- the trace
def test_trace_is_log_spaced_from_zero_to_the_stop():
    max_iter, count = 10_000, 40
    res = run(
        problem("cosh2"), "sgd", eps=1e-9, x0=X0["cosh2"], max_iter=max_iter,
        checkpoints=count, noise="bounded", noise_level=2.0,
    )  # fmt: skip
    assert res.status == "not reached"
    its = res.trace[:, 0]
    assert its[0] == 0 and its[-1] == res.iterations == max_iter
    assert np.all(np.diff(its) > 0)
    # log spacing: every positive checkpoint is a rounded power of r = max_iter^(1/(count-1))
    r = max_iter ** (1 / (count - 1))
    powers = np.round(r ** np.arange(count))
    assert set(its[1:].astype(int)) <= set(powers.astype(int))
    assert len(its) >= count - 10  # only the small rounded powers coincide
    big = its[its >= 100]
    np.testing.assert_allclose(np.diff(np.log(big)), math.log(r), rtol=0.05)
    # columns: calls = k for sgd without batch; f and ||grad f|| of x_0 on row 0
    assert np.array_equal(res.trace[:, 1], its)
    x0 = np.array(X0["cosh2"])
    assert res.trace[0, 2] == pytest.approx(problem("cosh2").value(x0), rel=1e-14)
    assert res.trace[0, 3] == pytest.approx(np.linalg.norm(problem("cosh2").grad(x0)), rel=1e-14)
    assert np.all(np.isnan(res.trace[-1, 4:])) and np.all(np.isfinite(res.trace[:-1, 4:]))
    assert res.trace[-1, 2] == pytest.approx(res.f_value, rel=1e-14)
    assert res.trace[-1, 3] == pytest.approx(res.grad_norm, rel=1e-12)


def test_trace_of_a_reached_run_ends_at_the_hit():
    res = run(problem("poly4"), "v24_cl", eps=1e-5, x0=X0["poly4"], max_iter=10_000)
    assert res.status == "reached" and res.hit_iteration == res.iterations
    assert res.trace[0, 0] == 0 and res.trace[-1, 0] == res.iterations
    assert res.trace[-1, 3] <= 1e-5 < res.trace[-2, 3]
    assert res.trace[-1, 1] == res.oracle_calls == res.oracle_calls_at_hit
    assert res.grad_norm == pytest.approx(res.trace[-1, 3], rel=1e-12)


def test_final_trace_row_is_the_final_iterate_under_a_call_budget():
    res = run(
        problem("cosh2"), "sgd", eps=1e-6, x0=X0["cosh2"], seed=1, max_calls=1005,
        probe_every=10, noise="bounded",
    )  # fmt: skip
    assert res.iterations == 1005
    assert res.trace[-1, 3] == pytest.approx(res.grad_norm, rel=1e-12)


# ------------------------------------------------------------------------- SFO count (T5)
def sfo_total(K: int, q: int, S1: int, S2: int) -> int:
    """T5: ceil(K/q) refreshes of S1 calls and 2 S2 calls for every other iteration."""
    value = th.SPIDER_SFO_TOTAL.subs({th.K: K, th.q: q, th.S1: S1, th.S2: S2})
    count = sum(S1 if k % q == 0 else 2 * S2 for k in range(K))  # plain recount
    assert int(value) == count
    return count


def _spider_clip(key, **kw):
    return run(problem(key), "spider_clip", x0=X0[key], seed=4, **kw)


@pytest.mark.parametrize(
    ("key", "kw"),
    [
        ("phase", {"eps": 1e-9, "max_iter": 50}),  # finite sum: exact refresh costs n = 30
        ("online", {"eps": 1e-9, "max_iter": 37, "overrides": SMALL_SPIDER}),
        ("online", {"eps": 1e-9, "max_iter": 41, "overrides": {"q": 7, "S1": 3, "S2": 2}}),
    ],
)
def test_spider_clip_calls_at_a_budget_stop(key, kw):
    res = _spider_clip(key, **kw)
    assert res.status == "not reached" and res.iterations == kw["max_iter"]
    p = res.params
    if key == "phase":
        assert p["S1"] == problem("phase").n
    expect = sfo_total(res.iterations, int(p["q"]), int(p["S1"]), int(p["S2"]))
    assert res.oracle_calls == expect
    assert res.trace[-1, 1] == expect


@pytest.mark.parametrize("eps", [0.3, 0.1])
def test_spider_clip_calls_at_the_hit(eps):
    res = _spider_clip("phase", eps=eps)  # default budget: the schedule's K
    assert res.status == "reached"
    p = res.params
    expect = sfo_total(res.iterations, int(p["q"]), int(p["S1"]), int(p["S2"]))
    assert res.oracle_calls_at_hit == res.oracle_calls == expect


def test_spider_clip_call_budget_stops_at_the_first_iteration_over_it():
    res = _spider_clip("online", eps=1e-9, max_calls=500, overrides=SMALL_SPIDER)
    K = res.iterations
    assert res.status == "not reached" and K < 100_000
    args = (int(res.params["q"]), int(res.params["S1"]), int(res.params["S2"]))
    assert sfo_total(K - 1, *args) < 500 <= sfo_total(K, *args) == res.oracle_calls


def test_sfo_formula_is_the_theory_expression():
    assert th.SPIDER_SFO_TOTAL.free_symbols == {th.K, th.q, th.S1, th.S2}
    assert sfo_total(1, 5, 8, 3) == 8 and sfo_total(6, 5, 8, 3) == 8 + 2 * 3 * 4 + 8


# ------------------------------------------------------------------------- bad inputs
def _error(**kw) -> str:
    args = {"problem": problem("poly4"), "method": "gd", "eps": 1e-3, "x0": [1.75]}
    args.update(kw)
    prob, method = args.pop("problem"), args.pop("method")
    with pytest.raises(ValueError) as info:
        run(prob, method, **args)
    msg = str(info.value)
    assert "\n" not in msg and msg.strip() == msg and msg
    return msg


@pytest.mark.parametrize("eps", [0.0, -1e-3, float("nan"), float("inf"), "small", None])
def test_bad_eps(eps):
    assert _error(eps=eps).startswith("eps:")


@pytest.mark.parametrize("seed", [1.5, "3", -1, True, None])
def test_bad_seed(seed):
    assert _error(seed=seed).startswith("seed:")


@pytest.mark.parametrize("budget", [0, -5, 2.5])
def test_bad_budget(budget):
    assert _error(max_iter=budget).startswith("budget:")


@pytest.mark.parametrize(
    ("field", "value"), [("max_calls", -1), ("batch", 0), ("probe_every", 0), ("n0", 0)]
)
def test_bad_integer_fields(field, value):
    assert _error(method="sgd", **{field: value}).startswith(f"{field}:")


@pytest.mark.parametrize("x0", [[1.0, 2.0], [], [[1.0]], [float("nan")], "a"])
def test_bad_x0(x0):
    assert _error(x0=x0).startswith("x0:")


def test_unknown_method_suggests_the_closest():
    msg = _error(method="clipped_gdd")
    assert msg.startswith("method:") and "did you mean clipped_gd" in msg


def test_unknown_override_key():
    msg = _error(overrides={"hh": 0.1})
    assert msg.startswith("override hh:") and "allowed: h" in msg
    assert _error(method="spider_clip", overrides={"S3": 2}).startswith("override S3:")


@pytest.mark.parametrize(
    ("key", "method", "noise"),
    [
        ("poly4", "gd", "bounded"),  # deterministic method
        ("poly4", "sgd", "minibatch"),  # not a finite sum
        ("phase", "sgd", "online"),  # not online phase retrieval
        ("poly4", "sgd", "laplace"),  # unknown kind
    ],
)
def test_noise_that_does_not_apply(key, method, noise):
    msg = _error(problem=problem(key), method=method, x0=X0[key], noise=noise)
    assert msg.startswith("noise:") and repr(noise) in msg


def test_hitting_time_does_not_depend_on_trace_checkpoints():
    """Checkpoints only record ||grad f||: the hit is the first probe-grid point (T6)."""
    kw = dict(eps=1e-2, x0=X0["cosh2"], seed=3, noise="bounded", noise_level=0.1,
              overrides={"h": 0.003}, probe_every=7)  # fmt: skip
    runs_ = [run(problem("cosh2"), "sgd", checkpoints=c, **kw) for c in (2, 60, 400)]
    assert {r.status for r in runs_} == {"reached"}
    assert len({r.iterations for r in runs_}) == 1
    assert runs_[0].iterations % 7 == 0
    exact = run(problem("cosh2"), "sgd", **{**kw, "probe_every": 1})
    assert exact.iterations <= runs_[0].iterations  # the grid's hit is an upper bound
    assert runs_[0].grad_norm <= 1e-2


@pytest.mark.parametrize(
    ("prob", "method", "kw"),
    [
        ("poly4", "gd", {"noise_level": 3.0}),
        ("phase", "sgd", {"noise_level": 0.5}),
        ("online", "sgd", {"noise_level": 5.0}),
    ],
)
def test_noise_level_that_does_not_apply_is_refused(prob, method, kw):
    msg = _error(problem=problem(prob), method=method, x0=None, **kw)
    assert msg.startswith("noise_level:") and "does not apply" in msg


def test_an_explicit_budget_equal_to_the_default_is_kept():
    from l0l1.problems.catalog import make_problem

    prob = make_problem("polynomial", coeffs=[0, 0, -1, 0, 1])
    kw = dict(eps=1e-6, x0=[1.75], noise="bounded", noise_level=0.0)
    res = run(prob, "spider_clip", max_iter=100_000, **kw)
    assert (res.status, res.iterations) == ("not reached", 100_000)  # not the schedule's K
    assert res.bound > 100_000


def test_L0_zero_is_refused_where_the_schedule_divides_by_it():
    from l0l1.problems.catalog import make_problem

    msg = _error(problem=make_problem("exp", L0=0.0), method="clipped_gd", x0=[1.0])
    assert msg.startswith("L0:")


def test_a_choice_moves_the_frontier_pick_with_its_bound():
    """beta = 0 of beta-normalized GD has GD's bound (M >= eps), so both pick the same L1 on
    x^4's frontier; beta = 1 minimizes another bound and picks another L1 (T2, T3)."""
    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])
    gd = run(prob, "gd", eps=1e-2, x0=[3.0], max_iter=10)
    b0 = run(prob, "beta_normalized_gd", eps=1e-2, x0=[3.0], max_iter=10, overrides={"beta": 0})
    b1 = run(prob, "beta_normalized_gd", eps=1e-2, x0=[3.0], max_iter=10, overrides={"beta": 1})
    assert math.isclose(b0.L1, gd.L1, rel_tol=1e-6)
    assert abs(b1.L1 - gd.L1) > 0.1 * gd.L1
    assert b0.bound == pytest.approx(gd.bound, rel=1e-9)
