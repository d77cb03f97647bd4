"""The oracle an algorithm asks (THEORY T6): every call counted, the probe never seen.

An algorithm (:mod:`l0l1.methods.algorithm`) is Numba code written against an ``Oracle``
``o`` that the driver builds for the run:

- ``o.grad(x, out)``: out <- grad f(x); one gradient call, max(n, 1) oracle calls (a full
  pass over a finite sum of n components);
- ``o.value(x)``: f(x); one function-value call, max(n, 1) oracle calls;
- ``o.sample(x, out)``: out <- the run's stochastic gradient at x, the mean of the run's
  ``batch`` samples (``batch`` calls); with the exact oracle, grad f(x) as ``o.grad``;
- ``o.samples(x, out, m)``: out <- the mean of m samples (m calls; SPIDER's refresh);
- ``o.component_grad(i, x, out)``: out <- grad f_i(x) of a finite sum (one call);
- ``o.sample_diff(x, y, out, m)``: out <- the sum over m shared samples xi of
  g(x; xi) - g(y; xi) (SPIDER's difference, T5; 2 m calls);
- ``o.dim``, ``o.n``, ``o.batch``.

Gradient-type calls (gradients, samples, component gradients) and function-value calls are
counted apart (``o.counts[0]``, ``o.counts[1]``); a run reports both and their total.

The driver probes grad f(x_k) for T6's hitting test without counting it. When the
algorithm then asks for the gradient at the iterate x_k itself (the read-only array the
driver passes), the oracle serves the probed one: the same bits, counted as a call,
computed once. The iterate is read-only inside a step (writing it is a Numba typing
error), so the probed gradient cannot go stale within the step.
"""

from __future__ import annotations

import collections

from numba import njit, types
from numba.extending import overload_method

from l0l1 import jitcache, jitstatic, usercode
from l0l1.jitstatic import static_value
from l0l1.problems import chain, evaluate, kinds, oracles
from l0l1.problems.evaluate import component_grad_into, grad_into, value
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
    __file__, *(m.__file__ for m in (jitstatic, usercode, kinds, chain, evaluate, oracles))
)

Oracle = collections.namedtuple(
    "Oracle",
    ["s_kind", "P", "v", "n", "s_noise", "w", "batch", "rng", "counts", "g", "meta", "s",
     "tmp", "tmp2", "dim"],
)  # fmt: skip
Oracle.__doc__ = """The run's oracle (see the module docstring); built by the driver.

``s_kind`` the problem (Static kind or a user's JitCode token), ``P``, ``v``, ``n`` its data;
``s_noise`` the stochastic oracle (Static), ``w`` its level, ``batch`` samples per
``sample``; ``counts`` [gradient-type calls, value calls]; ``g`` the probed grad f(x_k) and
``meta`` [probed now (0/1), address of x_k]; ``s``, ``tmp``, ``tmp2`` scratch."""


def _ours(o) -> bool:
    return isinstance(o, types.NamedTuple) and o.instance_class is Oracle


def _noise(o) -> int:
    """The run's oracle (problems.oracles.ORACLE_*), read from the type at compile time."""
    return o.types[Oracle._fields.index("s_noise")].value


@overload_method(types.NamedTuple, "is_probed", inline="always")
def _is_probed_ol(o, x):
    """Whether x is the iterate x_k whose gradient the driver has just probed into o.g."""
    if not _ours(o):
        return None
    return lambda o, x: o.meta[0] == 1 and x.ctypes.data == o.meta[1]


@overload_method(types.NamedTuple, "grad", inline="always")
def _grad_ol(o, x, out):
    if not _ours(o):
        return None

    def impl(o, x, out):
        o.counts[0] += max(o.n, 1)
        if o.is_probed(x):
            g = o.g
            for j in range(out.shape[0]):
                out[j] = g[j]
        else:
            grad_into(o.s_kind, o.P, o.v, x, out)

    return impl


