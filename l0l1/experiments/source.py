"""The package's own source as one hash, part of every run key (T6; issue 29).

A run reaches code all over the package (schedules in ``theory.py``, kernels, oracles,
constants), so the key covers all of it: the SHA-256 of every ``l0l1/**/*.py`` file, by
relative path and content. Any edit, a comment included, gives new keys, so a store never
serves a run of other code (old rows stay in the file and are never matched again).
Computed once per process: reading and hashing the ~70 files (about 0.5 MB) takes 10-20
ms on this project's machine.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the l0l1 package folder


def package_files(root: Path) -> list[Path]:
    """The package's Python sources, in a fixed order."""
    return sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix())


@functools.lru_cache(maxsize=4)
def tree_hash(root: Path) -> str:
    """SHA-256 over the relative path and bytes of every source under ``root``."""
    h = hashlib.sha256()
    for path in package_files(root):
        data = path.read_bytes()
        h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def package_hash() -> str:
    """The hash of the l0l1 package this process runs (cached per process)."""
    return tree_hash(ROOT)
