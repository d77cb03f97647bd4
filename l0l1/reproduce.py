"""``l0l1 reproduce``: every figure's sweep, the figures, REPORT.md and report.json (T6).

Each figure declares its sweeps as dict specs (:mod:`l0l1.experiments.spec`), run by
:func:`l0l1.experiments.runner.run_sweep` into a resumable SQLite store that lives outside
the figures folder (``<out_dir>/../.l0l1-cache/results-<version>.sqlite`` by default), so an
interrupted run resumes and the committed folder holds only figures and reports.
Three scales: ``tiny`` (tests), ``quick`` (about 30 seconds on 2 cores after Numba
compilation) and ``full`` (about 4 minutes).

The frontier and local-smoothness figures need no sweep: they come from
:func:`l0l1.problems.frontier.frontier_curve` and from :func:`l0l1.smoothness.records`, a
NumPy re-run of GD and clipped GD that keeps the iterates (T6).
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from l0l1.problems.hard import DELTA_PER_T, bowl_x0
from l0l1.smoothness import records as smoothness_records

SCALES = ("tiny", "quick", "full")
X4 = [0, 0, 0, 0, 1]
CERTIFIED_POLYS = {"x^4": X4, "x^4 - x^2": [0, 0, -1, 0, 1], "x^6": [0, 0, 0, 0, 0, 0, 1],
                   "x^8/8 + x^2": [0, 0, 1, 0, 0, 0, 0, 0, 0.125]}  # fmt: skip
FRONTIER_POLYS = {"x^4": X4, "x^4 - x^2": [0, 0, -1, 0, 1], "x^6": [0, 0, 0, 0, 0, 0, 1],
                  "x^8/8 + x^2": [0, 0, 1, 0, 0, 0, 0, 0, 0.125],
                  "(x-1)^2 (x+1)^4 / 4": [0.25, 0.5, -0.25, -1, -0.25, 0.5, 0.25]}  # fmt: skip
PROOFS_TIMEOUT = 900


def _pick(scale: str, tiny, quick, full):
    return {"tiny": tiny, "quick": quick, "full": full}[scale]


def sweeps(scale: str = "quick") -> dict[str, list[dict]]:
    """The sweep specs of each figure at ``scale`` ("tiny", "quick" or "full")."""
    if scale not in SCALES:
        raise ValueError(f"scale: {scale!r} is unknown; allowed: {', '.join(SCALES)}")
    starts = _pick(scale, [2, 4, 8], [2, 4, 8, 16, 32], [2, 4, 8, 16, 32, 64, 128])
    online_eps = _pick(scale, [0.4, 0.2], [0.4, 0.28, 0.2, 0.14, 0.1],
                       [0.4, 0.28, 0.2, 0.14, 0.1, 0.07, 0.05, 0.035, 0.025])  # fmt: skip
    ns = _pick(scale, [64, 256], [64, 128, 256, 512, 1024, 2048],
               [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768])  # fmt: skip
    instances = list(range(_pick(scale, 1, 3, 10)))
    phase = {"name": "phase_retrieval", "label": "phase retrieval (d = 4)",
             "params": {"d": 4}, "grid": {"m": ns, "seed": instances}}  # fmt: skip
    det = [{"name": m} for m in ("gd", "clipped_gd", "normalized_gd")]
    return {
        "gd_vs_clipped": [{
            "name": "gd_vs_clipped_M", "eps": 1e-2, "seeds": [0],
            "budget": {"max_iter": _pick(scale, 10**6, 3 * 10**7, 2 * 10**8)},
            "problems": [{"name": "polynomial", "label": "x^4 (L1 = 1 fixed)",
                          "params": {"coeffs": X4, "L1": 1.0},
                          "grid": {"x0": [[float(s)] for s in starts]}}],
            "methods": det,
        }],
        "online": [{
            "name": "online_calls_vs_eps", "eps": online_eps,
            "seeds": _pick(scale, 2, 3, 12), "budget": {"max_iter": 1_000_000,
                                                       "max_calls": 100_000_000},
            "problems": [
                {"name": "polynomial", "label": "x^4, bounded noise tau = 1",
                 "params": {"coeffs": X4, "L1": 1.0}, "x0": [2.0]},
                {"name": "online_phase_retrieval", "label": "online phase retrieval (d = 4)",
                 "params": {"d": 4, "noise": 0.5}},
            ],
            "methods": [{"name": m} for m in ("sgd", "clipped_sgd", "spider", "spider_clip")],
        }],
        "finite_sum": [
            {"name": "finite_sum_n_full_gradient", "eps": 0.05, "seeds": [0],
             "problems": [phase], "methods": [{"name": "gd"}, {"name": "clipped_gd"}]},
            {"name": "finite_sum_n_spider_clip", "eps": 0.05,
             "seeds": _pick(scale, [0], [0, 1], [0, 1, 2]),
             "problems": [phase], "methods": [{"name": "spider_clip"}]},
        ],
        "bounds": [{
            "name": "bound_check", "eps": _pick(scale, [1e-2], [1e-1, 1e-2, 1e-3],
                                                [1e-1, 1e-2, 1e-3, 1e-4]),
            "seeds": [0], "budget": {"max_iter": 10_000_000},
            "problems": [
                *({"name": "polynomial", "label": label, "params": {"coeffs": c},
                   "grid": {"x0": _pick(scale, [[2.0]], [[2.0]], [[1.5], [3.0]])}}
                  for label, c in list(CERTIFIED_POLYS.items())[:_pick(scale, 1, 4, 4)]),
                {"name": "cosh", "label": "cosh (d = 2)", "params": {"dim": 2}},
                {"name": "logcosh", "label": "log cosh (d = 2)", "params": {"dim": 2}},
            ],
            "methods": [*det, {"name": "v24_si"}, {"name": "v24_cl"}, {"name": "v24_star"}],
        }],
        **hard_sweeps(scale),
    }  # fmt: skip


# --- hard instances (THEORY T2): zero chains, Bernoulli oracle, finite-sum chain, Z20 bowl ---
CHAIN_DELTA = 456.0  # with L = 1 and eps = 0.5/sqrt(T): T = floor(Delta L/(1824 eps^2)) = T
SGD_HORIZON = {"tiny": 10**5, "quick": 10**7, "full": 10**7}
CHAIN_EPS_MAX = 0.1  # stochastic chains: eps = 0.1/sqrt(k), T = 4k
NOISE_RATIOS = {"high": 150.0, "moderate": 9.0}  # sigma / eps_max


def _chain_L(scale: str) -> float:
    """L of the stochastic chains: Z20's SGD step 1/sqrt(B) (horizon B) is not scale-free;
    with L = 0.2 sqrt(B) it is 0.2/L, and clipped SGD's eta = 1/(20 L) caps it."""
    return 0.2 * math.sqrt(SGD_HORIZON[scale])


