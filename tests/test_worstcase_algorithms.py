"""Worst cases of methods written as algorithms (THEORY T8): the search replays the method
through the T6 driver on each candidate witness. Checked here: GD written as code finds the
step rule's anchor, every witness is re-run in plain Python on the pieces evaluated with
mpmath (the methods written from their docstrings, not from l0l1), and the refusals."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path

import mpmath
import pytest

from l0l1.cli import main
from l0l1.methods.registry import get_method
from l0l1.validate import InputError
from l0l1.worstcase import worstcase
from l0l1.worstcase.certify import certify, rerun

HERE = Path(__file__).resolve().parent
ALGOS = HERE / "usercode" / "algorithms.py"
ARMIJO_FILE = HERE.parent / "examples" / "armijo.py"


def _spec(name):
    return get_method(f"{ALGOS}:{name}")


@pytest.mark.parametrize("N", [1, 2, 5])
def test_gd_as_code_finds_the_anchor(N):
    """GD written as an algorithm (no step rule for the search to read) with h = 1/L at
    L1 = 0: the replayed search finds PEPit's tight 4/(3N), as the step rule gd does."""
    wc = worstcase(_spec("gd_as_code"), 1.0, 0.0, N, overrides={"h": 1.0})
    assert wc.tau == pytest.approx(4 / (3 * N), rel=1e-4)
    assert wc.tau <= 4 / (3 * N) * (1 + 1e-9)  # a witness cannot beat the tight value
    assert certify(wc).ok
    rule = worstcase("gd", 1.0, 0.0, N, overrides={"h": 1.0})
    assert wc.tau == pytest.approx(rule.tau, rel=1e-4)


def _mp_eval(rows, L0, L1, x):
    """(f, f') of the witness at x with mpmath (50 digits); linear left of the first piece."""
    mpmath.mp.dps = 50
    x = mpmath.mpf(x)
    starts = [-math.inf if r["x"][0] == "-inf" else r["x"][0] for r in rows]
    i = max([k for k, a in enumerate(starts) if a <= x], default=0)
    r = rows[i]
    g, s = mpmath.mpf(r["g"]), mpmath.mpf(r["sigma"])
    if r["x"][0] == "-inf":
        return mpmath.mpf(r["f"]), g
    t = x - mpmath.mpf(r["x"][0])
    if t < 0:
        return r["f"] + g * t, g
    z = 1 if (g > 0 or (g == 0 and s >= 0)) else -1
    q, c = L0 + L1 * z * g, z * s * L1
    if c == 0:
        return r["f"] + g * t + s * q * t * t / 2, g + s * q * t
    e = mpmath.expm1(c * t)
    return r["f"] + g * t + s * q * (e - c * t) / c**2, g + s * q * e / c


def _replay_plain(name, p, fg, x0, N):
    """The method in plain Python on f, f' = fg(x) (floats): the iterates x_0..x_N."""
    xs, x, x_prev, fx = [x0], x0, x0, None
    for k in range(N):
        if name == "armijo_gd":
            h0, rho, c = p["h0"], p["rho"], p["c"]
            fx = fg(x)[0] if k == 0 else fx
            g = fg(x)[1]
            h = h0
            fy = fg(x - h * g)[0]
            while not fy <= fx - c * h * g * g and h > 0:
                h *= rho
                fy = fg(x - h * g)[0]
            x, fx = x - h * g, fy
        elif name == "sign_gd":
            g = fg(x)[1]
            x = x - p["eta"] * (0.0 if g == 0 else math.copysign(1.0, g))
        elif name == "normalized_hb":
            g = fg(x)[1]
            h = p["eta"] / abs(g) if g != 0 else 0.0
            x, x_prev = x + (p["beta"] * (x - x_prev) - h * g), x
        elif name == "extrapolated":
            y = x + p["beta"] * (x - x_prev)
            x, x_prev = y - p["h"] * fg(y)[1], x
        else:
            raise AssertionError(name)
        xs.append(x)
    return xs


CASES = [
    ("armijo_gd", {}, 1.0, 4, 2.0),
    ("sign_gd", {"eta": 0.3}, 1.0, 4, 3.0),
    ("normalized_hb", {"eta": 0.2, "beta": 0.5}, 0.5, 4, None),
    ("extrapolated", {"h": 0.2, "beta": 0.5}, 1.0, 3, 1.0),
]


