"""Golden test: ``reproduce`` at the tiny scale gives the checked-in report bit for bit (T6).

``tests/data/report_tiny.json`` was written by this file (``python tests/test_report_identity.py``)
from the code before issue 14's refactor; a refactor of the figures must not move one bit.
Compared exactly (floats through ``repr``): report.json's fit rows, the summary (fits, bound
check, zero-chain checks, figure files, notes) and REPORT.md. Ignored: the wall times
(``summary["seconds"]``, REPORT.md's "N s in total" and "## Timing" line) and the store's
file name (it holds the package version); proofs_check is not run (``proofs=False``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "data" / "report_tiny.json"


def tiny_report(tmp: Path) -> dict:
    """What the golden file holds: the tiny scale's outputs with wall times and paths masked."""
    from l0l1.report import clean
    from l0l1.reproduce import reproduce

    out = tmp / "figures"
    summary = reproduce(out, scale="tiny", backend="serial", quiet=True, proofs=False)
    md = (out / "REPORT.md").read_text()
    md = re.sub(r", \d+ s in\s+total\.", ", <secs> s in total.", md)
    md = re.sub(r"the run store is `[^`]*`", "the run store is `<store>`", md)
    md = re.sub(r"## Timing\n\n[^\n]*\n", "## Timing\n\n<secs>\n", md)
    kept = {k: v for k, v in summary.items() if k != "seconds"}
    return {
        "report_json": json.loads((out / "report.json").read_text()),
        "summary": json.loads(json.dumps(clean(kept))),
        "report_md": md,
    }


def test_tiny_report_is_bit_identical_to_golden(tmp_path):
    got = tiny_report(tmp_path)
    want = json.loads(GOLDEN.read_text())
    assert got["report_json"] == want["report_json"]
    assert got["summary"] == want["summary"]
    assert got["report_md"] == want["report_md"]


if __name__ == "__main__":  # regenerate: python tests/test_report_identity.py
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        GOLDEN.write_text(json.dumps(tiny_report(Path(d)), indent=1, sort_keys=True) + "\n")
    sys.exit(0)