def hard_sweeps(scale: str) -> dict[str, list[dict]]:
    """The sweeps of the hard-instance figures (one spec per eps: the instance is built for
    its own eps, so each run's target is the instance's eps)."""
    det_T = _pick(scale, [4, 8], [16, 32, 64, 128, 256], [16, 32, 64, 128, 256, 512, 1024])
    det = [{
        "name": f"hard_chain_det_T{T}", "eps": 0.5 / math.sqrt(T), "seeds": [0],
        "budget": {"max_iter": 10**8},
        "problems": [{"name": "zero_chain", "label": "zero chain (L = 1, Delta = 456)",
                      "params": {"eps": 0.5 / math.sqrt(T), "L": 1.0, "Delta": CHAIN_DELTA}}],
        "methods": [{"name": m} for m in ("gd", "clipped_gd", "normalized_gd")],
    } for T in det_T]  # fmt: skip
    L = _chain_L(scale)
    B = SGD_HORIZON[scale]
    delta = DELTA_PER_T * CHAIN_EPS_MAX**2 * 4 / L
    stoch = []
    for regime, ks, seeds, methods in (
        ("high", _pick(scale, [1, 2], [1, 2, 4, 8], [1, 2, 4, 8, 16]),
         _pick(scale, 2, 5, 10), ("sgd", "clipped_sgd")),
        ("moderate", _pick(scale, [1, 2], [1, 2, 4], [1, 2, 4, 8]),
         _pick(scale, 1, 3, 5), ("sgd", "clipped_sgd", "spider_clip")),
    ):  # fmt: skip
        ratio = NOISE_RATIOS[regime]
        sigma = ratio * CHAIN_EPS_MAX
        top = ratio * math.sqrt(ks[-1])
        label = f"zero chain, {regime} noise: sigma/eps = {ratio:g}..{top:.0f}"
        for k in ks:
            eps = CHAIN_EPS_MAX / math.sqrt(k)
            stoch.append({
                "name": f"hard_chain_{regime}_k{k}", "eps": eps, "seeds": seeds,
                "budget": {"max_iter": B},
                "problems": [{"name": "zero_chain", "label": label,
                              "params": {"eps": eps, "L": L, "Delta": delta, "sigma": sigma}}],
                "methods": [{"name": m, "noise": "bernoulli"} for m in methods],
            })  # fmt: skip
    ns = _pick(scale, [16, 64], [16, 64, 256, 1024, 4096],
               [16, 64, 256, 1024, 4096, 16384, 65536])  # fmt: skip
    fsum = {"name": "zero_chain_sum", "label": "finite-sum chain (T = 8, eps = 0.1, L = 1)",
            "params": {"eps": 0.1, "L": 1.0, "T": 8}, "grid": {"n": ns}}  # fmt: skip
    Ms = _pick(scale, [1e1, 1e2], [1e1, 1e2, 1e3, 1e4], [1e1, 1e2, 1e3, 1e4, 1e5, 1e6])
    return {
        "hard_chain_det": det,
        "hard_chain_stochastic": stoch,
        "hard_finite_sum": [
            {"name": "hard_finite_sum_full", "eps": 0.1, "seeds": [0], "problems": [fsum],
             "methods": [{"name": "gd"}, {"name": "clipped_gd"}]},
            {"name": "hard_finite_sum_spider", "eps": 0.1,
             "seeds": _pick(scale, [0], [0, 1, 2], [0, 1, 2, 3, 4]), "problems": [fsum],
             "methods": [{"name": "spider_clip"}]},
        ],
        "hard_z20_bowl": [{
            "name": "hard_z20_bowl_M", "eps": 1e-2, "seeds": [0],
            "budget": {"max_iter": 2 * 10**8},
            "problems": [{"name": "z20_bowl", "label": "Z20 Thm 4 bowl (L0 = L1 = 1)",
                          "params": {"L0": 1.0, "L1": 1.0},
                          "grid": {"x0": [[bowl_x0(M)] for M in Ms]}}],
            "methods": [{"name": m} for m in ("gd", "clipped_gd", "normalized_gd")],
        }],
    }  # fmt: skip


