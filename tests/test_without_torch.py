"""Without torch (blocked in a subprocess): l0l1 imports, ``l0l1 nn`` is a one-line error,
and ``l0l1 reproduce`` names the neural-network figures it skips (issue 12)."""

import json
import subprocess
import sys

BLOCK = """
import importlib.abc, sys
class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NoTorch())
for m in [m for m in sys.modules if m.split(".")[0] == "torch"]:
    del sys.modules[m]
"""


def _run(code: str):
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True)


def test_l0l1_imports_and_lists_skipped_figures():
    p = _run(
        "import json, l0l1, l0l1.cli\n"
        "from l0l1.reproduce import drawn\n"
        "figs, skipped = drawn('quick')\n"
        "print(json.dumps({'drawn': sorted(figs), 'skipped': skipped}))\n"
    )
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    assert set(got["skipped"]) == {"nn_smoothness", "nn_training", "nn_vr"}
    assert all("needs torch" in why and "l0l1[torch]" in why for why in got["skipped"].values())
    assert "online" in got["drawn"]


def test_l0l1_nn_is_a_one_line_error():
    p = _run("from l0l1.cli import main\nsys.exit(main(['nn', 'train']))\n")
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "pip install 'l0l1[torch]'" in p.stderr, p.stderr
