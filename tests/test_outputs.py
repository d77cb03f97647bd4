"""Outputs go where a user expects (issue 29 item 6): ``reproduce --quick`` leaves the
committed figures alone, and seeds of a deterministic method are said to repeat one run."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from l0l1 import cli
from l0l1.experiments import cli_sweep
from l0l1.experiments.runner import plan, run_sweep
from l0l1.experiments.spec import Sweep
from l0l1.experiments.store import TIMING, load_records

ROOT = Path(__file__).resolve().parents[1]


def _main(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fake_reproduce(monkeypatch, tmp_path):
    """``l0l1.reproduce.reproduce`` replaced by a recorder (the real one takes minutes)."""
    import l0l1.reproduce

    calls = []

    def fake(out_dir=None, quick=False, store=None, backend="processes", quiet=False, **kw):
        calls.append(Path(out_dir))
        return {"figures": {}, "fits": [], "bound_check": {"checked": 0, "violations": 0},
                "seconds": {"total": 0.0}}  # fmt: skip

    monkeypatch.setattr(l0l1.reproduce, "reproduce", fake)
    monkeypatch.chdir(tmp_path)
    return calls


def test_quick_writes_beside_the_committed_figures(fake_reproduce):
    code, out, _ = _main(["reproduce", "--quick", "--quiet"])
    assert code == 0 and fake_reproduce == [Path("figures-quick")]
    assert "figures-quick" in out and "figures/ (full scale) is unchanged" in out
    code, out, _ = _main(["reproduce", "--quiet"])
    assert code == 0 and fake_reproduce[-1] == Path("figures")
    code, out, _ = _main(["reproduce", "--quick", "--out", "figures", "--quiet"])
    assert code == 0 and fake_reproduce[-1] == Path("figures")  # on purpose: as asked


def test_the_api_defaults_by_scale():
    from l0l1.reproduce import output_dir

    assert output_dir(None, "full") == Path("figures")
    assert output_dir(None, "quick") == Path("figures-quick")
    assert output_dir("elsewhere", "quick") == Path("elsewhere")


def test_quick_folder_is_ignored_and_documented():
    assert "figures-quick/" in (ROOT / ".gitignore").read_text().split()
    readme = (ROOT / "README.md").read_text()
    assert "figures-quick/" in readme


DET = {
    "name": "det",
    "eps": [0.1],
    "seeds": 3,
    "budget": {"max_iter": 5000},
    "problems": [{"name": "polynomial", "params": {"coeffs": [0, 0, 0, 0, 1]}, "x0": [3.0]}],
    "methods": [{"name": "clipped_gd"}, {"name": "sgd", "noise": "bounded"}],
}


def test_seeds_of_a_deterministic_method_are_said_to_repeat(tmp_path):
    notes = Sweep.from_dict(DET).notes()
    assert len(notes) == 1 and "methods[0] 'clipped_gd' is deterministic" in notes[0]
    assert "its 3 seeds give identical runs" in notes[0]
    assert Sweep.from_dict({**DET, "seeds": [4]}).notes() == ()
    store = tmp_path / "det.sqlite"
    run_sweep(DET, store, backend="serial", quiet=True)
    rows = [r for r in load_records(store) if r["method"] == "clipped_gd"]
    drop = {"seed", "run_key", "index", *TIMING}
    same = [{k: v for k, v in r.items() if k not in drop} for r in rows]
    assert len(same) == 3 and same[0] == same[1] == same[2]  # what the note says
    sto = [r["x"] for r in load_records(store) if r["method"] == "sgd"]
    assert sto[0] != sto[1]
    assert notes[0] in plan(DET, store).text()


def test_cli_sweep_prints_the_note(tmp_path, capsys):
    import argparse

    toml = tmp_path / "det.toml"
    toml.write_text(
        'eps = [0.3]\nseeds = 2\n[[problems]]\nname = "polynomial"\n'
        "params = { coeffs = [0, 0, 0, 0, 1] }\nx0 = [3.0]\n"
        '[[methods]]\nname = "clipped_gd"\n'
    )  # fmt: skip
    parser = argparse.ArgumentParser()
    cli_sweep.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", str(toml), "--store", str(tmp_path / "r.sqlite"),
                              "--backend", "serial", "--quiet"])  # fmt: skip
    assert cli_sweep.cmd(args) == 0
    out = capsys.readouterr().out
    assert "note: methods[0] 'clipped_gd' is deterministic: its 2 seeds give identical runs" in out
