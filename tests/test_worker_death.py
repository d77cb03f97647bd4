"""Killing a sweep kills its workers (issue 29 item 4); the rerun loses and repeats nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from l0l1.experiments.runner import run_sweep
from l0l1.experiments.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
# 16 runs that never reach eps and spend their whole budget (about 1.5 s each)
SPEC = """name = "orphans"
eps = [0.3, 0.1, 0.03, 0.01]
seeds = 4
[budget]
max_iter = 5000000
[[problems]]
name = "polynomial"
params = { coeffs = [0, 0, 0, 0, 1] }
x0 = [3.0]
[[methods]]
name = "sgd"
noise = "bounded"
overrides = { h = 1e-12 }
"""

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def _stored(path) -> set[str]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return {k for (k,) in con.execute("SELECT run_key FROM runs")}
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return set()


def kill_mid_sweep(spec: Path, store: Path) -> set[str]:
    """Start ``l0l1 sweep spec --backend processes --workers 2``, SIGKILL it once two
    workers run and a run is stored, and check that no worker outlives it; the run keys
    stored by then."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "l0l1.cli", "sweep", str(spec), "--store", str(store),
         "--backend", "processes", "--workers", "2", "--quiet"],
        cwd=spec.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers: set[int] = set()
    deadline = time.monotonic() + 300
    while child.poll() is None and time.monotonic() < deadline:
        workers |= {p for p in _children(child.pid) if _alive(p)}
        if len(workers) >= 2 and _stored(store):
            break
        time.sleep(0.1)
    assert child.poll() is None and len(workers) >= 2, "the sweep should be mid-way"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 20  # a liveness bound, not a timing assertion
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in workers if _alive(p)]
    for pid in left:  # do not leave them behind, whatever the outcome
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived their sweep"
    return _stored(store)


def test_sigkill_of_a_processes_sweep_leaves_no_worker(tmp_path):
    spec, store = tmp_path / "orphans.toml", tmp_path / "runs.sqlite"
    spec.write_text(SPEC)
    before = kill_mid_sweep(spec, store)
    assert 1 <= len(before) < 16
    report = run_sweep(spec, store, backend="processes", workers=2, quiet=True)
    assert (report.skipped, report.ran) == (len(before), 16 - len(before))
    con = sqlite3.connect(store)
    keys = [k for (k,) in con.execute("SELECT run_key FROM runs")]
    traces = con.execute("SELECT count(*) FROM traces").fetchone()[0]
    con.close()
    assert len(keys) == len(set(keys)) == traces == 16
    assert set(keys) == {t.run_key for t in load_spec(spec).tasks()}


ORPHAN = """
import os, sys, time
from l0l1.experiments import runner


def no_prctl(*args, **kwargs):
    raise OSError("no prctl here")


runner.ctypes.CDLL = no_prctl  # only the portable watchdog remains
ready = sys.argv[1]
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # let the test's pipes close with the parent
    os.dup2(null, 2)
    runner.worker_init(os.getppid())
    open(ready, "w").close()
    while True:  # a worker between runs, in Python
        time.sleep(0.05)
while not os.path.exists(ready):
    time.sleep(0.01)
print(pid, flush=True)
os._exit(0)  # the parent dies without a word
"""


def test_the_portable_watchdog_alone_ends_an_orphan(tmp_path):
    out = subprocess.run([sys.executable, "-c", ORPHAN, str(tmp_path / "ready")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 20  # a liveness bound (the watchdog polls every second)
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"orphan {pid} outlived its parent")