def frontier_records(scale: str) -> list[dict]:
    """Float frontier points L0*(L1) of FRONTIER_POLYS over L1 in [1e-2, 1e2] (T2)."""
    from l0l1.problems.frontier import frontier_curve

    l1 = np.geomspace(1e-2, 1e2, _pick(scale, 12, 40, 80))
    return [
        {"label": label, "L1": float(a), "L0": float(b)}
        for label, coeffs in FRONTIER_POLYS.items()
        for a, b in zip(l1, frontier_curve(coeffs, l1), strict=True)
    ]


def _trajectories(scale: str) -> list[dict]:
    from l0l1.problems.catalog import default_x0, make_problem

    iters = _pick(scale, 40, 300, 400)
    poly = make_problem("polynomial", coeffs=X4, L1=1.0)
    pr = make_problem("phase_retrieval", m=200, d=4)
    out = []
    for method in ("gd", "clipped_gd"):
        out += smoothness_records(poly, "x^4 from x0 = 4", method, [4.0], iters)
        out += smoothness_records(pr, "phase retrieval (m = 200, d = 4)", method,
                                  3 * default_x0(pr), iters)  # fmt: skip
    return out


def _records(spec: dict, store: Path, backend: str, quiet: bool) -> list[dict]:
    from l0l1.experiments.runner import run_sweep
    from l0l1.experiments.spec import Sweep
    from l0l1.experiments.store import load_records

    run_sweep(spec, store, backend=backend, quiet=quiet)
    keys = {t.run_key for t in Sweep.from_dict(spec).tasks()}
    return [r for r in load_records(store, spec["name"]) if r["run_key"] in keys]


