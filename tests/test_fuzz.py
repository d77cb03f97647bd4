"""No traceback ever reaches a user (issue 15): every entry point, fuzzed.

For each generated input, in a fresh temporary working directory:

- the exit status is 0 or 2 (``proofs_check frontier`` may also say 1: not certified);
- on 2, stdout is empty and stderr is exactly one line ``l0l1: error: FIELD: ...``, and the
  field (or the value) of the option that was made bad is named;
- no exception escapes ``main`` (that would be a traceback);
- no file is created or changed (a directory snapshot with hashes before and after), except
  the store a successful sweep writes;
- no call outlives a hang guard (iteration budgets are small: a hang is a bug, not speed).

The CLIs are called in-process (``main(argv)`` with captured stdout/stderr); a few
subprocess checks cover the real console entry. The table of bad-input classes and what
each gets is docs/bad_input.md; stores are in tests/test_stores.py.

Bounded for CI: derandomized (the same examples every run), a few dozen examples per entry
point. To hunt for new bugs: ``L0L1_FUZZ_EXAMPLES=1000 pytest tests/test_fuzz.py`` (random).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from l0l1.cli import main as l0l1_main
from l0l1.problems.catalog import BUILTIN_PROBLEMS as PROBLEM_NAMES
from l0l1.validate import InputError
from proofs_check.cli import main as proofs_main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("L0L1_FUZZ_EXAMPLES", "0"))
HANG_SECONDS = 120  # per call; real calls here take milliseconds to a few seconds
ONE_LINE = re.compile(r"^l0l1: error: [^\n]+?: [^\n]+$")
METHODS = ("gd", "clipped_gd", "normalized_gd", "v24_si", "v24_cl", "v24_star",
           "smoothed_clip", "sgd", "clipped_sgd", "spider", "spider_clip")  # fmt: skip


def fuzz(examples: int):
    """Hypothesis settings for CI (derandomized, no example database, no deadline)."""
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=None,
        derandomize=not EXAMPLES,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large],
    )  # fmt: skip


# --- harness ----------------------------------------------------------------------------------


class Hang(BaseException):
    """A call did not return within HANG_SECONDS (BaseException: nothing may swallow it)."""


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_SECONDS):
    def on_alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def snapshot(root: Path) -> dict[str, str]:
    """Every file (sha256) and directory under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in filenames:
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


@dataclass
class Outcome:
    argv: list
    code: object
    out: str
    err: str
    tb: str | None
    before: dict
    after: dict

    def changed(self) -> dict:
        keys = set(self.before) | set(self.after)
        return {k: (self.before.get(k), self.after.get(k)) for k in keys
                if self.before.get(k) != self.after.get(k)}  # fmt: skip


def call(main, argv: list[str], cwd: Path) -> Outcome:
    """main(argv) in cwd with stdout/stderr captured; an escaping exception is recorded."""
    out, err = io.StringIO(), io.StringIO()
    before = snapshot(cwd)
    old = os.getcwd()
    tb, code = None, None
    os.chdir(cwd)
    try:
        with hang_guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse --help; anything else would be a bug
                code = 0 if exc.code is None else exc.code
            except Exception:
                tb = traceback.format_exc()
    finally:
        os.chdir(old)
    return Outcome(list(argv), code, out.getvalue(), err.getvalue(), tb, before, snapshot(cwd))


def check(o: Outcome, names=(), *, codes=(0, 2), prefix="l0l1: error: ", files_ok=()) -> None:
    """The property every entry point shares (see the module docstring)."""
    assert o.tb is None, f"traceback for {o.argv!r}:\n{o.tb}"
    assert o.code in codes, f"exit status {o.code!r} for {o.argv!r}; stderr: {o.err}"
    changed = {k: v for k, v in o.changed().items() if not k.startswith(tuple(files_ok))}
    if o.code == 0:
        assert o.err == "", f"stderr on success for {o.argv!r}: {o.err}"
        assert not changed, f"{o.argv!r} changed files: {changed}"
        return
    assert o.out == "", f"stdout on error for {o.argv!r}: {o.out}"
    lines = o.err.splitlines()
    assert len(lines) == 1, f"{len(lines)} lines on stderr for {o.argv!r}:\n{o.err}"
    assert lines[0].startswith(prefix), lines[0]
    if prefix == "l0l1: error: ":
        assert ONE_LINE.match(lines[0]), f"no 'field: ...' in {lines[0]!r}"
    if names:
        assert any(n in lines[0] for n in names), f"none of {names} named in {lines[0]!r}"
    assert not o.changed(), f"{o.argv!r} failed and changed files: {o.changed()}"


def workdir():
    return tempfile.TemporaryDirectory(prefix="l0l1-fuzz-")


# --- value pools -------------------------------------------------------------------------------

# Texts a user may type where a number is expected (real argv cannot hold NUL characters).
BAD_NUMBERS = ["", " ", ",", ";", "nan", "NaN", "inf", "-inf", "+inf", "1e309", "-1e309",
               "1e100000", "abc", "1,,2", "0x10", "1_0", "\u00e9", "--", "1e", ".", "-",
               "1" * 5000]  # fmt: skip
