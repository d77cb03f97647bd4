"""Sweeps (THEORY T6): spec validation before any run, resumable store, identical backends."""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from l0l1.experiments import cli_sweep
from l0l1.experiments.runner import DASK_MISSING, plan, run_sweep
from l0l1.experiments.spec import Sweep, load_spec
from l0l1.experiments.store import NAMES, TIMING, export_csv, load_records, read_csv
from l0l1.validate import InputError

SMALL = {
    "name": "small",
    "eps": [0.3, 0.1],
    "seeds": 2,
    "budget": {"max_iter": 5000},
    "problems": [{"name": "polynomial", "label": "x^4", "params": {"coeffs": [0, 0, 0, 0, 1]},
                  "x0": [3.0]}],
    "methods": [{"name": "clipped_gd"},
                {"name": "spider_clip", "noise": "bounded", "noise_level": 0.1}],
}  # fmt: skip


def spec(**changes) -> dict:
    out = copy.deepcopy(SMALL)
    out.update(changes)
    return out


def comparable(records):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("serial") / "runs.sqlite"
    report = run_sweep(SMALL, path, backend="serial", quiet=True)
    assert (report.total, report.ran) == (8, 8)
    return path


# --- validation: one line naming the field, before anything runs ----------------------------

BAD = [
    (spec(methods=[{"name": "clipped_gd", "overides": {"gamma": 1.0}}]),
     "methods[0].overides: unknown key (did you mean overrides?)"),
    (spec(budget={"max_iters": 10}), "budget.max_iters: unknown key (did you mean max_iter?)"),
    (spec(eps="0.1"), "eps: '0.1' is not allowed"),
    (spec(seeds=1.5), "seeds: 1.5 is not allowed"),
    (spec(budget={"max_iter": 10.0}), "budget.max_iter: 10.0 is not allowed"),
    (spec(eps=[0.1, 0.0]), "eps[1]: 0.0 is not allowed"),
    (spec(eps=-1), "eps: -1 is not allowed"),
    (spec(eps=[math.nan]), "eps[0]: nan is not allowed"),
    (spec(eps=[]), "eps: [] is empty"),
    (spec(seeds=[]), "seeds: [] is empty"),
    (spec(problems=[]), "problems: [] is empty"),
    (spec(problems=[{**SMALL["problems"][0], "grid": {"L1": []}}]),
     "problems[0].grid.L1: [] is empty"),
    (spec(methods=[{"name": "clipped_gd", "grid": {"n0": []}}]), "methods[0].grid.n0: [] is empty"),
    (spec(problems=[{"name": "polynomal"}]), "problems[0].name: 'polynomal' is not allowed"),
    (spec(methods=[{"name": "clipped_gd"}, {"name": "spidr"}]), "methods[1].name: 'spidr'"),
    (spec(methods=[{"name": "gd"}, {"name": "spider", "overrides": {"S2": 2.5}}]),
     "methods[1].overrides.S2: 2.5 is not allowed; allowed: an integer >= 1"),
    (spec(methods=[{"name": "gd"}, {"name": "spider", "overrides": {"S3": 2}}]),
     "methods[1].overrides.S3: unknown key (did you mean S2?)"),
    (spec(methods=[{"name": "gd", "overrides": {"h": -1}}]), "methods[0].overrides.h: -1"),
    (spec(methods=[{"name": "gd", "noise": "bounded"}]), "methods[0].noise: 'bounded' does not"),
    (spec(methods=[{"name": "gd"}, {"name": "gd"}]), "the same run as problems[0] x methods[0]"),
    (spec(problems=[{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 1]}}]),
     "problems[0]: problem: 'polynomial_deg3' is unbounded below"),
    (spec(problems=[{**SMALL["problems"][0], "x0": [1.0, 2.0]}]), "problems[0]: x0: length 2"),
    (spec(methods=[{"name": "sgd", "noise": "minibatch"}]),
     "methods[0] on problems[0]: noise: 'minibatch' needs a finite sum"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "message"), BAD)
def test_bad_spec_fails_before_any_run(bad, message, tmp_path):
    store = tmp_path / "runs.sqlite"
    with pytest.raises(InputError) as err:
        run_sweep(bad, store, backend="serial", quiet=True)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert not store.exists()


