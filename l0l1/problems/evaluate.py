"""Numba formulas of every problem kind (THEORY T2): value, gradient, component gradient.

Built-in problems: each kind (kinds.KIND_*) has its value, gradient and component
gradient as functions of their own (``FORMULAS``), all ``njit(cache=True)`` on arrays and
scalars. KIND_COSH is the scaled cosh sum_j cosh(a x_j)/a^2 with a = P[0, 0] (a = 1:
cosh x; the products and quotients by a = 1 are exact, so its bits are those of the plain
formula). No switch: a kind compiles its own formulas alone.

The kernels call the generic ``value``, ``grad_into`` and ``component_grad_into``, which
Numba resolves at compile time from the type of ``kind`` (``@overload``): for
``Static(kind)`` (:mod:`l0l1.jitstatic`) that kind's formulas, as calls that LLVM inlines
where it pays (the T6 driver, :mod:`l0l1.methods.driver`); for a user problem's
:class:`l0l1.usercode.JitCode` token (``Problem.from_functions``) the user's own
functions. One door, so a user problem gets the kernels, oracles, counts and traces of the
built-in ones. From Python the same three names look the kind's formula up.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from l0l1 import jitcache, usercode
from l0l1.jitstatic import StaticType, static_value
from l0l1.problems import chain, kinds
from l0l1.problems.kinds import (
    KIND_CHAIN,
    KIND_CHAIN_SUM,
    KIND_COSH,
    KIND_EXP,
    KIND_LOGCOSH,
    KIND_LOGISTIC,
    KIND_PHASE,
    KIND_PHASE_POP,
    KIND_PIECES,
    KIND_POLY,
    KIND_Z20_BOWL,
)

jitcache.depends(__file__, kinds.__file__, chain.__file__, usercode.__file__)


@njit(cache=True, inline="always")  # a call per coordinate costs more than its work
def _poly_row(P, j, t):
    """p_j(t) and p_j'(t) by Horner's rule, coefficients P[j, :] ascending."""
    deg = P.shape[1] - 1
    val = P[j, deg]
    der = 0.0
    for i in range(deg - 1, -1, -1):
        der = der * t + val
        val = val * t + P[j, i]
    return val, der


@njit(cache=True, inline="always")
def _poly_grad_into(P, x, out):
    """out_j <- p_j'(x_j): :func:`_poly_row`'s arithmetic, four coordinates interleaved
    (four independent Horner chains in flight instead of one; the same bits)."""
    d = x.shape[0]
    deg = P.shape[1] - 1
    m = d - d % 4
    for j in range(0, m, 4):
        t0, t1, t2, t3 = x[j], x[j + 1], x[j + 2], x[j + 3]
        v0, v1, v2, v3 = P[j, deg], P[j + 1, deg], P[j + 2, deg], P[j + 3, deg]
        d0 = d1 = d2 = d3 = 0.0
        for i in range(deg - 1, -1, -1):
            d0 = d0 * t0 + v0
            d1 = d1 * t1 + v1
            d2 = d2 * t2 + v2
            d3 = d3 * t3 + v3
            v0 = v0 * t0 + P[j, i]
            v1 = v1 * t1 + P[j + 1, i]
            v2 = v2 * t2 + P[j + 2, i]
            v3 = v3 * t3 + P[j + 3, i]
        out[j], out[j + 1], out[j + 2], out[j + 3] = d0, d1, d2, d3
    for j in range(m, d):
        out[j] = _poly_row(P, j, x[j])[1]


@njit(cache=True, fastmath={"reassoc"})
def _row_dot(P, r, x):
    """P[r, :] . x without a BLAS call (short vectors in hot loops).

    The sum may be reassociated (and so vectorised): a fixed order per machine, like
    BLAS's dot, where a strict left-to-right sum waits a full add latency per entry.
    """
    acc = 0.0
    for j in range(x.shape[0]):
        acc += P[r, j] * x[j]
    return acc


@njit(cache=True)
def _log1pexp(t):
    """log(1 + e^t) without overflow."""
    if t > 0.0:
        return t + math.log1p(math.exp(-t))
    return math.log1p(math.exp(t))


@njit(cache=True)
def _sigmoid(t):
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@njit(cache=True)
def _logcosh(t):
    a = abs(t)
    return a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)


@njit(cache=True)
def _pop_moment(d):
    """c = d/(d+2): E[a_i^4] = 3c for a uniform on the sphere of radius sqrt(d)."""
    return d / (d + 2.0)


# --- one value and one gradient per kind: the switches below and the typed door pick them ---


@njit(cache=True)
def _value_poly(P, v, x):
    s = 0.0
    for j in range(x.shape[0]):
        s += _poly_row(P, j, x[j])[0]
    return s


@njit(cache=True)
def _grad_poly(P, v, x, out):
    _poly_grad_into(P, x, out)


@njit(cache=True)
def _value_exp(P, v, x):
    return np.sum(np.exp(x))


@njit(cache=True)
def _grad_exp(P, v, x, out):
    for j in range(x.shape[0]):
        out[j] = math.exp(x[j])


@njit(cache=True)
def _value_cosh(P, v, x):  # P[0, 0] = a; at a = 1 the products and quotients are exact
    a = P[0, 0]
    return np.sum(np.cosh(a * x)) / (a * a)


@njit(cache=True)
def _grad_cosh(P, v, x, out):
    a = P[0, 0]
    for j in range(x.shape[0]):
        out[j] = math.sinh(a * x[j]) / a


@njit(cache=True)
def _value_logcosh(P, v, x):
    s = 0.0
    for j in range(x.shape[0]):
        s += _logcosh(x[j])
    return s


@njit(cache=True)
def _grad_logcosh(P, v, x, out):
    for j in range(x.shape[0]):
        out[j] = math.tanh(x[j])


@njit(cache=True)
def _value_logistic(P, v, x):
    return _log1pexp(-_row_dot(P, 0, x))


@njit(cache=True)
def _grad_logistic(P, v, x, out):
    w = -_sigmoid(-_row_dot(P, 0, x))
    for j in range(x.shape[0]):
        out[j] = w * P[0, j]


@njit(cache=True)
def _value_phase(P, v, x):
    m = P.shape[0]
    s = 0.0
    for r in range(m):
        t = _row_dot(P, r, x)
        res = t * t - v[r]
        s += res * res
    return s / (4.0 * m)


@njit(cache=True)
def _grad_phase(P, v, x, out):
    m = P.shape[0]
    d = x.shape[0]
    out[:] = 0.0
    for r in range(m):
        t = _row_dot(P, r, x)
        w = (t * t - v[r]) * t / m
        for j in range(d):
            out[j] += w * P[r, j]


@njit(cache=True)
def _value_phase_pop(P, v, x):
    c = _pop_moment(x.shape[0])
    z = P[0]
    xx = np.dot(x, x)
    zz = np.dot(z, z)
    xz = np.dot(x, z)
    return 0.25 * c * (3.0 * xx * xx - 2.0 * xx * zz - 4.0 * xz * xz + 3.0 * zz * zz) + 0.25 * (
        v[0] * v[0]
    )


@njit(cache=True)
def _grad_phase_pop(P, v, x, out):
    c = _pop_moment(x.shape[0])
    z = P[0]
    xx = np.dot(x, x)
    zz = np.dot(z, z)
    xz = np.dot(x, z)
    for j in range(x.shape[0]):
        out[j] = c * ((3.0 * xx - zz) * x[j] - 2.0 * xz * z[j])


@njit(cache=True)
def _value_chain(P, v, x):
    return chain.scaled_value(v, x)


@njit(cache=True)
def _grad_chain(P, v, x, out):
    chain.scaled_grad_into(v, x, out)


@njit(cache=True)
def _value_bowl(P, v, x):
    return chain.bowl_value(v, x)


@njit(cache=True)
def _grad_bowl(P, v, x, out):
    chain.bowl_grad_into(v, x, out)


@njit(cache=True)
def piece_at(P, v, t):
    """(f(t), f'(t)) of a one-variable witness (T8): P's columns are its pieces from the left,
    rows a, f(a), f'(a), s, z (f'' = s (L0 + L1 z f') on [a, next a)); left of the first
    piece f continues linearly. The closed forms of worstcase.pieces.advance."""
    i = max(np.searchsorted(P[0], t, side="right") - 1, 0)
    a, fa, ga, z = P[0, i], P[1, i], P[2, i], P[4, i]
    s = P[3, i] if t >= a else 0.0
    u = t - a
    q = v[0] + v[1] * z * ga
    c = z * s * v[1]
    cu = c * u
    if abs(cu) < 1e-4:  # Taylor: no cancellation (worstcase.pieces._SMALL)
        e1 = u * (1 + cu / 2 * (1 + cu / 3 * (1 + cu / 4)))
        e2 = u * u / 2 * (1 + cu / 3 * (1 + cu / 4 * (1 + cu / 5)))
    else:
        e1 = math.expm1(cu) / c
        e2 = (math.expm1(cu) - cu) / (c * c)
    return fa + ga * u + s * q * e2, ga + s * q * e1


@njit(cache=True)
def _value_pieces(P, v, x):
    return piece_at(P, v, x[0])[0]


@njit(cache=True)
def _grad_pieces(P, v, x, out):
    out[0] = piece_at(P, v, x[0])[1]


@njit(cache=True)
def _component_phase(P, v, i, x, out):
    t = _row_dot(P, i, x)
    w = (t * t - v[i]) * t
    for j in range(x.shape[0]):
        out[j] = w * P[i, j]


@njit(cache=True)
def _component_chain_sum(P, v, i, x, out):
    chain.sum_component_grad_into(P, v, i, x, out)


@njit(cache=True)
def _no_value(P, v, x):
    return np.nan


@njit(cache=True)
def _no_grad(P, v, x, out):
    out[:] = np.nan


@njit(cache=True)
def _no_component(P, v, i, x, out):
    out[:] = np.nan


_NONE = (_no_value, _no_grad, _no_component)

# kind -> (value, gradient, component gradient): a kind compiles its own formulas alone
FORMULAS = {
    KIND_POLY: (_value_poly, _grad_poly, _no_component),
    KIND_EXP: (_value_exp, _grad_exp, _no_component),
    KIND_COSH: (_value_cosh, _grad_cosh, _no_component),
    KIND_LOGCOSH: (_value_logcosh, _grad_logcosh, _no_component),
    KIND_LOGISTIC: (_value_logistic, _grad_logistic, _no_component),
    KIND_PHASE: (_value_phase, _grad_phase, _component_phase),
    KIND_PHASE_POP: (_value_phase_pop, _grad_phase_pop, _no_component),
    KIND_CHAIN: (_value_chain, _grad_chain, _no_component),
    KIND_CHAIN_SUM: (_value_chain, _grad_chain, _component_chain_sum),
    KIND_Z20_BOWL: (_value_bowl, _grad_bowl, _no_component),
    KIND_PIECES: (_value_pieces, _grad_pieces, _no_component),
}


@njit(cache=True)
def phase_sample_grad_into(s, x, out):
    """out <- grad of (1/4)((a.x)^2 - y)^2 for the sample s = (a, y) (length d + 1)."""
    d = x.shape[0]
    t = 0.0
    for j in range(d):
        t += s[j] * x[j]
    w = (t * t - s[d]) * t
    for j in range(d):
        out[j] = w * s[j]


# --- the generic door: built-in kind (an integer) or user code (a JitCode token) ---------


def value(kind, P, v, x):
    """f(x) for a built-in kind or a user token."""
    if isinstance(kind, usercode.JitCode):
        return float(kind.functions["value"](x))
    return float(FORMULAS.get(kind, _NONE)[0](P, v, x))


def grad_into(kind, P, v, x, out):
    """out <- grad f(x) for a built-in kind or a user token."""
    if isinstance(kind, usercode.JitCode):
        _user_grad_py(kind, "grad", (x,), out)
    else:
        FORMULAS.get(kind, _NONE)[1](P, v, x, out)


def component_grad_into(kind, P, v, i, x, out):
    """out <- grad f_i(x) for a built-in finite sum or a user token with ``component_grad``."""
    if isinstance(kind, usercode.JitCode):
        _user_grad_py(kind, "component_grad", (i, x), out)
    else:
        FORMULAS.get(kind, _NONE)[2](P, v, i, x, out)


def _user_grad_py(code, slot, args, out):
    fn = code.functions[slot]
    if code.flags[slot + "_inplace"]:
        fn(*args, out)
    else:
        out[:] = fn(*args)


def problem_id(s_kind):
    """In a kernel: the integer of ``Static(kind)``, or the user token itself."""
    return s_kind.value if hasattr(s_kind, "value") else s_kind


def is_kind(kind, k):
    """In a kernel: whether ``kind`` is the built-in kind ``k`` (never for user code)."""
    return not isinstance(kind, usercode.JitCode) and kind == k


def _user(kind, role="problem"):
    if isinstance(kind, usercode.JitCodeType) and kind.role == role:
        return usercode.registered(kind.code_key)
    return None


def _formula(kind, slot: int):
    """For a ``Static(kind)`` argument: that kind's formula alone (T2), else None. A call,
    not inlined into the caller's Numba IR: LLVM inlines it where it pays, and a kernel
    compiles in a third of the time (benchmarks/README.md)."""
    if isinstance(kind, StaticType):
        return FORMULAS.get(kind.value, _NONE)[slot]
    return None


@overload(value, inline="always")
def _value_ol(kind, P, v, x):
    fn = _formula(kind, 0)
    if fn is not None:
        return lambda kind, P, v, x: fn(P, v, x)
    code = _user(kind)
    if code is not None:
        fn = code.functions["value"]
        return lambda kind, P, v, x: float(fn(x))
    return None


def _grad_ol(slot):
    def impl_for(kind):
        code = _user(kind)
        if code is None:
            return None
        fn = code.functions[slot]
        inplace = code.flags[slot + "_inplace"]
        if slot == "grad":
            if inplace:
                return lambda kind, P, v, x, out: fn(x, out)

            def copy(kind, P, v, x, out):
                out[:] = fn(x)

            return copy
        if inplace:
            return lambda kind, P, v, i, x, out: fn(i, x, out)

        def copy_i(kind, P, v, i, x, out):
            out[:] = fn(i, x)

        return copy_i

    return impl_for


_user_grad = _grad_ol("grad")
_user_component_grad = _grad_ol("component_grad")


@overload(grad_into, inline="always")
def _grad_into_ol(kind, P, v, x, out):
    fn = _formula(kind, 1)
    if fn is not None:
        return lambda kind, P, v, x, out: fn(P, v, x, out)
    return _user_grad(kind)


@overload(component_grad_into, inline="always")
def _component_grad_into_ol(kind, P, v, i, x, out):
    fn = _formula(kind, 2)
    if fn is not None:
        return lambda kind, P, v, i, x, out: fn(P, v, i, x, out)
    code = _user(kind)
    if code is not None and "component_grad" not in code.functions:
        return lambda kind, P, v, i, x, out: out.fill(np.nan)
    return _user_component_grad(kind)


@overload(problem_id, inline="always")
def _problem_id_ol(s_kind):
    if isinstance(s_kind, StaticType):
        return lambda s_kind: static_value(s_kind)
    if isinstance(s_kind, usercode.JitCodeType):
        return lambda s_kind: s_kind
    return None


@overload(is_kind, inline="always")
def _is_kind_ol(kind, k):
    if isinstance(kind, StaticType):
        same = kind.value
        return lambda kind, k: k == same
    if isinstance(kind, types.Integer):
        return lambda kind, k: kind == k
    if isinstance(kind, usercode.JitCodeType):
        return lambda kind, k: False
    return None