EDGE_NUMBERS = ["0", "-0", "-1", "1.5", "1e308", "-1e308", "5e-324", "-5e-324", "2.2e-308",
                "1e-300", "1e300", "3", "0.5", "1e3", "\uff11"]  # fmt: skip
BAD_COUNTS = ["", "0", "-1", "1.5", "1e3", "abc", "nan", "9223372036854775808",
              "99999999999999999999", "1" * 5000, "-9223372036854775809"]  # fmt: skip
SMALL_COUNTS = ["1", "2", "3", "7"]
TOO_BIG = ["1000000000000", "100000001", "10000000000000000000000"]  # sizes refused
NUMBERS = st.sampled_from(BAD_NUMBERS + EDGE_NUMBERS) | st.text(max_size=12).filter(
    lambda s: "\x00" not in s
)
COUNTS = st.sampled_from(BAD_COUNTS + SMALL_COUNTS)  # never a large valid count (budgets)
SIZES = st.sampled_from(BAD_COUNTS + SMALL_COUNTS + TOO_BIG)
FLOAT_VALUES = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [5e-324, -5e-324, 1e308, -1e308, 1.7976931348623157e308, 2.2e-308, 0.0, -0.0]
)


@st.composite
def number_lists(draw, max_size=6):
    """'a,b,c' from floats at the edges of the float range (or a bad text)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(NUMBERS)
    vals = draw(st.lists(FLOAT_VALUES | st.integers(-3, 3).map(float), min_size=1,
                         max_size=max_size))  # fmt: skip
    return ",".join(repr(v) for v in vals)


@st.composite
def coeff_texts(draw):
    rows = draw(st.integers(1, 3))
    if rows == 1:
        return draw(number_lists(max_size=7))
    return ";".join(draw(number_lists(max_size=5)) for _ in range(rows))


# --- l0l1 run ---------------------------------------------------------------------------------

BASE = {  # a valid start per problem (small: every run takes milliseconds)
    "polynomial": {"--coeffs": "0,0,0,0,1", "--x0": "3"},
    "separable_polynomial": {"--coeffs": "0,0,1;0,0,0,0,1"},
    "exp": {"--dim": "2"},
    "cosh": {"--dim": "2"},
    "logcosh": {"--dim": "2"},
    "logistic": {"--a": "1,2"},
    "phase_retrieval": {"--m": "12", "--d": "3"},
    "online_phase_retrieval": {"--d": "3"},
    "zero_chain": {"--T": "4"},
    "zero_chain_sum": {"--n": "4", "--T": "3"},
    "z20_bowl": {},
}
# Which values each option gets when made bad, and the names its error may use.
OPTIONS = {
    "--coeffs": (coeff_texts(), ("coeffs", "coeff_rows", "unbounded below")),
    "--L1": (NUMBERS | number_lists(), ("L1",)),
    "--dim": (SIZES, ("dim",)),
    "--a": (number_lists(), ("a",)),
    "--L0": (NUMBERS, ("L0",)),
    "--m": (SIZES, ("m",)),
    "--d": (SIZES, ("d",)),
    "--problem-seed": (NUMBERS | COUNTS, ("seed", "problem_seed")),
    "--measurement-noise": (NUMBERS, ("noise",)),
    "--L": (NUMBERS, ("L",)),
    "--Delta": (
        st.sampled_from([*BAD_NUMBERS, "0", "-1", "1e-300", "0.01", "1e300"]),
        ("Delta",),
    ),
    "--T": (SIZES, ("T",)),
    "--sigma": (NUMBERS, ("sigma",)),
    "--n": (SIZES, ("n",)),
    "--c": (NUMBERS, ("c",)),
    "--omega": (NUMBERS, ("omega",)),
    "--eps": (NUMBERS, ("eps",)),
    "--seed": (NUMBERS | COUNTS, ("seed",)),
    "--budget": (COUNTS, ("budget",)),
    "--max-calls": (COUNTS | st.sampled_from(["9223372036854775807"]), ("max_calls",)),
    "--x0": (number_lists(), ("x0",)),
    "--noise": (
        st.sampled_from(
            [
                "exact",
                "bounded",
                "gaussian",
                "minibatch",
                "online",
                "bernoulli",
                "",
                "Bounded",
                "poisson",
            ]
        ),
        ("noise",),
    ),
    "--noise-level": (NUMBERS, ("noise_level", "noise-level")),
    "--batch": (COUNTS, ("batch",)),
    "--probe-every": (COUNTS, ("probe_every", "probe-every")),
    "--method": (
        st.sampled_from([*METHODS, "", "GD", "clipedgd", "spider-clip", "x:y"]),
        ("method",),
    ),
    "--problem": (
        st.sampled_from(
            [
                *PROBLEM_NAMES,
                "",
                "polynomal",
                "nonexistent_mod:f",
                "l0l1:__version__",
                "missing_file.py:f",
                ":",
                "a:",
            ]
        ),
        ("problem", "coeffs"),
    ),
}
SET_KEYS = ("gamma", "eta_c", "h", "eta", "eta_n", "beta", "L1", "L0", "tau", "q", "S1", "S2",
            "nope", "")  # fmt: skip
SET_VALUES = ["-1", "0", "nan", "inf", "abc", "", "1e308", "5e-324", "2", "1.5"]  # S1 <= 2


@st.composite
def run_argv(draw):
    problem = draw(st.sampled_from(PROBLEM_NAMES))
    opts = {"--problem": problem, **BASE[problem], "--method": draw(st.sampled_from(METHODS)),
            "--eps": draw(st.sampled_from(["0.1", "1e-3"])), "--budget": "20"}  # fmt: skip
    bad = draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=2, unique=True))
    for opt in bad:
        opts[opt] = draw(OPTIONS[opt][0])
    argv = ["run"]
    for opt, val in opts.items():
        argv += [opt, val] if not val.startswith("-") else [f"{opt}={val}"]
    if draw(st.booleans()):
        key, val = draw(st.sampled_from(SET_KEYS)), draw(st.sampled_from(SET_VALUES))
        argv += ["--set", f"{key}={val}"]
        bad.append("--set")
    names = [n for opt in bad for n in OPTIONS.get(opt, (None, ("set", "override")))[1]]
    if draw(st.integers(0, 9)) == 0:
        extra = draw(st.sampled_from(["--json", "--trace", "--bogus", "extra", "--json"]))
        argv.append(extra)
        names.append(extra)
    return argv, [n for n in names if n] + [opts[o] for o in bad if opts.get(o)]


@fuzz(70)
@given(case=run_argv())
def test_fuzz_run(case):
    argv, names = case
    with workdir() as tmp:
        o = call(l0l1_main, argv, Path(tmp))
    check(o, names if len(names) else ())
    if o.code == 0 and "--json" in argv and "--bogus" not in argv:
        json.loads(o.out)


# Explicit edge classes: the field and the value are named, nothing runs for long.
EDGES = [
    (["run", "--coeffs", "0,0,0,0,1e308", "--method", "clipped_gd", "--eps", "1e-3", "--x0",
      "3"], "coeffs: [0.0, 0.0, 0.0, 0.0, 1e+308] gives L0 = 1.6e+309"),
    (["run", "--coeffs", "0,0,0,0,1e307", "--method", "gd", "--x0", "3"],
     "x0: [3.0] gives Delta = f(x0) - f* = 8.1e+308"),
    (["run", "--coeffs", "0,0,-1e308,0,1", "--L1", "1e300", "--x0", "3"], "coeffs:"),
    (["run", "--problem", "exp", "--dim", "1000000000000"],
     "dim: 1000000000000 needs 8.0 TB per vector; allowed: an integer in 1..100000000"),
    (["run", "--problem", "cosh", "--dim", "100000001"], "dim: 100000001 needs 800.0 MB"),
    (["run", "--problem", "phase_retrieval", "--m", "100000", "--d", "10000"],
     "m: 100000 measurements in dimension d = 10000 needs a 100000 x 10000 array (8.0 GB)"),
    (["run", "--problem", "online_phase_retrieval", "--d", "20000"], "d: 20000 (its Hessians)"),
    (["run", "--problem", "zero_chain", "--T", "1000000000000"], "T: 1000000000000 needs 8.0 TB"),
    (["run", "--problem", "zero_chain", "--Delta", "1e300", "--eps", "1e-10"],
     "Delta: 1e+300 gives a chain of length T = inf"),
    (["run", "--problem", "zero_chain_sum", "--n", "100000000", "--T", "1000"],
     "n: 100000000 components of dimension T = 1000 needs a 100000000 x 1000 array"),
    (["run", "--coeffs", "0,0,0,0,1", "--budget", "99999999999999999999"],
     "budget: 99999999999999999999 is not allowed; allowed: an integer in 1..9223372036854775807"),
    (["run", "--coeffs", "0,0,0,0,1", "--max-calls", "9223372036854775808"], "max_calls:"),
    (["run", "--coeffs", "0,0,0,0,1", "--method", "sgd", "--batch", "1" * 30], "batch:"),
    (["run", "--coeffs", ",".join(["1"] * 66)], "coeffs: degree 65 (66 coefficients)"),
    (["constants", "--coeffs", "0,0,0,0,1e308"], "coeffs: [0.0, 0.0, 0.0, 0.0, 1e+308] gives L0"),
    (["constants", "--coeffs", "0,0,0,0,1", "--L1", "5e-324"], "gives L0"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), EDGES)
def test_edges_are_one_line(argv, message, tmp_path):
    o = call(l0l1_main, argv, tmp_path)
    check(o)
    assert o.code == 2 and message in o.err, o.err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--coeffs", "0,0,0,0,1e200", "--method", "gd", "--eps", "1e-3", "--x0", "3",
         "--budget", "50"],
        ["run", "--coeffs", "0,0,0,0,1", "--eps", "5e-324", "--budget", "50", "--x0", "3"],
        ["run", "--coeffs", "0,0,0,0,1", "--x0", "1e70", "--budget", "50", "--method", "gd"],
        ["run", "--problem", "exp", "--dim", "3", "--x0", "700,700,700", "--budget", "5"],
        ["constants", "--coeffs", "0,0,0,0,1e300", "--L1", "1e-3,1e300"],
    ],
)  # fmt: skip
def test_edges_that_run(argv, tmp_path):
    """Numbers at the edges that are valid: outcomes (reached, not reached, diverged) are
    data, with exit status 0."""
    o = call(l0l1_main, argv, tmp_path)
    check(o)
    assert o.code == 0, o.err


def test_zero_bound_summary(tmp_path):
    """A bound of 0 iterations (a constant polynomial, or subnormal coefficients: Delta = 0):
    the summary divided by it (ZeroDivisionError)."""
    for coeffs in ("5e-324,0,5e-324", "10"):
        argv = ["run", "--coeffs", coeffs, "--budget", "50", "--method", "gd"]
        o = call(l0l1_main, argv, tmp_path)
        check(o)
        assert o.code == 0, o.err


# --- l0l1 constants ---------------------------------------------------------------------------


@fuzz(40)
@given(coeffs=coeff_texts(), l1=st.none() | number_lists(max_size=3), js=st.booleans())
def test_fuzz_constants(coeffs, l1, js):
    argv = ["constants", f"--coeffs={coeffs}"] + ([f"--L1={l1}"] if l1 is not None else [])
    argv += ["--json"] if js else []
    with workdir() as tmp:
        o = call(l0l1_main, argv, Path(tmp))
    check(o, ("coeffs", "L1", coeffs, l1 or "L1"))
    if o.code == 0 and js:
        for row in json.loads(o.out):
            assert row["L0_lo"] <= row["L0_hi"]


@fuzz(30)
@given(
    coeffs=st.sampled_from(["0,0,0,0,1", "1,0,1", "0,0,0,0,1e308"]) | coeff_texts(),
    pair=st.none() | number_lists(max_size=3),
    region=st.none() | NUMBERS,
    x0=st.none() | number_lists(max_size=2),
    js=st.booleans(),
)
def test_fuzz_constants_audit(coeffs, pair, region, x0, js):
    argv = ["constants", "--audit", f"--coeffs={coeffs}"]
    argv += [f"--pair={pair}"] if pair is not None else []
    argv += [f"--region={region}"] if region is not None else []
    argv += [f"--x0={x0}"] if x0 is not None else []
    argv += ["--json"] if js else []
    with workdir() as tmp:
        o = call(l0l1_main, argv, Path(tmp))
    check(o, ("coeffs", "pair", "L0", "L1", "region", "x0", coeffs))
    if o.code == 0 and js:
        assert isinstance(json.loads(o.out)["violated"], bool)


# --- l0l1 sweep -------------------------------------------------------------------------------

BASE_SPEC = {
    "name": "fuzz",
    "description": "fuzzed",
    "eps": [0.3],
    "seeds": 1,
    "checkpoints": 5,
    "budget": {"max_iter": 20, "max_calls": 0},
    "problems": [{"name": "polynomial", "label": "x4", "params": {"coeffs": [0, 0, 0, 0, 1]},
                  "x0": [3.0], "grid": {"L1": [1.0, 2.0]}}],
    "methods": [{"name": "clipped_gd", "overrides": {"gamma": 1.0}},
                {"name": "sgd", "noise": "bounded", "noise_level": 0.1, "batch": 1,
                 "grid": {"probe_every": [1, 2]}}],
}  # fmt: skip
# Keys whose valid values are counts: never given a large valid count here (a sweep of
# 10**9 seeds or a batch of 10**12 would run for ever). Counts beyond int64 and huge counts
# are tests of their own below (test_sweep_counts_are_bounded).
COUNT_KEYS = {"seeds", "checkpoints", "batch", "n0", "probe_every", "max_iter", "q", "S1",
              "S2", "dim", "d", "m", "n", "T"}  # fmt: skip
TOML_SCALARS = [None, True, False, 0, -1, 1, 2, 3, 0.0, -0.0, -1.5, 5e-324, 1e308, -1e308,
                math.inf, -math.inf, math.nan, "", "x", "polynomial", "gd", "bounded", "0.1",
                [], {}, [1], [0.1, 0.1], [[3.0]], {"a": 1}, ["a", 1], [math.nan]]  # fmt: skip
TOML_COUNTS = [None, True, 0, -1, 1, 2, 1.5, math.nan, "", "3", [], {}, [1, 1], [-1]]


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, list):  # TOML has no null: a None element is left out
        return "[" + ", ".join(toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()
                               if x is not None) + "}"  # fmt: skip
    raise TypeError(v)


def to_toml(spec: dict) -> str:
    """TOML text of a dict (top-level keys; tables and arrays of tables inline); None: absent."""
    return "".join(f"{toml_value(str(k))} = {toml_value(v)}\n" for k, v in spec.items()
                   if v is not None)  # fmt: skip


def paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, (*prefix, i))


def get_parent(obj, path):
    for key in path[:-1]:
        obj = obj[key]
    return obj


@st.composite
def sweep_specs(draw):
    spec = copy.deepcopy(BASE_SPEC)
    touched = []
    for _ in range(draw(st.integers(1, 3))):
        all_paths = [p for p in paths(spec) if p]
        path = draw(st.sampled_from(all_paths))
        parent = get_parent(spec, path)
        key = path[-1]
        kind = draw(st.sampled_from(["replace", "replace", "delete", "unknown"]))
        named = next((str(k) for k in reversed(path) if isinstance(k, str)), "spec")
        if kind == "delete":
            if isinstance(parent, list):
                parent.pop(key)
            else:
                del parent[key]
        elif kind == "unknown" and isinstance(parent, dict):
            named = draw(st.sampled_from(["nmae", "esp", "seed", "grid2", "x", "\u00e9", "", " "]))
            parent[named] = copy.deepcopy(draw(st.sampled_from(TOML_SCALARS[:12])))
        else:
            counts = any(isinstance(k, str) and k in COUNT_KEYS for k in path)
            pool = TOML_COUNTS if counts else TOML_SCALARS
            parent[key] = copy.deepcopy(draw(st.sampled_from(pool)))
        touched.append(named)
    return spec, touched


@fuzz(50)
@given(case=sweep_specs(), dry=st.booleans())
def test_fuzz_sweep(case, dry):
    spec, _ = case
    with workdir() as tmp:
        (Path(tmp) / "spec.toml").write_text(to_toml(spec), encoding="utf-8")
        argv = ["sweep", "spec.toml", "--store", "runs.sqlite", "--backend", "serial", "--quiet"]
        o = call(l0l1_main, [*argv, "--dry-run"] if dry else argv, Path(tmp))
    check(o, files_ok=("runs.sqlite",))
    if o.code == 0 and not dry:
        assert "runs.sqlite" in o.after


@fuzz(25)
@given(text=st.text(max_size=200) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_fuzz_sweep_raw_text(text):
    """Any file content: TOML syntax errors, wrong types, nothing at all."""
    with workdir() as tmp:
        (Path(tmp) / "spec.toml").write_text(text, encoding="utf-8")
        o = call(l0l1_main, ["sweep", "spec.toml", "--backend", "serial", "--quiet"], Path(tmp))
    check(o, ("spec", "eps", "seeds", "problems", "methods", "name"))


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("eps = [0.3]\nseeds = 1\nproblems = []\nmethods = [{name = 'gd'}]\n", "problems: []"),
        ("eps = []\nseeds = 1\n", "eps: [] is empty"),
        ("eps = [inf]\nseeds = 1\n", "eps[0]: inf"),
        ("eps = [nan]\nseeds = 1\n", "eps[0]: nan"),
        ("eps = [5e-324]\nseeds = 0\n", "seeds: 0"),
        ("eps = 0.3\nseeds = 1\nproblems = [{name = 'polynomial', params = {coeffs = [0, 0, 0, "
         "0, 1e308]}}]\nmethods = [{name = 'gd'}]\n", "problems[0]: coeffs:"),
        ("eps = 0.3\nseeds = 1\nproblems = [{name = 'exp', params = {dim = 1000000000000}}]\n"
         "methods = [{name = 'gd'}]\n", "problems[0]: dim: 1000000000000 needs 8.0 TB"),
        ("eps = 0.3\nseeds = 1\nproblems = [{name = 'polynomial', params = {coeffs = [0, 0, 1]},"
         " grid = {L1 = []}}]\nmethods = [{name = 'gd'}]\n", "problems[0].grid.L1: [] is empty"),
    ],
)  # fmt: skip
def test_sweep_edges(toml, field, tmp_path):
    (tmp_path / "s.toml").write_text(toml)
    o = call(l0l1_main, ["sweep", "s.toml", "--backend", "serial", "--quiet"], tmp_path)
    check(o)
    assert o.code == 2 and field in o.err, o.err


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--store", "."], "store: '.' is a directory"),
        (["--store", "missing/dir/r.sqlite"], "store: 'missing/dir/r.sqlite' is in a directory"),
        (["--export-csv", "missing/x.csv"], "export_csv: 'missing/x.csv' is in a directory"),
        (["--export-csv", "."], "export_csv: '.' is a directory"),
        (["--workers", "0"], "workers: 0"),
        (["--workers", "x"], "--workers"),
        (["--backend", "threads"], "--backend"),
        (["--scheduler", "tcp://127.0.0.1:1", "--backend", "serial"], "scheduler:"),
    ],
)
def test_sweep_cli_options(extra, field, tmp_path):
    (tmp_path / "s.toml").write_text(to_toml(BASE_SPEC))
    o = call(l0l1_main, ["sweep", "s.toml", "--quiet", "--backend", "serial", *extra], tmp_path)
    check(o)
    assert o.code == 2 and field in o.err, o.err


def test_sweep_spec_file_missing(tmp_path):
    o = call(l0l1_main, ["sweep", "missing.toml"], tmp_path)
    check(o)
    assert "spec: 'missing.toml' does not exist" in o.err


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("dir.toml", "spec: 'dir.toml' is a directory"),
        ("bin.toml", "spec: 'bin.toml' is not UTF-8"),
    ],
)
def test_sweep_spec_file_not_text(name, field, tmp_path):
    (tmp_path / "dir.toml").mkdir()
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00eps")
    o = call(l0l1_main, ["sweep", name], tmp_path)
    check(o)
    assert field in o.err


HUGE = [
    ("seeds = 1000000000", "seeds:"),  # a billion tasks: memory, then hours of hashing
    ("seeds = 100000000000000000000", "seeds:"),  # beyond a C ssize_t
    ("seeds = [0, 9223372036854775808]", "seeds[1]:"),  # beyond int64 (the seed's kernels)
    ("checkpoints = 1000000000000", "checkpoints:"),  # np.logspace of 10**12 points
    ("budget = {max_iter = 100000000000000000000}", "budget.max_iter:"),  # int64 in the kernel
]


@pytest.mark.parametrize(("line", "field"), HUGE)
def test_sweep_counts_are_bounded(line, field, tmp_path):
    """Huge grids and counts: refused by the spec before anything is expanded. Run in a
    subprocess with 2 GB of address space and a timeout (the unfixed code exhausts both)."""
    spec = {k: v for k, v in BASE_SPEC.items() if k != line.split(" ")[0]}
    (tmp_path / "s.toml").write_text(line + "\n" + to_toml(spec))
    proc = cli_subprocess(["sweep", "s.toml", "--backend", "serial", "--quiet", "--dry-run"],
                          tmp_path, memory=2 * 2**30, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr[-2000:]
    assert field in proc.stderr


# --- l0l1 demo --------------------------------------------------------------------------------


@fuzz(25)
@given(
    name=st.none() | st.sampled_from(["clipping", "frontier", "variance", "", "Clipping",
                                      "clip", "../x"]) | st.text(max_size=10),
    out=st.sampled_from(["afile", "afile/sub", "x" * 300, "ro/../afile", "afile/..", "afile/."]),
    listing=st.booleans(),
)  # fmt: skip
def test_fuzz_demo(name, out, listing):
    """Unknown names and unusable --out directories fail before anything is drawn."""
    assume(not name or "\x00" not in name)
    argv = ["demo"] + ([name] if name is not None else []) + ["--out", out]
    argv += ["--list"] if listing else []
    with workdir() as tmp:
        Path(tmp, "afile").write_text("keep")
        o = call(l0l1_main, argv, Path(tmp))
    check(o, ("demo", "out", "NAME", "name", *([name] if name else [])))


# --- python -m proofs_check frontier ----------------------------------------------------------


JUNK = ["e308", "**", "(", ")", "x**99", "y", "__import__", "\u00e9", "1e3", "//", "**-1", "^^",
        "nan", "/0"]  # fmt: skip


@st.composite
def poly_texts(draw):
    """Polynomial text from the grammar (numbers, x, + - * / ** ^, parentheses), sometimes
    with junk spliced in."""

    def expr(depth):
        leaf = st.sampled_from(["x", "1", "2", "0", "3/4", ".5", "2.5", "10", "0.000001",
                                "123456789012345678901234567890"])  # fmt: skip
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return draw(leaf)
        kind = draw(st.sampled_from(["+", "-", "*", "/", "**", "()", "neg"]))
        if kind == "**":
            return f"({expr(depth - 1)})**{draw(st.sampled_from(['0', '1', '2', '3', '7']))}"
        if kind == "()":
            return f"({expr(depth - 1)})"
        if kind == "neg":
            return f"-{expr(depth - 1)}"
        return f"{expr(depth - 1)} {kind} {expr(depth - 1)}"

    text = expr(3)
    if draw(st.integers(0, 3)) == 0:
        junk = draw(st.sampled_from(JUNK))
        at = draw(st.integers(0, len(text)))
        text = text[:at] + junk + text[at:]
    return text


@fuzz(40)
@given(
    poly=poly_texts(),
    l1=st.sampled_from(
        ["1", "2", "0", "-1", "1/0", "abc", "", "0.5", "3/4", "1e3", "x", "100000000000000000000"]
    ),
)
def test_fuzz_proofs_check_frontier(poly, l1):
    argv = ["frontier", poly, f"--L1={l1}"]
    with workdir() as tmp:
        o = call(proofs_main, argv, Path(tmp))
    check(o, ("polynomial", "L1"), codes=(0, 2), prefix="proofs_check frontier: ")


@pytest.mark.parametrize(
    "argv",
    [["frontier"], ["frontier", "x**4"], ["frontier", "--L1", "1"], ["--bogus"],
     ["frontier", "x", "--L1", "1", "extra"], ["--only"]],
)  # fmt: skip
def test_proofs_check_usage_is_one_line(argv, tmp_path):
    prefix = "proofs_check frontier: " if argv[0] == "frontier" else "proofs_check: "
    o = call(proofs_main, argv, tmp_path)
    check(o, codes=(2,), prefix=prefix)


# --- the Python API ---------------------------------------------------------------------------

ODD_VALUES = [2**63, 10**12, -(2**63) - 1, 10**30, b"x", object(), np.nan, np.float32(1.5),
              np.int64(3), np.array([1.0, 2.0])]  # fmt: skip


def api_values(odd):
    return st.recursive(
        st.none() | st.booleans() | st.integers(-3, 6) | FLOAT_VALUES | st.text(max_size=4)
        | st.sampled_from(odd),
        lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2),
        max_leaves=6,
    )  # fmt: skip


API_VALUES = api_values([*ODD_VALUES, np.zeros((2, 2))])
RUN_VALUES = api_values([*ODD_VALUES, np.zeros((2, 2))])
FIELD = re.compile(r"^[^\n:]{1,120}: \S[^\n]*$")


def _builders():
    import inspect

    from l0l1.problems.catalog import PROBLEMS

    return {n: tuple(inspect.signature(PROBLEMS[n]).parameters) for n in PROBLEM_NAMES}


def api_error_ok(err: Exception) -> None:
    assert isinstance(err, ValueError), f"{type(err).__name__}: {err}"
    assert FIELD.match(str(err)), f"not one line naming a field: {str(err)!r}"


@st.composite
def problem_params(draw):
    builders = _builders()
    name = draw(st.sampled_from(PROBLEM_NAMES))
    keys = draw(st.lists(st.sampled_from([*builders[name], "bogus"]), max_size=3, unique=True))
    params = {k: draw(API_VALUES) for k in keys}
    return name, params


@fuzz(70)
@given(case=problem_params())
def test_fuzz_make_problem(case):
    from l0l1 import make_problem

    name, params = case
    # Chains and phase retrieval of a valid but large size are legitimate (and slow): the
    # integer values drawn are small or beyond the caps, so each build stays cheap.
    with hang_guard():
        try:
            prob = make_problem(name, **params)
        except Exception as err:
            api_error_ok(err)
            return
    assert prob.dim >= 1


_FIXED: dict = {}


def fixed_problem(which: str):
    from l0l1 import make_problem

    if which not in _FIXED:
        _FIXED[which] = {
            "x4": lambda: make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0),
            "x4_free": lambda: make_problem("polynomial", coeffs=[0, 0, 0, 0, 1]),
            "exp": lambda: make_problem("exp", dim=2),
            "chain": lambda: make_problem("zero_chain", eps=0.1, T=3),
            "sum": lambda: make_problem("phase_retrieval", m=6, d=2),
        }[which]()
    return _FIXED[which]


SMALL_INTS = st.sampled_from([None, 0, -1, 1, 3, 1.5, "3", True, 2**63, math.nan, [1]])
RUN_KWARGS = {
    "eps": RUN_VALUES,
    "x0": RUN_VALUES,
    "seed": RUN_VALUES,
    "max_iter": SMALL_INTS,
    "max_calls": SMALL_INTS,
    "noise": st.sampled_from(
        [None, "exact", "bounded", "gaussian", "minibatch", "online", "bernoulli", "", 3]
    ),
    "noise_level": RUN_VALUES,
    "batch": SMALL_INTS,
    "n0": SMALL_INTS,
    "probe_every": SMALL_INTS,
    "overrides": st.none()
    | st.dictionaries(
        st.sampled_from(SET_KEYS),
        st.sampled_from([-1, 0, 2, 1.5, math.nan, math.inf, "a", None, 1e308]),
        max_size=2,
    ),
    "checkpoints": st.sampled_from([None, 1, 5]),  # bad ones: test_run_api_messages_one_line
}


@fuzz(70)
@given(
    which=st.sampled_from(["x4", "x4_free", "exp", "chain", "sum"]),
    method=st.sampled_from([*METHODS, "nope", "", None, 3]),
    kwargs=st.fixed_dictionaries({}, optional=RUN_KWARGS),
)
def test_fuzz_run_api(which, method, kwargs):
    from l0l1 import run

    kwargs = {k: v for k, v in kwargs.items() if v is not None or k in ("x0", "noise")}
    kwargs.setdefault("max_iter", 20)
    kwargs.setdefault("eps", 0.1)
    with hang_guard():
        try:
            res = run(fixed_problem(which), method, **kwargs)
        except Exception as err:
            api_error_ok(err)
            return
    assert res.status in ("reached", "not reached", "diverged")


CHECK_KWARGS = {  # l0l1.check_constants (issue 29): small counts keep each search cheap
    "region": RUN_VALUES,
    "x0": RUN_VALUES,
    "samples": SMALL_INTS,
    "starts": SMALL_INTS,
    "steps": SMALL_INTS,
    "seed": SMALL_INTS,
    "hessian": st.sampled_from(["auto", "hvp", "differences", "", 3]),
}


@fuzz(50)
@given(
    which=st.sampled_from(["x4", "exp"]),
    L0=RUN_VALUES,
    L1=RUN_VALUES,
    kwargs=st.fixed_dictionaries({}, optional=CHECK_KWARGS),
)
def test_fuzz_check_constants(which, L0, L1, kwargs):
    from l0l1 import check_constants

    kwargs = {k: v for k, v in kwargs.items() if v is not None or k in ("region", "x0")}
    kwargs.setdefault("samples", 50)
    kwargs.setdefault("steps", 5)
    with hang_guard():
        try:
            res = check_constants(fixed_problem(which), L0, L1, **kwargs)
        except Exception as err:
            api_error_ok(err)
            return
    assert isinstance(res.violated, bool)
    assert res.violated == (res.x is not None)


@pytest.mark.parametrize(
    "kwargs",
    [{"x0": [None, np.zeros((2, 2))]}, {"checkpoints": -1}, {"checkpoints": 1.5},
     {"checkpoints": 10**12}, {"noise_level": np.zeros((2, 2))}],
)  # fmt: skip
def test_run_api_messages_one_line(kwargs):
    from l0l1 import run

    with hang_guard(30), pytest.raises(ValueError) as err:
        run(fixed_problem("x4"), "gd", eps=0.1, max_iter=20, **kwargs)
    api_error_ok(err.value)


@fuzz(70)
@given(constants=API_VALUES)
def test_fuzz_with_constants(constants):
    """A pair (L0, L1) of finite numbers >= 0 or a Constants is taken; all else is one line."""
    prob = fixed_problem("x4")
    try:
        out = prob.with_constants(constants)
    except Exception as err:
        api_error_ok(err)
        return
    c = out.constants
    assert math.isfinite(c.L0) and math.isfinite(c.L1) and min(c.L0, c.L1) >= 0
    assert not c.certified


SYMPY_VALUES = api_values([*ODD_VALUES, np.array([0.5])])


@fuzz(30)
@given(
    expr=st.sampled_from(["x**4 - x**2", "cosh"]),
    kwargs=st.fixed_dictionaries(
        {}, optional={k: SYMPY_VALUES for k in ("f_star", "name", "x0", "L1")}
    ),
)
def test_fuzz_from_sympy(expr, kwargs):
    """from_sympy's options (f_star, name, x0, L1): a problem or a one-line ValueError."""
    import sympy as sp

    from l0l1.problems.base import Problem

    x = sp.Symbol("x")
    expr = sp.cosh(x) if expr == "cosh" else expr
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with hang_guard():
        try:
            prob = Problem.from_sympy(expr, ["x"], **kwargs)
        except Exception as err:
            api_error_ok(err)
            return
    assert prob.dim == 1 and prob.name
    assert "f_star" not in kwargs or prob.f_star <= float(kwargs["f_star"]) + 1e-9


