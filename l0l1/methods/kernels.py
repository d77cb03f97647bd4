"""T6's measurement, shared by the driver (:mod:`l0l1.methods.driver`) and the accelerated
(similar-triangles) loop, which is not yet an algorithm (THEORY T3, T6).

The measurement rules of T6:
- the hitting time is the first k with ||grad f(x_k)|| <= eps, probed with the exact
  gradient, which the method never sees and which is not counted as an oracle call (with
  ``f_star`` given: the first k with f(x_k) - f* <= eps, the convex measure, probed alike);
- ``calls_at_hit`` counts the oracle calls spent to produce x_0..x_k;
- a non-finite iterate or gradient ends the run as "diverged" at that iteration;
- the run stops at ``max_iter`` iterations or once ``max_calls`` calls are spent
  ("not reached").
The hitting test runs on the probe grid, every ``probe_every`` iterations (at every
iteration when the method's own oracle is exact: the probe is then the step's gradient,
served to the method), and at a stop iterate that was probed anyway (a checkpoint). Trace
checkpoints also probe, only to record ||grad f||: they never move the hitting time, so
with ``probe_every > 1`` the reported hit is the first grid point with ||grad f|| <= eps,
an upper bound on the first k.

Trace rows (one per checkpoint in ``ckpts`` plus the last iterate) hold
``k, calls, f(x_k), ||grad f(x_k)||, ||estimator_k||, step length ||x_{k+1} - x_k||``;
the last two are NaN on the final row.

Performance notes (see benchmarks/README.md): each loop is compiled per (problem kind,
oracle, algorithm) (``Static`` arguments, :mod:`l0l1.jitstatic`) with the gradient, norm
and step inlined, so the switches fold away; the hot loops allocate nothing.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core.errors import NumbaIRAssumptionWarning

from l0l1 import jitcache, jitstatic, usercode
from l0l1.jitstatic import Static
from l0l1.methods import algorithm, steps
from l0l1.methods.algorithm import norm as _norm
from l0l1.methods.steps import step_size
from l0l1.problems import chain, evaluate, kinds, oracles
from l0l1.problems.evaluate import grad_into, problem_id, value

jitcache.depends(
    __file__,
    *(m.__file__ for m in (jitstatic, usercode, algorithm, steps, kinds, chain, evaluate, oracles)),
)

REACHED = 0
NOT_REACHED = 1
DIVERGED = 2
RUNNING = -1  # _probe's outcome when the run goes on
STATUS_NAMES = ("reached", "not reached", "diverged")


class KernelResult(NamedTuple):
    """What a kernel loop returns (T6's measurements): ``status`` indexes
    :data:`STATUS_NAMES`; ``iterations`` run; ``calls_at_hit`` (-1 unless reached) and
    ``calls`` in total; ``clipped`` steps; ``gmax`` the largest estimator norm; the last
    iterate ``x``; ``trace`` rows (k, calls, f, ||grad f||, ||estimator||, step length) of which
    the first ``rows`` are filled; ``value_calls`` the function-value part of ``calls``;
    ``iterates`` the x_k of those rows when asked for (the driver's ``keep_iterates``)."""

    status: int
    iterations: int
    calls_at_hit: int
    calls: int
    clipped: int
    gmax: float
    x: np.ndarray
    trace: np.ndarray
    rows: int
    value_calls: int = 0
    iterates: np.ndarray | None = None


TRACE_COLUMNS = ("iteration", "oracle_calls", "f", "grad_norm", "estimator_norm", "step_length")


@njit(cache=True)
def _all_finite(a):
    for t in a:
        if not math.isfinite(t):
            return False
    return True


@njit(cache=True)
def _record(trace, row, k, calls, f, gn, en, step):
    trace[row, 0] = k
    trace[row, 1] = calls
    trace[row, 2] = f
    trace[row, 3] = gn
    trace[row, 4] = en
    trace[row, 5] = step


@njit(cache=True)
def _final_norm(kind, P, v, x, g, k, probed_k, gn):
    """||grad f|| at the stop iterate x_k for the last trace row (probed now if not yet)."""
    if probed_k == k or not _all_finite(x):
        return gn if probed_k == k else np.nan
    grad_into(kind, P, v, x, g)
    return _norm(g)


@njit(cache=True, inline="always")
def _grid(k, always, next_probe, probe_every, ckpts, row, max_iter, max_calls, calls):
    """The T6 rules at the top of iteration k, shared by both loops: probe on the grid (every
    iteration when ``always``) and at trace checkpoints; test the hit on the grid and at a
    stop. Returns (at_ckpt, probe, test, stop, next_probe)."""
    at_ckpt = row < ckpts.shape[0] and ckpts[row] == k
    on_grid = always or k == next_probe
    if k == next_probe:
        next_probe += probe_every
    stop = k >= max_iter or (max_calls > 0 and calls >= max_calls)
    return at_ckpt, on_grid or at_ckpt, on_grid or stop, stop, next_probe


@njit(cache=True, inline="always")
def _probe(kind, P, v, x, g, eps, k, probe, test, stop, gn, probed_k, f_star):
    """T6's hitting test at x_k: probe grad f (g <- grad f(x_k)) when ``probe``; when
    ``test`` and x_k was probed, REACHED or DIVERGED; else NOT_REACHED at a ``stop``, RUNNING
    otherwise. The test is ||grad f(x_k)|| <= eps, or f(x_k) - f_star <= eps when ``f_star``
    is not NaN (T6's convex measure). Returns (outcome, ||grad f|| of the last probe, the
    iteration it was taken at). Called from the loops themselves, not from a helper: the
    gradient's @overload door is inlined only one level deep (a nested call is 1.3x slower
    on small problems)."""
    if probe:
        grad_into(kind, P, v, x, g)
        gn = _norm(g)
        probed_k = k
    if test and probed_k == k:
        if not math.isfinite(gn):
            return DIVERGED, gn, probed_k
        if f_star == f_star:  # the gap f(x_k) - f* (convex results)
            if value(kind, P, v, x) - f_star <= eps:
                return REACHED, gn, probed_k
        elif gn <= eps:
            return REACHED, gn, probed_k
    return (NOT_REACHED if stop else RUNNING), gn, probed_k


@njit(cache=True, inline="always")
def _result(kind, P, v, x, g, k, probed_k, gn, trace, row, status, calls_at_hit, calls, clipped,
            gmax):  # fmt: skip
    """The last trace row (at the stop iterate x_k) and the loop's KernelResult fields."""
    gn = _final_norm(kind, P, v, x, g, k, probed_k, gn)
    _record(trace, row, k, calls, value(kind, P, v, x), gn, np.nan, np.nan)
    return status, k, calls_at_hit, calls, clipped, gmax, x, trace, row + 1


def _quiet(loop, *args):
    """Call a loop, silencing one benign Numba pedantic check at its compilation.

    Inlining the ``@overload`` door of :mod:`l0l1.problems.evaluate` (IR-level, so that
    the built-in kinds keep their folded switches: 2.2x faster than a call) makes
    Numba's SSA pass warn that inlined variables are "not in scope"; the compiled code
    is unaffected (the twins tests compare it bit for bit)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*variable '.*' is not in scope", category=NumbaIRAssumptionWarning
        )
        return loop(*args)


def _kind_token(kind):
    """``Static(kind)`` for a built-in kind; a user problem's JitCode token as it is."""
    return kind if isinstance(kind, usercode.JitCode) else Static(kind)


def run_accelerated(
    kind, P, v, n, rule, p, x0, eps, max_iter, max_calls, probe_every, ckpts, f_star=math.nan,
):  # fmt: skip
    """Accelerated loop (T3; the similar-triangles form of Nesterov's method), exact gradients.

    From y_0 = z_0 = x0, A_0 = 0, G_0 = 0, at each k: G_{k+1} = max{G_k, 1/h_k} with
    h_k = rule(||grad f(y_k)||) (the probed gradient: 1/h_k is the local smoothness the rule
    reads, e.g. L0 + L1 ||g||); a_{k+1} = (1 + sqrt(1 + 4 G_{k+1} A_k))/(2 G_{k+1}),
    A_{k+1} = A_k + a_{k+1}; x_{k+1} = (A_k y_k + a_{k+1} z_k)/A_{k+1};
    z_{k+1} = z_k - a_{k+1} grad f(x_{k+1}); y_{k+1} = (A_k y_k + a_{k+1} z_{k+1})/A_{k+1}.
    One gradient (max(n, 1) calls) per iteration, at x_{k+1}; the measured iterate is y_k
    (T6, probed every iteration whatever ``probe_every``). Trace: the estimator is
    ||grad f(x_{k+1})||, the step length ||y_{k+1} - y_k||; ``clipped`` counts the steps
    k >= 1 whose G grew. A rule step h that is not finite and positive ends the run as
    "diverged" at k. Returns a KernelResult.
    """
    return KernelResult(*_quiet(
        _accelerated_loop,
        _kind_token(kind), P, v, n, rule, p, x0, eps, max_iter, max_calls, probe_every, ckpts,
        float(f_star),
    ))  # fmt: skip


@njit(cache=True)
def _accelerated_loop(
    s_kind, P, v, n, rule, p, x0, eps, max_iter, max_calls, probe_every, ckpts, f_star
):  # fmt: skip
    kind = problem_id(s_kind)
    d = x0.shape[0]
    y = x0.copy()
    z = x0.copy()
    xa = np.empty(d)  # x_{k+1}, the point whose gradient the step uses
    g = np.empty(d)
    est = np.empty(d)
    trace = np.full((ckpts.shape[0] + 1, 6), np.nan)
    exact_cost = max(n, 1)
    calls = 0
    n_grown = 0
    gmax = 0.0
    row = 0
    status = NOT_REACHED
    calls_at_hit = -1
    gn = np.nan
    probed_k = -1
    next_probe = 0
    big_a = 0.0
    big_g = 0.0
    k = 0
    while True:
        at_ckpt, probe, test, stop, next_probe = _grid(
            k, True, next_probe, probe_every, ckpts, row, max_iter, max_calls, calls
        )
        status, gn, probed_k = _probe(
            kind, P, v, y, g, eps, k, probe, test, stop, gn, probed_k, f_star
        )
        if status != RUNNING:
            calls_at_hit = calls if status == REACHED else -1
            break
        calls_k = calls
        h, _ = step_size(rule, p, gn)
        if not (h > 0.0 and 1.0 / h < math.inf):  # no finite positive 1/h: no step exists
            status = DIVERGED
            break
        if 1.0 / h > big_g:
            n_grown += k > 0  # G_1 is the first reading, not a growth
            big_g = 1.0 / h
        a = (1.0 + math.sqrt(1.0 + 4.0 * big_g * big_a)) / (2.0 * big_g)
        a_next = big_a + a
        for j in range(d):
            xa[j] = (big_a * y[j] + a * z[j]) / a_next
        f_k = value(kind, P, v, y) if at_ckpt else np.nan  # f(y_k), before y moves
        grad_into(kind, P, v, xa, est)
        calls += exact_cost
        en = _norm(est)
        gmax = max(gmax, en)
        bad = 0
        moved = 0.0
        for j in range(d):
            z[j] -= a * est[j]
            t = (big_a * y[j] + a * z[j]) / a_next
            moved += (t - y[j]) * (t - y[j])
            y[j] = t
            bad |= (t - t) != 0.0
        big_a = a_next
        if at_ckpt:
            _record(trace, row, k, calls_k, f_k, gn, en, math.sqrt(moved))
            row += 1
        k += 1
        if bad != 0 or not math.isfinite(en):
            status = DIVERGED
            break
    return _result(kind, P, v, y, g, k, probed_k, gn, trace, row, status, calls_at_hit, calls,
                   n_grown, gmax)  # fmt: skip