@pytest.mark.parametrize("name, over, L1, N, M", CASES, ids=[c[0] for c in CASES])
def test_algorithm_witness_rechecked_independently(name, over, L1, N, M):
    method = _spec(name) if name == "extrapolated" else name
    wc = worstcase(method, 1.0, L1, N, M=M, overrides=over, starts=3, grid=24)
    out = json.loads(json.dumps(wc.to_dict()))
    rows = out["pieces"]

    def fg(x):
        f, g = _mp_eval(rows, out["L0"], out["L1"], x)
        return float(f), float(g)

    its = out["iterates"]
    xs = _replay_plain(name, out["params"], fg, its[0]["x"], N)
    scale = max(1.0, out["M"])
    for it, x in zip(its, xs, strict=True):
        assert x == pytest.approx(it["x"], rel=1e-9, abs=1e-9 * scale)
        f, g = fg(x)
        assert f == pytest.approx(it["f"], abs=1e-9 * scale) and g == pytest.approx(
            it["g"], abs=1e-9 * scale
        )
    fall = its[0]["f"] - its[-1]["f"]
    tau = math.inf if fall <= 0 else min(it["g"] ** 2 for it in its) / fall
    assert tau == pytest.approx(wc.tau, rel=1e-9)
    cert = certify(wc)
    assert cert.ok, cert.failures
    assert rerun(wc)[0]
    assert any("not proven the worst" in n for n in wc.notes)


@pytest.mark.parametrize("eps, opts", [(0.2, {"starts": 3, "grid": 24}), (0.1, {})])
def test_algorithm_eps_measure_certified(eps, opts):
    """Armijo GD under f(x0) - inf f <= Delta: the hitting iteration is the method's own on
    the witness, |f'| > eps before it, and the witness fits in Delta (certified). At eps =
    0.1 the best path ends at f' = 0, where an envelope piece shorter than float64 resolves
    once made an empty piece and a failed certificate."""
    wc = worstcase("armijo_gd", 1.0, 1.0, 2000, Delta=1.0, eps=eps, **opts)
    assert wc.iterations == len(wc.x) - 1 > 0 and not wc.censored
    assert all(abs(g) > eps for g in wc.g[:-1]) and abs(wc.g[-1]) <= eps
    cert = certify(wc)
    assert cert.ok, cert.failures
    assert cert.fall[1] <= 1.0
    assert rerun(wc)[0]


def test_stochastic_methods_refused():
    with pytest.raises(InputError, match="'sgd' is stochastic; allowed: a deterministic"):
        worstcase("sgd", 1.0, 1.0, 3)


def test_convex_method_searched_with_a_note():
    """(L0,L1)-GD stops on f - f*: searched like any deterministic method, the note says the
    witness need not be convex; its certificate holds, and a kernel rerun of a tau witness
    (f* = -inf) is refused in one line."""
    wc = worstcase("l0l1_gd", 1.0, 1.0, 3, M=2.0, starts=1, grid=16)
    assert any("convex method" in n for n in wc.notes)
    cert = certify(wc)
    assert cert.ok, cert.failures
    with pytest.raises(InputError, match="rerun: l0l1_gd stops on f - f"):
        rerun(wc)


def test_witness_float64_cannot_hold_is_refused():
    """AdGD's second step is |x_1 - x_0| / (2 |f'(x_1) - f'(x_0)|) (theta_0 = inf): on the
    witnesses built for it f' barely changes over the first step, the step reaches |x| ~
    1e15, where float64 cannot hold the pieces. No uncertifiable witness is returned."""
    with pytest.raises(InputError, match="method: adgd leaves every witness"):
        worstcase("adgd", 1.0, 1.0, 3, M=2.0, starts=1, grid=16)


def test_algorithm_steps_capped():
    with pytest.raises(InputError, match="steps: 2001 is not allowed for 'armijo_gd'"):
        worstcase("armijo_gd", 1.0, 1.0, 2001, Delta=1.0, eps=0.1)


def test_cli_runs_a_user_file_as_the_built_in():
    """``l0l1 worstcase --method examples/armijo.py:armijo`` (the user's file, public API
    only) gives the built-in Armijo GD's worst case."""
    argv = ["worstcase", "--L0", "1", "--L1", "0", "--steps", "3", "--M", "1", "--json"]
    sets = ["--set", "h0=1", "--set", "rho=0.5", "--set", "c=1e-4"]
    outs = []
    for method in (f"{ARMIJO_FILE}:armijo", "armijo_gd"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main([*argv, "--method", method, *sets]) == 0
        outs.append(json.loads(buf.getvalue()))
    assert outs[0]["tau"] == outs[1]["tau"] == pytest.approx(4 / 9, rel=1e-4)
    assert outs[0]["iterates"] == outs[1]["iterates"]
