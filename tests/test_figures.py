"""Each registered figure's measured numbers against its theory, on the tiny golden report.

tests/data/report_tiny.json is what ``reproduce(scale="tiny")`` writes today
(tests/test_report_identity.py holds the two equal); each figure module says how its
measured slopes or counts must sit against the THEORY exponents and bounds (T2-T6).
"""

import json
from pathlib import Path

import pytest

from l0l1.figures import FIGURES

SUMMARY = json.loads((Path(__file__).parent / "data" / "report_tiny.json").read_text())["summary"]
CHECKED = [f for f in FIGURES.values() if f.name not in SUMMARY["skipped"]]


@pytest.mark.parametrize("fig", CHECKED, ids=[f.key for f in CHECKED])
def test_measured_against_theory(fig):
    checks = fig.measured_vs_theory(SUMMARY)
    assert checks, f"{fig.key}: nothing measured"
    bad = [(what, measured, theory) for what, measured, theory, holds in checks if not holds]
    assert not bad, f"{fig.key} ({', '.join(fig.theory)}): {bad}"


def test_a_wrong_theory_fails():
    """Every exponent set to 0: each rate figure's check must then fail somewhere."""
    moved = {**SUMMARY, "fits": [{**r, "theory_rate": r["theory_rate"] and 0}
                                 for r in SUMMARY["fits"]]}  # fmt: skip
    for fig in CHECKED:
        if any(r["figure"] == fig.name for r in SUMMARY["fits"]):  # a rate figure
            assert not all(h for *_, h in fig.measured_vs_theory(moved)), fig.key


def test_registry_names_match_the_report():
    drawn_or_skipped = [*SUMMARY["figures"], *SUMMARY["skipped"]]
    assert sorted(f.name for f in FIGURES.values()) == sorted(drawn_or_skipped)
    assert all(f.theory and all(t[0] == "T" for t in f.theory) for f in FIGURES.values())
