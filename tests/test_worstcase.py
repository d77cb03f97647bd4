"""Worst-case search (THEORY T8): the anchor 4/(3N), witnesses re-checked independently of
the search code (mpmath on the pieces, the methods' steps in plain NumPy), false
witnesses refused, and the CLI."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math

import mpmath
import numpy as np
import pytest

from l0l1.cli import main
from l0l1.worstcase import WorstCase, worstcase
from l0l1.worstcase.certify import certify


@pytest.mark.parametrize("N", [1, 2, 5])
def test_anchor_gd_step_one_over_L(N):
    """L1 = 0, L = L0 = 1, GD with h = 1/L: PEPit's tight tau = 4/(3N) (T8)."""
    wc = worstcase("gd", 1.0, 0.0, N, overrides={"h": 1.0})
    assert wc.tau == pytest.approx(4 / (3 * N), rel=1e-4)
    lo, hi = certify(wc).tau
    assert lo <= 4 / (3 * N) * (1 + 1e-9) and hi >= 4 / (3 * N) * (1 - 1e-4)


def test_shorter_gd_step_is_not_worse_than_the_anchor_says():
    """h = 1/(2L) (Z20 Thm 6 at L1 = 0): each step is half as long; tau must come out larger
    than the 1/L anchor (smaller steps decrease less)."""
    wc = worstcase("gd", 1.0, 0.0, 5)
    assert wc.params["h"] == 0.5
    assert wc.tau > 4 / 15


# --- an independent re-check: mpmath on the pieces, the step rules in plain NumPy --------


def _steps_numpy(method, L0, L1, M, eps):
    """h(g) of the methods, written from THEORY T3 (not from l0l1)."""
    if method == "gd":
        return lambda g: 1 / (2 * (L0 + L1 * M))
    eta_c = 1 / (10 * L0)
    gamma = min(10 * L0, L0 / L1) if L1 > 0 else 10 * L0
    if method == "clipped_gd":
        return lambda g: min(eta_c, gamma * eta_c / g)
    if method == "normalized_gd":
        return lambda g: gamma * eta_c / (g + gamma)
    if method == "v24_si":
        return lambda g: 1 / (L0 + 1.5 * L1 * g)
    if method == "smoothed_clip":
        nu = float(mpmath.lambertw(1).real)
        return lambda g: nu / (2 * (L0 + L1 * g))
    raise AssertionError(method)


def _mp_eval(rows, L0, L1, x):
    """(f, f') of the witness at x with mpmath (50 digits), from the listed piece starts."""
    mpmath.mp.dps = 50
    starts = [r["x"][0] for r in rows]
    i = max(k for k, a in enumerate(starts) if a == "-inf" or a <= x)
    r = rows[i]
    if r["x"][0] == "-inf":
        return mpmath.mpf(r["f"]), mpmath.mpf(r["g"])
    t = mpmath.mpf(x) - mpmath.mpf(r["x"][0])
    g, s = mpmath.mpf(r["g"]), mpmath.mpf(r["sigma"])
    z = 1 if (g > 0 or (g == 0 and s >= 0)) else -1
    q = L0 + L1 * z * g
    c = z * s * L1
    if c == 0:
        return r["f"] + g * t + s * q * t * t / 2, g + s * q * t
    return r["f"] + g * t + s * q * (mpmath.expm1(c * t) - c * t) / c**2, g + s * q * mpmath.expm1(
        c * t
    ) / c


