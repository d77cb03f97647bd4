"""The inequality prover (THEORY T7): true statements of the kinds the (L0,L1) proofs use are
certified, false siblings fail with a counterexample that is re-checked here independently
(mpmath at 60 digits, no prover code), and undefined sub-boxes are never certified."""

import contextlib
import io
import json
import os

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs_check.cli import main
from proofs_check.parse import ParseError, parse_expression, parse_range
from proofs_check.prover import decide_text

TRUE = [
    ("(exp(c) - 1)/c <= 1 + c", ["0 < c <= 1"]),
    ("1 + c + c^2 - exp(c) >= 0", ["0 < c < 1"]),
    ("(exp(c) - c - 1)/c^2 <= e - 2", ["0 < c <= 1"]),
    ("(exp(c) - c - 1)/c^2 >= 1/2", ["c > 0"]),
    ("exp(c) >= 1 + c", ["c > 0"]),
    ("log(1 + u/(1 + u))/u >= 2/(2 + 3*u)", ["u > 0"]),  # V24 in units L0 = 1
    (
        "exp(c)*(L0 + L1*g) <= (1 + 2*c)*(L0 + L1*g)",
        ["0 < c <= 1", "1/10 <= L0 <= 10", "0 <= L1 <= 2", "0 <= g <= 5"],
    ),
    ("k/(k + 1) + h/(1 + h*L1) <= 1 + h", ["0 <= k <= 10", "0 <= h <= 1", "0 <= L1 <= 3"]),
    ("1/(t + 1) - 1/(t + 2) <= 1/(t + 1)^2", ["t >= 0"]),
    ("sqrt(t) <= (1 + t)/2", ["0 <= t <= 4"]),
    ("sqrt(x) >= x", ["0 <= x <= 1"]),  # touches at both ends; x = s^2 makes it analytic
    ("sqrt(x) >= log(x)", ["x > 0"]),
    ("x*log(x) >= -1/e", ["x > 0"]),  # touches at the interior point x = 1/e
    ("(3*x - 1)^2 >= 0", ["0 <= x <= 1"]),
    ("x^e <= e^x", ["x > 0"]),  # touches at x = e, a tail [X, oo) by derivatives
    ("min(1, 1/(L1*g))*g <= 1/L1", ["0 < g <= 10", "1/2 <= L1 <= 2"]),  # clipping
    ("abs(x - 1) + abs(x + 1) >= 2", ["-3 <= x <= 3"]),  # equality on [-1, 1]
    ("expm1(x) - log1p(x) >= 0", ["0 <= x <= 2"]),
    ("tanh(x) <= x", ["x > 0"]),
    ("min(x, 1) <= max(x, 1/2) + abs(x - 3)", ["0 <= x <= 4"]),
    ("cosh(x) - 1 <= x*sinh(x)", ["-2 <= x <= 2"]),
]

FALSE = [
    ("(exp(c) - 1)/c <= 1 + c/2", ["0 < c <= 1"]),
    ("1 + c + c^2/3 - exp(c) >= 0", ["0 < c < 1"]),
    ("(exp(c) - c - 1)/c^2 <= 7/10", ["0 < c <= 1"]),
    ("(exp(c) - c - 1)/c^2 >= 1/2 + c/5", ["c > 0"]),
    ("log(1 + u/(1 + u))/u >= 2/(2 + 2*u)", ["u > 0"]),
    ("log(1 + u/(L0 + u))/u >= 2/(2*L0 + 2*u)", ["u > 0", "1/2 <= L0 <= 2"]),
    (
        "exp(c)*(L0 + L1*g) <= (1 + 3*c/2)*(L0 + L1*g)",
        ["0 < c <= 1", "1/10 <= L0 <= 10", "0 <= L1 <= 2", "0 <= g <= 5"],
    ),
    ("k/(k + 1) + h/(1 + h*L1) <= 1 + h/2", ["0 <= k <= 10", "0 <= h <= 1", "0 <= L1 <= 3"]),
    ("exp(c) > 1 + c", ["0 <= c <= 1"]),  # equality at c = 0
    ("tanh(x) <= x/(1 + x/4)", ["x > 0"]),
    ("sqrt(x) >= x", ["1/2 <= x <= 2"]),
    ("x*log(x) >= -1/e + 1/1000", ["x > 0"]),
    ("min(1, 1/(L1*g))*g <= 1/(2*L1)", ["0 < g <= 10", "1/2 <= L1 <= 2"]),
    ("abs(x - 1) + abs(x + 1) > 2", ["-3 <= x <= 3"]),
]


def _mp_value(expr: sp.Expr, point: dict) -> mpmath.mpf:
    with mpmath.workdps(60):
        f = sp.lambdify(list(point), expr, modules="mpmath")
        return f(*(mpmath.mpf(sp.Rational(v).p) / sp.Rational(v).q for v in point.values()))


@pytest.mark.parametrize("text,where", TRUE, ids=[t for t, _ in TRUE])
def test_true_statement_certified(text, where):
    d = decide_text(text, where)
    assert d.status == "certified", (d.method, d.detail, d.box)
    assert d.method


