"""The command line: cheap --help, one-line errors with status 2, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from l0l1.cli import main

X4 = ["--coeffs", "0,0,0,0,1"]


def _run(capsys, argv):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from l0l1.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numba', 'sympy', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    assert "run" in out.stdout and "constants" in out.stdout


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["run", *X4, "--eps", "0"], "eps"),
        (["run", *X4, "--eps", "nan"], "eps"),
        (["run", *X4, "--eps", "-1e-3"], "eps"),
        (["run", *X4, "--L1", "-1"], "L1"),
        (["run", "--coeffs", ""], "coeffs"),
        (["run", "--coeffs", "0,0,0"], "coeffs"),
        (["run", "--coeffs", "0,0,0,1"], "unbounded below"),
        (["run", "--coeffs", "1,0,0,0,-1"], "unbounded below"),
        (["run", "--problem", "polynomail", *X4], "did you mean polynomial"),
        (["run", *X4, "--method", "clipedgd"], "did you mean clipped_gd"),
        (["run", *X4, "--seed", "1.5"], "seed"),
        (["run", *X4, "--seed", "x"], "seed"),
        (["run", *X4, "--budget", "0"], "budget"),
        (["run", *X4, "--x0", "1,2"], "x0"),
        (["run", *X4, "--set", "nope=1"], "override nope"),
        (["run", *X4, "--set", "gamma=-2"], "override gamma"),
        (["run", *X4, "--method", "gd", "--noise", "bounded"], "noise"),
        (["run", "--problem", "cosh", *X4], "coeffs"),
        (["run", "--coeffs", "1,nan,1"], "coeffs[1]"),
        (["run", *X4, "--method", "spider_clip", "--eps", "1e-300"], "eps: 1e-300"),
        (["constants", "--coeffs", "0,0,0,0,1", "--L1", "abc"], "L1"),
    ],
)
def test_bad_input_is_one_line_status_2(capsys, argv, field):
    code, out, err = _run(capsys, argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("l0l1: error: ")
    assert field in lines[0]


def test_run_json(capsys):
    code, out, err = _run(capsys, ["run", *X4, "--x0", "3", "--eps", "1e-2", "--json"])
    assert code == 0, err
    rec = json.loads(out)
    for key in (
        "status",
        "iterations",
        "oracle_calls",
        "grad_norm",
        "f_value",
        "L0",
        "L1",
        "constants_certified",
        "params",
    ):
        assert key in rec
    assert rec["status"] == "reached"
    assert rec["grad_norm"] <= 1e-2
    assert rec["constants_certified"] is True
    assert rec["oracle_calls"] == rec["iterations"]  # clipped GD: one gradient per step
    assert "trace" not in rec


def test_run_summary_mentions_bound(capsys):
    code, out, _ = _run(capsys, ["run", *X4, "--x0", "3", "--eps", "1e-2"])
    assert code == 0
    assert "reached" in out and "bound:" in out and "certified" in out


def test_constants_table_x4(capsys):
    code, out, _ = _run(capsys, ["constants", *X4, "--L1", "1,2,4", "--json"])
    assert code == 0
    rows = json.loads(out)
    assert [r["L1"] for r in rows] == [1.0, 2.0, 4.0]
    for r in rows:
        assert r["L0_lo"] <= 16 / r["L1"] ** 2 <= r["L0_hi"]
        assert r["L0_hi"] - r["L0_lo"] <= 1e-12 * r["L0_hi"]


def test_help_lists_every_problem_and_method(capsys):
    """`run --help` lists the catalog's problems and the registry's methods as they are (no
    hand-kept copy), a method a file registers with --import included."""
    from l0l1.methods.registry import METHODS
    from l0l1.problems.catalog import PROBLEMS

    algos = Path(__file__).resolve().parent / "usercode" / "algorithms.py"
    with pytest.raises(SystemExit):
        main(["--import", str(algos), "run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in [*PROBLEMS, *METHODS]:
        assert f" {name}," in text or f" {name};" in text, name
    assert "extrapolated" in text


def test_top_level_help_imports_no_registry():
    """`l0l1 --help` builds no name list: neither the registry nor the catalog (Numba,
    SymPy) is imported."""
    code = (
        "import sys, contextlib, io\n"
        "from l0l1.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('l0l1.methods.registry', 'l0l1.problems.catalog', 'numba')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_hard_instances_run_from_the_cli(capsys):
    argv = ["run", "--problem", "zero_chain", "--T", "4", "--eps", "0.1", "--method", "gd"]
    code, out, err = _run(capsys, [*argv, "--json"])
    assert code == 0, err
    rec = json.loads(out)
    assert rec["status"] == "reached" and rec["iterations"] >= 4  # one coordinate per step
