"""l0l1.check_constants and ``l0l1 constants --audit`` (THEORY T1, T2; issue 29 item 1).

A declared pair is audited by an adversarial search; a reported witness is verified with
the full Hessian at that point, here also against the closed form.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import textwrap

import numpy as np
import pytest

from l0l1 import Problem, check_constants, make_problem
from l0l1.cli import main
from l0l1.validate import InputError

A2 = np.linspace(1 / 20, 1, 20) ** 2  # A = diag(linspace(1/20, 1, 20)), d = 20


def _ax4_value(x):
    q = np.sum(A2 * x * x)
    return q * q


def _ax4_grad(x):
    return 4.0 * np.sum(A2 * x * x) * A2 * x


@pytest.fixture(scope="module")
def ax4():
    """f(x) = ||A x||^4: published code declares (4, 3), wrong at x = 88.9 e_1."""
    return Problem.from_functions(_ax4_value, _ax4_grad, dim=20, name="ax4")


def ax4_norms(x):
    """Closed form: H = 4 q A^2 + 8 (A^2 x)(A^2 x)^T with q = ||A x||^2."""
    q, y = np.sum(A2 * x * x), A2 * x
    H = 4 * q * np.diag(A2) + 8 * np.outer(y, y)
    return float(np.max(np.abs(np.linalg.eigvalsh(H)))), float(np.linalg.norm(4 * q * y))


def test_ax4_declared_pair_is_wrong(ax4):
    h, g = ax4_norms(88.9 * np.eye(20)[0])  # the numbers
    assert h == pytest.approx(79.0, abs=0.1) and g == pytest.approx(17.56, abs=0.01)
    res = check_constants(ax4, 4.0, 3.0)
    assert res.violated
    h, g = ax4_norms(res.x)
    assert h > 4.0 + 3.0 * g  # the witness, by the closed form
    assert res.hess_norm == pytest.approx(h, rel=1e-6)
    assert res.grad_norm == pytest.approx(g, rel=1e-9)
    assert res.excess == pytest.approx(h - 4.0 - 3.0 * g, rel=1e-5)
    assert "violation" in res.statement and "full 20 x 20 Hessian" in res.statement
    assert np.linalg.norm(res.x) > 10.0  # far from the origin, along the flattest axis
    assert abs(res.x[0]) / np.linalg.norm(res.x) > 0.99


def test_ax4_needs_the_far_region(ax4):
    """Within radius 10 the pair holds (psi(t) = t^2/100 - 12 t^3/160000 - 4 < 0 there)."""
    res = check_constants(ax4, 4.0, 3.0, region=10.0)
    assert not res.violated
    assert "no violation found" in res.statement and "<= 10" in res.statement


@pytest.mark.parametrize(
    ("name", "params", "pair"),
    [("polynomial", {"coeffs": [0, 0, 0, 0, 1]}, (16.0, 1.0)),  # x^4's frontier point
     ("cosh", {"dim": 2}, (1.0, 1.0)), ("logcosh", {}, (1.0, 0.0)),
     ("exp", {"dim": 2}, (0.0, 1.0))],
)  # fmt: skip
def test_true_pairs_have_no_violation(name, params, pair):
    res = check_constants(make_problem(name, **params), *pair, region=50.0)
    assert not res.violated, res.statement
    assert res.x is None and math.isnan(res.hess_norm)
    assert res.statement.startswith("no violation found")
    for word in ("uniform samples", "rays along", "Newton", "local ascents", "<= 50"):
        assert word in res.statement


@pytest.mark.parametrize(
    ("name", "params", "pair", "where"),
    [("polynomial", {"coeffs": [0, 0, 0, 0, 1]}, (15.9, 1.0), 2.0),  # just below 16 at x = 2
     ("cosh", {"dim": 2}, (0.9, 1.0), 0.0)],  # at the minimizer: cosh''(0) = 1
)  # fmt: skip
def test_false_siblings_are_caught(name, params, pair, where):
    res = check_constants(make_problem(name, **params), *pair, region=50.0)
    assert res.violated, res.statement
    assert np.linalg.norm(res.x) == pytest.approx(where, abs=0.1)
    assert res.hess_norm > pair[0] + pair[1] * res.grad_norm


def test_sublevel_set_of_x0():
    """x^4 with (3, 1): fails at |x| = 2 (16 > 3) but holds on {|x| <= 0.5} (max 2.5)."""
    x4 = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])
    assert check_constants(x4, 3.0, 1.0, region=10.0).violated
    res = check_constants(x4, 3.0, 1.0, region=10.0, x0=[0.5])
    assert not res.violated
    assert "{f <= f(x0)}" in res.region


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"L0": -1.0}, "L0"), ({"L0": math.nan}, "L0"), ({"L1": -0.5}, "L1"),
     ({"L1": math.inf}, "L1"), ({"region": 0.0}, "region"), ({"region": -3.0}, "region"),
     ({"region": "big"}, "region"), ({"region": (1.0, 2.0)}, "region"),
     ({"x0": [1.0, 2.0]}, "x0"), ({"samples": 0}, "samples"), ({"starts": 0}, "starts"),
     ({"steps": 1.5}, "steps"), ({"seed": -1}, "seed"), ({"hessian": "exact"}, "hessian")],
)  # fmt: skip
def test_bad_inputs_are_one_line(kwargs, field):
    x4 = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])
    args = {"L0": 16.0, "L1": 1.0, **kwargs}
    L0, L1 = args.pop("L0"), args.pop("L1")
    with pytest.raises(InputError) as err:
        check_constants(x4, L0, L1, **args)
    msg = str(err.value)
    assert msg.startswith(f"{field}: ") and "\n" not in msg and "allowed" in msg


def test_not_a_problem():
    with pytest.raises(InputError, match=r"^problem: .*allowed"):
        check_constants("x**4", 16.0, 1.0)


# --- the CLI -----------------------------------------------------------------------------------


def cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_audit_builtin_declared_pair():
    code, out, err = cli(["constants", "--audit", "--problem", "cosh", "--region", "20"])
    assert code == 0, err
    assert "(L0, L1) = (1, 1)" in out and "certified" in out and "no violation found" in out


def test_cli_audit_entry_point_finds_the_wrong_pair(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(
        textwrap.dedent("""
        import numpy as np
        from l0l1 import Problem

        quartic = Problem.from_functions(
            lambda x: np.sum(x**4), lambda x: 4 * x**3, dim=1, constants=(1.0, 1.0))
    """)
    )
    code, out, err = cli(["constants", "--audit", "--problem", "mine.py:quartic", "--json"])
    assert code == 0, err
    rec = json.loads(out)
    assert rec["violated"] and rec["source"].startswith("declared")
    assert rec["hess_norm"] > 1.0 + rec["grad_norm"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [(["--audit", "--pair", "1"], "pair"), (["--audit", "--pair=-1,1"], "L0"),
     (["--audit", "--region", "0"], "region"), (["--audit", "--L1", "1,2"], "L1"),
     (["--region", "3", "--coeffs", "1,0,1"], "region"), ([], "coeffs"),
     (["--audit", "--problem", "logistic", "--param", "a=1,2", "--region", "nan"], "region")],
)  # fmt: skip
def test_cli_audit_errors_are_one_line(argv, field, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(["constants", *argv])
    assert code == 2 and out == ""
    assert err.startswith(f"l0l1: error: {field}: ") and err.count("\n") == 1, err
