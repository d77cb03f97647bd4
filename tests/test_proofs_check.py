"""proofs_check: every lemma certified (numeric only where sampled), every false sibling
failed, the CLI contract, and the safe polynomial parser (THEORY T7)."""

import json
import subprocess
import sys

import pytest

from proofs_check import CERTIFIED, FAILED, NUMERIC, NumericOnly, run
from proofs_check.cli import main
from proofs_check.parse import ParseError, parse_number, parse_polynomial
from proofs_check.registry import discover, siblings

LEMMAS = discover()
SIBLINGS = siblings()


def _numeric_allowed(lemma) -> bool:
    return any(isinstance(s, NumericOnly) or s.allow_numeric for s in lemma.steps)


def test_discovery_finds_lemmas_and_unique_names():
    names = [lem.name for lem in LEMMAS] + [s.name for _, s in SIBLINGS]
    assert len(LEMMAS) >= 5 and len(names) == len(set(names))


@pytest.mark.parametrize("lemma", LEMMAS, ids=lambda lem: lem.name)
def test_lemma_certified(lemma):
    res = run(lemma)
    bad = [(s.claim, s.status, s.detail) for s in res.failures() if s.status == FAILED]
    assert not bad, bad
    assert res.status == (NUMERIC if _numeric_allowed(lemma) else CERTIFIED), res.failures()


@pytest.mark.parametrize("module", sorted({m for m, _ in SIBLINGS} | {"_"})[1:])
def test_every_module_has_a_sibling(module):
    assert any(m == module for m, _ in SIBLINGS)


@pytest.mark.parametrize("sibling", [s for _, s in SIBLINGS], ids=lambda lem: lem.name)
def test_false_sibling_fails(sibling):
    assert run(sibling, stop_on_failure=True).status == FAILED


def test_modules_without_siblings_are_flagged():
    from proofs_check.registry import modules

    lonely = [m.__name__ for m in modules() if not getattr(m, "FALSE_SIBLINGS", [])]
    assert not lonely


def test_json_schema(capsys):
    name = LEMMAS[0].name
    assert main(["--only", name, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == [name]
    for key in ("name", "source", "status", "steps", "seconds"):
        assert key in data[0]
    for step in data[0]["steps"]:
        assert {"claim", "method", "status", "detail"} <= set(step)


def test_only_typo_suggests(capsys):
    assert main(["--only", "frontier_x5"]) == 2
    err = capsys.readouterr().err
    assert "frontier_x4" in err and err.count("\n") == 1


def test_report_latex(tmp_path):
    out = tmp_path / "report.md"
    assert main(["--only", "frontier_x4", "--report", str(out)]) == 0
    text = out.read_text()
    assert "## frontier_x4" in text and "$$" in text and r"\frac" in text


def test_list(capsys):
    assert main(["--list"]) == 0
    assert "upper_model" in capsys.readouterr().out


def test_frontier_x4(capsys):
    assert main(["frontier", "x**4", "--L1", "2"]) == 0
    out = capsys.readouterr().out
    assert "least L0: 4 (exact)" in out and "[failed]" not in out


def test_frontier_enclosure_and_quadratic():
    assert main(["frontier", "x**4 - 3*x**2 + 1", "--L1", "1"]) == 0
    assert main(["frontier", "3*x^2 + x", "--L1", "0"]) == 0


def test_injection_not_executed(tmp_path):
    code = "__import__('os').system('touch PWNED')"
    proc = subprocess.run(
        [sys.executable, "-m", "proofs_check", "frontier", code, "--L1", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "unknown name '__import__'" in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "text",
    [
        "x.__class__",
        "y**2",
        "x**-1",
        "x**0.5",
        "x**x",
        "",
        "   ",
        "exp(x)",
        "x**99999999",
        "1/(x+1)",
        "x;1",
        "(x+1",
        "x**2**2",
    ],
)
def test_invalid_polynomial_rejected(text, capsys):
    assert main(["frontier", text, "--L1", "1"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.count("\n") == 1
    assert repr(text) in cap.err and ("allowed" in cap.err or "empty" in cap.err)


@pytest.mark.parametrize("L1", ["-1", "0", "abc", "1/0"])
def test_bad_L1_rejected(L1):
    assert main(["frontier", "x**3", "--L1", L1]) == 2


def test_parser_exact():
    p = parse_polynomial("(x - 1/2)^2 + 0.25*x")
    assert p.all_coeffs() == [1, -1 + parse_number("1/4"), parse_number("1/4")]
    assert parse_number("2.5") == parse_number("5/2")
    with pytest.raises(ParseError):
        parse_number("x")
