"""Stores that cannot be used as asked (issue 15): one line each, and nothing lost.

A file that is not an l0l1 store, a store of another schema or l0l1 version, a read-only
file or directory, a store locked by another writer, a full disk. Each gets a one-line
error (exit status 2) or a documented behaviour (docs/bad_input.md), and the records
stored before are intact afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from test_fuzz import call, check, cli_subprocess, snapshot, to_toml

from l0l1.cli import main
from l0l1.experiments import store as store_mod
from l0l1.experiments.store import TIMING, StoreError, load_records

SPEC = {
    "name": "stores",
    "eps": [0.3, 0.1],
    "seeds": 1,
    "budget": {"max_iter": 500},
    "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 0, 1]}, "x0": [3.0]}],
    "methods": [{"name": "clipped_gd"}],
}
MORE = {**SPEC, "eps": [0.3, 0.1, 0.03, 0.01], "seeds": 3}  # the same sweep, grown: 12 runs


def sweep(tmp: Path, store="runs.sqlite", spec=SPEC, *extra):
    (tmp / "s.toml").write_text(to_toml(spec))
    return call(main, ["sweep", "s.toml", "--store", store, "--backend", "serial", "--quiet",
                       *extra], tmp)  # fmt: skip


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def comparable(records):
    return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in records),
                  key=lambda r: r["run_key"])  # fmt: skip


@pytest.fixture
def stored(tmp_path):
    """A store holding the 2 runs of SPEC, and those records."""
    o = sweep(tmp_path)
    check(o, files_ok=("runs.sqlite",))
    assert o.code == 0, o.err
    path = tmp_path / "runs.sqlite"
    return path, load_records(path)


def refused(o, *fragments):
    check(o)
    assert o.code == 2, o.out + o.err
    for text in fragments:
        assert text in o.err, o.err


@contextlib.contextmanager
def read_only(path: Path):
    """A read-only file or directory, also for root (chattr +i: immutable)."""
    if os.geteuid() == 0:
        res = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if res.returncode:
            pytest.skip(f"running as root without chattr +i ({res.stderr.strip()})")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


# --- not a store -------------------------------------------------------------------------------


def test_text_file_is_refused_and_kept(tmp_path):
    (tmp_path / "notdb.sqlite").write_text("my notes\nkeep them\n")
    before = digest(tmp_path / "notdb.sqlite")
    o = sweep(tmp_path, "notdb.sqlite")
    refused(o, "store: 'notdb.sqlite' is not an SQLite file (it starts with 'my notes')")
    assert digest(tmp_path / "notdb.sqlite") == before
    assert sorted(snapshot(tmp_path)) == ["notdb.sqlite", "s.toml"]
    with pytest.raises(StoreError, match="is not an SQLite file"):
        load_records(tmp_path / "notdb.sqlite")


def test_foreign_sqlite_database_is_refused_and_kept(tmp_path):
    path = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep')")
        conn.execute("PRAGMA user_version = 1")  # even our schema number: still not ours
        conn.commit()
    before = digest(path)
    refused(sweep(tmp_path, "app.db"), "is an SQLite database but not an l0l1 results store",
            "(tables: notes)")  # fmt: skip
    assert digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["app.db", "s.toml"]


def test_corrupt_database_is_refused_and_kept(tmp_path):
    path = tmp_path / "bad.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    before = digest(path)
    refused(sweep(tmp_path, "bad.sqlite"), "store: 'bad.sqlite'")
    assert digest(path) == before


def test_empty_file_becomes_a_store(tmp_path):
    """Documented: an empty file is a new store (SQLite's own view of an empty file)."""
    (tmp_path / "new.sqlite").write_bytes(b"")
    o = sweep(tmp_path, "new.sqlite")
    assert o.code == 0, o.err
    assert len(load_records(tmp_path / "new.sqlite")) == 2


# --- other versions --------------------------------------------------------------------------


def test_other_schema_is_refused_naming_the_writer(stored):
    path, _records = stored
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 3")
        conn.commit()
    before = digest(path)
    refused(sweep(path.parent), "has store schema 3, written by l0l1 0.1.0",
            "uses schema 2")  # fmt: skip
    assert digest(path) == before
    with pytest.raises(StoreError, match="schema 3"):
        load_records(path)


def test_other_columns_are_refused(stored):
    path, _ = stored
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("ALTER TABLE runs ADD COLUMN energy REAL")
        conn.commit()
    before = digest(path)
    refused(sweep(path.parent), "has other columns (written by l0l1 0.1.0)")
    assert digest(path) == before


def test_other_package_version_keeps_both(stored, monkeypatch):
    """Documented: rows of another l0l1 version (same schema) are kept and never reused
    (run keys include the version): the sweep runs again beside them."""
    import l0l1

    path, records = stored
    monkeypatch.setattr(l0l1, "__version__", "0.0.9")
    o = sweep(path.parent)
    assert o.code == 0, o.err
    assert "2 runs, 0 already stored, 2 run" in o.out
    monkeypatch.undo()
    after = load_records(path)
    assert sorted(r["l0l1_version"] for r in after) == ["0.0.9", "0.0.9", "0.1.0", "0.1.0"]
    old = [r for r in after if r["l0l1_version"] == "0.1.0"]
    assert comparable(old) == comparable(records)


# --- read-only ------------------------------------------------------------------------------


def test_read_only_file(stored, tmp_path_factory):
    path, records = stored
    before = digest(path)
    with read_only(path):
        refused(sweep(path.parent, spec=MORE), "store: 'runs.sqlite' is read-only")
        assert comparable(load_records(path)) == comparable(records)  # reading works
        o = sweep(path.parent, "runs.sqlite", SPEC, "--dry-run")  # so does a dry run
        assert o.code == 0 and "(2 already stored, 0 to run)" in o.out, o.err
        out = tmp_path_factory.mktemp("csv") / "r.csv"
        assert store_mod.export_csv(path, out) == 2
    assert digest(path) == before


def test_read_only_directory(stored):
    path, records = stored
    folder = path.parent
    with read_only(folder):
        refused(sweep(folder, spec=MORE), "store: 'runs.sqlite' is read-only")
        assert comparable(load_records(path)) == comparable(records)
        refused(call(main, ["sweep", "s.toml", "--store", "new.sqlite", "--backend", "serial"],
                     folder), "store: 'new.sqlite' cannot be created")  # fmt: skip
    assert sorted(os.listdir(folder)) == ["runs.sqlite", "s.toml"]


def test_read_only_connection_in_process(stored, monkeypatch):
    """The same path without file permissions: SQLite itself refuses every write."""
    path, records = stored

    def read_only_connect(p, readonly, timeout):
        return sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=timeout)

    monkeypatch.setattr(store_mod, "_connect", read_only_connect)
    o = sweep(path.parent, spec=MORE)
    monkeypatch.undo()
    assert o.tb is None and o.code == 2 and o.out == "", o.tb or o.err
    assert (
        o.err.count("\n") == 1 and "store: 'runs.sqlite' is read-only or its directory is" in o.err
    )
    # (SQLite's read-only mode leaves runs.sqlite-wal/-shm beside a WAL store: nothing else)
    assert {k for k, v in o.changed().items() if v[0] != v[1]} <= {
        "runs.sqlite-wal",
        "runs.sqlite-shm",
    }
    assert comparable(load_records(path)) == comparable(records)


