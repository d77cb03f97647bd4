"""The example a new user starts from runs and prints its rate fits (README "Bring your own")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_custom_problem_example_runs():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's l0l1, not an installed one
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "custom_problem.py"), "--quick"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("my_quartic: (L0, L1) = (16, 1); estimated (not certified)")
    fits = [line for line in lines if "iterations ~ (1/eps)^s, slope" in line]
    assert [line.split(":")[0] for line in fits] == ["clipped_gd", "polyak_lb"]
    assert sum("reached:" in line for line in lines) == 6


def test_custom_problem_entry_points_from_the_cli():
    ep = "examples/custom_problem.py"
    out = subprocess.run(
        [sys.executable, "-m", "l0l1.cli", "run", "--problem", f"{ep}:quartic",
         "--method", f"{ep}:polyak", "--eps", "0.01"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("polyak_lb on my_quartic: reached")
    assert "(estimated (not certified):" in out.stdout


def test_readme_bring_your_own_snippet_runs(capsys):
    text = (ROOT / "README.md").read_text()
    code = text.split("## Bring your own function")[1].split("```python")[1].split("```")[0]
    exec(compile(code, "README.md", "exec"), {})  # the project's own README, not user input
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("estimated, not certified: L0*(L1)") and "54 at L1 = 0.5" in out[0]
    assert out[1].startswith("slope 0.6")