@pytest.mark.parametrize("text,where", FALSE, ids=[t for t, _ in FALSE])
def test_false_statement_fails_with_rechecked_counterexample(text, where):
    d = decide_text(text, where)
    assert d.status == "failed", (d.detail, d.box)
    point = {sp.Symbol(k): sp.Rational(v) for k, v in d.exact_point.items()}
    for w in where:  # the point lies in the stated ranges
        assert parse_range(w).contains(point[sp.Symbol(parse_range(w).var)])
    for rel in ("<=", ">=", "<", ">"):
        if rel in text:
            lhs, rhs = (parse_expression(s) for s in text.split(rel))
            break
    diff = _mp_value(rhs - lhs if rel in ("<=", "<") else lhs - rhs, point)
    assert diff < 0 if "=" in rel else diff <= 1e-50, (point, diff)


def test_constants_without_variables():
    assert decide_text("log(2) + log(3) <= log(6)", []).status == "certified"
    assert decide_text("log(2) + log(3) < log(6)", []).status == "failed"
    assert decide_text("22/7 <= pi", []).status == "failed"
    assert decide_text("e^pi >= pi^e", []).status == "certified"


def test_equality_and_identity():
    assert decide_text("exp(2*log(x)) == x^2", ["x > 0"]).status == "certified"
    assert decide_text("sinh(x) == x", ["0 <= x <= 1"]).status == "failed"


@pytest.mark.parametrize(
    "text,where",
    [
        ("log(x) >= -100", ["-1 <= x <= 1"]),  # undefined for x <= 0
        ("sqrt(x) >= 0", ["-1 <= x <= 1"]),
        ("1/x^2 >= 1", ["-1 <= x <= 1"]),  # undefined at x = 0, true elsewhere
        ("(exp(c) - 1)/c <= 1 + c", ["0 <= c <= 1"]),  # undefined at the closed end c = 0
    ],
)
def test_undefined_is_never_certified(text, where):
    d = decide_text(text, where)
    assert d.status == "inconclusive", (d.status, d.method, d.detail)


def test_cli_one_line_and_json(capsys):
    assert main(["inequality", "(exp(c) - 1)/c <= 1 + c", "--where", "0 < c <= 1"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("certified") and "\n" not in out
    assert main(["inequality", "exp(c) <= 1 + c", "--where", "0 < c <= 1", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "failed" and "c" in data["counterexample"]


@pytest.mark.parametrize(
    "argv,field",
    [
        (["inequality", "__import__('os') <= 1", "--where", "0 < x < 1"], "inequality"),
        (["inequality", "x <= 1", "--where", "0 < x < y"], "where"),
        (["inequality", "x + y <= 1", "--where", "0 < x < 1"], "inequality"),
        (["inequality", "x <= 1", "--where", "0 < x < 1", "--where", "0 < x < 2"], "where"),
        (["inequality", "x + 1", "--where", "0 < x < 1"], "inequality"),
        (["run", "no/such/file.py"], "file"),
    ],
)
def test_cli_bad_input_is_one_line(argv, field, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and field in err, err


def test_parser_rejects_names_and_calls():
    for bad in ("x.__class__", "exec(1)", "x; 1", "foo(x)", "2^1000"):
        with pytest.raises(ParseError):
            parse_expression(bad, ["x"])


PIECES = ["x", "y", "1", "2", "1/3", "e", "pi", "0", "2.5", "exp(x)", "log(x)", "sqrt(x)",
          "abs(x - 1)", "min(x, 1)", "max(x, y)", "tanh(x)", "log1p(x)", "expm1(x)", "x^2.5",
          "1/x", "sinh(x)", "cosh(y)"]  # fmt: skip
JUNK = ["**", "(", ")", "<=", "==", "__import__", "\u00e9", "//", "^^", "nan", "/0", ",", ";",
        "lambda", "x.y", "1e400"]  # fmt: skip
WHERE = ["0 < x <= 1", "x > 0", "x >= -1", "-1 <= y <= 1", "y < 0", "0 < x < y", "x", "",
         "1 < x < 0", "0 <= y <= pi", "x == 1", "e < x < pi"]  # fmt: skip


@st.composite
def statements(draw):
    def expr(depth):
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return draw(st.sampled_from(PIECES))
        op = draw(st.sampled_from(["+", "-", "*", "/", "^", "()"]))
        if op == "()":
            return f"({expr(depth - 1)})"
        return f"{expr(depth - 1)} {op} {expr(depth - 1)}"

    text = f"{expr(2)} {draw(st.sampled_from(['<=', '<', '>=', '>', '==']))} {expr(2)}"
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(JUNK)) + text[at:]
    return text


@settings(
    max_examples=int(os.environ.get("L0L1_FUZZ_EXAMPLES", 40)),
    deadline=None,
    derandomize=True,
    database=None,
)
@given(text=statements(), where=st.lists(st.sampled_from(WHERE), min_size=0, max_size=2))
def test_fuzz_inequality_cli(text, where):
    """Any input: exit 0/1 with one line on stdout, or 2 with one line on stderr naming the
    field; never a traceback."""
    argv = ["inequality", text, "--time-limit", "0.5"]
    for w in where:
        argv += ["--where", w]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    if code == 2:
        line = err.getvalue().strip()
        assert out.getvalue() == "" and "\n" not in line, (argv, err.getvalue())
        assert line.startswith("proofs_check inequality: "), line
    else:
        assert code in (0, 1) and err.getvalue() == "", (argv, err.getvalue())
        assert out.getvalue().count("\n") == 1, (argv, out.getvalue())
