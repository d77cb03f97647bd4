"""T6's measurement, the pieces of the driver's loop (:mod:`l0l1.methods.driver`), and what
a run returns (THEORY T6).

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
from l0l1.problems import chain, evaluate, kinds, oracles
from l0l1.problems.evaluate import grad_into, value

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
