"""Discovery of lemma modules in :mod:`proofs_check.lemmas` (no shared list to edit)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path
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


def load_file(path: str) -> tuple[list[Lemma], list[Lemma]]:
    """(lemmas, false siblings) of a user's lemma file (imported: it is the user's code).

    ValueError (one line) when the file is missing, not Python, fails to import, or
    defines neither ``LEMMA`` nor ``LEMMAS``.
    """
    p = Path(path)
    if not p.is_file() or p.suffix != ".py":
        raise ValueError(
            f"file: {path!r} is not an existing .py file; allowed: a path to a lemma file"
        )
    spec = importlib.util.spec_from_file_location(f"user_lemma_{p.stem}", p)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        msg = str(exc).splitlines()[0] if str(exc) else ""
        raise ValueError(f"file: {path!r} failed to import: {type(exc).__name__}: {msg}") from None
    lemmas = lemmas_of(mod)
    if not lemmas or not all(isinstance(x, Lemma) for x in lemmas):
        raise ValueError(
            f"file: {path!r} defines no LEMMA or LEMMAS; allowed: LEMMA = Lemma(...) or "
            "LEMMAS = [Lemma(...), ...] (see docs/lemmas.md)"
        )
    sibs = list(getattr(mod, "FALSE_SIBLINGS", []))
    return lemmas, sibs
