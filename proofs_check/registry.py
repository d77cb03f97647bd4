"""Discovery of lemma modules in :mod:`proofs_check.lemmas` (no shared list to edit)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from proofs_check import lemmas as _pkg
from proofs_check.core import Lemma


def modules() -> list[ModuleType]:
    """All lemma modules, sorted by name (names starting with '_' are skipped)."""
    names = sorted(
        m.name for m in pkgutil.iter_modules(_pkg.__path__) if not m.name.startswith("_")
    )
    return [importlib.import_module(f"{_pkg.__name__}.{n}") for n in names]


def lemmas_of(mod: ModuleType) -> list[Lemma]:
    return list(getattr(mod, "LEMMAS", [])) + ([mod.LEMMA] if hasattr(mod, "LEMMA") else [])


def discover() -> list[Lemma]:
    """Main lemmas of every module, in module order."""
    return [lem for mod in modules() for lem in lemmas_of(mod)]


def siblings() -> list[tuple[str, Lemma]]:
    """(module name, false sibling) pairs; every sibling must come out ``failed``."""
    return [
        (mod.__name__.rsplit(".", 1)[-1], s)
        for mod in modules()
        for s in getattr(mod, "FALSE_SIBLINGS", [])
    ]
