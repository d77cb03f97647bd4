"""Lemma files from anywhere (``python -m proofs_check run FILE.py``), the steps' fallback to
the prover, and the frontier of |x|^p terms (THEORY T2, T7)."""

import mpmath
import pytest
import sympy as sp

from proofs_check import CERTIFIED, FAILED, IntervalBound, Monotone, NonNegative
from proofs_check.cli import main
from proofs_check.frontier_abs import certify_abs, closed_form

c = sp.Symbol("c", positive=True)

LEMMA_FILE = """
import sympy as sp
from proofs_check import Lemma, NonNegative

c = sp.Symbol("c", positive=True)


def _lemma(k, name):
    return Lemma(name=name, statement="1 + c + k c^2 >= e^c", source="test",
                 assumptions="0 < c < 1",
                 steps=[NonNegative(1 + c + k * c**2 - sp.exp(c), c, (0, 1), "claim")])


LEMMA = _lemma({k}, "quadratic_exp_bound")
FALSE_SIBLINGS = [_lemma(sp.Rational({s}), "quadratic_exp_bound_sibling")]
"""


def _write(tmp_path, k="1", s="1/3"):
    path = tmp_path / "my_lemma.py"
    path.write_text(LEMMA_FILE.format(k=k, s=repr(s)))
    return path


def test_run_file_certifies_and_reports(tmp_path, capsys):
    report = tmp_path / "out.md"
    assert main(["run", str(_write(tmp_path)), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "quadratic_exp_bound" in out and "certified" in out and "failed" in out
    assert "$$" in report.read_text()


def test_run_file_exits_1_when_a_sibling_passes(tmp_path, capsys):
    assert main(["run", str(_write(tmp_path, s="1"))]) == 1


def test_run_file_exits_1_when_the_lemma_fails(tmp_path, capsys):
    assert main(["run", str(_write(tmp_path, k="1/3"))]) == 1


def test_run_file_without_lemma(tmp_path, capsys):
    path = tmp_path / "notes.py"
    path.write_text("x = 1\n")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "defines no LEMMA" in err and "\n" not in err.strip()


def test_only_points_to_run(capsys):
    assert main(["--only", "my_lemma"]) == 2
    assert "python -m proofs_check run FILE.py" in capsys.readouterr().err


@pytest.mark.parametrize(
    "step,status",
    [
        (NonNegative(1 + c + c**2 - sp.exp(c), c, (0, 1), "touches 0 at c = 0"), CERTIFIED),
        (NonNegative(1 + c + c**2 / 3 - sp.exp(c), c, (0, 1), "false sibling"), FAILED),
        (Monotone((sp.exp(c) - 1 - c) / c**2, c, (0, 1), 1, "increasing"), CERTIFIED),
        (Monotone((sp.exp(c) - 1 - c) / c**2, c, (0, 1), -1, "false: decreasing"), FAILED),
        (
            IntervalBound((sp.exp(c) - 1) / c, {c: (sp.Rational(1, 10), 1)}, "tight", 1, sp.E - 1),
            CERTIFIED,
        ),
        (
            IntervalBound(
                (sp.exp(c) - 1) / c, {c: (sp.Rational(1, 10), 1)}, "false", 1, sp.Rational(17, 10)
            ),
            FAILED,
        ),
    ],
    ids=lambda x: getattr(x, "claim", x),
)
def test_steps_fall_back_to_the_prover(step, status):
    res = step.check()
    assert res.status == status, (res.method, res.detail)
    if status == CERTIFIED and step.claim != "increasing":
        assert res.method.startswith("prover")


def _max_h(d1, d2, L1):
    """max over y > 0 of |f''(y)| - L1 |f'(y)| by a grid and zooming, mpmath at 40 digits."""
    with mpmath.workdps(40):
        best, arg = mpmath.mpf(-1), mpmath.mpf(1)
        ys = [mpmath.mpf(k) / 100 for k in range(1, 2001)]
        for _ in range(8):
            for y in ys:
                v = abs(d2(y)) - L1 * abs(d1(y))
                if v > best:
                    best, arg = v, y
            step = (ys[1] - ys[0]) / 20
            ys = [arg + k * step for k in range(-40, 41) if arg + k * step > 0]
        return best


@pytest.mark.parametrize(
    "coef,p,L1", [(1, 3, 1), (2, sp.Rational(5, 2), 1), (3, sp.Rational(7, 2), 2)]
)
def test_abs_power_closed_form(coef, p, L1):
    out = certify_abs(f"{coef}*abs(x)^({p})", L1)
    assert out["status"] == CERTIFIED and out["lo"] == out["hi"] == closed_form(coef, p, L1)
    pf, cf = float(p), float(coef)
    ref = _max_h(
        lambda y: cf * pf * y ** (pf - 1), lambda y: cf * pf * (pf - 1) * y ** (pf - 2), L1
    )
    assert abs(float(out["hi"]) - float(ref)) < 1e-9 * (1 + float(ref))


def test_abs_power_sum_certified_by_the_prover():
    out = certify_abs("abs(x)^3 + x^2", 1)  # h(y) = 6y + 2 - (3y^2 + 2y): max 10/3 at 2/3
    assert out["status"] == CERTIFIED
    assert out["lo"] <= sp.Rational(10, 3) <= out["hi"] and out["hi"] - out["lo"] < 1e-8


def test_frontier_cli_accepts_abs(capsys):
    assert main(["frontier", "abs(x)^3", "--L1", "1"]) == 0
    assert "least L0: 3 (exact)" in capsys.readouterr().out
    assert main(["frontier", "abs(x)^2", "--L1", "1"]) == 0  # x^2: the exact polynomial route
    assert "least L0: 2 (exact)" in capsys.readouterr().out
    assert main(["frontier", "abs(x)^1.5", "--L1", "1"]) == 2  # p > 2 only
    assert main(["frontier", "abs(x)^3*x", "--L1", "1"]) == 2  # not |x|^p: odd in x
