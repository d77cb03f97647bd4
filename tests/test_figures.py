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


def test_agnostic_L1_measured_against_theory(tmp_path):
    """The L1 sweep (T2, T4) run here at tiny scale: its checks hold, and a travel-time
    exponent moved by 1 or a tuned NSGD-M final gradient growing like L1 must fail."""
    from l0l1.experiments.spec import Sweep
    from l0l1.figures import agnostic_l1 as fig
    from l0l1.reproduce import _records

    store = tmp_path / "store.sqlite"
    recs = [r for s in fig.sweeps("tiny") for r in _records(s, store, "serial", True)]
    assert len(recs) == sum(len(Sweep.from_dict(s).tasks()) for s in fig.sweeps("tiny"))
    drawn = fig.draw({"agnostic_L1": recs}, tmp_path, "tiny")
    summary = {"fits": list(drawn.fits), "facts": {drawn.name: drawn.facts}}
    checks = fig.FIGURE.measured_vs_theory(summary)
    assert len(checks) >= 4
    assert all(h for *_, h in checks), [c for c in checks if not c[3]]
    moved = {**summary, "fits": [{**r, "theory_rate": r["theory_rate"] and r["theory_rate"] + 1}
                                 for r in summary["fits"]]}  # fmt: skip
    assert not all(h for *_, h in fig.FIGURE.measured_vs_theory(moved))
    finals = [{**f, "pow_slope": 1.0} for f in drawn.facts["final"]]
    grown = {**summary, "facts": {drawn.name: {"final": finals}}}
    assert not all(h for *_, h in fig.FIGURE.measured_vs_theory(grown))


def test_code_methods_measured_against_theory(tmp_path):
    """The methods written as algorithms (issue 26) at tiny scale: every slope at most its
    class's worst-case exponent (T3, T4), Armijo's calls include its function values, and
    exponents lowered by 1.5 must fail. (Not in the golden tiny report yet.)"""
    from l0l1.figures import code_methods as fig
    from l0l1.reproduce import _records

    store = tmp_path / "store.sqlite"
    recs = [r for s in fig.sweeps("tiny") for r in _records(s, store, "serial", True)]
    assert {r["method"] for r in recs} == set(fig.RATES)
    armijo = [r for r in recs if r["method"] == "armijo_gd"]
    assert all(r["value_calls"] > r["iterations"] for r in armijo)
    drawn = fig.draw({"code_methods": recs}, tmp_path, "tiny")
    summary = {"fits": list(drawn.fits), "facts": {drawn.name: drawn.facts}}
    checks = fig.FIGURE.measured_vs_theory(summary)
    assert len(checks) == len(fig.RATES)
    assert all(h for *_, h in checks), [c for c in checks if not c[3]]
    lowered = {**summary, "fits": [{**r, "theory_rate": r["theory_rate"] - 1.5}
                                   for r in summary["fits"]]}  # fmt: skip
    assert not all(h for *_, h in fig.FIGURE.measured_vs_theory(lowered))


def test_findings_reach_the_report_only_when_measured():
    """A figure's facts["findings"] become REPORT.md's section on departures from the papers;
    the agnostic NSGD-M finding is written only when its first-hit calls fall with L1."""
    from types import SimpleNamespace

    from l0l1.figures import agnostic_l1
    from l0l1.report import report_markdown

    falling = SimpleNamespace(x=[1.0, 16.0], median=[480.0, 40.0], slope=-0.9)
    rising = SimpleNamespace(x=[1.0, 16.0], median=[40.0, 480.0], slope=0.9)
    final = [{"method": "nsgd_m_agnostic", "L1": [1.0, 128.0], "median": [0.16, 15.7]}]
    found = agnostic_l1.findings(falling, final)
    assert len(found) == 1 and "480 at L1 = 1" in found[0] and "15.7 at L1 = 128" in found[0]
    assert agnostic_l1.findings(rising, final) == []
    summary = {**SUMMARY, "seconds": {"total": 1.0}}
    heading = "## Where a measurement departs from a paper"
    with_finding = {**summary, "facts": {**summary.get("facts", {}),
                                         "agnostic_L1": {"findings": found}}}  # fmt: skip
    assert heading in report_markdown(with_finding, Path("store.sqlite"))
    without = {**summary, "facts": {k: {**v, "findings": []}
                                    for k, v in summary.get("facts", {}).items()}}  # fmt: skip
    assert heading not in report_markdown(without, Path("store.sqlite"))
