"""User code at its edges (issue 29, item 5): large closures, constants given late, SymPy
problems without f*, user methods in records, and runs recorded from the user's own loop."""

from __future__ import annotations

import math
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pytest

from l0l1 import make_problem, run
from l0l1.entrypoints import import_module
from l0l1.experiments.fits import select
from l0l1.experiments.runner import run_sweep
from l0l1.experiments.store import NAMES, Store, load_records
from l0l1.problems.base import Problem, ProblemError

HERE = Path(__file__).parent
MYCODE = str(HERE / "usercode" / "mycode.py")
mycode = vars(import_module(MYCODE))


def one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg, msg
    return msg


# --- (a) a closure over an array larger than Numba embeds (1 MB) ------------------------------


def test_closure_over_a_large_array_runs_uncached_and_says_so_once():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3000, 100)) / 10.0  # 2.4 MB: Numba links it by address
    y = (A @ np.ones(100)) ** 2

    def value(x):
        r = (A @ x) ** 2 - y
        return np.sum(r * r) / (4.0 * A.shape[0])

    AT = np.ascontiguousarray(A.T)

    def grad(x):
        t = A @ x
        return AT @ ((t * t - y) * t) / A.shape[0]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prob = Problem.from_functions(value, grad, dim=100, constants=(1.0, 1.0), f_star=0.0)
        res = run(prob, "clipped_gd", eps=1e-6, x0=np.full(100, 0.5), max_iter=5)
    assert res.status == "not reached" and res.iterations == 5
    said = [str(w.message) for w in caught]
    ours = [m for m in said if "not cached" in m]
    assert len(ours) == 1, said
    assert "2.4 MB" in ours[0] and "value" in ours[0]
    assert not any("Cannot cache" in m for m in said), said


# --- (b) with_constants -----------------------------------------------------------------------


def test_with_constants_takes_a_pair_and_refuses_the_rest_in_one_line():
    prob = mycode["QUARTIC"]
    free = Problem.from_functions(mycode["value"], mycode["grad"], dim=1, f_star=0.0)
    given = free.with_constants((16.0, 1.0))
    assert (given.constants.L0, given.constants.L1) == (16.0, 1.0)
    assert not given.constants.certified and "given by the user" in given.constants.how
    got = run(given, "clipped_gd", eps=1e-2, x0=[3.0])
    assert got.iterations == run(prob, "clipped_gd", eps=1e-2, x0=[3.0]).iterations
    assert prob.with_constants(prob.constants).constants == prob.constants
    for bad, field in [((2.0,), "constants: (2.0,)"), ("2,1", "constants: '2,1'"),
                       ((math.nan, 1.0), "constants L0: nan"), ((1.0, -1.0), "constants L1: -1.0"),
                       (None, "constants: None")]:  # fmt: skip
        with pytest.raises(ProblemError) as err:
            free.with_constants(bad)
        assert one_line(err).startswith(field), str(err.value)
        assert "allowed:" in str(err.value)


# --- (c) from_sympy ---------------------------------------------------------------------------


def test_from_sympy_takes_f_star_and_its_hints_name_it():
    import sympy as sp

    x, y = sp.symbols("x y")
    expr = sp.log(1 + x**2) + sp.log(1 + y**2) + (x * y) ** 2 / 10
    bare = Problem.from_sympy(expr, [x, y], x0=[1.0, 2.0])
    with pytest.raises(ValueError) as err:
        run(bare, "gd", eps=1e-2)
    assert "allowed: problem.with_constants((L0, L1))" in one_line(err)
    bare = bare.with_constants((4.0, 2.0))
    with pytest.raises(ValueError) as err:
        run(bare, "gd_ps", eps=1e-2)
    assert "f_star= in Problem.from_sympy" in one_line(err)
    res = run(bare, "clipped_gd", eps=1e-2, max_iter=50)
    assert math.isnan(res.Delta) and math.isnan(res.bound)
    assert any("f* is unknown" in a and "f_star=" in a for a in res.assumptions), res.assumptions
    known = Problem.from_sympy(expr, [x, y], x0=[1.0, 2.0], f_star=0.0).with_constants((4.0, 2.0))
    res = run(known, "clipped_gd", eps=1e-2, max_iter=50)
    assert res.Delta == pytest.approx(known.value([1.0, 2.0])) and math.isfinite(res.bound)
    no_x0 = Problem.from_sympy(expr, [x, y], f_star=0.0).with_constants((4.0, 2.0))
    with pytest.raises(ValueError) as err:
        run(no_x0, "gd", eps=1e-2)
    assert "x0= in Problem.from_sympy" in one_line(err)


def test_from_sympy_f_star_of_a_certified_polynomial_is_checked():
    import sympy as sp

    x = sp.Symbol("x")
    poly = Problem.from_sympy(x**4 - x**2, [x], x0=[2.0], f_star=-1.0)
    assert poly.f_star == pytest.approx(-0.25) and poly.constants.certified  # certified wins
    with pytest.raises(ProblemError) as err:
        Problem.from_sympy(x**4 - x**2, [x], x0=[2.0], f_star=0.0)
    assert one_line(err).startswith("f_star: 0.0 is above")
    for bad in (math.nan, "0", [0.0]):
        with pytest.raises(ProblemError) as err:
            Problem.from_sympy(x**4, [x], f_star=bad)
        assert one_line(err).startswith("f_star:")