def _proofs_start():
    if importlib.util.find_spec("proofs_check") is None:
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "proofs_check", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _proofs_summary(proc) -> dict | None:
    """{"counts": {status: n}, "not_certified": [...]} from ``python -m proofs_check --json``."""
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=PROOFS_TIMEOUT)
        lemmas = json.loads(out)
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as err:
        proc.kill()
        return {"counts": {}, "not_certified": [], "error": type(err).__name__}
    counts: dict[str, int] = {}
    for lem in lemmas:
        counts[lem["status"]] = counts.get(lem["status"], 0) + 1
    odd = [f"{lem['name']} ({lem['status']})" for lem in lemmas if lem["status"] != "certified"]
    return {"counts": counts, "not_certified": odd}


def reproduce(
    out_dir="figures",
    quick: bool = False,
    store=None,
    backend: str = "processes",
    quiet: bool = False,
    *,
    scale: str | None = None,
    proofs: bool = True,
) -> dict:
    """Run every figure's sweeps, write the figures, REPORT.md and report.json into ``out_dir``.

    ``scale`` ("tiny", "quick", "full") overrides ``quick``; ``store`` defaults to
    ``<out_dir>/../.l0l1-cache/results-<version>.sqlite``; ``proofs`` runs
    ``python -m proofs_check`` alongside (when importable). Returns the summary: the fit
    rows (as in report.json), bound check, proofs summary, figure files, notes, timings.
    """
    from l0l1 import plots

    scale = scale or ("quick" if quick else "full")
    specs = sweeps(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if store is None:
        from l0l1 import __version__

        store = out.resolve().parent / ".l0l1-cache" / f"results-{__version__}.sqlite"
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    proc = _proofs_start() if proofs else None
    data, timings = {}, {}
    for fig, fig_specs in specs.items():
        t0 = time.perf_counter()
        data[fig] = [r for spec in fig_specs for r in _records(spec, store, backend, quiet)]
        timings[fig] = time.perf_counter() - t0
        _say(quiet, f"{fig}: {len(data[fig])} runs in {timings[fig]:.1f} s")
    t0 = time.perf_counter()
    figures = [
        plots.plot_gd_vs_clipped(data["gd_vs_clipped"], out),
        plots.plot_online_rates(data["online"], out),
        plots.plot_finite_sum_n(data["finite_sum"], out),
        plots.plot_bound_check(_bound_records(data), out),
        plots.plot_frontier(frontier_records(scale), out),
        plots.plot_local_smoothness(_trajectories(scale), out),
        *hard_figures(data, out),
    ]
    timings["figures"] = time.perf_counter() - t0
    summary = {
        "scale": scale,
        "backend": backend,
        "fits": [row for f in figures for row in f.fits],
        "bound_check": plots.bound_check(_bound_records(data)),
        "hard_checks": hard_checks(scale),
        "proofs_check": _proofs_summary(proc),
        "seconds": {**timings, "total": time.perf_counter() - start},
        "figures": {f.name: [p.name for p in f.paths] for f in figures},
        "notes": {f.name: list(f.notes) for f in figures},
    }
    (out / "report.json").write_text(json.dumps(_clean(summary["fits"]), indent=1) + "\n")
    (out / "REPORT.md").write_text(report_markdown(summary, store))
    _say(quiet, f"wrote {len(figures)} figures, REPORT.md and report.json to {out} "
         f"in {summary['seconds']['total']:.0f} s")  # fmt: skip
    return summary


def _bound_records(data: dict) -> list[dict]:
    """Every certified record with a bound (T6): the benign problems and the hard instances."""
    keys = ("bounds", "gd_vs_clipped", "hard_chain_det", "hard_z20_bowl")
    return [r for k in keys for r in data.get(k, [])]


def hard_checks(scale: str) -> list[dict]:
    """The zero chain's claimed properties, checked numerically (THEORY T2)."""
    from l0l1.problems.hard import check_chain_properties

    if scale == "tiny":
        return check_chain_properties(starts=2, random_points=200)
    return check_chain_properties()


def hard_figures(data: dict, out: Path) -> list:
    """The four hard-instance figures with their notes (THEORY T2, T3)."""
    from l0l1 import plots
    from l0l1.experiments.fits import fit_rate

    figs = []
    det = data["hard_chain_det"]
    notes = []
    for method in ("gd", "clipped_gd", "normalized_gd"):
        recs = sorted((r for r in det if r["method"] == method and r["status"] == "reached"),
                      key=lambda r: r["dim"])  # fmt: skip
        if len(recs) >= 2:
            per = [r["iterations"] / r["dim"] for r in recs]
            top = fit_rate(recs[len(recs) // 2 :], x="1/eps", y="iterations", n_boot=200)
            notes.append(
                f"{plots.NAMES[method]}: iterations / T = {per[0]:.0f} at T = {recs[0]['dim']} "
                f"and {per[-1]:.0f} at T = {recs[-1]['dim']} (>= 1: at most one coordinate "
                f"per gradient); slope over the larger half of T only: {top.label()}; "
                f"clipped steps: {sum(r['clipped_steps'] for r in recs)}."
            )
    figs.append(plots.plot_hard_rates(
        det, out, "hard_chain_iterations_vs_eps", x="1/eps", y="iterations",
        rates=plots.RATES_HARD, xlabel="1/eps (instance built for eps, T ~ eps^-2)",
        ylabel="iterations to ||grad f|| <= eps", theory="C17: >= T = L Delta/(1824 eps^2)",
        references={"eps^-2": lambda x: x**2},
        caption=(
            "Zero chain of Carmon et al. built for each eps (L = 1, Delta = 456, so T = 0.25 / "
            "eps^2 coordinates). Every method here discovers at most one coordinate per "
            "gradient, so it needs >= T iterations: the eps^-2 rate of GD cannot be beaten. "
            "The chain is L-smooth (L1 = 0): clipped and normalized GD never clip and act as GD "
            "with step 1/(10 L) instead of 1/(2 L), hence about 5 times more iterations. "
            "Iterations ~ a + b T: at small T the constant a (the last coordinates must grow "
            "before the gradient drops) flattens the slope below 2."
        ), notes=notes,
    ))  # fmt: skip
    stoch = data["hard_chain_stochastic"]
    snotes = []
    for (plabel, method), recs in plots.groups(stoch, "problem_label", "method").items():
        r = min(recs, key=lambda r: r["eps"])
        p = r["oracle_level"]
        hits = [x["oracle_calls_at_hit"] for x in recs if x["eps"] == r["eps"] and x[
            "status"] == "reached"]  # fmt: skip
        med = float(np.median(hits)) if hits else math.nan
        extra = ""
        if method == "spider_clip":
            extra = f"; q = {r['params']['q']:g}, S1 = {r['params']['S1']:g}, S2 = " \
                    f"{r['params']['S2']:g}"  # fmt: skip
        snotes.append(
            f"{plabel}, {plots.NAMES[method]}: at eps = {r['eps']:.3g} (T = {r['dim']}, p = "
            f"{p:.3g}) median calls {med:.3g} = {med * p / r['dim']:.2f} T/p{extra}."
        )
    figs.append(plots.plot_hard_rates(
        stoch, out, "hard_chain_calls_vs_eps", x="1/eps", y="oracle_calls_at_hit",
        rates=plots.RATES_HARD, xlabel="1/eps (instance built for eps, T ~ eps^-2)",
        ylabel="stochastic gradients (SFO calls)",
        theory="A19: SGD >= T/p ~ eps^-4; T5: SPIDER-clip eps^-3",
        references={"eps^-3": lambda x: x**3, "eps^-4": lambda x: x**4},
        caption=(
            "Zero chain with the Bernoulli oracle of Arjevani et al.: the frontier coordinate's "
            "partial derivative is revealed only with probability p = e^3 eps^2 / sigma^2 (and "
            "then scaled by 1/p), so each of the T ~ eps^-2 coordinates costs about 1/p ~ eps^-2 "
            "calls: eps^-4 in all. Left, sigma/eps from 150 up: the waiting times dominate, "
            "SGD and clipped SGD share the seed's Bernoulli draws and stop at the same call. "
            "Right, sigma/eps from 9 up: 1/p is small next to the ~200 steps per coordinate that "
            "SGD's drift needs, so SGD is drift-limited (slope far below 4); SPIDER-clip's "
            "schedule costs ~ T sigma/eps ~ eps^-3. The chain has L1 = 0: no clipping engages."
        ), notes=snotes,
    ))  # fmt: skip
    fs = data["hard_finite_sum"]
    by = plots.groups(fs, "problem_label", "method")
    fnotes = [plots.crossing(by, "spider_clip", m) for m in ("gd", "clipped_gd")]
    sp = [r for r in fs if r["method"] == "spider_clip" and r["status"] == "reached"]
    if sp:
        r = max(sp, key=lambda r: r["n"])
        q = r["params"]["q"]
        fnotes.append(
            f"SPIDER-clip at n = {r['n']}: {r['iterations']} iterations, q = {q:g}, S2 = "
            f"{r['params']['S2']:g}: calls ~ K (n/q + 2 S2) ~ 7.7 K sqrt(n); the n term of "
            f"sqrt(n) eps^-2 + n shows only once q > K, i.e. n > K^2 ~ {r['iterations'] ** 2:.1g}."
        )
    figs.append(plots.plot_hard_rates(
        fs, out, "hard_finite_sum_calls_vs_n", x="n", y="oracle_calls_at_hit",
        rates=plots.RATES_N, xlabel="n (components)", ylabel="component gradients (IFO calls)",
        theory="GD n eps^-2; SPIDER-clip sqrt(n) eps^-2 + n (R23, T5)",
        references={"n": lambda n: n, "sqrt(n)": lambda n: np.sqrt(n)},
        caption=(
            "Every component is the same zero chain plus a cosine in its own random direction, "
            "+/- in pairs so the mean is exactly the chain (c omega^2 = 32 keeps T5's per-sample "
            "assumption). GD and clipped GD need the chain's iterations whatever n is and pay n "
            "each: slope 1. SPIDER-clip's iterations do not depend on n either; it pays n per "
            "refresh every q = sqrt(n) steps and 2 S2 ~ 6.7 sqrt(n) per step: slope 1/2."
        ), notes=fnotes,
    ))  # fmt: skip
    figs.append(plots.plot_gd_vs_clipped(
        data["hard_z20_bowl"], out, "hard_z20_bowl_iterations_vs_M",
        caption=(
            "Z20 Thm 4's bowl: L0 x^2/2 + L0/(2 L1^2) inside |x| <= 1/L1, (L0/L1^2) "
            "e^(L1|x| - 1) outside (C^2, (L0, L1)-smooth exactly), started at f'(x0) = M. GD's "
            "step 1/(2(L0 + L1 M)) crawls near the minimum: iterations ~ (L1 M / L0) log(1/eps), "
            "slope 1 in M. Clipped and normalized GD walk in with steps 1/(10 L1) and then take "
            "L0-steps: ~ log M iterations. Dotted: Thm 4's lower bound over the family of "
            "(L0,L1)-smooth functions (it needs a second, plateau function), not for this one."
        ),
    ))  # fmt: skip
    return figs


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, file=sys.stderr)


def _clean(obj):
    """JSON-safe: NaN becomes None."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _num(v, fmt=".2f") -> str:
    return "n/a" if v is None or not math.isfinite(v) else format(v, fmt)


def _disagrees(row: dict) -> bool:
    lo, hi, rate = row["ci_low"], row["ci_high"], row["theory_rate"]
    if rate is None or lo is None or not math.isfinite(lo):
        return False
    return not lo - 0.05 <= rate <= hi + 0.05


def report_markdown(summary: dict, store: Path) -> str:
    """REPORT.md: slopes next to the theory's rates, bound check, proofs_check, notes."""
    s = summary
    lines = [
        "# l0l1 reproduce: measured rates",
        "",
        f"Scale `{s['scale']}`, backend `{s['backend']}`, {s['seconds']['total']:.0f} s in "
        f"total. Regenerate with `l0l1 reproduce{' --quick' if s['scale'] == 'quick' else ''}`"
        f"; the run store is `{store.name}` in `{store.parent.name}/` (not committed).",
        "",
        "Slopes are least-squares fits of log(median oracle calls or iterations) on log x over "
        "seeds (THEORY T6), with 95% bootstrap intervals (seeds resampled within each x). Runs "
        "not reached within the budget or diverged are excluded and counted; a point whose "
        "median is censored is dropped. The theory rate is the worst-case exponent; benign "
        "problems sit below it.",
        "",
        "| figure | problem | method | axis | slope [95% CI] | theory | excluded | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in s["fits"]:
        ci = f"{_num(r['slope'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
        exc = f"{r['n_excluded_censored']} nr, {r['n_excluded_diverged']} div"
        theory = "n/a" if r["theory_rate"] is None else f"{r['theory_rate']:g}"
        lines.append(f"| {r['figure']} | {r['problem']} | {r['method']} | {r['axis']} | {ci} | "
                     f"{theory} | {exc} | {r['notes'] or ''} |")  # fmt: skip
    off = [r for r in s["fits"] if _disagrees(r)]
    if off:
        lines += [
            "",
            "Slopes whose interval (widened by 0.05) excludes the theory's exponent (see each "
            "figure's notes below for the reason; benign problems are expected to sit below):",
            "",
        ]
        lines += [f"- {r['figure']}, {r['problem']}, {r['method']}: {_num(r['slope'])} "
                  f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}] against {r['theory_rate']:g}"
                  for r in off]  # fmt: skip
    bc = s["bound_check"]
    lines += [
        "",
        "## Bound check (T6)",
        "",
        f"Certified instances checked: {bc['checked']}; violations: {bc['violations']}; "
        f"inconclusive (budget below the bound): {bc['inconclusive']}.",
    ]
    lines += [f"- violation: {v}" for v in bc["violating"]]
    pc = s["proofs_check"]
    lines += ["", "## proofs_check", ""]
    if pc is None:
        lines.append("Not run (proofs_check not importable, or disabled).")
    elif pc.get("error"):
        lines.append(f"Could not be read: {pc['error']}.")
    else:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(pc["counts"].items()))
        lines.append(f"`python -m proofs_check`: {counts}.")
        lines += [f"- not certified: {name}" for name in pc["not_certified"]]
    hc = s.get("hard_checks") or []
    if hc:
        lines += ["", "## Zero-chain properties (THEORY T2, checked numerically)", "",
                  "| property | claimed | worst found | derived bound | holds | how |",
                  "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        lines += [f"| {r['property']} | {r['claimed']:g} | {r['measured']:.6g} | "
                  f"{_num(r['derived'], '.4g')} | {'yes' if r['holds'] else '**no**'} | "
                  f"{r['how']} |" for r in hc]  # fmt: skip
    lines += ["", "## Figures and notes", ""]
    for name, files in s["figures"].items():
        lines += [f"### {name}", "", f"![{name}]({files[0]})", ""]
        caption, *facts = s["notes"][name]
        lines += [caption, ""] + [f"- {fact}" for fact in facts] + ([""] if facts else [])
    secs = ", ".join(f"{k} {v:.0f} s" for k, v in s["seconds"].items())
    lines += ["## Timing", "", secs, ""]
    return "\n".join(lines)
