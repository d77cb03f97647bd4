"""User code the kernels call: jitted functions behind a token whose Numba type is their hash.

A built-in problem reaches the kernels as ``Static(kind)`` (:mod:`l0l1.jitstatic`), a
built-in step rule as an integer. A user's objective or step rule reaches the same kernels
as a :class:`JitCode` token: a set of Numba dispatchers plus a key, the SHA-256 of their
source text, closure values and the values of the globals they read. The token's Numba
type is named by that key, so

- the kernels compile one specialization per user code (the user's functions are called
  directly, and inlined by LLVM where it pays), and Numba's on-disk cache of a kernel
  compiled for a token is found again in a new process for the same code;
- an edited function has a new key: never a stale kernel, never a stale stored run.

The dispatchers themselves are looked up by key in a process-wide registry when a kernel
is compiled for the token (see the ``@overload`` dispatch in :mod:`l0l1.problems.evaluate`
and :mod:`l0l1.methods.steps`).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import tokenize
import types as pytypes

import numpy as np
from numba import types
from numba.core.registry import CPUDispatcher
from numba.extending import NativeValue, models, register_model, typeof_impl, unbox

_REGISTRY: dict[str, JitCode] = {}


class JitCode:
    """Jitted functions of one user problem (``role == "problem"``) or step rule ("rule").

    ``functions`` maps a slot name (value, grad, component_grad, hvp, step) to a Numba
    dispatcher; ``flags`` are compile-time facts about them (e.g. ``grad_inplace``).
    """

    __slots__ = ("flags", "functions", "key", "role")

    def __init__(self, role: str, functions: dict, flags: dict | None = None):
        self.role = role
        self.functions = dict(functions)
        self.flags = dict(flags or {})
        self.key = code_hash(role, self.functions, self.flags)
        _REGISTRY.setdefault(self.key, self)

    def __repr__(self) -> str:
        return f"JitCode({self.role}, {self.key[:12]})"

    def __reduce__(self):
        # Rebuilt in a worker process from the same dispatchers (pickled by reference).
        return (JitCode, (self.role, self.functions, self.flags))


def registered(key: str) -> JitCode:
    """The token with this key (the kernels' compile-time lookup)."""
    return _REGISTRY[key]


class JitCodeType(types.Type):
    """Numba type of a :class:`JitCode`: equal (and cached) exactly when the code is."""

    def __init__(self, role: str, key: str, flags: tuple):
        self.role = role
        self.code_key = key
        self.flag_items = flags
        super().__init__(name=f"JitCode({role}, {key})")

    def flag(self, name: str):
        return dict(self.flag_items).get(name)


@typeof_impl.register(JitCode)
def _typeof_code(val, c):
    return JitCodeType(val.role, val.key, tuple(sorted(val.flags.items())))


register_model(JitCodeType)(models.OpaqueModel)  # no data at run time: the code is the type


@unbox(JitCodeType)
def _unbox_code(typ, obj, c):
    return NativeValue(c.context.get_constant_null(typ))


def as_jitted(fn, field: str):
    """``fn`` as a Numba dispatcher (``njit`` applied to a plain Python function)."""
    from numba import njit

    from l0l1.validate import InputError

    if isinstance(fn, CPUDispatcher):
        return fn
    if not isinstance(fn, pytypes.FunctionType):
        raise InputError(
            f"{field}: {fn!r} is not allowed; allowed: a Python function or a numba.njit function"
        )
    return njit(fn)


NUMBA_EMBED_LIMIT = 10**6  # bytes: Numba links a larger (or non-contiguous) array by address


def linked_arrays(functions: dict) -> list[tuple[str, int]]:
    """(slot, bytes) of every array a slot's functions close over or read as a global that
    Numba cannot embed in compiled code (larger than 1 MB, or not contiguous). A kernel
    compiled with one is not cached on disk: each new process compiles it again."""
    found = []
    for slot in sorted(functions):
        seen: set = set()
        for arr in _arrays_of(functions[slot], seen):
            big = arr.nbytes > NUMBA_EMBED_LIMIT
            if big or not (arr.flags.c_contiguous or arr.flags.f_contiguous):
                found.append((slot, arr.nbytes))
    return found


def _arrays_of(fn, seen: set):
    py = getattr(fn, "py_func", fn)
    code = getattr(py, "__code__", None)
    if id(py) in seen or code is None:
        return
    seen.add(id(py))
    values = []
    for cell in py.__closure__ or ():
        with contextlib.suppress(ValueError):  # an empty cell
            values.append(cell.cell_contents)
    glb = getattr(py, "__globals__", {})
    values += [glb[name] for name in _global_names(code) if name in glb]
    for val in values:
        if isinstance(val, np.ndarray):
            yield val
        elif isinstance(val, CPUDispatcher | pytypes.FunctionType):
            yield from _arrays_of(val, seen)


def code_hash(role: str, functions: dict, flags: dict) -> str:
    """SHA-256 over the role, flags and every function's module name, source, closure and
    globals."""
    h = hashlib.sha256(f"{role}|{sorted(flags.items())!r}".encode())
    for slot in sorted(functions):
        h.update(slot.encode())
        _hash_function(h, functions[slot], set())
    return h.hexdigest()


def _hash_function(h, fn, seen: set) -> None:
    py = getattr(fn, "py_func", fn)
    if id(py) in seen:
        return
    seen.add(id(py))
    code = getattr(py, "__code__", None)
    if code is None:
        h.update(repr(py).encode())
        return
    # The module's name too: a cached kernel's environment is rebuilt by importing it.
    h.update(str(getattr(py, "__module__", "")).encode())
    try:
        h.update(inspect.getsource(py).encode())
    except (OSError, TypeError, SyntaxError, tokenize.TokenError):  # no readable source
        h.update(code.co_code)
    _hash_consts(h, code)
    for cell in py.__closure__ or ():
        try:
            _hash_value(h, cell.cell_contents, seen)
        except ValueError:  # an empty cell
            h.update(b"<empty>")
    glb = getattr(py, "__globals__", {})
    for name in _global_names(code):
        if name in glb:
            h.update(name.encode())
            _hash_value(h, glb[name], seen)


def object_hash(obj) -> str:
    """SHA-256 of what an object is made of: a Problem's or MethodSpec's code key, else the
    source, closures and globals of a function, else its value."""
    key = getattr(obj, "code_key", None) or getattr(obj, "source_hash", None)
    h = hashlib.sha256(type(obj).__qualname__.encode())
    if isinstance(key, str):
        h.update(key.encode())
    else:
        _hash_value(h, obj, set())
    return h.hexdigest()


def _hash_consts(h, code) -> None:
    """The constants of a code object, nested code (lambdas, inner functions) by content:
    the repr of a code object holds its address, which differs in every process."""
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            h.update(const.co_code)
            _hash_consts(h, const)
        else:
            h.update(repr(const).encode())


def _global_names(code) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            names.extend(_global_names(const))
    return names


def _hash_value(h, val, seen: set) -> None:
    if isinstance(val, np.ndarray):
        h.update(repr((val.dtype.str, val.shape)).encode())
        h.update(np.ascontiguousarray(val).tobytes())
    elif isinstance(val, bool | int | float | complex | str | bytes | type(None)):
        h.update(repr(val).encode())
    elif isinstance(val, tuple | list):
        for item in val:
            _hash_value(h, item, seen)
    elif isinstance(val, dict):
        for k in sorted(val, key=repr):
            h.update(repr(k).encode())
            _hash_value(h, val[k], seen)
    elif isinstance(val, CPUDispatcher | pytypes.FunctionType):
        _hash_function(h, val, seen)
    elif isinstance(val, pytypes.ModuleType):
        h.update(val.__name__.encode())
    elif type(val).__module__.startswith("sympy"):
        h.update(repr(val).encode())  # a SymPy expression prints deterministically
    else:
        h.update(type(val).__qualname__.encode())