@overload_method(types.NamedTuple, "value", inline="always")
def _value_ol(o, x):
    if not _ours(o):
        return None

    def impl(o, x):
        o.counts[1] += max(o.n, 1)
        return value(o.s_kind, o.P, o.v, x)

    return impl


@overload_method(types.NamedTuple, "sample", inline="always")
def _sample_ol(o, x, out):
    if not _ours(o):
        return None
    if _noise(o) == ORACLE_EXACT:  # decided at compile time: no sampling code compiled
        return lambda o, x, out: o.grad(x, out)
    return lambda o, x, out: o.samples(x, out, o.batch)


@overload_method(types.NamedTuple, "samples", inline="always")
def _samples_ol(o, x, out, m):
    """out <- mean of m samples at x (T4; m calls); for the oracles of
    ``transforms_gradient`` every sample is formed from one exact gradient, the probed one
    at x_k (the same bits as recomputing it per sample)."""
    if not _ours(o):
        return None

    def impl(o, x, out, m):
        noise = static_value(o.s_noise)
        kind = o.s_kind
        o.counts[0] += m
        from_grad = transforms_gradient(noise)
        g = o.g
        if from_grad and not o.is_probed(x):
            g = o.tmp2
            grad_into(kind, o.P, o.v, x, g)
        out[:] = 0.0
        tmp = o.tmp
        for _ in range(m):
            _draw(o.s_noise, o.P, o.v, o.w, o.n, o.rng, o.s)
            if from_grad:
                sample_from_grad_into(noise, o.v, o.s, x, g, tmp)
            else:
                sample_grad_into(noise, kind, o.P, o.v, o.s, x, tmp)
            for j in range(out.shape[0]):
                out[j] += tmp[j]
        if m != 1:
            for j in range(out.shape[0]):
                out[j] /= m

    return impl


@overload_method(types.NamedTuple, "sample_diff", inline="always")
def _sample_diff_ol(o, x, y, out, m):
    """out <- sum over m shared samples of g(x; xi) - g(y; xi) (2 m calls); on phase
    retrieval's minibatch oracle one fused pass per row (the same index stream)."""
    if not _ours(o):
        return None
    kind = o.types[Oracle._fields.index("s_kind")]
    if _noise(o) == ORACLE_MINIBATCH and getattr(kind, "value", None) == KIND_PHASE:

        def fused(o, x, y, out, m):
            o.counts[0] += 2 * m
            phase_minibatch_diff(o.P, o.v, o.n, m, o.rng, x, y, out)

        return fused

    def impl(o, x, y, out, m):
        noise = static_value(o.s_noise)
        kind = o.s_kind
        o.counts[0] += 2 * m
        out[:] = 0.0
        tmp, tmp2 = o.tmp, o.tmp2
        for _ in range(m):
            _draw(o.s_noise, o.P, o.v, o.w, o.n, o.rng, o.s)
            sample_grad_into(noise, kind, o.P, o.v, o.s, x, tmp)
            sample_grad_into(noise, kind, o.P, o.v, o.s, y, tmp2)
            for j in range(out.shape[0]):
                out[j] += tmp[j] - tmp2[j]

    return impl


@overload_method(types.NamedTuple, "component_grad", inline="always")
def _component_grad_ol(o, i, x, out):
    if not _ours(o):
        return None

    def impl(o, i, x, out):
        o.counts[0] += 1
        component_grad_into(o.s_kind, o.P, o.v, i, x, out)

    return impl


@njit(cache=True)
def _draw(s_noise, P, v, w, n, rng, s):
    """draw_sample as a call, not inlined into the step: inlined through the overload
    layers, its write s[d] went astray (a Numba IR-inlining defect; the affine and online
    phase-retrieval samples, the two that write s[d], were garbage)."""
    draw_sample(static_value(s_noise), P, v, w, n, rng, s)
