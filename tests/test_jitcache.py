"""jitcache.refresh: a module file becomes as new as the newest file it compiles in."""

from __future__ import annotations

import os

from l0l1.jitcache import refresh


def test_refresh_touches_only_when_a_dependency_is_newer(tmp_path):
    module, dep = tmp_path / "kernels.py", tmp_path / "evaluate.py"
    module.write_text("x = 1\n")
    dep.write_text("y = 2\n")
    os.utime(module, (1000, 1000))
    os.utime(dep, (2000, 2000))
    refresh(str(module), str(dep))
    assert module.stat().st_mtime == 2000
    os.utime(module, (3000, 3000))
    refresh(str(module), str(dep))
    assert module.stat().st_mtime == 3000


def test_refresh_ignores_missing_files(tmp_path):
    module = tmp_path / "kernels.py"
    module.write_text("x = 1\n")
    refresh(str(module), str(tmp_path / "gone.py"))
    assert module.exists()