# --- user functions (explicit cases: each compiles with Numba, seconds each) ------------------


def _raises(x):
    raise RuntimeError("boom")


def _nan_value(x):
    return np.nan


def _grad_shape(x):
    return np.zeros(x.size + 1)


def _grad_nan(x):
    return x * np.nan


def _uncompilable(x):
    return {"a": x}["b"].sum() + object()


def _value(x):
    return np.sum(x**4)


def _grad(x):
    return 4 * x**3


@pytest.mark.parametrize(
    ("value", "grad", "field"),
    [
        (_raises, _grad, "value: _raises raised RuntimeError: boom"),
        (_nan_value, _grad, "value: returned nan"),
        (_value, _grad_shape, "grad: returned shape (3,)"),
        (_value, _grad_nan, "grad: returned non-finite entries"),
        (_uncompilable, _grad, "value: Numba cannot compile _uncompilable"),
    ],
)
def test_user_functions_refused_in_one_line(value, grad, field):
    from l0l1.problems.base import Problem, ProblemError

    with pytest.raises(ProblemError) as err:
        Problem.from_functions(value, grad, dim=2)
    assert "\n" not in str(err.value)
    assert field in str(err.value), str(err.value)


def test_user_problem_dim_refused_before_compiling():
    from l0l1.problems.base import Problem, ProblemError

    with pytest.raises(ProblemError, match=r"^dim: 1000000000000 needs"):
        Problem.from_functions(_value, _grad, dim=10**12)