def _recheck(out, method):
    """Contiguity, |sigma| <= 1, C^1 joins, the iterates' values and the method's steps."""
    L0, L1, rows = out["L0"], out["L1"], out["pieces"]
    scale = max(1.0, out["M"])
    for prev, row in itertools.pairwise(rows):
        assert prev["x"][1] == row["x"][0]
        assert abs(row["sigma"]) <= 1
        if prev["x"][0] == "-inf":
            continue
        f, g = _mp_eval([prev], L0, L1, row["x"][0])
        assert abs(f - row["f"]) <= 1e-9 * scale and abs(g - row["g"]) <= 1e-9 * scale
    step = _steps_numpy(method, L0, L1, out["M"], out["eps"])
    its = out["iterates"]
    for k, it in enumerate(its):
        f, g = _mp_eval(rows, L0, L1, it["x"])
        assert abs(g - it["g"]) <= 1e-9 * scale and abs(f - it["f"]) <= 1e-9 * scale
        if k + 1 < len(its):
            x_next = it["x"] - step(abs(float(g))) * float(g)
            assert x_next == pytest.approx(its[k + 1]["x"], rel=1e-12, abs=1e-12)
    return its


@pytest.mark.parametrize(
    "method, L1, M", [("gd", 1.0, 5.0), ("clipped_gd", 2.0, 30.0), ("normalized_gd", 0.5, None),
                      ("v24_si", 3.0, 10.0), ("smoothed_clip", 1.0, 2.0)],
)  # fmt: skip
def test_tau_witness_rechecked_independently(method, L1, M):
    wc = worstcase(method, 1.0, L1, 4, M=M, starts=3, grid=24)
    out = json.loads(json.dumps(wc.to_dict()))
    its = _recheck(out, method)
    g = np.array([it["g"] for it in its])
    tau = np.min(g**2) / (its[0]["f"] - its[-1]["f"])
    assert tau == pytest.approx(out["tau"], rel=1e-9)
    assert certify(wc).ok


@pytest.mark.parametrize("method", ["gd", "clipped_gd", "v24_si"])
def test_eps_witness_rechecked_and_within_delta(method):
    wc = worstcase(method, 1.0, 1.0, 5000, Delta=1.0, eps=0.2, starts=4, grid=24)
    out = json.loads(json.dumps(wc.to_dict()))
    its = _recheck(out, method)
    assert all(abs(it["g"]) > 0.2 for it in its[:-1]) and abs(its[-1]["g"]) <= 0.2
    assert out["pieces"][0]["x"][0] == "-inf" and out["pieces"][-1]["x"][1] == "inf"
    fmin = min(r["f"] for r in out["pieces"])  # f is monotone on every piece here
    assert its[0]["f"] - fmin <= 1.0
    assert out["iterations"] == len(its) - 1 > 0
    cert = certify(wc)
    assert cert.ok, cert.failures


def _tampered(wc, **change):
    from dataclasses import replace

    return replace(wc, **change)


def test_certificate_refuses_false_witnesses():
    """False siblings: a rate above 1, a gradient off the function, a step the method
    would not take, an eps-measure final gradient above eps."""
    wc = worstcase("gd", 1.0, 1.0, 3, M=2.0, starts=1, grid=16)
    assert certify(wc).ok
    rows = list(wc.pieces)
    a, b, f, g, _ = rows[1]
    assert not certify(_tampered(wc, pieces=(*rows[:1], (a, b, f, g, 1.5), *rows[2:]))).ok
    bad_g = wc.g.copy()
    bad_g[1] *= 1 + 1e-6
    assert not certify(_tampered(wc, g=bad_g)).ok
    bad_x = wc.x.copy()
    bad_x[2] += 1e-3
    assert not certify(_tampered(wc, x=bad_x)).ok
    we = worstcase("gd", 1.0, 1.0, 100, Delta=1.0, eps=0.3, starts=2, grid=16)
    assert certify(we).ok
    assert not certify(_tampered(we, eps=abs(float(we.g[-1])) / 2)).ok
    assert not certify(_tampered(we, Delta=we.drop / 2)).ok


def test_result_is_frozen_and_json_ready():
    wc = worstcase("clipped_gd", 1.0, 1.0, 2, M=3.0, starts=1, grid=16)
    assert isinstance(wc, WorstCase)
    with pytest.raises(AttributeError):
        wc.tau = 0.0
    out = json.loads(json.dumps(wc.to_dict()))
    assert set(out["pieces"][0]) == {"x", "f", "g", "sigma"}


