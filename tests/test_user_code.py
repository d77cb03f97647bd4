"""Your own objective, step rule and entry points through the built-ins' door (issue 11).

The user code lives outside the package, in tests/usercode/mycode.py, and is reached the
way a researcher reaches theirs: imported, or named by an entry point ``file.py:name``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from l0l1 import make_problem, run
from l0l1.entrypoints import code_identity, import_module
from l0l1.experiments.runner import run_sweep
from l0l1.experiments.spec import Sweep
from l0l1.experiments.store import TIMING, load_records
from l0l1.problems.base import Problem
from l0l1.validate import InputError

HERE = Path(__file__).parent
MYCODE = str(HERE / "usercode" / "mycode.py")
mycode = vars(import_module(MYCODE))  # the namespace of the user's module


def ep(name: str) -> str:
    return f"{MYCODE}:{name}"


@pytest.fixture(scope="module")
def builtin_quartic():
    return make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)


def assert_same_run(a, b):
    assert (a.status, a.iterations, a.oracle_calls, a.clipped_steps) == (
        b.status, b.iterations, b.oracle_calls, b.clipped_steps,
    )  # fmt: skip
    assert (a.params, a.bound, a.M, a.Delta, a.L0, a.L1) == (
        b.params, b.bound, b.M, b.Delta, b.L0, b.L1,
    )  # fmt: skip
    np.testing.assert_allclose(a.x, b.x, rtol=1e-12, atol=0)
    np.testing.assert_allclose(a.trace, b.trace, rtol=1e-12, atol=0, equal_nan=True)


# --- a callable x^4 runs like the built-in polynomial -----------------------------------------

CASES = {
    "gd": {},
    "clipped_gd": {},
    "sgd": {"noise": "bounded", "noise_level": 0.5},
    "spider_clip": {"noise": "bounded", "noise_level": 0.1},
}


@pytest.mark.parametrize("method", CASES)
def test_callable_quartic_equals_builtin(method, builtin_quartic):
    user = mycode["QUARTIC"]
    kw = dict(eps=1e-2, x0=[3.0], seed=3, max_iter=20_000, **CASES[method])
    ref, got = run(builtin_quartic, method, **kw), run(user, method, **kw)
    assert ref.status == "reached" and ref.iterations > 10
    assert_same_run(got, ref)
    assert not got.constants_certified and "given by the user" in got.constants_how


def test_in_place_gradient_and_entry_point_problem(builtin_quartic):
    user = make_problem(ep("quartic"), inplace=True)
    assert user.code.flags["grad_inplace"]
    kw = dict(eps=1e-2, x0=[3.0], max_iter=5000)
    assert_same_run(run(user, "clipped_gd", **kw), run(builtin_quartic, "clipped_gd", **kw))


def test_registered_rule_equals_the_builtin_it_rewrites(builtin_quartic):
    kw = dict(eps=1e-3, x0=[3.0], max_iter=20_000)
    mine, ref = run(builtin_quartic, "my_clip", **kw), run(builtin_quartic, "clipped_gd", **kw)
    assert_same_run(mine, ref)
    assert mine.method == "my_clip" and mine.schedule == "user"
    assert run(builtin_quartic, mycode["my_clip"], **kw).iterations == ref.iterations


def test_user_finite_sum_equals_builtin_phase_retrieval():
    ref_problem = make_problem("phase_retrieval", m=40, d=4, seed=0)
    user = mycode["phase"]()
    assert user.n == 40 and user.code.flags["component_grad_inplace"]
    x0 = np.full(4, 0.8)
    np.testing.assert_allclose(user.value(x0), ref_problem.value(x0), rtol=1e-13)
    for i in (0, 17, 39):
        np.testing.assert_allclose(
            user.component_grad(i, x0), ref_problem.component_grad(i, x0), rtol=1e-12
        )
    kw = dict(eps=1e-2, x0=x0, seed=1, max_iter=20_000)
    ref, got = run(ref_problem, "spider_clip", **kw), run(user, "spider_clip", **kw)
    assert ref.oracle == got.oracle == "minibatch"
    assert (got.status, got.iterations, got.oracle_calls) == (
        ref.status, ref.iterations, ref.oracle_calls,
    )  # fmt: skip
    np.testing.assert_allclose(got.x, ref.x, rtol=1e-12)


def test_from_sympy_polynomial_is_certified_and_runs_like_builtin(builtin_quartic):
    import sympy as sp

    x = sp.Symbol("x")
    user = Problem.from_sympy(x**4, [x], L1=1.0, x0=[3.0])
    assert user.constants.certified and user.constants.L0 == builtin_quartic.constants.L0
    kw = dict(eps=1e-2, x0=[3.0], max_iter=5000)
    got, ref = run(user, "gd", **kw), run(builtin_quartic, "gd", **kw)
    assert got.constants_certified and got.start_certified
    assert_same_run(got, ref)
    text = Problem.from_sympy("x**4", ["x"], L1=1.0, x0=[3.0])
    assert text.constants == user.constants


# --- entry points: one-line errors --------------------------------------------------------------


def _write(tmp_path, body: str) -> str:
    path = tmp_path / "user_mod.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def _one_line(err) -> str:
    msg = str(err.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_entry_point_errors(tmp_path):
    cases = [
        ("no_such_module_xyz:f", "problem: module 'no_such_module_xyz' not found"),
        (str(tmp_path / "none.py") + ":f", "does not exist"),
        (ep("quartc"), "has no 'quartc' (did you mean quartic"),
        ("justtext", "unknown"),
        (ep(""), "is not an entry point"),
        (ep("grad"), "is not declared as an l0l1 problem (a function)"),
    ]
    for name, expected in cases:
        with pytest.raises(InputError) as err:
            make_problem(name)
        assert expected in _one_line(err), name
    with pytest.raises(InputError) as err:
        make_problem(ep("quartic"), dimm=2)
    assert "unexpected keyword argument 'dimm'; allowed: dim, inplace" in _one_line(err)
    with pytest.raises(InputError) as err:
        make_problem(ep("QUARTIC"), dim=2)
    assert "is a Problem and takes no parameters" in _one_line(err)
    with pytest.raises(InputError) as err:
        run(make_problem(ep("quartic")), ep("quartic"), eps=0.1)
    assert "method: " in _one_line(err) and "MethodSpec" in str(err.value)


def test_user_module_failures_are_one_line(tmp_path):
    raising = _write(tmp_path, "raise RuntimeError('bad\\nsecond line')\n")
    with pytest.raises(InputError) as err:
        make_problem(raising + ":f")
    assert "importing" in _one_line(err) and "RuntimeError: bad" in str(err.value)
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "dep.py").write_text("import not_installed_xyz\n")
    with pytest.raises(InputError) as err:
        make_problem(str(sub / "dep.py") + ":f")
    assert "No module named 'not_installed_xyz'" in _one_line(err)
    cases = {
        "nan": ("value=lambda x: np.nan * x[0]", "value: returned nan"),
        "shape": ("value=lambda x: x[0] ** 2, grad=lambda x: np.zeros(3)", "shape"),
        "numba": ("value=lambda x: x[0] ** 2 + float(object() is None)", "Numba cannot"),
        "returns": (None, "returned int; allowed: an l0l1 Problem"),
    }
    for tag, (fns, expected) in cases.items():
        if fns is None:
            body = "import l0l1\n\n@l0l1.problem\ndef make():\n    return 3\n"
        else:
            body = (
                "import numpy as np\nfrom l0l1 import Problem, problem\n\n@problem\ndef make():\n"
                f"    kw = dict(grad=lambda x: 2 * x)\n    kw.update(dict({fns}))\n"
                "    return Problem.from_functions(dim=1, **kw)\n"
            )
        path = tmp_path / f"m_{tag}.py"
        path.write_text(body)
        with pytest.raises(InputError) as err:
            make_problem(f"{path}:make")
        assert expected in _one_line(err), (tag, str(err.value))


# --- listings, store keys, sweeps ---------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "l0l1.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_registered_names_are_listed_only_when_imported():
    plain = _cli("run", "--help")
    imported = _cli("--import", MYCODE, "run", "--help")
    assert plain.returncode == imported.returncode == 0
    flat = " ".join(imported.stdout.split())
    for name in ("my_clip", "my_sgd", "user_quartic"):
        assert name not in plain.stdout and name in flat
    assert "clipped_gd" in plain.stdout
    done = _cli(
        "--import", MYCODE, "run", "--problem", "user_quartic", "--method", "my_clip",
        "--eps", "0.1", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "reached"


KEYS = (
    "import json, sys\n"
    "from l0l1.experiments.spec import Sweep\n"
    "spec = {'name': 'k', 'eps': 0.1, 'seeds': 1, 'problems': [{'name': sys.argv[1] + ':f'}],\n"
    "        'methods': [{'name': 'gd'}]}\n"
    "print(json.dumps([t.run_key for t in Sweep.from_dict(spec).tasks()]))\n"
)
FACTORY = """
import numpy as np
from l0l1 import Problem, problem

