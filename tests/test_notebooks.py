"""Every classroom notebook runs end to end, headless (nbclient), without a cell error.

Also checks that the committed notebooks carry no outputs and match notebooks/build.py.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MISSING = [m for m in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(m) is None]
needs_jupyter = pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed (pip install -e '.[dev]')"
)


def test_there_are_four_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_why_clipping.ipynb",
        "02_local_smoothness.ipynb",
        "03_variance_reduction.ipynb",
        "04_reading_a_proof.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@needs_jupyter
def test_notebooks_match_their_generator(tmp_path):
    spec = importlib.util.spec_from_file_location("nb_build", ROOT / "notebooks" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for built in mod.build(tmp_path):
        assert built.read_text() == (ROOT / "notebooks" / built.name).read_text(), (
            f"{built.name} differs from notebooks/build.py: run python notebooks/build.py"
        )


@needs_jupyter
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend draws
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    except CellExecutionError as err:  # the message names the cell and the traceback
        pytest.fail(f"{path.name}: a cell failed\n{err}")
    shown = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") in ("display_data", "execute_result")
        and "image/png" in o.get("data", {})
    ]
    assert shown, f"{path.name}: no figure was drawn"
    widget = "application/vnd.jupyter.widget-view+json"
    for c in nb.cells:  # a slider box displayed and also returned would show twice
        views = [o for o in c.get("outputs", []) if widget in o.get("data", {})]
        assert len(views) <= 1, f"{path.name}: a cell shows its widget row {len(views)} times"
