"""The examples in every module's docstrings run and print what they say.

One test per module of ``l0l1`` and ``proofs_check`` (found with ``pkgutil.walk_packages``,
so a new module is covered without editing this file). ``__main__`` modules are skipped
(importing one runs it), and so is a module that needs an optional dependency that is not
installed (e.g. ``torch`` for a future ``l0l1.torch*``): its import fails with
``ModuleNotFoundError`` naming a package outside the project.
"""

import doctest
import importlib
import io
import pkgutil

import pytest

import l0l1
import proofs_check

PACKAGES = (l0l1, proofs_check)
PROJECT = {pkg.__name__ for pkg in PACKAGES}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
OPTIONAL_PREFIXES = ("l0l1.torch",)  # modules that exist only with an optional extra


def module_names() -> list[str]:
    names = []
    for pkg in PACKAGES:
        names.append(pkg.__name__)
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name.rsplit(".", 1)[-1] == "__main__":
                continue
            names.append(info.name)
    return sorted(set(names))


MODULES = module_names()


def import_or_skip(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        missing = (err.name or "").split(".")[0]
        if missing and missing not in PROJECT:
            pytest.skip(f"{name} needs {missing!r}, which is not installed")
        raise
    except ImportError:
        if name.startswith(OPTIONAL_PREFIXES):
            pytest.skip(f"{name} needs an optional dependency that is not installed")
        raise


def run_doctests(module) -> tuple[int, int, str]:
    """(failures, attempted, report) of the doctests found in ``module``."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    out = io.StringIO()
    for test in finder.find(module, module.__name__):
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    return result.failed, result.attempted, out.getvalue()


def test_modules_found():
    assert "l0l1.runs" in MODULES and "proofs_check.core" in MODULES
    assert not any(name.endswith("__main__") for name in MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name):
    module = import_or_skip(name)
    failed, attempted, report = run_doctests(module)
    assert failed == 0, f"{failed} of {attempted} doctest examples failed in {name}:\n{report}"


def test_a_wrong_example_fails():
    """The runner above does report a wrong example (so the tests can fail)."""
    import types

    fake = types.ModuleType("fake_doctest_module")
    fake.__doc__ = ">>> 1 + 1\n3\n"
    failed, attempted, report = run_doctests(fake)
    assert (failed, attempted) == (1, 1) and "Expected" in report
