"""An entry point resolves only to a declared l0l1 problem or method, checked before anything
is called (issue 29 item 8): a sweep file cannot run arbitrary code."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from l0l1 import make_problem, run
from l0l1.experiments.spec import Sweep
from l0l1.validate import InputError

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """eps = 0.1
seeds = 1
[[problems]]
{problem}
[[methods]]
{method}
"""
SYSTEM = 'name = "os:system"\nparams = {{ command = "touch {marker}" }}'


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "l0l1.cli", *args], capture_output=True, text=True,
        timeout=300, cwd=cwd, env=env,
    )  # fmt: skip


def _refused(out: subprocess.CompletedProcess, start: str) -> str:
    line = out.stderr.strip()
    assert out.returncode == 2 and "\n" not in line, out.stderr
    assert line.startswith(f"l0l1: error: {start}"), line
    return line


def test_a_sweep_file_naming_os_system_runs_nothing(tmp_path):
    spec = tmp_path / "shared.toml"
    marker = tmp_path / "PWNED"
    spec.write_text(SWEEP.format(problem=SYSTEM.format(marker=marker), method='name = "gd"'))
    out = _cli(tmp_path, "sweep", str(spec), "--store", "runs.sqlite")
    line = _refused(out, "problems[0].name: 'os:system' is not declared as an l0l1 problem")
    assert "@l0l1.problem" in line and "register_problem" in line
    doc = (ROOT / "docs" / "bad_input.md").read_text()
    assert f"`{line.removeprefix('l0l1: error: ')}`" in doc  # the row quotes it
    assert not marker.exists() and not (tmp_path / "runs.sqlite").exists()


USER = """
from pathlib import Path

import numpy as np

import l0l1


def touch(path="CALLED"):
    Path(path).write_text("called")
    return l0l1.Problem.from_functions(lambda x: np.sum(x**2), lambda x: 2 * x, dim=1,
                                       constants=(2.0, 0.0), f_star=0.0)


@l0l1.problem
def bowl(dim=1):
    return l0l1.Problem.from_functions(lambda x: np.sum(x**2), lambda x: 2 * x, dim=dim,
                                       constants=(2.0, 0.0), f_star=0.0, x0=np.ones(dim))


def registered(dim=1):
    return bowl(dim)


l0l1.register_problem("declared_bowl", registered)
BOWL = bowl()
"""


@pytest.fixture
def user(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "user_entry.py").write_text(textwrap.dedent(USER))
    return "user_entry.py"


def test_undeclared_functions_are_refused_before_any_call(user, tmp_path):
    for where, call in (
        ("problem", lambda: make_problem(f"{user}:touch")),
        ("problem", lambda: make_problem(f"{user}:touch", path="X")),
        ("method", lambda: run(make_problem(f"{user}:BOWL"), f"{user}:touch", eps=0.1)),
    ):
        with pytest.raises(InputError) as err:
            call()
        msg = str(err.value)
        assert msg.startswith(f"{where}: '{user}:touch' is not declared as an l0l1 {where}")
        assert "\n" not in msg
    spec = {"name": "s", "eps": 0.1, "seeds": 1, "problems": [{"name": f"{user}:touch"}],
            "methods": [{"name": "gd"}]}  # fmt: skip
    with pytest.raises(InputError, match=r"^problems\[0\]\.name: .* is not declared"):
        Sweep.from_dict(spec)
    spec["problems"] = [{"name": f"{user}:BOWL"}]
    spec["methods"] = [{"name": "os:getpid"}]
    with pytest.raises(InputError, match=r"^methods\[0\]\.name: 'os:getpid' is not declared"):
        Sweep.from_dict(spec)
    assert not (tmp_path / "CALLED").exists() and not (tmp_path / "X").exists()


def test_declared_entry_points_still_work(user):
    for ref, params in ((f"{user}:bowl", {"dim": 2}), (f"{user}:registered", {"dim": 2}),
                        (f"{user}:BOWL", {})):  # fmt: skip
        prob = make_problem(ref, **params)
        assert run(prob, "gd", eps=0.1).status == "reached"
    spec = {"name": "s", "eps": 0.1, "seeds": 1,
            "problems": [{"name": f"{user}:bowl", "params": {"dim": 3}}],
            "methods": [{"name": "gd"}]}  # fmt: skip
    assert len(Sweep.from_dict(spec).tasks()) == 1


def test_the_cli_refuses_an_undeclared_problem(user, tmp_path):
    out = _cli(tmp_path, "run", "--problem", f"{user}:touch", "--eps", "0.1")
    _refused(out, f"problem: '{user}:touch' is not declared as an l0l1 problem")
    assert not (tmp_path / "CALLED").exists()
