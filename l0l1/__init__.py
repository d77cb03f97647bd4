"""l0l1: a sandbox for (L0,L1)-smooth non-convex optimization.

Importing the package is cheap: Numba, SymPy, SciPy and Matplotlib load only when a
problem, a kernel, a fit or a figure is first used.

    >>> from l0l1 import make_problem, run
"""

__version__ = "0.1.0"
__all__ = [
    "Problem",
    "check_constants",
    "estimate_constants",
    "make_problem",
    "problem",
    "record_run",
    "register_method",
    "register_problem",
    "run",
]


def __getattr__(name):
    if name == "check_constants":
        from l0l1.audit import check_constants

        return check_constants
    if name == "estimate_constants":
        from l0l1.estimate import estimate_constants

        return estimate_constants
    if name == "problem":
        from l0l1.entrypoints import problem_factory

        return problem_factory
    if name == "register_problem":
        from l0l1.problems.catalog import register_problem

        return register_problem
    if name == "make_problem":
        from l0l1.problems.catalog import make_problem

        return make_problem
    if name == "Problem":
        from l0l1.problems.base import Problem

        return Problem
    if name == "record_run":
        from l0l1.experiments.record import record_run

        return record_run
    if name == "register_method":
        from l0l1.methods.registry import register_method

        return register_method
    if name == "run":
        from l0l1.runs import run

        return run
    raise AttributeError(name)