# --- locked ---------------------------------------------------------------------------------


def hold_lock(path: Path):
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")
    return conn


def test_locked_store_waits_then_refuses(stored, monkeypatch):
    path, records = stored
    monkeypatch.setenv(store_mod.TIMEOUT_ENV, "0.3")
    holder = hold_lock(path)
    try:
        start = time.perf_counter()
        refused(sweep(path.parent, spec=MORE), "is locked by another process (waited 0.3 s",
                store_mod.TIMEOUT_ENV)  # fmt: skip
        assert time.perf_counter() - start >= 0.3
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert comparable(load_records(path)) == comparable(records)
    o = sweep(path.parent, spec=MORE)  # the lock released: the sweep resumes
    assert o.code == 0 and "12 runs, 2 already stored, 10 run" in o.out, o.err


def test_lock_released_within_the_wait(stored, monkeypatch):
    """Documented: a writer waits up to $L0L1_STORE_TIMEOUT seconds (default 60)."""
    path, _ = stored
    monkeypatch.setenv(store_mod.TIMEOUT_ENV, "30")
    holder = hold_lock(path)

    def release():
        time.sleep(0.5)
        holder.execute("ROLLBACK")

    thread = threading.Thread(target=release)
    thread.start()
    try:
        o = sweep(path.parent, spec=MORE)
    finally:
        thread.join()
        holder.close()
    assert o.code == 0, o.err
    assert len(load_records(path)) == 12


def test_bad_timeout_is_one_line(stored, monkeypatch):
    path, _ = stored
    monkeypatch.setenv(store_mod.TIMEOUT_ENV, "soon")
    refused(sweep(path.parent, spec=MORE), "L0L1_STORE_TIMEOUT: 'soon' is not allowed")


# --- full disk ------------------------------------------------------------------------------


def test_full_disk_file_size_limit(stored):
    """RLIMIT_FSIZE in a child (writes past the limit fail with EFBIG): the sweep stops with
    one line, the runs stored before (and any stored since) are intact, a rerun resumes."""
    path, records = stored
    folder = path.parent
    (folder / "s.toml").write_text(to_toml(MORE))
    limit = path.stat().st_size + 6000  # room for about one WAL frame
    proc = cli_subprocess(["sweep", "s.toml", "--store", "runs.sqlite", "--backend", "serial",
                           "--quiet"], folder, fsize=limit)  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr[-3000:]
    assert proc.stderr.startswith("l0l1: error: store: 'runs.sqlite' could not write")
    assert "records already stored are intact" in proc.stderr
    after = load_records(path)
    assert comparable([r for r in after if r["run_key"] in {x["run_key"] for x in records}]) == (
        comparable(records)
    )
    o = sweep(folder, spec=MORE)
    assert o.code == 0, o.err
    assert len(load_records(path)) == 12


def test_full_database_max_page_count(stored, monkeypatch):
    """SQLITE_FULL in-process: PRAGMA max_page_count caps the file at its current size."""
    path, records = stored
    real = store_mod._connect

    def capped(p, readonly, timeout):
        conn = real(p, readonly, timeout)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(store_mod, "_connect", capped)
    refused(sweep(path.parent, spec=MORE), "could not write: full", "rerun to resume")
    monkeypatch.undo()
    assert comparable(load_records(path)) == comparable(records)


# --- the CSV export never overwrites the store -----------------------------------------------


def test_export_onto_the_store_is_refused(stored):
    path, _records = stored
    before = digest(path)
    refused(sweep(path.parent, "runs.sqlite", SPEC, "--export-csv", "runs.sqlite"),
            "export_csv: 'runs.sqlite' is the store itself")  # fmt: skip
    assert digest(path) == before
    with pytest.raises(StoreError, match="is the store itself"):
        store_mod.export_csv(path, path)
