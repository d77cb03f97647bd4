"""Keep Numba's on-disk cache honest across modules.

Numba keys a cached function by the modification time of its *own* source file, but a
kernel compiles in the code of the functions it calls (and the KIND_* / ORACLE_*
constants) from other modules. After an edit to evaluate.py, a cached kernel would
silently keep the old formulas. ``refresh(__file__, deps)`` makes a module's file at
least as new as the files it compiles in, so the next import recompiles it. Modules call
it after their own imports, so the check runs bottom-up along the import chain.
"""

from __future__ import annotations

import os
from pathlib import Path


def refresh(module_file: str, *dependencies: str) -> None:
    """Touch ``module_file`` when one of ``dependencies`` (module files) is newer."""
    path = Path(module_file)
    try:
        newest = max(Path(dep).stat().st_mtime for dep in dependencies)
        if newest > path.stat().st_mtime:
            os.utime(path, (newest, newest))
    except OSError:  # a read-only install cannot go stale by editing
        pass
