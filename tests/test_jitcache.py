"""jitcache.depends: a cached function recompiles when a file it compiles in changes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

DEP = "from numba import njit\n\n\n@njit(cache=True)\ndef f():\n    return {value}\n"

USER = textwrap.dedent(
    """
    from numba import njit

    import dep
    {register}

    @njit(cache=True)
    def g():
        return dep.f() + 100
    """
)

REGISTER = "from l0l1 import jitcache\njitcache.depends(__file__, dep.__file__)\n"


def _run(folder) -> int:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.getcwd()])}
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", "import user; print(user.g())"],
        cwd=folder, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def _scenario(tmp_path, register: str) -> tuple[int, int]:
    (tmp_path / "dep.py").write_text(DEP.format(value=1))
    (tmp_path / "user.py").write_text(USER.format(register=register))
    first = _run(tmp_path)
    (tmp_path / "dep.py").write_text(DEP.format(value=2))
    return first, _run(tmp_path)


def test_edit_to_a_dependency_recompiles_the_dependent_function(tmp_path):
    assert _scenario(tmp_path, REGISTER) == (101, 102)


def test_without_depends_numba_keeps_the_stale_kernel(tmp_path):
    """The false sibling: the hazard ``depends`` exists for (Numba checks only the
    function's own file). If Numba ever tracks dependencies itself, this fails and
    jitcache can go."""
    first, second = _scenario(tmp_path, "")
    if second == 102:
        pytest.fail("this Numba recompiles on a dependency edit by itself: jitcache is redundant")
    assert (first, second) == (101, 101)


def test_a_numba_without_the_expected_cache_internals_warns_and_still_imports():
    code = (
        "import warnings\n"
        "from numba.core import caching\n"
        "caching.CacheImpl._locator_classes = tuple(caching.CacheImpl._locator_classes)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from l0l1 import jitcache\n"
        "print(sum('__pycache__' in str(w.message) for w in caught))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
