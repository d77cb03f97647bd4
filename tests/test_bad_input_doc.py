"""docs/bad_input.md quotes real messages: each quoted one is what the CLI prints today."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from l0l1.cli import main

DOC = (Path(__file__).resolve().parents[1] / "docs" / "bad_input.md").read_text()
PREFIX = "l0l1: error: "


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--coeffs", "1,0,1", "--eps", "-1"],
        ["run", "--coeffs", "1,x"],
        ["run", "--coeffs", ",".join(["0"] * 65 + ["1"])],
        ["run", "--coeffs", "1,0,1", "--seed", "9223372036854775808"],
        ["run", "--problem", "phase_retrieval", "--param", "d=100000000000"],
        ["run", "--problem", "nomod:f"],
        ["run", "--problem", "cosh", "--param", "scale=0"],
        ["constants", "--audit", "--pair=-1,1"],
        ["constants", "--audit", "--region", "0"],
        ["constants", "--audit", "--pair", "1"],
        ["constants", "--coeffs", "1,0,1", "--region", "3"],
        ["worstcase", "--method", "sgd", "--L0", "1", "--L1", "0", "--steps", "2"],
        ["worstcase", "--method", "gd", "--L0", "0", "--L1", "0", "--steps", "2"],
        ["worstcase", "--method", "gd", "--L0", "1", "--L1", "-1", "--steps", "2"],
        ["worstcase", "--method", "gd", "--L0", "1", "--L1", "0", "--steps", "201"],
        ["worstcase", "--method", "gd", "--L0", "1", "--L1", "0", "--steps", "2", "--eps", "1"],
        ["worstcase", "--method", "beta_normalized_gd", "--L0", "1", "--L1", "0", "--steps", "2"],
        ["worstcase", "--method", "gd", "--L0", "1", "--L1", "0", "--steps", "2", "--set", "q=1"],
        ["worstcase", "--method", "gd", "--L0", "1", "--L1", "1e300", "--steps", "2"],
        [
            "worstcase",
            "--method",
            "armijo_gd",
            "--L1",
            "1",
            "--steps",
            "2001",
            "--eps",
            "0.1",
            "--L0",
            "1",
            "--Delta",
            "1",
        ],
        ["worstcase", "--method", "adgd", "--L0", "1", "--L1", "1", "--steps", "3", "--M", "2"],
        [
            "worstcase",
            "--method",
            "gd",
            "--L0",
            "1",
            "--L1",
            "1",
            "--steps",
            "3",
            "--set",
            "h=1e300",
        ],
    ],
    ids=lambda a: " ".join(a)[:40],
)
def test_quoted_message_is_current(argv, tmp_path, monkeypatch):
    """The doc quotes what a fresh process prints: methods other tests registered in this
    worker (they are listed as allowed names) are hidden for the call."""
    from l0l1.methods.registry import METHODS

    for name in [n for n, spec in METHODS.items() if not spec.builtin]:
        monkeypatch.delitem(METHODS, name)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    line = err.getvalue().strip()
    assert code == 2 and line.startswith(PREFIX) and "\n" not in line, line
    message = line[len(PREFIX) :]
    assert f"`{message}`" in DOC, message


def test_store_that_is_not_sqlite_is_quoted(tmp_path, monkeypatch):
    from l0l1.experiments.store import Store, StoreError

    monkeypatch.chdir(tmp_path)
    Path("notdb.sqlite").write_text("hello\n")
    with pytest.raises(StoreError) as err:
        Store("notdb.sqlite")
    assert f"`{err.value}`" in DOC, err.value
    assert Path("notdb.sqlite").read_text() == "hello\n"


def test_user_edge_messages_are_quoted(tmp_path):
    """with_constants, from_sympy's f_star, record_run and Store.insert (issue 29, item 5)."""
    import sympy as sp

    from l0l1 import Problem, make_problem, record_run
    from l0l1.experiments.store import NAMES, Store

    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    x = sp.Symbol("x")
    store = tmp_path / "s.sqlite"
    calls = [
        lambda: prob.with_constants("2,1"),
        lambda: Problem.from_sympy(x**4 - x**2, [x], f_star=0.0),
        lambda: record_run(
            store, problem=prob, method="m", eps=0.1, iterations=3, calls=3, trace=[[1, 2, 3]]
        ),
        lambda: record_run(store, problem=prob, method="m", eps=0.1, iterations=3, calls=3),
    ]
    for call in calls:
        with pytest.raises(ValueError) as err:
            call()
        assert f"`{err.value}`" in DOC, err.value
    assert not store.exists()
    with Store(store) as st, pytest.raises(ValueError) as err:
        st.insert({n: None for n in NAMES})
    assert f"`{err.value}`" in DOC, err.value
