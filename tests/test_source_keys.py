"""Run keys cover the package's own source (issue 29 item 3): an edited l0l1 is never
served a stored run, in sweeps as in ``reproduce``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import l0l1
from l0l1.experiments import source
from l0l1.experiments.runner import run_sweep
from l0l1.experiments.spec import Sweep
from l0l1.experiments.store import load_records

PACKAGE = Path(l0l1.__file__).resolve().parent
SPEC = {
    "name": "src",
    "eps": [0.3, 0.1],
    "seeds": 1,
    "budget": {"max_iter": 5000},
    "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 0, 1]}, "x0": [3.0]}],
    "methods": [{"name": "clipped_gd"}],
}
KEYS = (
    "import json, sys, l0l1\n"
    "from l0l1.experiments.spec import Sweep\n"
    "keys = [t.run_key for t in Sweep.from_dict(json.loads(sys.argv[1])).tasks()]\n"
    "print(json.dumps({'package': l0l1.__file__, 'keys': keys}))\n"
)


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """A copy of the package (sources only) in a folder of its own."""
    parent = tmp_path_factory.mktemp("copy")
    shutil.copytree(PACKAGE, parent / "l0l1", ignore=shutil.ignore_patterns("__pycache__"))
    return parent


def _keys(parent: Path, cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(parent)}
    out = subprocess.run(
        [sys.executable, "-c", KEYS, json.dumps(SPEC)], capture_output=True, text=True,
        timeout=300, env=env, cwd=cwd,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert Path(got["package"]).resolve().parent == (parent / "l0l1").resolve()
    return got["keys"]


def test_editing_a_constant_of_the_package_changes_every_key(copy, tmp_path):
    here = [t.run_key for t in Sweep.from_dict(SPEC).tasks()]
    assert _keys(copy, tmp_path) == here  # the same source elsewhere: the same keys
    theory = copy / "l0l1" / "theory.py"
    text = theory.read_text()
    edited = text.replace("CLIP_ETA = 1 / (10 * L0)", "CLIP_ETA = 1 / (20 * L0)")
    assert edited != text
    theory.write_text(edited)
    try:
        changed = _keys(copy, tmp_path)
    finally:
        theory.write_text(text)
    assert len(changed) == len(here) and not set(changed) & set(here)


def test_an_edited_package_reruns_and_reproduce_reads_only_fresh_rows(copy, tmp_path, monkeypatch):
    from l0l1.reproduce import _records

    store = tmp_path / "runs.sqlite"
    assert run_sweep(SPEC, store, backend="serial", quiet=True).ran == 2
    assert run_sweep(SPEC, store, backend="serial", quiet=True).ran == 0
    before = {r["run_key"] for r in load_records(store)}
    (copy / "l0l1" / "edited_marker.py").write_text("X = 1\n")  # any edit of any module
    monkeypatch.setattr(source, "ROOT", copy / "l0l1")
    assert source.package_hash() != source.tree_hash(PACKAGE)
    rep = run_sweep(SPEC, store, backend="serial", quiet=True)
    assert (rep.ran, rep.skipped) == (2, 0)  # nothing served from the store
    fresh = _records(SPEC, store, "serial", True)
    assert len(fresh) == 2 and not {r["run_key"] for r in fresh} & before
    assert len(load_records(store)) == 4  # the old rows stay, never matched again
    monkeypatch.undo()
    assert run_sweep(SPEC, store, backend="serial", quiet=True).ran == 0


def test_the_hash_reads_every_module_once_per_process():
    files = source.package_files(PACKAGE)
    names = {p.relative_to(PACKAGE).as_posix() for p in files}
    assert {"theory.py", "runs.py", "methods/kernels.py", "experiments/spec.py"} <= names
    assert source.package_hash() == source.package_hash() == source.tree_hash(PACKAGE)
    assert source.tree_hash.cache_info().hits >= 1