def test_toml_file_errors_name_the_field(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('eps = [0.1]\nseeds = 2\n[[problems]]\nname = "polynomial"\n'
                    "params = { coeffs = [0, 0, 0, 0, 1] }\n"
                    '[[methods]]\nname = "clipped_gd"\nnoise_levle = 0.1\n')  # fmt: skip
    with pytest.raises(InputError, match=r"^methods\[0\]\.noise_levle: unknown key \(did you"):
        load_spec(path)
    path.write_text("eps = [0.1\n")
    with pytest.raises(InputError, match="is not valid TOML"):
        load_spec(path)


def test_expansion_is_deterministic_and_keys_cover_every_input():
    tasks = Sweep.from_dict(SMALL).tasks()
    assert [t.run_key for t in tasks] == [t.run_key for t in Sweep.from_dict(SMALL).tasks()]
    assert [(t.method, t.eps, t.seed) for t in tasks[:4]] == [
        ("clipped_gd", 0.3, 0), ("clipped_gd", 0.3, 1), ("clipped_gd", 0.1, 0),
        ("clipped_gd", 0.1, 1),
    ]  # fmt: skip
    prob = {k: v for k, v in SMALL["problems"][0].items() if k != "x0"}
    grid = spec(problems=[{**prob, "grid": {"x0": [[3.0], [1.0]]}}])
    keys = {t.run_key for t in Sweep.from_dict(grid).tasks()}
    assert len(keys) == 16 and len(keys & {t.run_key for t in tasks}) == 8  # x0 = [3.0] shared
    renamed = {t.run_key for t in Sweep.from_dict(spec(name="other")).tasks()}
    assert not renamed & {t.run_key for t in tasks}


# --- backends ---------------------------------------------------------------------------------


def test_rerun_skips_everything(serial_store):
    report = run_sweep(SMALL, serial_store, backend="serial", quiet=True)
    assert (report.skipped, report.ran) == (8, 0)
    assert len(load_records(serial_store)) == 8


def test_serial_and_processes_give_identical_records(serial_store, tmp_path):
    path = tmp_path / "proc.sqlite"
    report = run_sweep(SMALL, path, backend="processes", workers=2, quiet=True)
    assert report.ran == 8
    serial = load_records(serial_store, trace=True)
    assert comparable(load_records(path, trace=True)) == comparable(serial)
    assert {r["status"] for r in serial} == {"reached"}
    assert set(serial[0]) == set(NAMES) | {"trace"}


def test_dask_backend_matches_serial(serial_store, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask extra not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        path = tmp_path / "dask.sqlite"
        run_sweep(SMALL, path, backend="dask", scheduler=cluster.scheduler_address, quiet=True)
    assert comparable(load_records(path, trace=True)) == comparable(
        load_records(serial_store, trace=True)
    )


def test_dask_missing_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r"\[dask\]") as err:
        run_sweep(SMALL, tmp_path / "x.sqlite", backend="dask")
    assert str(err.value) == DASK_MISSING


# --- resume after SIGKILL -----------------------------------------------------------------------

SLOW = spec(
    name="slow",
    eps=[0.3, 0.1, 0.03, 0.01],
    seeds=4,
    budget={"max_iter": 150_000},
    methods=[{"name": "sgd", "noise": "bounded", "overrides": {"h": 1e-12}}],
)  # never reaches eps: every run spends its whole budget
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


def test_sigkill_then_rerun_loses_and_duplicates_nothing(tmp_path):
    path = tmp_path / "killed.sqlite"
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(SLOW), str(path)])
    deadline = time.monotonic() + 60
    while len(_stored(path)) < 3 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = _stored(path)
    assert 3 <= len(before) < 16, "the child should die mid-sweep"
    report = run_sweep(SLOW, path, backend="serial", quiet=True)
    assert report.skipped == len(before) and report.ran == 16 - len(before)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    keys = [k for (k,) in con.execute("SELECT run_key FROM runs")]
    traces = con.execute("SELECT count(*) FROM traces").fetchone()[0]
    con.close()
    assert len(keys) == len(set(keys)) == traces == 16
    assert set(keys) == {t.run_key for t in Sweep.from_dict(SLOW).tasks()}
    after = _stored(path)
    assert all(after[k] == created for k, created in before.items())  # untouched


# --- export, dry run, command line ---------------------------------------------------------------


def test_csv_round_trip(serial_store, tmp_path):
    csv_path = tmp_path / "runs.csv"
    assert export_csv(serial_store, csv_path, sweep="small") == 8
    assert read_csv(csv_path) == load_records(serial_store)


def test_load_dataframe(serial_store):
    pytest.importorskip("pandas")
    from l0l1.experiments.store import load_dataframe

    frame = load_dataframe(serial_store, "small")
    assert len(frame) == 8 and "oracle_calls" in frame.columns


def test_plan_predicts_capped_by_budget(serial_store):
    p = plan(SMALL, serial_store)
    assert p.runs == 8 and all(r["stored"] for r in p.rows)
    records = {r["run_key"]: r for r in load_records(serial_store)}
    for row in p.rows:
        rec = records[row["run_key"]]
        assert 0 < row["predicted_iterations"] <= 5000 and row["predicted_seconds"] > 0
        if rec["method"] == "clipped_gd":  # the bound (Z20 Thm 3) capped by max_iter
            assert row["predicted_iterations"] == min(math.ceil(rec["bound"]), 5000)
        assert rec["iterations"] <= row["predicted_iterations"]
    assert "Predicted, not measured" in p.text(2)


def test_cli_sweep_runs_and_exports(tmp_path, capsys):
    toml = tmp_path / "small.toml"
    toml.write_text(
        'eps = [0.3]\nseeds = 1\n[[problems]]\nname = "polynomial"\n'
        "params = { coeffs = [0, 0, 0, 0, 1] }\nx0 = [3.0]\n"
        '[[methods]]\nname = "clipped_gd"\n'
    )  # fmt: skip
    parser = argparse.ArgumentParser()
    cli_sweep.add_parser(parser.add_subparsers(dest="command"))
    store, csv_path = tmp_path / "r.sqlite", tmp_path / "r.csv"
    args = parser.parse_args(["sweep", str(toml), "--store", str(store), "--backend", "serial",
                              "--quiet", "--export-csv", str(csv_path)])  # fmt: skip
    assert cli_sweep.cmd(args) == 0
    out = capsys.readouterr().out
    assert "sweep 'small': 1 runs, 0 already stored, 1 run" in out
    assert [r["sweep"] for r in read_csv(csv_path)] == ["small"]
