"""The Numba kernels: loops for single-estimator methods, for SPIDER and for the accelerated
(similar-triangles) method (THEORY T3-T6).

The loops follow the measurement rules of T6:
- the hitting time is the first k with ||grad f(x_k)|| <= eps, probed with the exact
  gradient, which the method never sees and which is not counted as an oracle call (with
  ``f_star`` given: the first k with f(x_k) - f* <= eps, the convex measure, probed alike);
- ``calls_at_hit`` counts the oracle calls spent to produce x_0..x_k;
- a non-finite iterate or gradient ends the run as "diverged" at that iteration;
- the run stops at ``max_iter`` iterations or once ``max_calls`` calls are spent
  ("not reached").
The hitting test runs on the probe grid, every ``probe_every`` iterations (in
``run_single`` at every iteration when the method's own oracle is exact: the probe is then
the step's gradient and costs nothing), and at a stop iterate that was probed anyway
(a checkpoint). Trace checkpoints also probe, only to record ||grad f||: they never move
the hitting time, so with ``probe_every > 1`` the reported hit is the first grid point
with ||grad f|| <= eps, an upper bound on the first k.

Trace rows (one per checkpoint in ``ckpts`` plus the last iterate) hold
``k, calls, f(x_k), ||grad f(x_k)||, ||estimator_k||, step length ||x_{k+1} - x_k||``;
the last two are NaN on the final row.

Performance notes (see benchmarks/README.md): each loop is compiled per (problem kind,
oracle) (``Static`` arguments, :mod:`l0l1.jitstatic`) with the gradient, norm and step
rule inlined, so the switches fold away and no call increfs its arrays per iteration.
The hot loops allocate nothing, test "every q-th iteration" with countdowns instead of
integer division, form the samples of gradient-transforming oracles from one exact
gradient per estimate, the probed one when there is one (same bits as recomputing it per
sample), fuse the finiteness test into the step, and sum squares with eight independent
partial sums.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from numba import njit
from numba.core.errors import NumbaIRAssumptionWarning

from l0l1 import jitcache, jitstatic, usercode
from l0l1.jitstatic import Static, static_value
from l0l1.methods import algorithm, steps
from l0l1.methods.algorithm import norm as _norm
from l0l1.methods.steps import step_size
from l0l1.problems import chain, evaluate, kinds, oracles
from l0l1.problems.evaluate import grad_into, is_kind, problem_id, value
from l0l1.problems.kinds import KIND_PHASE
from l0l1.problems.oracles import (
    ORACLE_EXACT,
    ORACLE_MINIBATCH,
    draw_sample,
    phase_minibatch_diff,
    sample_from_grad_into,
    sample_grad_into,
    transforms_gradient,
)

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


@njit(cache=True, inline="always")
def _step(x, h, direction):
    """x <- x - h * direction, in place; True when an entry of the new x is not finite."""
    bad = 0
    for j in range(x.shape[0]):
        t = x[j] - h * direction[j]
        x[j] = t
        bad |= (t - t) != 0.0  # inf - inf and NaN - NaN are NaN, finite - itself is 0
    return bad != 0


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
def _estimate(kind, P, v, n, oracle, w, batch, rng, x, g, g_known, s, tmp, out):
    """out <- mean of ``batch`` oracle samples at x; returns the calls spent.

    For the oracles of ``transforms_gradient`` every sample is formed from g = grad f(x)
    (the same bits as sample_grad_into recomputing it per sample): g is used as it is when
    ``g_known``, else computed into g once."""
    from_grad = transforms_gradient(oracle)
    if from_grad and not g_known:
        grad_into(kind, P, v, x, g)
    out[:] = 0.0
    for _ in range(batch):
        draw_sample(oracle, P, v, w, n, rng, s)
        if from_grad:
            sample_from_grad_into(oracle, v, s, x, g, tmp)
        else:
            sample_grad_into(oracle, kind, P, v, s, x, tmp)
        for j in range(out.shape[0]):
            out[j] += tmp[j]
    if batch != 1:
        for j in range(out.shape[0]):
            out[j] /= batch
    return batch


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


def run_single(
    kind, P, v, n, oracle, w, batch, rule, p, x0, eps, max_iter, max_calls, probe_every, rng, ckpts,
    direction=steps.DIRECTION_PLAIN, dp=(), f_star=math.nan,
):  # fmt: skip
    """GD-family and SGD-family loop: x_{k+1} = x_k - h d_k, one estimator g_k per step.

    With ``oracle == ORACLE_EXACT`` g_k = grad f(x_k), costing max(n, 1) calls.
    ``direction`` (steps.DIRECTION_*) forms d_k from the g_k with the values ``dp``:
    d_k = g_k (plain); the momentum average m_k = mu m_{k-1} + (1 - mu) g_k, m_0 = g_0
    (dp = [mu]; NSGD-M, clipped SGD-M); g_k with the rule fed b_k = sqrt(b0^2 + sum ||g_i||^2)
    (dp = [b0]; AdaGrad-norm); Adam's bias-corrected m^_k/(sqrt(v^_k) + delta) per
    coordinate (dp = [beta1, beta2, delta]); g_k with h = rule(||g_k||) (f(x_k) - f*)
    (dp = [f*]; Polyak steps, GD-PS). h = rule(||d_k||) (rule(b_k) for AdaGrad-norm),
    and ||d_k|| is the recorded estimator norm (T4). ``f_star`` (not NaN) makes the hitting
    test f(x_k) - f_star <= eps. Returns a :class:`KernelResult`.
    ``kind`` and ``oracle`` select the loop compiled for them (:mod:`l0l1.jitstatic`).
    """
    dp = np.array([*dp, 0.0, 0.0, 0.0][:3], dtype=np.float64)  # the loop reads 3 slots
    return KernelResult(*_quiet(
        _single_loop,
        _kind_token(kind), P, v, n, Static(oracle), w, batch, rule, p, x0, eps, max_iter, max_calls,
        probe_every, rng, ckpts, int(direction), dp, float(f_star),
    ))  # fmt: skip


@njit(cache=True, inline="always")
def _average_into(m, mu, est, first):
    """m <- mu m + (1 - mu) est (m <- est when ``first``); returns ||m||."""
    if first:
        m[:] = est
    else:
        for j in range(m.shape[0]):
            m[j] = mu * m[j] + (1.0 - mu) * est[j]
    return _norm(m)


@njit(cache=True, inline="always")
def _adam_into(out, m, s2, dp, est, k):
    """Adam (Kingma & Ba): m <- b1 m + (1 - b1) g, s2 <- b2 s2 + (1 - b2) g^2 from m = s2 = 0,
    out <- (m/(1 - b1^(k+1))) / (sqrt(s2/(1 - b2^(k+1))) + delta); returns ||out||."""
    b1, b2, delta = dp[0], dp[1], dp[2]
    c1 = 1.0 - b1 ** (k + 1)
    c2 = 1.0 - b2 ** (k + 1)
    for j in range(out.shape[0]):
        m[j] = b1 * m[j] + (1.0 - b1) * est[j]
        s2[j] = b2 * s2[j] + (1.0 - b2) * est[j] * est[j]
        out[j] = (m[j] / c1) / (math.sqrt(s2[j] / c2) + delta)
    return _norm(out)


@njit(cache=True)
def _single_loop(
    s_kind, P, v, n, s_oracle, w, batch, rule, p, x0, eps, max_iter, max_calls, probe_every, rng,
    ckpts, direction, dp, f_star,
):  # fmt: skip
    kind = problem_id(s_kind)
    oracle = static_value(s_oracle)
    d = x0.shape[0]
    x = x0.copy()
    g = np.empty(d)
    exact = oracle == ORACLE_EXACT
    est = g if exact else np.empty(d)  # the exact estimator is the probed gradient itself
    averaged = direction == steps.DIRECTION_MOMENTUM
    adam = direction == steps.DIRECTION_ADAM
    adagrad = direction == steps.DIRECTION_ADAGRAD_NORM
    polyak = direction == steps.DIRECTION_POLYAK
    m = np.zeros(d if averaged or adam else 0)  # the first-moment average m_k
    s2 = np.zeros(d if adam else 0)  # Adam's second moments
    out = np.empty(d if adam else 0)  # Adam's direction
    step_dir = m if averaged else (out if adam else est)
    b_sq = dp[0] * dp[0]  # AdaGrad-norm's b_k^2
    tmp = np.empty(d)
    s = np.empty(d + 1)
    trace = np.full((ckpts.shape[0] + 1, 6), np.nan)
    exact_cost = max(n, 1)
    calls = 0
    n_clipped = 0
    gmax = 0.0
    row = 0
    status = NOT_REACHED
    calls_at_hit = -1
    gn = np.nan
    en = np.nan
    probed_k = -1
    next_probe = 0  # the next multiple of probe_every
    k = 0
    while True:
        at_ckpt, probe, test, stop, next_probe = _grid(
            k, exact, next_probe, probe_every, ckpts, row, max_iter, max_calls, calls
        )
        status, gn, probed_k = _probe(
            kind, P, v, x, g, eps, k, probe, test, stop, gn, probed_k, f_star
        )
        if status != RUNNING:
            calls_at_hit = calls if status == REACHED else -1
            break
        calls_k = calls
        if exact:
            calls += exact_cost
            en = gn
        else:
            calls += _estimate(kind, P, v, n, oracle, w, batch, rng, x, g, probe, s, tmp, est)
            en = _norm(est)
        rule_g = en
        if averaged:
            en = _average_into(m, dp[0], est, k == 0)
            rule_g = en
        elif adam:
            en = _adam_into(out, m, s2, dp, est, k)
            rule_g = en
        elif adagrad:
            b_sq += en * en
            rule_g = math.sqrt(b_sq)
        h, clip = step_size(rule, p, rule_g)
        if polyak:  # no clipping branch: the rule's flag does not count
            h *= value(kind, P, v, x) - dp[0]
            clip = False
        n_clipped += clip
        gmax = max(gmax, en)
        if at_ckpt:  # value() stays in the loop: its @overload door inlines one level deep
            _record(trace, row, k, calls_k, value(kind, P, v, x), gn, en, h * en)
            row += 1
        diverged = _step(x, h, step_dir)
        k += 1
        if diverged:
            status = DIVERGED
            break
    return _result(kind, P, v, x, g, k, probed_k, gn, trace, row, status, calls_at_hit, calls,
                   n_clipped, gmax)  # fmt: skip


def run_spider(
    kind, P, v, n, oracle, w, q, S1, S2, exact_refresh, rule, p, x0, eps, max_iter, max_calls,
    probe_every, rng, ckpts, anchor=False, f_star=math.nan,
):  # fmt: skip
    """SPIDER loop (F18 estimator, T5): refresh every q iterations, else recursive update.

    Refresh: v_k = mean of S1 samples (S1 calls), or the exact gradient when
    ``exact_refresh`` (max(n, 1) calls, the finite-sum case). Inner step:
    v_k = v_{k-1} + (sum over S2 samples of [g(x_k; xi) - g(x_{k-1}; xi)]) / S2
    (2 S2 calls).
    With ``anchor`` (SVRG, Johnson & Zhang 2013): the refresh point is the anchor x~ and
    its estimate mu; inner v_k = mu + (sum over S2 samples of [g(x_k; xi) - g(x~; xi)]) / S2
    (2 S2 calls, the same count as SPIDER/SARAH).
    Returns a :class:`KernelResult`; ``f_star`` as in :func:`run_single`.
    """
    return KernelResult(*_quiet(
        _spider_loop,
        _kind_token(kind), P, v, n, Static(oracle), w, q, S1, S2, exact_refresh, rule, p, x0, eps,
        max_iter, max_calls, probe_every, rng, ckpts, bool(anchor), float(f_star),
    ))  # fmt: skip


@njit(cache=True)
def _spider_loop(
    s_kind, P, v, n, s_oracle, w, q, S1, S2, exact_refresh, rule, p, x0, eps, max_iter,
    max_calls, probe_every, rng, ckpts, anchor, f_star,
):  # fmt: skip
    kind = problem_id(s_kind)
    oracle = static_value(s_oracle)
    d = x0.shape[0]
    x = x0.copy()
    x_prev = x0.copy()  # x_{k-1} (SPIDER/SARAH) or the anchor (SVRG)
    mu = np.empty(d)  # the anchor's estimate (SVRG)
    g = np.empty(d)
    est = np.empty(d)
    acc = np.empty(d)
    tmp = np.empty(d)
    tmp2 = np.empty(d)
    s = np.empty(d + 1)
    trace = np.full((ckpts.shape[0] + 1, 6), np.nan)
    exact_cost = max(n, 1)
    fused = oracle == ORACLE_MINIBATCH and is_kind(kind, KIND_PHASE)
    calls = 0
    n_clipped = 0
    gmax = 0.0
    row = 0
    status = NOT_REACHED
    calls_at_hit = -1
    gn = np.nan
    probed_k = -1
    next_probe = 0  # the next multiple of probe_every
    next_refresh = 0  # the next multiple of q
    k = 0
    while True:
        at_ckpt, probe, test, stop, next_probe = _grid(
            k, False, next_probe, probe_every, ckpts, row, max_iter, max_calls, calls
        )
        status, gn, probed_k = _probe(
            kind, P, v, x, g, eps, k, probe, test, stop, gn, probed_k, f_star
        )
        if status != RUNNING:
            calls_at_hit = calls if status == REACHED else -1
            break
        calls_k = calls
        refreshed = k == next_refresh
        if refreshed:
            next_refresh += q
            if exact_refresh:
                grad_into(kind, P, v, x, est)
                calls += exact_cost
            else:
                calls += _estimate(kind, P, v, n, oracle, w, S1, rng, x, g, probe, s, tmp, est)
            if anchor:
                mu[:] = est
        else:
            if fused:
                phase_minibatch_diff(P, v, n, S2, rng, x, x_prev, acc)
            else:
                acc[:] = 0.0
                for _ in range(S2):
                    draw_sample(oracle, P, v, w, n, rng, s)
                    sample_grad_into(oracle, kind, P, v, s, x, tmp)
                    sample_grad_into(oracle, kind, P, v, s, x_prev, tmp2)
                    for j in range(d):
                        acc[j] += tmp[j] - tmp2[j]
            if anchor:
                for j in range(d):
                    est[j] = mu[j] + acc[j] / S2
            else:
                for j in range(d):
                    est[j] += acc[j] / S2
            calls += 2 * S2
        if refreshed or not anchor:  # SVRG keeps x_prev at the anchor
            x_prev[:] = x
        en = _norm(est)
        h, clip = step_size(rule, p, en)
        n_clipped += clip
        gmax = max(gmax, en)
        if at_ckpt:
            _record(trace, row, k, calls_k, value(kind, P, v, x), gn, en, h * en)
            row += 1
        diverged = _step(x, h, est)
        k += 1
        if diverged:
            status = DIVERGED
            break
    return _result(kind, P, v, x, g, k, probed_k, gn, trace, row, status, calls_at_hit, calls,
                   n_clipped, gmax)  # fmt: skip


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
