"""Keep Numba's on-disk cache honest across modules.

Numba decides whether a cached function is fresh from its *own* source file (its content
hash, in Numba >= 0.60), but a kernel compiles in the code of the functions it calls (and
the KIND_* / ORACLE_* constants) from other modules. After an edit to evaluate.py, a
cached kernel would silently keep the old formulas. ``depends(__file__, deps...)``, called
by a module before its jitted functions are defined, makes the freshness stamp of that
module's cached functions cover the contents of ``deps`` too: any change to one of them
recompiles the module's functions. Modules list their transitive dependencies.

A kernel compiled for a user problem whose functions close over an array larger than
1 MB (which Numba links by address) cannot be cached: it compiles in each process, and
:func:`l0l1.problems.user.from_functions` says so once instead of Numba once per kernel.
"""

from __future__ import annotations

import hashlib
import os
import warnings

from numba.core import caching

_DEPENDENCIES: dict[str, tuple[str, ...]] = {}


def depends(module_file: str, *dependencies: str) -> None:
    """Make the cached functions of ``module_file`` stale when a dependency's content changes."""
    _DEPENDENCIES[os.path.realpath(module_file)] = tuple(
        os.path.realpath(dep) for dep in dependencies
    )


def _content_hash(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return "missing"


_BaseLocator = getattr(caching, "_CacheLocator", object)


class _DependentLocator(_BaseLocator):
    """Numba's own locator for the function, with dependency hashes added to its stamp."""

    def __init__(self, inner, dependencies: tuple[str, ...]):
        self._inner = inner
        self._dependencies = dependencies

    @property
    def _py_file(self):  # read by Numba's warning when a function cannot be cached
        return getattr(self._inner, "_py_file", "<unknown>")

    def ensure_cache_path(self):
        self._inner.ensure_cache_path()

    def get_cache_path(self):
        return self._inner.get_cache_path()

    def get_source_stamp(self):
        deps = tuple(_content_hash(dep) for dep in self._dependencies)
        return (self._inner.get_source_stamp(), deps)

    def get_disambiguator(self):
        return self._inner.get_disambiguator()

    @classmethod
    def from_function(cls, py_func, py_file):
        dependencies = _DEPENDENCIES.get(os.path.realpath(py_file))
        if dependencies is None:
            return None
        for locator in _LOCATORS:
            if locator is not cls:
                inner = locator.from_function(py_func, py_file)
                if inner is not None:
                    return cls(inner, dependencies)
        return None


_LOCATORS = getattr(getattr(caching, "CacheImpl", None), "_locator_classes", None)
_IMPL = getattr(caching, "CompileResultCacheImpl", None)


def _check_cachable(self, cres):
    """An l0l1 kernel compiled with a user's array linked by address (over 1 MB) is not
    cached, without Numba's warning per kernel function: the problem said so once."""
    if isinstance(self._locator, _DependentLocator) and cres.library.has_dynamic_globals:
        return False
    return self._l0l1_check_cachable(cres)


if isinstance(_LOCATORS, list) and _BaseLocator is not object and _IMPL is not None:
    if _DependentLocator not in _LOCATORS:
        _LOCATORS.insert(0, _DependentLocator)
    if not hasattr(_IMPL, "_l0l1_check_cachable"):
        _IMPL._l0l1_check_cachable = _IMPL.check_cachable
        _IMPL.check_cachable = _check_cachable
else:  # a Numba whose cache internals moved: run, but say what is not tracked
    warnings.warn(
        "l0l1.jitcache: this Numba's cache locators are not where l0l1 expects them; "
        "after editing l0l1's source, delete its __pycache__ folders to recompile",
        RuntimeWarning,
        stacklevel=2,
    )