# --- a handful of real subprocesses ---------------------------------------------------------


def cli_subprocess(args, cwd, *, module="l0l1", memory=None, fsize=None, timeout=120, env=None):
    """The real console entry (``l0l1 ...`` or ``python -m proofs_check ...``) in a child."""
    import resource

    code = ("import sys; from l0l1.cli import main; sys.exit(main())" if module == "l0l1"
            else "import runpy; runpy.run_module('proofs_check', run_name='__main__')")  # fmt: skip

    def limits():
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if fsize:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
                **(env or {})}  # fmt: skip
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limits, env=full_env)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "module", "message"),
    [
        (["run", "--coeffs", "0,0,0,0,1e308", "--method", "clipped_gd", "--eps", "1e-3",
          "--x0", "3"], "l0l1", "l0l1: error: coeffs:"),
        (["run", "--problem", "exp", "--dim", "1000000000000"], "l0l1",
         "l0l1: error: dim: 1000000000000 needs 8.0 TB per vector"),
        (["sweep", str(ROOT / "examples" / "sweep_online.toml"), "--store", "notdb.sqlite"],
         "l0l1", "l0l1: error: store: 'notdb.sqlite' is not an SQLite file"),
        (["frontier", "x**4"], "proofs_check", "proofs_check frontier: the following"),
        (["frontier", "x**4 +", "--L1", "1"], "proofs_check", "proofs_check frontier: polynomial:"),
    ],
)  # fmt: skip
def test_subprocess_one_line(args, module, message, tmp_path):
    (tmp_path / "notdb.sqlite").write_text("not a database\n")
    before = snapshot(tmp_path)
    proc = cli_subprocess(args, tmp_path, module=module, memory=4 * 2**30)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr[-3000:]
    assert proc.stderr.startswith(message), proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(tmp_path) == before


def test_subprocess_edge_run_succeeds(tmp_path):
    proc = cli_subprocess(["run", "--coeffs", "0,0,0,0,1e200", "--method", "gd", "--eps", "1e-3",
                           "--x0", "3", "--budget", "100", "--json"], tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    rec = json.loads(proc.stdout)
    assert rec["status"] in ("reached", "not reached", "diverged")
    assert math.isfinite(rec["M"]) and rec["M"] > 1e201


def test_input_error_is_value_error():
    assert issubclass(InputError, ValueError)
