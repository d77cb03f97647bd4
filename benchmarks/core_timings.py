"""Core-engine timings: ns per iteration of the kernels, compile and cached-start times.

    python benchmarks/core_timings.py            # prints a table
    python benchmarks/core_timings.py --json     # one JSON object

Compile time is measured in a fresh process with an empty Numba cache directory; the
cached start is a fresh process running `l0l1 run` on x^4 with the cache warm.
Medians of several repeats; nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPEATS = 5


def _median_time(fn, repeats=REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def clipped_gd_ns_per_iter(iters: int = 2_000_000) -> float:
    """Clipped GD on a degree-8 univariate polynomial, never reaching eps."""
    from l0l1.methods.kernels import run_single
    from l0l1.methods.steps import RULE_CLIP

    P = np.array([[1.0, -2.0, 0.5, 0.3, -1.0, 0.0, 0.2, 0.0, 1.0]])
    args = (0, P, np.zeros(0), 0, 0, 0.0, 1, RULE_CLIP, np.array([0.01, 1.0]), np.array([2.0]))
    ck = np.array([0], dtype=np.int64)

    def go():
        rng = np.random.default_rng(0)
        run_single(*args, 1e-300, iters, 0, 1, rng, ck)

    go()
    return _median_time(go) / iters * 1e9


def spider_inner_ns(n: int = 10_000, d: int = 100, inner: int = 2_000) -> tuple[float, int]:
    """One SPIDER-clip inner step (2 S2 component gradients) on phase retrieval."""
    from l0l1 import make_problem
    from l0l1.methods.kernels import run_spider
    from l0l1.methods.steps import RULE_SPIDER_CLIP
    from l0l1.problems.oracles import ORACLE_MINIBATCH

    prob = make_problem("phase_retrieval", m=n, d=d, L1=1.0)
    q = int(np.ceil(np.sqrt(n)))
    S2 = int(np.ceil(2 * (2 * (np.sqrt(np.e) - 1)) ** 2 * q))
    p = np.array([prob.constants.L0, 1.0, 1.0, 1e-3])
    x0 = np.full(d, 0.3)
    ck = np.array([0], dtype=np.int64)

    def go(iters):
        rng = np.random.default_rng(0)
        return run_spider(
            prob.kind, prob.P, prob.v, prob.n, ORACLE_MINIBATCH, 0.0, 10**9, n, S2, True,
            RULE_SPIDER_CLIP, p, x0, 1e-300, iters, 0, 10**9, rng, ck,
        )  # fmt: skip

    go(2)
    t_refresh = _median_time(lambda: go(1))  # the first iteration is the exact refresh
    t_all = _median_time(lambda: go(inner + 1))
    return (t_all - t_refresh) / inner * 1e9, S2


def _subprocess_seconds(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def compile_and_start() -> dict:
    """First-call compile (empty cache) and cached start of a small `l0l1 run`."""
    code = (
        "from l0l1.cli import main; "
        "main(['run','--coeffs','0,0,0,0,1','--x0','3','--eps','1e-3','--json'])"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        first = _subprocess_seconds(code, env)
        warm = statistics.median(_subprocess_seconds(code, env) for _ in range(3))
    help_s = statistics.median(
        _subprocess_seconds("from l0l1.cli import main; main(['--help'])", dict(os.environ))
        for _ in range(3)
    )
    return {"first_run_cold_cache_s": first, "run_warm_cache_s": warm, "help_s": help_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    ns_clip = clipped_gd_ns_per_iter()
    ns_spider, S2 = spider_inner_ns()
    out = {
        "clipped_gd_deg8_ns_per_iter": ns_clip,
        "spider_clip_inner_step_ns": ns_spider,
        "spider_clip_inner_S2": S2,
        "spider_clip_ns_per_component_grad": ns_spider / (2 * S2),
        **compile_and_start(),
    }
    if args.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        print(f"{k:40s} {v:.4g}")


if __name__ == "__main__":
    main()
