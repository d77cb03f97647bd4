"""Algorithms as code (THEORY T6): the oracle counts every call, user algorithms run through
the same driver as the built-ins, and their counts match plain NumPy references."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from l0l1 import cli, make_problem, run
from l0l1.experiments.fits import fit_rate
from l0l1.experiments.runner import run_sweep
from l0l1.experiments.store import load_records

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARMIJO = f"{ROOT / 'examples' / 'armijo.py'}:armijo"
EXTRA = f"{HERE / 'usercode' / 'algorithms.py'}:extrapolated"


def _armijo_numpy(f, df, x0, eps, h0, rho, c, max_iter):
    """Plain Armijo backtracking GD, counted by hand: (iterations, gradient calls, value
    calls) at the first k with |f'(x_k)| <= eps (T6's hitting test)."""
    x, fx = x0, None
    grads = values = 0
    for k in range(max_iter + 1):
        g = df(x)  # the probe: not counted
        if abs(g) <= eps:
            return k, grads, values
        if fx is None:
            fx, values = f(x), values + 1
        grads = k + 1  # one gradient per step taken
        h = h0
        y = x - h * g
        fy, values = f(y), values + 1
        while not fy <= fx - c * h * g * g and h > 0.0:
            h *= rho
            y = x - h * g
            fy, values = f(y), values + 1
        x, fx = y, fy
    return None


def test_armijo_cli_counts_match_plain_numpy(capsys):
    argv = ["run", "--coeffs", "0,0,0,0,1", "--method", ARMIJO, "--set", "h0=1", "--set",
            "rho=0.5", "--set", "c=1e-4", "--eps", "1e-3", "--x0", "3", "--json"]  # fmt: skip
    assert cli.main(argv) == 0
    res = json.loads(capsys.readouterr().out)
    ref = _armijo_numpy(lambda t: t**4, lambda t: 4 * t**3, 3.0, 1e-3, 1.0, 0.5, 1e-4, 10**5)
    assert ref is not None and res["status"] == "reached"
    k, grads, values = ref
    assert res["iterations"] == k
    assert res["value_calls"] == values
    assert res["oracle_calls"] == grads + values == res["oracle_calls_at_hit"]
    assert values > k + 1  # it did backtrack: more than f(x_0) and one trial per step


def test_polyak_reports_its_function_values():
    prob = make_problem("cosh", dim=1)
    res = run(prob, "gd_ps", eps=1e-6, x0=[2.0])
    assert res.status == "reached" and res.value_calls == res.iterations
    assert res.gradient_calls == res.iterations and res.oracle_calls == 2 * res.iterations


def _extrapolated_numpy(x0, eps, h, beta, max_iter):
    x, x_prev = x0, x0
    for k in range(max_iter + 1):
        if abs(4 * x**3) <= eps:
            return k
        y = x + beta * (x - x_prev)
        x_prev, x = x, y - h * 4 * y**3
    return None


def test_two_sequence_method_counts_its_own_gradients():
    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    res = run(prob, EXTRA, eps=1e-2, x0=[1.0], max_iter=20_000)
    assert res.status == "reached" and res.value_calls == 0
    # one gradient per iteration, at y_k, never served from the probe at x_k
    assert res.oracle_calls == res.iterations == res.oracle_calls_at_hit
    ref = _extrapolated_numpy(1.0, 1e-2, 0.01, 0.5, 20_000)
    assert abs(res.iterations - ref) <= 1  # x^4 by Horner in the kernel, 4 x^3 here


def test_algorithm_writing_its_iterate_does_not_compile():
    from l0l1 import register_method

    def init(o, x0, p):
        return (np.empty(o.dim),)

    def bad(o, k, x, x_next, state, p):
        x[0] = 0.0  # x_k is read-only inside a step
        return 0.0, 0.0, False, True

    spec = register_method("writes_x", bad, init=init, schedule={"h": 1.0}, replace=True)
    with pytest.raises(ValueError, match=r"^method: Numba cannot compile writes_x.s algorithm"):
        run(make_problem("cosh", dim=1), spec, eps=1e-3, x0=[1.0], max_iter=3)


def test_user_algorithm_in_a_sweep_with_a_rate_fit(tmp_path):
    sweep = {
        "name": "extra", "eps": [0.3, 0.1, 0.03, 0.01], "seeds": 1,
        "budget": {"max_iter": 200_000},
        "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 0, 1], "L1": 1.0},
                      "x0": [1.0]}],
        "methods": [{"name": EXTRA}, {"name": ARMIJO}],
    }  # fmt: skip
    path = tmp_path / "s.sqlite"
    run_sweep(sweep, path, backend="serial", quiet=True)
    recs = load_records(path)
    assert len(recs) == 8 and {r["method"] for r in recs} == {"extrapolated", "armijo"}
    extra = [r for r in recs if r["method"] == "extrapolated"]
    armijo = [r for r in recs if r["method"] == "armijo"]
    assert all(r["value_calls"] == 0 for r in extra)
    assert all(r["value_calls"] > r["iterations"] for r in armijo)
    fit = fit_rate(extra)
    assert math.isfinite(fit.slope) and fit.slope > 0


@pytest.mark.parametrize("method", ["gd_ps", "clipped_gd", "stm_max", "nsgd_m"])
def test_trajectory_runs_the_driver(method):
    """smoothness.trajectory keeps the iterates of the very run (it used to re-implement the
    step in Python and was wrong for gd_ps: f(x_1) = 2.893 against run's 1.870 on cosh, and
    for stm_max)."""
    from l0l1.smoothness import trajectory

    prob = make_problem("cosh", dim=1)
    if method == "nsgd_m":  # stochastic: refused with one line
        with pytest.raises(ValueError, match=r"^method: 'nsgd_m' is not allowed here"):
            trajectory(prob, method, [2.0], 5)
        return
    t = trajectory(prob, method, [2.0], 5)
    for k in (1, 3):
        res = run(prob, method, eps=1e-300, x0=[2.0], max_iter=k)
        assert t.f[k] == res.f_value and np.array_equal(t.xs[k], res.x)
    assert len(t.xs) == 6 and t.status == "ran"


# 8 runs of the user's two-sequence method that never reach eps (h tiny): each spends its
# whole budget, so a SIGKILL lands mid-sweep.
KILL_SPEC = """name = "user_kill"
eps = [0.3, 0.1]
seeds = 4
[budget]
max_iter = 3000000
[[problems]]
name = "polynomial"
params = { coeffs = [0, 0, 0, 0, 1], L1 = 1.0 }
x0 = [3.0]
[[methods]]
name = "EXTRA"
overrides = { h = 1e-14, beta = 0.5 }
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_user_algorithm_sweep_survives_sigkill_and_resumes(tmp_path):
    """A sweep of a user algorithm (issue 26's check): SIGKILL mid-way leaves no worker and
    the resumed sweep stores every run exactly once, with the gradient counts of the code."""
    import sqlite3

    from test_worker_death import kill_mid_sweep

    spec, store = tmp_path / "kill.toml", tmp_path / "runs.sqlite"
    spec.write_text(KILL_SPEC.replace("EXTRA", EXTRA))
    before = kill_mid_sweep(spec, store)
    assert 1 <= len(before) < 8
    report = run_sweep(spec, store, backend="serial", quiet=True)
    assert (report.skipped, report.ran) == (len(before), 8 - len(before))
    con = sqlite3.connect(store)
    keys = [k for (k,) in con.execute("SELECT run_key FROM runs")]
    con.close()
    assert len(keys) == len(set(keys)) == 8
    recs = load_records(store)
    assert {r["method"] for r in recs} == {"extrapolated"}
    assert all(r["status"] == "not reached" for r in recs)
    assert all((r["oracle_calls"], r["value_calls"]) == (3_000_000, 0) for r in recs)
