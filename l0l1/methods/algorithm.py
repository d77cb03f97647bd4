"""An algorithm is code: ``init`` and ``step`` written against the oracle (THEORY T6).

A method's algorithm is a pair of Numba-compilable functions::

    init(o, x0, p) -> state                     # a tuple; arrays allocated once, here
    step(o, k, x, x_next, state, p) -> (estimator_norm, step_length, clipped, ok)

``o`` is the run's :class:`l0l1.methods.oracle.Oracle` (``o.grad``, ``o.value``,
``o.sample``, ``o.component_grad``, ``o.sample_diff``: each call counted), ``p`` the float
array of the method's schedule values, ``k`` the iteration. ``step`` reads the iterate
``x`` = x_k (read-only) and writes x_{k+1} into ``x_next``; it returns the norm of the
estimator it stepped along (recorded in the trace, T6), the step length, whether a
clipping branch was active, and ``ok``: whether x_{k+1} is finite (:func:`descend`
returns it). State lives in ``state`` (arrays are mutated in place; scalars kept in
one-entry arrays). The T6 measurement (probe grid, hitting test, trace, divergence,
budget) is :mod:`l0l1.methods.driver`'s, written once; the algorithm never sees it.

Each algorithm is a :class:`l0l1.usercode.JitCode` token (role "algorithm"): the driver
is compiled for it alone, with its code inlined, and cached on disk under its code hash.
"""

from __future__ import annotations

import math

from numba import njit, types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic, overload
from numba.np.arrayobj import make_array

from l0l1 import jitcache, usercode

jitcache.depends(__file__, usercode.__file__)


def algorithm(init, step) -> usercode.JitCode:
    """The token of the algorithm ``(init, step)`` (plain or ``numba.njit`` functions)."""
    return usercode.JitCode(
        "algorithm",
        {"init": usercode.as_jitted(init, "init"), "step": usercode.as_jitted(step, "step")},
    )


@njit(cache=True, inline="always")
def _sumsq(a):
    """sum a_j^2 with eight partial sums (j mod 8), combined pairwise at the end."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    m = n - n % 8
    for j in range(0, m, 8):
        s0 += a[j] * a[j]
        s1 += a[j + 1] * a[j + 1]
        s2 += a[j + 2] * a[j + 2]
        s3 += a[j + 3] * a[j + 3]
        s4 += a[j + 4] * a[j + 4]
        s5 += a[j + 5] * a[j + 5]
        s6 += a[j + 6] * a[j + 6]
        s7 += a[j + 7] * a[j + 7]
    for j in range(m, n):
        s0 += a[j] * a[j]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@njit(cache=True, inline="always")
def norm(a):
    """The Euclidean norm of a vector, finite for finite vectors (T6's ||.||; rescaled
    when the squares overflow)."""
    acc = _sumsq(a)
    if math.isfinite(acc):
        return math.sqrt(acc)
    return _norm_rescaled(a, acc)


@njit(cache=True)
def _norm_rescaled(a, acc):
    """:func:`norm` when the sum of squares ``acc`` is not finite."""
    if acc != acc:  # a NaN entry
        return math.nan
    scale = 0.0
    for t in a:
        scale = max(scale, abs(t))
    if math.isinf(scale):
        return math.inf
    acc = 0.0
    for t in a:
        acc += (t / scale) ** 2
    return scale * math.sqrt(acc)


@njit(cache=True, inline="always")
def descend(x_next, x, h, d):
    """x_next <- x - h d; True when every entry of x_next is finite."""
    bad = 0
    for j in range(x.shape[0]):
        t = x[j] - h * d[j]
        x_next[j] = t
        bad |= (t - t) != 0.0  # inf - inf and NaN - NaN are NaN, finite - itself is 0
    return bad == 0


@njit(cache=True, inline="always")
def finite(a):
    """True when every entry of a is finite (for steps that do not end in :func:`descend`)."""
    bad = 0
    for t in a:
        bad |= (t - t) != 0.0
    return bad == 0


def algo_init(code, o, x0, p):
    """In the driver: the algorithm's ``init(o, x0, p)``."""
    return math.nan


def algo_step(code, o, k, x, x_next, state, p):
    """In the driver: the algorithm's ``step(o, k, x, x_next, state, p)``."""
    return math.nan


_INLINED: dict = {}


def _inlined(code, slot):
    """The algorithm's ``slot`` function, IR-inlined into the driver (one per code)."""
    if not (isinstance(code, usercode.JitCodeType) and code.role == "algorithm"):
        return None
    key = (code.code_key, slot)
    if key not in _INLINED:
        fn = usercode.registered(code.code_key).functions[slot].py_func
        _INLINED[key] = njit(inline="always")(fn)
    return _INLINED[key]


@overload(algo_init, inline="always")
def _algo_init_ol(code, o, x0, p):
    fn = _inlined(code, "init")
    if fn is None:
        return None
    return lambda code, o, x0, p: fn(o, x0, p)


@overload(algo_step, inline="always")
def _algo_step_ol(code, o, k, x, x_next, state, p):
    fn = _inlined(code, "step")
    if fn is None:
        return None
    return lambda code, o, k, x, x_next, state, p: fn(o, k, x, x_next, state, p)


# --- arrays without reference counting in the hot loop -------------------------------------


@intrinsic
def borrow(typingctx, arr):
    """A view of ``arr`` holding no reference to its memory: passing it around costs no
    atomic reference-count update (the driver's hot loop; 2x on AMD EPYC, see
    benchmarks/README.md). The caller keeps ``arr`` alive while the view is used."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        src = make_array(arr)(context, builder, value=args[0])
        dst = make_array(arr)(context, builder)
        for name in ("data", "shape", "strides", "itemsize", "nitems"):
            setattr(dst, name, getattr(src, name))
        dst.meminfo = cgutils.get_null_value(dst.meminfo.type)
        dst.parent = cgutils.get_null_value(dst.parent.type)
        return dst._getvalue()

    return arr(arr), codegen


@intrinsic
def readonly(typingctx, arr):
    """``arr`` typed read-only: a step that writes its iterate fails to compile."""
    if not isinstance(arr, types.Array):
        return None
    ro = arr.copy(readonly=True)

    def codegen(context, builder, sig, args):
        return impl_ret_borrowed(context, builder, ro, args[0])

    return ro(arr), codegen


def borrow_state(state):
    """In the driver: ``state`` with each array :func:`borrow`-ed (other entries as they are)."""
    return state


@overload(borrow_state, inline="always")
def _borrow_state_ol(state):
    if isinstance(state, types.Array):
        return lambda state: borrow(state)
    if not isinstance(state, types.BaseTuple) or isinstance(state, types.BaseNamedTuple):
        return lambda state: state
    n = len(state)
    if n == 0:
        return lambda state: state
    src = "def impl(state):\n    return ({},)\n".format(
        ", ".join(f"borrow_state(state[{i}])" for i in range(n))
    )
    scope = {"borrow_state": borrow_state}
    exec(src, scope)  # a fixed template over the tuple's length, no user text
    return scope["impl"]
