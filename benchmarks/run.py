"""l0l1 performance harness: every case's implementations side by side, plus start-up,
sweep and oracle-count scaling measurements (see benchmarks/README.md).

    python benchmarks/run.py                 # the table (about 8 minutes)
    python benchmarks/run.py --json          # a JSON list of row objects on stdout
    python benchmarks/run.py --quick         # fewer repeats, no sweep / eps sections
    python benchmarks/run.py --only kernels  # sections: kernels, startup, sweep, eps

Kernel cases run numba (the l0l1 kernel), numpy (idiomatic vectorised NumPy), c
(benchmarks/ref.c, compiled now with the system compiler at -O3 -march=native) and torch
(the usual PyTorch loop, when installed) in one process, interleaved within each repeat;
the quoted time is the median over repeats of ns per iteration (per inner step, per
refresh). ``ratio_to_numba`` is an implementation's time over Numba's (> 1: slower than
Numba). Nothing here is run by the test suite, and no time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

# One thread everywhere: every implementation is compared on one core (Numba's kernels
# and the C loops are sequential; BLAS and PyTorch would otherwise use every core).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import cref  # noqa: E402
import impls  # noqa: E402

# ------------------------------------------------------------------------------ cases


@dataclass
class Case:
    """One benchmark case: ``runs[impl](iters)`` runs that many iterations.

    The time per unit is (t(base + iters) - t(base)) / iters when ``base`` > 0 (to
    remove a set-up part such as SPIDER's first refresh), else t(iters) / iters.
    ``iters[impl]`` is sized so one call takes about 0.05-0.3 s.
    """

    name: str
    unit: str
    what: str
    bound: str
    runs: dict
    iters: dict
    base: int = 0
    notes: dict = field(default_factory=dict)


EPS_NEVER = 1e-300  # a target no run reaches: every iteration does the full work


def case_clipped_gd(d: int) -> Case:
    P = impls.poly8_coeffs(d)
    x0 = impls.poly8_x0(d)
    eta, gamma = 1e-3, 1.0
    args = (P, x0, eta, gamma, EPS_NEVER)
    runs = {
        "numba": lambda it: impls.numba_clipped_gd(*args, it),
        "numpy": lambda it: impls.numpy_clipped_gd(*args, it),
        "c": lambda it: cref.clipped_gd_poly(*args, it),
        "torch": lambda it: impls.torch_clipped_gd(*args, it),
        "user": lambda it: impls.user_clipped_gd(*args, it),
        "user_dcoef": lambda it: impls.user_clipped_gd(*args, it, variant="dcoef"),
    }
    small = d <= 100
    iters = {
        "numba": 2_000_000 if small else 1_000,
        "user": 2_000_000 if small else 1_000,
        "user_dcoef": 2_000_000 if small else 1_000,
        "c": 2_000_000 if small else 1_000,
        "numpy": 10_000 if small else 300,
        "torch": 3_000 if small else 300,
    }
    bound = (
        "latency of the Horner chain (16 dependent flops per coordinate) + sqrt + divide"
        if small
        else "Horner arithmetic (2 x 8 mul-add per coordinate), cache-resident (d x 9 x 8 B)"
    )
    return Case(
        f"clipped_gd_poly8_d{d}",
        "iteration",
        f"clipped GD, separable degree-8 polynomial, d = {d}, exact gradient (= the probe)",
        bound,
        runs,
        iters,
    )


def case_clipped_sgd(d: int = 100) -> Case:
    P = impls.poly8_coeffs(d)
    x0 = impls.poly8_x0(d)
    L1, tau, eta, w = 1.0, 1.0, 1e-3, 1.0
    args = (P, x0, L1, tau, eta, w, EPS_NEVER)
    runs = {
        "numba": lambda it: impls.numba_clipped_sgd(*args, it, np.random.default_rng(0)),
        "numpy": lambda it: impls.numpy_clipped_sgd(*args, it, np.random.default_rng(0)),
        "c": lambda it: cref.clipped_sgd_poly_bounded(*args, it, np.random.default_rng(0)),
        "torch": lambda it: impls.torch_clipped_sgd(*args, it),
    }
    iters = {"numba": 200_000, "c": 200_000, "numpy": 5_000, "torch": 2_000}
    return Case(
        f"clipped_sgd_bounded_d{d}",
        "iteration",
        f"clipped SGD, bounded noise (uniform in a ball), degree-8 polynomial, d = {d}, "
        "probed every iteration",
        "d normal draws (ziggurat, PCG64) + one gradient; Numba calls the bit generator "
        "through a function pointer per draw",
        runs,
        iters,
    )


def _phase_setup(n: int, d: int):
    from l0l1 import make_problem

    prob = make_problem("phase_retrieval", m=n, d=d, L1=1.0)
    q = math.ceil(math.sqrt(n))
    A2 = (2 * (math.sqrt(math.e) - 1)) ** 2
    S2 = math.ceil(2 * A2 * q)  # T5's S2 = ceil(2 A^2 q / n0^2), n0 = 1
    p = [prob.constants.L0, 1.0, 1.0, 1e-3]
    x0 = np.full(d, 0.3)
    return prob, q, S2, p, x0


def case_spider_inner(n: int = 10_000, d: int = 100) -> Case:
    prob, _q, S2, p, x0 = _phase_setup(n, d)
    A, y = prob.P, prob.v
    never = 10**9  # refresh and probe only at k = 0

    def mk(fn, seeded=True):
        def go(it):
            extra = (np.random.default_rng(0),) if seeded else ()
            return fn(A, y, x0, p, never, S2, EPS_NEVER, it, never, *extra)

        return go

    runs = {
        "numba": mk(impls.numba_spider_clip),
        "numpy": mk(impls.numpy_spider_clip),
        "c": mk(cref.spider_clip_phase),
        "torch": mk(impls.torch_spider_clip, seeded=False),
    }
    iters = {"numba": 2_000, "c": 2_000, "numpy": 500, "torch": 200}
    return Case(
        f"spider_clip_phase_inner_n{n}_d{d}",
        "inner step",
        f"SPIDER-clip inner step on phase retrieval (n = {n}, d = {d}): S2 = {S2} random "
        f"rows, each at x and x_prev ({2 * S2} component gradients)",
        f"random 800-byte rows of an {n * d * 8 / 1e6:.0f} MB matrix (L2/L3 latency) + "
        "two dots and an axpy per row",
        runs,
        iters,
        base=1,
    )


def case_spider_refresh(n: int = 10_000, d: int = 100) -> Case:
    prob, _q, S2, p, x0 = _phase_setup(n, d)
    A, y = prob.P, prob.v
    never = 10**9

    def mk(fn, seeded=True):
        def go(it):
            extra = (np.random.default_rng(0),) if seeded else ()
            return fn(A, y, x0, p, 1, S2, EPS_NEVER, it, never, *extra)

        return go

    runs = {
        "numba": mk(impls.numba_spider_clip),
        "numpy": mk(impls.numpy_spider_clip),
        "c": mk(cref.spider_clip_phase),
        "torch": mk(impls.torch_spider_clip, seeded=False),
    }
    iters = {"numba": 200, "c": 200, "numpy": 200, "torch": 100}
    return Case(
        f"spider_clip_phase_refresh_n{n}_d{d}",
        "refresh",
        f"SPIDER-clip refresh = full-batch gradient of phase retrieval (n = {n}, d = {d}), q = 1",
        f"one pass over the {n * d * 8 / 1e6:.0f} MB matrix (NumPy: two BLAS gemv passes)",
        runs,
        iters,
        base=1,
    )


def case_sgd_chain(T: int = 100, run_iters: int = 3_000) -> Case:
    v = impls.chain_v(T)  # eps = 0.01, L = 1: lam = 1.52
    x0 = np.zeros(T)
    p, h = 0.1, 1.0  # the Bernoulli oracle's probability; h = 1/L
    args = (v, x0, p, h, EPS_NEVER)

    def runs_of(fn, seeded=True):
        """``it`` iterations as whole runs of ``run_iters`` from x0 = 0, each from seed 0
        (the last one shorter): the work per iteration grows as the chain is discovered,
        so every implementation averages over the same trajectory."""

        def go(it):
            full, rest = divmod(it, run_iters)
            for n in [run_iters] * full + ([rest] if rest else []):
                fn(*args, n, *((np.random.default_rng(0),) if seeded else ()))

        return go

    runs = {
        "numba": runs_of(impls.numba_sgd_chain),
        "numpy": runs_of(impls.numpy_sgd_chain),
        "c": runs_of(cref.sgd_chain_bernoulli),
        "torch": runs_of(impls.torch_sgd_chain, seeded=False),  # its own generator
    }
    # one run is the shortest sample: numpy ~0.1 s, torch ~2.5 s
    iters = {"numba": 10 * run_iters, "c": 10 * run_iters, "numpy": run_iters,
             "torch": run_iters}  # fmt: skip
    return Case(
        f"sgd_chain_bernoulli_T{T}",
        "iteration",
        f"SGD (fixed step h = 1/L) on the scaled zero chain, T = d = {T}, A19 Bernoulli oracle "
        f"(p = {p}), batch 1, probed every iteration; runs of {run_iters} iterations from "
        "x0 = 0 (the discovery phase: the frontier stays noisy throughout)",
        "libm exp/erfc: 3 calls per discovered coordinate per chain gradient, one gradient "
        "per iteration (the probe; the oracle's sample is formed from it)",
        runs,
        iters,
    )


# ------------------------------------------------------------------------------ timing


def _time(fn, iters: int) -> float:
    t0 = time.perf_counter()
    fn(iters)
    return time.perf_counter() - t0


def measure(case: Case, impl_names, repeats: int) -> dict:
    """Median ns per unit for each implementation, interleaved within each repeat."""
    names = [n for n in impl_names if n in case.runs]
    for name in names:  # warm: compile, load caches, fault in pages
        case.runs[name](case.base + 2)
    samples = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            it = case.iters[name]
            fn = case.runs[name]
            t = _time(fn, case.base + it) - (_time(fn, case.base) if case.base else 0.0)
            samples[name].append(t / it * 1e9)
    return {name: statistics.median(v) for name, v in samples.items()} | {
        f"{name}__spread": (min(v), max(v)) for name, v in samples.items()
    }


def available_impls() -> tuple[list[str], list[str]]:
    names, notes = ["numba", "numpy", "user", "user_dcoef"], []
    try:
        cref.library()
        names.append("c")
    except (cref.CompilerMissingError, RuntimeError) as err:
        notes.append(f"c skipped: {err}")
    if impls.torch_available():
        names.append("torch")
    else:
        notes.append("torch skipped: PyTorch is not installed (pip install torch)")
    return names, notes


def kernel_rows(
    repeats: int, quick: bool, only_case: str | None = None
) -> tuple[list[dict], list[str]]:
    names, notes = available_impls()
    cases = [
        case_clipped_gd(10),
        case_clipped_gd(10_000),
        case_clipped_sgd(100),
        case_spider_inner(),
        case_spider_refresh(),
        case_sgd_chain(),
    ]
    rows = []
    for case in cases:
        if only_case and only_case not in case.name:
            continue
        res = measure(case, names, repeats)
        base = res["numba"]
        for name in names:
            if name not in case.runs or name not in res:
                continue
            lo, hi = res[f"{name}__spread"]
            rows.append({
                "section": "kernels", "case": case.name, "impl": name,
                "ns_per_iter": res[name], "unit": case.unit,
                "ratio_to_numba": res[name] / base, "min_ns": lo, "max_ns": hi,
                "repeats": repeats, "what": case.what, "bound": case.bound,
            })  # fmt: skip
        _progress(f"{case.name}: " + ", ".join(f"{n} {res[n]:.4g}" for n in names if n in res))
    return rows, notes


# ------------------------------------------------------------------------------ start-up


def _subprocess_seconds(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                   cwd=ROOT)  # fmt: skip
    return time.perf_counter() - t0


RUN_CODE = (
    "from l0l1.cli import main; "
    "main(['run','--coeffs','0,0,0,0,1','--method','clipped_gd','--x0','3','--eps','1e-3',"
    "'--json'])"
)
SECOND_CODE = RUN_CODE.replace("clipped_gd", "normalized_gd")


def startup_rows(repeats: int) -> list[dict]:
    """`l0l1 --help`, a small `l0l1 run` with a warm cache, and the first (cold) run."""
    env = dict(os.environ)
    rows = []
    helps = [_subprocess_seconds("from l0l1.cli import main; main(['--help'])", env)
             for _ in range(repeats)]  # fmt: skip
    rows.append(_row("startup", "l0l1 --help", helps, target=0.3))
    _subprocess_seconds(RUN_CODE, env)  # make sure the user's cache is warm
    warm = [_subprocess_seconds(RUN_CODE, env) for _ in range(repeats)]
    rows.append(_row("startup", "l0l1 run (x^4, warm Numba cache)", warm, target=1.0))
    with tempfile.TemporaryDirectory() as cache:
        cold = _subprocess_seconds(RUN_CODE, {**env, "NUMBA_CACHE_DIR": cache})
        further = _subprocess_seconds(SECOND_CODE, {**env, "NUMBA_CACHE_DIR": cache})
    rows.append(_row("startup", "l0l1 run (x^4, empty Numba cache: compiles)", [cold], target=10))
    rows.append(_row("startup", "l0l1 run, a further method (normalized_gd) after it", [further],
                     target=5))  # fmt: skip
    _progress("startup: " + ", ".join(f"{r['case']} {r['seconds']:.3g} s" for r in rows))
    return rows


def _row(section, case, secs, target=None, **extra):
    return {
        "section": section, "case": case, "impl": "numba", "seconds": statistics.median(secs),
        "min_s": min(secs), "max_s": max(secs), "repeats": len(secs), "target_s": target,
        **extra,
    }  # fmt: skip


# ------------------------------------------------------------------------------ sweep

SWEEP_CODE = """
import json, sys, time
from l0l1.experiments.runner import run_sweep
spec = json.loads(sys.argv[1])
t0 = time.perf_counter()
rep = run_sweep(spec, sys.argv[2], backend=sys.argv[3], workers=int(sys.argv[4]), quiet=True)
print(json.dumps({"seconds": time.perf_counter() - t0, "ran": rep.ran}))
"""


def sweep_spec(runs: int = 40) -> dict:
    """40 clipped-SGD runs (minibatch) on noisy phase retrieval, ~0.2 s of kernel each."""
    return {
        "name": "bench-sweep",
        "eps": 1e-6,
        "seeds": runs,
        "budget": {"max_iter": 150_000},
        "problems": [{"name": "phase_retrieval",
                      "params": {"m": 200, "d": 10, "noise": 0.1, "L1": 1.0}}],
        "methods": [{"name": "clipped_sgd"}],
    }  # fmt: skip


def sweep_rows(repeats: int) -> list[dict]:
    """A 40-run sweep serial vs 2 processes (run_sweep), each in a fresh interpreter
    started the same way, so both pay the imports and the Numba cache load."""
    spec = json.dumps(sweep_spec())
    res = {"serial": [], "processes": []}
    for _ in range(repeats):
        for backend in ("serial", "processes"):
            with tempfile.TemporaryDirectory() as tmp:
                proc = subprocess.run(
                    [sys.executable, "-c", SWEEP_CODE, spec, os.path.join(tmp, "s.db"), backend,
                     "2"],
                    capture_output=True, text=True, cwd=ROOT, check=True,
                )  # fmt: skip
                res[backend].append(json.loads(proc.stdout.splitlines()[-1])["seconds"])
    serial, par = statistics.median(res["serial"]), statistics.median(res["processes"])
    rows = [
        _row("sweep", "40-run sweep, serial", res["serial"]),
        _row("sweep", "40-run sweep, 2 processes", res["processes"], speedup=serial / par),
    ]
    _progress(f"sweep: serial {serial:.3g} s, 2 processes {par:.3g} s, x{serial / par:.2f}")
    return rows


# ------------------------------------------------------------------------------ eps scaling


def eps_rows(eps_values=(0.4, 0.2, 0.1, 0.05), repeats: int = 3) -> list[dict]:
    """SPIDER-clip (finite sum: phase retrieval n = 4000, d = 50) as eps shrinks: measured
    seconds against the predicted oracle count x the measured cost per call.

    Each run makes the schedule's K iterations (T5; K = ceil(4 n0 L0 Delta / eps^2), since
    the components' spread sigma at x0 is not 0): the hitting test runs only at k = 0 and
    at the stop iterate (probe_every = 10^9; trace checkpoints never stop a run).
    Predicted calls are counted as runner.plan counts them (ceil(K/q) refreshes of n
    calls, 2 S2 calls per inner step). Seconds per call: calibrated on the smallest eps
    (the longest run); the ratio column shows how well the rest follow.
    """
    from l0l1 import make_problem
    from l0l1.runs import SPIDER_CLIP_K_CAP, run

    prob = make_problem("phase_retrieval", m=4000, d=50, L1=1.0)
    x0 = np.full(50, 0.3)
    run(prob, "spider_clip", eps=0.5, x0=x0, seed=0, max_iter=3)  # load the kernel
    out = []
    for eps in eps_values:
        walls = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = run(prob, "spider_clip", eps=eps, x0=x0, seed=0, probe_every=10**9)
            walls.append(time.perf_counter() - t0)
        wall = statistics.median(walls)
        q, S2 = int(r.params["q"]), int(r.params["S2"])
        K = r.iterations
        refreshes = math.ceil(K / q)
        predicted = refreshes * prob.n + 2 * S2 * (K - refreshes)
        out.append({"eps": eps, "K": K, "calls": r.oracle_calls, "predicted": predicted,
                    "seconds": wall, "status": r.status})  # fmt: skip
    per_call = out[-1]["seconds"] / out[-1]["predicted"]
    rows = []
    for o in out:
        pred_s = o["predicted"] * per_call
        rows.append({
            "section": "eps", "case": f"spider_clip eps={o['eps']:g}", "impl": "numba",
            "eps": o["eps"], "iterations": o["K"], "oracle_calls": o["calls"],
            "predicted_calls": o["predicted"], "seconds": o["seconds"],
            "predicted_seconds": pred_s, "measured_over_predicted": o["seconds"] / pred_s,
            "status": o["status"], "cap": SPIDER_CLIP_K_CAP,
        })  # fmt: skip
    _progress(
        "eps: " + ", ".join(f"{r['eps']:g}: {r['measured_over_predicted']:.2f}" for r in rows)
    )
    return rows


# ------------------------------------------------------------------------------ output


def machine() -> dict:
    import numba

    info = {"python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "cc": cref.compiler_version(),
            "cflags": " ".join(cref.CFLAGS), "cpus": os.cpu_count(),
            "platform": platform.platform()}  # fmt: skip
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln)
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    if impls.torch_available():
        import torch

        info["torch"] = torch.__version__
    if hasattr(os, "getloadavg"):
        info["loadavg"] = tuple(round(t, 2) for t in os.getloadavg())
    return info


def _progress(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def table(rows: list[dict], notes: list[str], info: dict) -> str:
    lines = [f"machine: {info.get('cpu')} x{info.get('cpus')}, Python {info['python']}, "
             f"NumPy {info['numpy']}, Numba {info['numba']}, {info['cc']} "
             f"({info['cflags']}), torch {info.get('torch', 'absent')}, "
             f"load {info.get('loadavg', '?')}"]  # fmt: skip
    kern = [r for r in rows if r["section"] == "kernels"]
    if kern:
        lines.append("")
        lines.append(f"{'case':40s} {'impl':6s} {'ns/unit':>12s} {'x numba':>8s}  unit")
        for r in kern:
            lines.append(f"{r['case']:40s} {r['impl']:6s} {r['ns_per_iter']:12.4g} "
                         f"{r['ratio_to_numba']:8.3g}  {r['unit']}")  # fmt: skip
    other = [r for r in rows if r["section"] in ("startup", "sweep")]
    if other:
        lines.append("")
        for r in other:
            extra = f"  target < {r['target_s']} s" if r.get("target_s") else ""
            if "speedup" in r:
                extra = f"  speed-up x{r['speedup']:.2f} (target >= 1.8)"
            lines.append(f"{r['case']:48s} {r['seconds']:8.3g} s{extra}")
    eps = [r for r in rows if r["section"] == "eps"]
    if eps:
        lines.append("")
        lines.append(f"{'SPIDER-clip eps':>16s} {'K':>8s} {'calls':>10s} {'predicted':>10s} "
                     f"{'seconds':>8s} {'predicted s':>11s} {'ratio':>6s}")  # fmt: skip
        for r in eps:
            lines.append(
                f"{r['eps']:16g} {r['iterations']:8d} {r['oracle_calls']:10d} "
                f"{r['predicted_calls']:10d} {r['seconds']:8.3g} "
                f"{r['predicted_seconds']:11.3g} {r['measured_over_predicted']:6.2f}"
            )
    for n in notes:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print a JSON list of rows")
    ap.add_argument("--quick", action="store_true", help="3 repeats; kernels and start-up")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", action="append",
                    choices=["kernels", "startup", "sweep", "eps"])  # fmt: skip
    ap.add_argument("--case", help="only the kernel cases whose name contains this")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 7)
    sections = args.only or (["kernels", "startup"] if args.quick else
                             ["kernels", "startup", "sweep", "eps"])  # fmt: skip
    rows, notes = [], []
    if "kernels" in sections:
        r, n = kernel_rows(repeats, args.quick, args.case)
        rows += r
        notes += n
    if "startup" in sections:
        rows += startup_rows(max(3, repeats // 2))
    if "sweep" in sections:
        rows += sweep_rows(1 if args.quick else 2)
    if "eps" in sections:
        rows += eps_rows()
    info = machine()
    if args.json:
        print(json.dumps([{"section": "machine", **info}, *rows] + [
            {"section": "note", "note": n} for n in notes], default=str))  # fmt: skip
    else:
        print(table(rows, notes, info))


if __name__ == "__main__":
    main()