def test_from_sympy_auto_name_ends_at_a_term():
    import sympy as sp

    xs = sp.symbols("x1:9")
    expr = sum(sp.cosh(s) * (k + 1) for k, s in enumerate(xs))
    prob = Problem.from_sympy(expr, xs, f_star=0.0)
    text = sp.sstr(expr)
    body = prob.name.removeprefix("sympy_")
    assert body.endswith(" + ...") and len(prob.name) <= 60
    kept = body.removesuffix(" + ...")
    assert text.startswith(kept + " + "), (kept, text)
    short = Problem.from_sympy(sp.cosh(xs[0]), [xs[0]], f_star=1.0)
    assert short.name == "sympy_cosh(x1)"


def test_docstrings_say_what_x0_does():
    from l0l1.problems import user

    for fn in (user.from_functions, user.from_sympy):
        doc = " ".join(fn.__doc__.split())
        assert "x0 : the default start of runs (none when not given: runs then need x0=)" in doc


# --- (d) a user method's records: the registered name and the entry point ---------------------

SWEEP = {
    "name": "named",
    "eps": [0.1],
    "seeds": 1,
    "budget": {"max_iter": 5000},
    "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 0, 1], "L1": 1.0},
                  "x0": [3.0]}],
    "methods": [{"name": f"{MYCODE}:my_clip"}, {"name": "clipped_gd"}],
}  # fmt: skip


def test_records_store_the_registered_name_and_the_entry_point(tmp_path):
    store = tmp_path / "runs.sqlite"
    assert run_sweep(SWEEP, store, backend="serial", quiet=True).ran == 2
    rows = load_records(store)
    mine = select(rows, method="my_clip")
    assert len(mine) == 1 and mine[0]["method_ref"] == f"{MYCODE}:my_clip"
    builtin = select(rows, method="clipped_gd")
    assert len(builtin) == 1 and builtin[0]["method_ref"] is None
    assert mine[0]["iterations"] == builtin[0]["iterations"]
    assert run_sweep(SWEEP, store, backend="serial", quiet=True).ran == 0  # resumes


# --- (e) a run from the user's own loop -------------------------------------------------------


def test_record_run_from_the_users_loop(tmp_path):
    import l0l1

    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    x, calls, rows = np.array([3.0]), 0, []
    for k in range(200):
        g = prob.grad(x)
        calls += 1
        rows.append((k, calls, prob.value(x), float(np.linalg.norm(g)), math.nan, 0.01))
        if np.linalg.norm(g) <= 1e-1:
            break
        x = x - 0.01 * g
    path = tmp_path / "mine.sqlite"
    key = l0l1.record_run(path, problem=prob, method="my_loop", eps=1e-1, iterations=k,
                          calls=calls, x0=[3.0], x=x, trace=rows)  # fmt: skip
    (rec,) = load_records(path, trace=True)
    assert rec["run_key"] == key and rec["method"] == "my_loop" and rec["method_ref"] is None
    assert rec["status"] == "reached" and rec["iterations"] == k and rec["oracle_calls"] == calls
    assert rec["oracle"] == "counted by the user" and rec["L0"] == prob.constants.L0
    assert rec["dim"] == 1 and rec["x"] == pytest.approx(list(x)) and len(rec["trace"]) == k + 1
    assert len(select(load_records(path), method="my_loop")) == 1
    # the same record twice is stored once; without a trace the run still records
    assert l0l1.record_run(path, problem=prob, method="my_loop", eps=1e-1, iterations=k,
                           calls=calls, x0=[3.0], x=x, trace=rows) == key  # fmt: skip
    l0l1.record_run(path, problem="my_net", method="adam", eps=1e-3, iterations=10, calls=640,
                    status="not reached")  # fmt: skip
    assert len(load_records(path)) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"eps": -1.0}, "eps: -1.0"),
        ({"iterations": 1.5}, "iterations: 1.5"),
        ({"calls": None}, "calls: None"),
        ({"method": ""}, "method: ''"),
        ({"problem": 3}, "problem: 3"),
        ({"status": "done"}, "status: 'done' is unknown"),
        ({"trace": [[1, 2, 3]]}, "trace: rows of 3 numbers"),
        ({"trace": "abc"}, "trace: 'abc'"),
        ({"x": [1.0, 2.0]}, "x: 2 numbers"),
    ],
)
def test_record_run_validates_before_creating_anything(kwargs, field, tmp_path):
    import l0l1

    args = dict(problem=make_problem("exp", dim=1), method="mine", eps=0.1, iterations=3,
                calls=3, grad_norm=0.05)  # fmt: skip
    path = tmp_path / "new.sqlite"
    with pytest.raises(ValueError) as err:
        l0l1.record_run(path, **{**args, **kwargs})
    assert one_line(err).startswith(field), str(err.value)
    assert not path.exists()


def test_store_insert_names_the_missing_field_and_writes_nothing(tmp_path):
    path = tmp_path / "s.sqlite"
    record = {n: None for n in NAMES}
    with Store(path) as store:
        with pytest.raises(ValueError) as err:
            store.insert(record)
        assert one_line(err).startswith("record: 'trace' is missing")
        with pytest.raises(ValueError) as err:
            store.insert({**record, "trace": [], "bogus": 1})
        assert one_line(err).startswith("record: 'bogus' is unknown")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 0