def helper(x):
    return 4.0 * x**3

@problem
def f():
    return Problem.from_functions(lambda x: np.sum(x**4), helper, dim=1, constants=(16, 1))
"""


def test_store_keys_follow_the_source(tmp_path):
    path = tmp_path / "edited.py"

    def keys(text):
        path.write_text(text)
        out = subprocess.run(
            [sys.executable, "-c", KEYS, str(path)], capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    first = keys(FACTORY)
    assert keys(FACTORY) == first  # deterministic across processes
    assert keys(FACTORY.replace("4.0 * x**3", "4.0 * x**3 + 0.0")) != first
    builtin = {"name": "k", "eps": 0.1, "seeds": 1, "problems": [{"name": "exp"}]}
    builtin = Sweep.from_dict({**builtin, "methods": [{"name": "gd"}]})
    assert builtin.tasks()[0].run_key != first[0]
    assert code_identity(ep("quartic")) == code_identity(ep("quartic"))
    assert code_identity(ep("quartic")) != code_identity(ep("phase"))


def test_registered_method_key_holds_its_code():
    from l0l1 import register_method

    def spec():
        return {"name": "k", "eps": 0.1, "seeds": 1,
                "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 1]}}],
                "methods": [{"name": "tmp_rule"}]}  # fmt: skip

    register_method("tmp_rule", step=mycode["sgd_step"], schedule={"h": 0.1}, replace=True)
    one = Sweep.from_dict(spec()).tasks()[0].run_key
    register_method("tmp_rule", step=mycode["sgd_step"], schedule={"h": 0.2}, replace=True)
    assert Sweep.from_dict(spec()).tasks()[0].run_key != one
    with pytest.raises(InputError, match="already registered with other code"):
        register_method("tmp_rule", step=mycode["sgd_step"], schedule={"h": 0.3})
    register_method("tmp_rule", step=mycode["sgd_step"], schedule={"h": 0.2})  # same: no error


SWEEP = {
    "name": "usercode",
    "eps": [0.3, 0.1],
    "seeds": 2,
    "budget": {"max_iter": 5000},
    "problems": [{"name": ep("quartic"), "label": "x^4 (user)"}],
    "methods": [{"name": ep("my_clip")}, {"name": ep("my_sgd"), "noise": "bounded"}],
}


def test_registered_method_sweep_serial_equals_processes(tmp_path):
    serial, procs = tmp_path / "s.sqlite", tmp_path / "p.sqlite"
    assert run_sweep(SWEEP, serial, backend="serial", quiet=True).ran == 8
    assert run_sweep(SWEEP, procs, backend="processes", workers=2, quiet=True).ran == 8
    a, b = load_records(serial, trace=True), load_records(procs, trace=True)

    def strip(rows):
        return [{k: v for k, v in r.items() if k not in TIMING} for r in rows]

    assert strip(a) == strip(b)
    assert {r["problem"] for r in a} == {ep("quartic")}
    assert {r["status"] for r in a if r["method"] == "my_clip"} == {"reached"}
    assert {r["method_ref"] for r in a if r["method"] == "my_clip"} == {ep("my_clip")}


SLOW = {
    "name": "slow_user",
    "eps": [0.3, 0.1, 0.03, 0.01],
    "seeds": 4,
    "budget": {"max_iter": 150_000},
    "problems": [{"name": ep("quartic")}],
    "methods": [{"name": "sgd", "noise": "bounded", "overrides": {"h": 1e-12}}],
}  # never reaches eps: every run spends its whole budget
CHILD = (
    "import json, sys\n"
    "from l0l1.experiments.runner import run_sweep\n"
    "run_sweep(json.loads(sys.argv[1]), sys.argv[2], backend='serial', quiet=True)\n"
)


def _stored(path) -> dict:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(con.execute("SELECT run_key, created FROM runs").fetchall())
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return {}


def test_entry_point_sweep_resumes_after_sigkill(tmp_path):
    path = tmp_path / "killed.sqlite"
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(SLOW), str(path)])
    deadline = time.monotonic() + 240
    while len(_stored(path)) < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = _stored(path)
    assert 3 <= len(before) < 16, "the child should die mid-sweep"
    report = run_sweep(SLOW, path, backend="serial", quiet=True)
    assert report.skipped == len(before) and report.ran == 16 - len(before)
    con = sqlite3.connect(path)
    keys = [k for (k,) in con.execute("SELECT run_key FROM runs")]
    traces = con.execute("SELECT count(*) FROM traces").fetchone()[0]
    con.close()
    assert len(keys) == len(set(keys)) == traces == 16
    assert set(keys) == {t.run_key for t in Sweep.from_dict(SLOW).tasks()}
    assert all(_stored(path)[k] == created for k, created in before.items())
