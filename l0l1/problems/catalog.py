"""Problems by name: what the CLI and sweep files refer to (THEORY T2).

``make_problem(name, **params)`` validates the name and the parameters and builds the
Problem; ``start_constants(problem, x0)`` gives Delta and M for a start, and
``default_x0(problem)`` a start that is far enough from stationarity to be instructive.
"""

from __future__ import annotations

import inspect

import numpy as np

from l0l1.problems import exponential, hard, phase_retrieval, polynomial, user, witness
from l0l1.problems.base import Problem, ProblemError, StartConstants
from l0l1.problems.kinds import (
    KIND_CHAIN,
    KIND_CHAIN_SUM,
    KIND_COSH,
    KIND_EXP,
    KIND_LOGCOSH,
    KIND_LOGISTIC,
    KIND_PHASE,
    KIND_PHASE_POP,
    KIND_PIECES,
    KIND_POLY,
    KIND_USER,
    KIND_Z20_BOWL,
)
from l0l1.validate import did_you_mean

PROVISIONAL_L1 = 1.0  # polynomials built without L1; schedules then pick their own L1


def _polynomial(coeffs, L1=None) -> Problem:
    prob = polynomial.univariate(coeffs, PROVISIONAL_L1 if L1 is None else L1)
    return _mark_L1(prob, L1)


def _separable_polynomial(coeffs, L1=None) -> Problem:
    prob = polynomial.separable(coeffs, PROVISIONAL_L1 if L1 is None else L1)
    return _mark_L1(prob, L1)


def _mark_L1(prob: Problem, L1) -> Problem:
    from dataclasses import replace

    return replace(prob, spec={**prob.spec, "L1_fixed": L1 is not None})


PROBLEMS = {
    "polynomial": _polynomial,
    "separable_polynomial": _separable_polynomial,
    "exp": exponential.exp_sum,
    "cosh": exponential.cosh_sum,
    "logcosh": exponential.logcosh_sum,
    "logistic": exponential.logistic,
    "phase_retrieval": phase_retrieval.finite_sum,
    "online_phase_retrieval": phase_retrieval.online,
    "zero_chain": hard.scaled_chain,
    "zero_chain_sum": hard.finite_sum_chain,
    "z20_bowl": hard.z20_bowl,
}


BUILTIN_PROBLEMS = tuple(PROBLEMS)


def register_problem(name: str, builder, *, replace: bool = False):
    """Make ``builder(**params) -> Problem`` known as problem ``name`` in this process.

    After registration ``make_problem(name, ...)``, ``run``, sweeps and the CLI's listings
    (``l0l1 --import your_module run --help``) know it like a built-in problem. In sweep
    files prefer the entry point ``module:builder`` (imported by each worker process): a
    registered builder is declared, so an entry point may call it (as ``@l0l1.problem``).
    Returns ``builder``, so it can be used as a decorator's target.
    """
    from l0l1 import usercode

    if not isinstance(name, str) or not name.isidentifier():
        raise ProblemError(f"name: {name!r} is not allowed; allowed: a Python identifier")
    if name in BUILTIN_PROBLEMS:
        raise ProblemError(f"name: {name!r} is a built-in problem; allowed: a new name")
    if not callable(builder):
        raise ProblemError(
            f"builder: {builder!r} is not allowed; allowed: a function returning a Problem"
        )
    old = PROBLEMS.get(name)
    if (
        old is not None
        and not replace
        and usercode.object_hash(old) != usercode.object_hash(builder)
    ):
        raise ProblemError(
            f"name: {name!r} is already registered with other code; allowed: a new name or "
            "replace=True"
        )
    PROBLEMS[name] = builder
    return builder


def problem_parameters(name: str) -> tuple[str, ...]:
    """The keyword parameters of problem ``name`` (empty for an unknown name)."""
    from l0l1 import entrypoints

    if entrypoints.is_entry_point(name):
        return entrypoints.problem_parameters(name)
    builder = PROBLEMS.get(name)
    return tuple(inspect.signature(builder).parameters) if builder else ()


