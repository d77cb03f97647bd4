"""Your code by reference: ``package.module:name`` or ``path/file.py:name``.

Wherever l0l1 takes a problem or a method by name (``make_problem``, ``run``, sweep
files, ``l0l1 run --problem/--method``), a name with a colon is an entry point: the
module (found on ``sys.path`` or in the working directory) or the file (relative to the
working directory) is imported at that moment, only because you asked, and ``name`` is
looked up in it.

- A **problem** entry point names a :class:`l0l1.Problem`, or a function that declares itself
  a problem factory: marked with the :func:`problem` decorator (``@l0l1.problem``) or
  registered with :func:`l0l1.register_problem`. The problem's parameters (``params`` in a
  sweep file) are passed to it as keywords.
- A **method** entry point names the :class:`l0l1.methods.registry.MethodSpec` that
  :func:`l0l1.register_method` returned.

Anything else (``os:system``, an unmarked function) is refused before it is called: a sweep
file is shared like data and must not run arbitrary code. Importing the named module or file
stays, and runs its top-level code, as any import does: name only code you trust.

Every failure is a one-line :class:`l0l1.validate.InputError`: a missing module or file,
a missing name (with the closest names), an import that raised, an object that is not
declared, a wrong signature, a factory returning the wrong type. Functions Numba cannot
compile and non-finite returns are refused when the problem is built
(:mod:`l0l1.problems.user`).

:func:`code_identity` is what a sweep adds to its run keys for code outside the package:
the SHA-256 of the defining file and of the code the entry point reaches (its source,
closures and globals, followed into the functions it calls), so an edited function is
never served from a store.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path

from l0l1.validate import InputError, did_you_mean

ALLOWED = "module:name or path/file.py:name"
DECLARED = "__l0l1_problem__"  # set by @l0l1.problem on a problem factory
PROBLEM_ALLOWED = (
    "a Problem, a function marked @l0l1.problem or one registered with l0l1.register_problem"
)
METHOD_ALLOWED = "the MethodSpec that l0l1.register_method returns"


def problem_factory(fn):
    """Declare ``fn(**params) -> Problem`` a problem factory (used as ``@l0l1.problem``), so
    that an entry point may name and call it. Returns ``fn`` itself."""
    if not callable(fn):
        raise InputError(f"problem: {fn!r} is not allowed; allowed: a function returning a Problem")
    setattr(fn, DECLARED, True)
    return fn


def is_entry_point(name) -> bool:
    """Whether ``name`` refers to user code (``module:name``) rather than a registered name."""
    return isinstance(name, str) and ":" in name


def load(ref: str, field: str):
    """The object ``ref`` names (module imported or file executed once per process)."""
    module_ref, attr = _split(ref, field)
    module = _import(module_ref, field)
    if not hasattr(module, attr):
        public = [n for n in vars(module) if not n.startswith("_")]
        hint = did_you_mean(attr, public)
        raise InputError(
            f"{field}: {module_ref!r} has no {attr!r}{hint}; allowed: a name defined in it"
        )
    return getattr(module, attr)


def problem(ref: str, params: dict, field: str = "problem"):
    """The Problem that entry point ``ref`` gives for ``params``."""
    from l0l1.problems.base import Problem

    obj = declared_problem(ref, field)
    if isinstance(obj, Problem):
        if params:
            raise InputError(
                f"{field}: {ref!r} is a Problem and takes no parameters ({', '.join(params)} "
                "given); allowed: no params, or a function returning a Problem"
            )
        return obj
    built = _call(obj, ref, params, field)
    if not isinstance(built, Problem):
        raise InputError(
            f"{field}: {ref!r} returned {type(built).__name__}; allowed: an l0l1 Problem"
        )
    return built


def problem_parameters(ref: str, field: str = "problem") -> tuple[str, ...]:
    """The keyword parameters an entry point's function takes (empty for a Problem)."""
    from l0l1.problems.base import Problem

    obj = declared_problem(ref, field)
    if isinstance(obj, Problem):
        return ()
    try:
        return tuple(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return ()


def declared_problem(ref: str, field: str = "problem"):
    """The object ``ref`` names if it is a Problem or a declared problem factory; nothing
    of it is called (a one-line InputError otherwise)."""
    from l0l1.problems.base import Problem
    from l0l1.problems.catalog import PROBLEMS

    obj = load(ref, field)
    if isinstance(obj, Problem):
        return obj
    marked = inspect.getattr_static(obj, DECLARED, False) is True
    if not (marked or any(obj is builder for builder in PROBLEMS.values())):
        raise InputError(
            f"{field}: {ref!r} is not declared as an l0l1 problem ({_kind(obj)}); allowed: "
            f"{PROBLEM_ALLOWED}"
        )
    return obj


def method(ref: str, field: str = "method"):
    """The MethodSpec that entry point ``ref`` names (nothing is called)."""
    from l0l1.methods.registry import MethodSpec

    obj = load(ref, field)
    if not isinstance(obj, MethodSpec):
        raise InputError(
            f"{field}: {ref!r} is not declared as an l0l1 method ({_kind(obj)}); allowed: "
            f"{METHOD_ALLOWED}"
        )
    return obj


def _kind(obj) -> str:
    if isinstance(obj, type):
        return "a class"
    if inspect.getattr_static(obj, DECLARED, False) is True:
        return "a problem factory"
    return "a function" if callable(obj) else f"a {type(obj).__name__}"


def code_identity(ref: str) -> str:
    """SHA-256 of the file defining ``ref`` and of the code the named object reaches."""
    from l0l1 import usercode

    if ref not in _IDENTITY:
        obj = load(ref, "entry point")
        module = sys.modules[_MODULES[_split(ref, "entry point")[0]]]
        h = hashlib.sha256(ref.encode())
        source = getattr(module, "__file__", None)
        if source and Path(source).is_file():
            h.update(Path(source).read_bytes())
        h.update(usercode.object_hash(obj).encode())
        _IDENTITY[ref] = h.hexdigest()
    return _IDENTITY[ref]


_MODULES: dict[str, str] = {}  # module reference -> its name in sys.modules
_IDENTITY: dict[str, str] = {}


def _split(ref: str, field: str) -> tuple[str, str]:
    module_ref, _, attr = str(ref).rpartition(":")
    if not module_ref or not attr.isidentifier():
        raise InputError(f"{field}: {ref!r} is not an entry point; allowed: {ALLOWED}")
    return module_ref, attr


def _is_file(module_ref: str) -> bool:
    return module_ref.endswith(".py") or "/" in module_ref or "\\" in module_ref


def import_module(module_ref: str, field: str = "import"):
    """Import a module (``package.module``) or execute a file (``path/file.py``) once."""
    return _import(module_ref, field)


def _import(module_ref: str, field: str):
    if module_ref in _MODULES and _MODULES[module_ref] in sys.modules:
        return sys.modules[_MODULES[module_ref]]
    module = _import_file(module_ref, field) if _is_file(module_ref) else None
    if module is None:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.append(os.getcwd())  # as `python -m` would: modules in the working dir
        try:
            module = importlib.import_module(module_ref)
        except ModuleNotFoundError as err:
            if err.name and (module_ref == err.name or module_ref.startswith(err.name + ".")):
                raise InputError(
                    f"{field}: module {module_ref!r} not found; allowed: an importable module "
                    "(on sys.path) or a path/file.py"
                ) from None
            raise InputError(f"{field}: importing {module_ref!r} failed: {err}") from None
        except Exception as err:  # the user's module raised while importing
            raise InputError(f"{field}: importing {module_ref!r} raised {_first(err)}") from None
    _MODULES[module_ref] = module.__name__
    return module


def _import_file(module_ref: str, field: str):
    path = Path(module_ref)
    if not path.is_file():
        raise InputError(
            f"{field}: file {module_ref!r} does not exist; allowed: a path/file.py (relative to "
            "the working directory) or a module"
        )
    path = path.resolve()
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"l0l1_user_{digest}_{path.stem if path.stem.isidentifier() else 'file'}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{field}: {module_ref!r} is not a Python file; allowed: {ALLOWED}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before executing: dataclasses and Numba look it up
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        del sys.modules[name]
        raise InputError(f"{field}: importing {module_ref!r} raised {_first(err)}") from None
    return module


def _call(fn, ref: str, params: dict, field: str):
    try:
        inspect.signature(fn).bind(**params)
    except TypeError as err:
        try:
            allowed = ", ".join(inspect.signature(fn).parameters) or "no parameters"
        except (TypeError, ValueError):
            allowed = "its parameters"
        raise InputError(f"{field}: {ref!r} {err}; allowed: {allowed}") from None
    except ValueError:  # no signature (a builtin): let the call decide
        pass
    try:
        return fn(**params)
    except InputError:
        raise
    except Exception as err:
        raise InputError(f"{field}: {ref!r} raised {_first(err)}") from None


def _first(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
