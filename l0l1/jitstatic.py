"""Compile-time integer arguments for Numba kernels: one compiled loop per value.

The kernels take the problem kind, the oracle and the step rule as small integers and
branch on them. Passed as plain ints, every branch stays in the loop and every helper
stays a separate call (each call increfs and decrefs its array arguments, atomically).
Wrapped as ``Static(k)``, the value is part of the argument's *type*: Numba compiles (and
caches on disk) one kernel per value, ``static_value`` turns it back into a constant,
and LLVM removes the dead branches of the helpers inlined into the loop.
``benchmarks/README.md`` has the measured gain and the extra compile time.
"""

from __future__ import annotations

from numba import types
from numba.extending import NativeValue, intrinsic, models, register_model, typeof_impl, unbox


class Static:
    """An integer that a jitted function sees as a compile-time constant."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        self.value = int(value)

    def __repr__(self) -> str:
        return f"Static({self.value})"


class StaticType(types.Type):
    """Numba type of ``Static(value)``: one type, so one compiled specialization, per value."""

    def __init__(self, value: int):
        self.value = value
        super().__init__(name=f"Static({value})")


@typeof_impl.register(Static)
def _typeof_static(val, c):
    return StaticType(val.value)


register_model(StaticType)(models.OpaqueModel)  # carries no data: the value is the type


@unbox(StaticType)
def _unbox_static(typ, obj, c):
    return NativeValue(c.context.get_constant_null(typ))


@intrinsic
def static_value(typingctx, s):
    """The integer of a ``Static`` argument, as an int64 constant.

    Typed int64, not as a literal: the functions it is passed to compile once for int64
    and are shared by every specialization; in the inlined helpers LLVM folds the branches.
    """
    if not isinstance(s, StaticType):
        return None

    def codegen(context, builder, signature, args):
        return context.get_constant(types.int64, s.value)

    return types.int64(s), codegen
