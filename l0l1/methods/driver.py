"""The T6 driver: one measurement loop around any algorithm (THEORY T6).

At each iteration k the driver, not the algorithm, applies T6's rules (the probe grid,
checkpoints, the hitting test ||grad f(x_k)|| <= eps or f(x_k) - f* <= eps, the budget in
iterations and in oracle calls), records the trace, then calls the algorithm's ``step``
(:mod:`l0l1.methods.algorithm`) for x_{k+1}. A non-finite x_{k+1} ends the run as
"diverged" at k + 1. With the exact oracle every iterate is probed (the probe is the
gradient the step asks for, served to it by the oracle); otherwise every
``probe_every`` iterations. Oracle calls are the oracle's counts (gradient-type calls
plus function-value calls); the probe and the trace's f(x_k) are not counted.

The loop is compiled per (problem, oracle, algorithm): the problem's formulas, the oracle
and the algorithm's code are inlined, and no run-time switch remains. Its arrays are
:func:`l0l1.methods.algorithm.borrow`-ed: no atomic reference counting per iteration.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from l0l1 import jitcache, jitstatic, usercode
from l0l1.jitstatic import Static, static_value
from l0l1.methods import algorithm, kernels, oracle, steps
from l0l1.methods.algorithm import algo_init, algo_step, borrow, borrow_state, readonly
from l0l1.methods.kernels import (
    DIVERGED,
    NOT_REACHED,
    REACHED,
    RUNNING,
    KernelResult,
    _grid,
    _probe,
    _quiet,
    _record,
    _result,
)
from l0l1.methods.oracle import Oracle
from l0l1.problems import chain, evaluate, kinds, oracles
from l0l1.problems.evaluate import value
from l0l1.problems.oracles import ORACLE_EXACT

_USES = (jitstatic, usercode, algorithm, kernels, oracle, steps, evaluate, kinds, chain, oracles)
jitcache.depends(__file__, *(m.__file__ for m in _USES))


def run_algorithm(
    kind, P, v, n, noise, w, batch, code, p, x0, eps, max_iter, max_calls, probe_every, rng,
    ckpts, f_star=math.nan, keep_iterates=False,
):  # fmt: skip
    """Run the algorithm ``code`` (a JitCode token, :func:`algorithm.algorithm`) under T6.

    ``kind`` the problem (a built-in kind or a user's token), ``P``, ``v``, ``n`` its data;
    ``noise`` the oracle (problems.oracles.ORACLE_*) with level ``w`` and ``batch`` samples
    per ``o.sample``; ``p`` the schedule values. ``f_star`` (not NaN) makes the hitting test
    f(x_k) - f_star <= eps. Returns a :class:`l0l1.methods.kernels.KernelResult` whose
    ``calls`` are the total and ``value_calls`` the function-value part; with
    ``keep_iterates``, ``iterates`` holds x_k at each trace row (checkpoints and the stop).
    """
    token = kind if isinstance(kind, usercode.JitCode) else Static(kind)
    out = _quiet(
        _driver_loop, token, P, v, n, Static(noise), float(w), int(batch), code,
        np.ascontiguousarray(p, dtype=np.float64), x0, eps, max_iter, max_calls, probe_every,
        rng, ckpts, float(f_star), bool(keep_iterates),
    )  # fmt: skip
    return KernelResult(*out)


@njit(cache=True)
def _driver_loop(
    s_kind, P_own, v_own, n, s_noise, w, batch, code, p_own, x0, eps, max_iter, max_calls,
    probe_every, rng, ckpts_own, f_star, keep_iterates,
):  # fmt: skip
    kind = s_kind  # Static(kind) or a token: the problem's own formulas compile alone
    d = x0.shape[0]
    x_own = x0.copy()
    x_next_own = np.empty(d)
    g_own = np.empty(d)
    counts_own = np.zeros(2, np.int64)
    meta_own = np.zeros(2, np.int64)
    scratch_own = np.empty(4 * d + 1)
    trace = np.full((ckpts_own.shape[0] + 1, 6), np.nan)
    xs = np.full((ckpts_own.shape[0] + 1 if keep_iterates else 0, d), np.nan)
    # Borrowed views from here on (the owners above stay alive to the end).
    P, v, p, ckpts = borrow(P_own), borrow(v_own), borrow(p_own), borrow(ckpts_own)
    x, x_next, g = borrow(x_own), borrow(x_next_own), borrow(g_own)
    counts, meta, scratch = borrow(counts_own), borrow(meta_own), borrow(scratch_own)
    o = Oracle(s_kind, P, v, n, s_noise, w, batch, rng, counts, g, meta, scratch[: d + 1],
               scratch[d + 1 : 2 * d + 1], scratch[2 * d + 1 : 3 * d + 1], d)  # fmt: skip
    state_own = algo_init(code, o, readonly(x), p)
    state = borrow_state(state_own)
    always = static_exact(s_noise)
    x_ro = readonly(x)
    n_clipped = 0
    gmax = 0.0
    row = 0
    status = NOT_REACHED
    calls_at_hit = -1
    gn = np.nan
    probed_k = -1
    next_probe = 0
    k = 0
    while True:
        calls = counts[0] + counts[1]
        at_ckpt, probe, test, stop, next_probe = _grid(
            k, always, next_probe, probe_every, ckpts, row, max_iter, max_calls, calls
        )
        status, gn, probed_k = _probe(
            kind, P, v, x, g, eps, k, probe, test, stop, gn, probed_k, f_star
        )
        if status != RUNNING:
            calls_at_hit = calls if status == REACHED else -1
            break
        meta[0] = probed_k == k
        meta[1] = x.ctypes.data
        f_k = value(kind, P, v, x) if at_ckpt else np.nan
        en, length, clip, ok = algo_step(code, o, k, x_ro, x_next, state, p)
        meta[0] = 0
        n_clipped += clip
        gmax = max(gmax, en)
        if at_ckpt:
            _record(trace, row, k, calls, f_k, gn, en, length)
            if keep_iterates:
                xs[row, :] = x
            row += 1
        for j in range(d):
            x[j] = x_next[j]
        k += 1
        if not ok:
            status = DIVERGED
            break
    total = counts[0] + counts[1]
    value_calls = counts[1]
    out = _result(kind, P, v, x_own, g_own, k, probed_k, gn, trace, row, status, calls_at_hit,
                  total, n_clipped, gmax)  # fmt: skip
    # Every owner of a borrowed view is used here, after the loop: Numba frees an array
    # after its last use, and a view of freed memory reads garbage.
    _touch((x_own, x_next_own, g_own, counts_own, meta_own, scratch_own, P_own, v_own, p_own,
            ckpts_own, state_own))  # fmt: skip
    if keep_iterates:
        xs[row, :] = x_own
    return (*out, value_calls, xs)


@njit(cache=True)
def _touch(keep):
    """Uses its argument, so the owners in ``keep`` are alive until this call."""
    return len(keep)


@njit(cache=True, inline="always")
def static_exact(s_noise):
    """Whether the run's oracle (a Static) is the exact one: T6 then probes every iterate."""
    return static_value(s_noise) == ORACLE_EXACT