def make_problem(name: str, **params) -> Problem:
    """Build the problem called ``name`` from keyword parameters (validated).

    ``name`` may be an entry point ``module:function`` or ``file.py:function`` (a Problem
    or a declared factory returning one; see :mod:`l0l1.entrypoints`)."""
    from l0l1 import entrypoints

    if entrypoints.is_entry_point(name):
        return entrypoints.problem(name, params)
    if name not in PROBLEMS:
        hint = did_you_mean(name, PROBLEMS)
        raise ProblemError(f"problem: {name!r} is unknown{hint}; allowed: {', '.join(PROBLEMS)}")
    builder = PROBLEMS[name]
    signature = inspect.signature(builder).parameters
    for key in params:
        if key not in signature:
            raise ProblemError(
                f"{key}: not a parameter of problem {name!r}; allowed: {', '.join(signature)}"
            )
    for key, par in signature.items():
        if par.default is inspect.Parameter.empty and key not in params:
            raise ProblemError(f"{key}: required by problem {name!r}; none given")
    return builder(**params)


def start_constants(problem: Problem, x0: np.ndarray) -> StartConstants:
    """Delta = f(x0) - f* and M on {f <= f(x0)} (T3), certified where the problem allows.
    A worst-case witness is replayed for its N steps, unbounded below or not."""
    if problem.kind == KIND_PIECES:
        return witness.start_constants(problem, x0)
    if not problem.bounded_below:
        raise ProblemError(
            f"problem: {problem.name!r} is unbounded below (f* = -inf); rate runs need f* finite: "
            "allowed: even degree with a positive leading coefficient"
        )
    if problem.kind == KIND_USER:
        if problem.spec.get("coeffs"):  # a polynomial from from_sympy: certified
            return polynomial.sublevel_constants(_poly_twin(problem), x0)
        return user.start_constants(problem, x0)
    if problem.kind == KIND_POLY:
        return polynomial.sublevel_constants(problem, x0)
    if problem.kind in (KIND_EXP, KIND_COSH, KIND_LOGCOSH, KIND_LOGISTIC):
        return exponential.start_constants(problem, x0)
    if problem.kind in (KIND_PHASE, KIND_PHASE_POP):
        return phase_retrieval.start_constants(problem, x0)
    if problem.kind in (KIND_CHAIN, KIND_CHAIN_SUM, KIND_Z20_BOWL):
        return hard.start_constants(problem, x0)
    raise ProblemError(f"problem: {problem.name!r} has no start constants")


def _poly_twin(problem: Problem) -> Problem:
    """The built-in polynomial with a from_sympy polynomial's coefficients (its constants)."""
    rows, L1 = problem.spec["coeffs"], problem.constants.L1
    return polynomial.univariate(rows[0], L1) if len(rows) == 1 else polynomial.separable(rows, L1)


def default_x0(problem: Problem) -> np.ndarray:
    """A default start: 2 per coordinate for polynomials, 3 for logcosh and 3/a for the
    scaled cosh (3 for cosh itself), 1 for exp,
    0 for logistic, a seeded random point at distance ~1.5 from 0 for phase retrieval, 0 for
    the zero chains and f'(x0) = 100 for the Z20 bowl."""
    d = problem.dim
    if problem.kind == KIND_PIECES:
        return np.array(problem.spec["x0"], dtype=np.float64)
    if problem.kind == KIND_USER:
        if "x0" not in problem.spec:
            raise ProblemError(
                f"x0: required for {problem.name!r}; allowed: a start of {d} numbers "
                f"(or x0= in {problem.spec.get('origin', 'Problem.from_functions')})"
            )
        return np.array(problem.spec["x0"], dtype=np.float64)
    if problem.kind in (KIND_CHAIN, KIND_CHAIN_SUM, KIND_Z20_BOWL):
        return hard.default_x0(problem)
    if problem.kind in (KIND_PHASE, KIND_PHASE_POP):
        rng = np.random.default_rng(problem.spec.get("seed", 0) + 2)
        return 1.5 * rng.standard_normal(d) / np.sqrt(d)
    start = {KIND_POLY: 2.0, KIND_EXP: 1.0, KIND_COSH: 3.0, KIND_LOGCOSH: 3.0, KIND_LOGISTIC: 0.0}
    scale = problem.P[0, 0] if problem.kind == KIND_COSH else 1.0  # cosh(a x): a x0 = 3
    return np.full(d, start[problem.kind] / scale)