def _cli(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_certificate():
    code, out, err = _cli(["worstcase", "--method", "gd", "--L0", "1", "--L1", "0", "--steps",
                           "2", "--set", "h=1", "--json"])  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["certificate"]["ok"] and data["tau"] == pytest.approx(2 / 3, rel=1e-9)


@pytest.mark.parametrize(
    "argv, field",
    [
        (["--method", "nope", "--L0", "1", "--L1", "0", "--steps", "2"], "method"),
        (["--method", "sgd", "--L0", "1", "--L1", "0", "--steps", "2"], "method"),
        (["--method", "gd", "--L0", "0", "--L1", "0", "--steps", "2"], "L0"),
        (["--method", "gd", "--L0", "1", "--L1", "-1", "--steps", "2"], "L1"),
        (["--method", "gd", "--L0", "1", "--L1", "0", "--steps", "0"], "steps"),
        (["--method", "gd", "--L0", "1", "--L1", "0", "--steps", "2.5"], "steps"),
        (["--method", "gd", "--L0", "1", "--L1", "0", "--steps", "2", "--eps", "0.1"], "Delta"),
        (["--method", "gd", "--L0", "1", "--L1", "0", "--steps", "2", "--set", "q=1"],
         "override q"),
        (["--method", "beta_normalized_gd", "--L0", "1", "--L1", "0", "--steps", "2"], "method"),
    ],
)  # fmt: skip
def test_cli_bad_input_one_line(argv, field):
    code, out, err = _cli(["worstcase", *argv])
    line = err.strip()
    assert code == 2 and out == "" and "\n" not in line
    assert line.startswith(f"l0l1: error: {field}"), line


def test_rerun_through_the_kernels():
    """The witness as a built-in piece-table problem, run by l0l1.run: the same iterates."""
    from l0l1.worstcase.certify import rerun

    wc = worstcase("clipped_gd", 1.0, 1.0, 3, M=4.0, starts=1, grid=16)
    same, text = rerun(wc)
    assert same, text
    assert math.isfinite(wc.tau)


def test_eps_measure_edges():
    """An M that no monotone witness fits in Delta is refused; a Delta too small for any
    gradient above eps gives 0 iterations on a flat witness, certified."""
    with pytest.raises(ValueError, match=r"^M: 5\.0 does not fit"):
        worstcase("gd", 1.0, 10.0, 1000, Delta=1.0, eps=0.2, M=5.0, grid=16)
    wc = worstcase("gd", 1.0, 10.0, 1000, Delta=1e-3, eps=0.2, grid=16, starts=2)
    assert wc.iterations == 0 and wc.M == 0.0
    assert certify(wc).ok


def test_figure_checks_fail_on_a_moved_anchor_or_a_violation():
    """measured_vs_theory of the worstcase figure: true facts hold; an anchor off by 1e-3,
    an uncertified witness or a ratio above 1 must fail."""
    from l0l1.figures import worstcase as fig

    facts = {
        "anchor": [{"N": 2, "tau": 2 / 3, "exact": 2 / 3, "certified": True}],
        "cases": [{"method": "gd", "L1": 1.0, "eps": 0.3, "K": 30, "bound": 60.0,
                   "ratio": 0.5, "certified": True}],
    }  # fmt: skip

    def holds(f):
        return all(h for *_, h in fig.measured_vs_theory({"facts": {fig.NAME: f}}))

    assert holds(facts)
    moved = {**facts, "anchor": [{**facts["anchor"][0], "tau": 2 / 3 * (1 + 1e-3)}]}
    assert not holds(moved)
    uncertified = {**facts, "cases": [{**facts["cases"][0], "certified": False}]}
    assert not holds(uncertified)
    violated = {**facts, "cases": [{**facts["cases"][0], "K": 90, "ratio": 1.5}]}
    assert not holds(violated)
    assert fig.findings(violated["cases"]) and not fig.findings(facts["cases"])
