"""A run of your own loop, recorded in a results store beside l0l1's runs (THEORY T6).

    >>> import l0l1
    >>> l0l1.record_run("runs.sqlite", problem="my_net", method="adam", eps=1e-3,
    ...                 iterations=10, calls=640, status="not reached")  # doctest: +SKIP

The record has the columns of every stored run (:data:`l0l1.experiments.store.COLUMNS`), so
``load_records``, ``select`` and the CSV export read it as they read a sweep's. Its oracle
calls are the ones your loop counted: ``oracle`` is "counted by the user" and its
assumptions say so. Everything is checked before the store is opened: a bad argument is a
one-line ValueError and creates nothing.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from l0l1.validate import MAX_CHECKPOINTS, InputError, integer, positive, show

USER_ORACLE = "counted by the user"
STATUSES = ("reached", "not reached", "diverged")
TRACE_ROW = "iteration, oracle calls, f, ||grad f||, estimator norm, step length"


def record_run(
    store, *, problem, method: str, eps: float, iterations: int, calls: int, value_calls: int = 0,
    trace=None, status: str | None = None, x=None, x0=None, f_value=None, grad_norm=None,
    seed: int = 0, sweep: str = "user", label: str | None = None,
) -> str:  # fmt: skip
    """Store one run of your own loop in the results store ``store``; returns its run key.

    Parameters
    ----------
    problem : an l0l1 Problem (its name, dimension and constants are recorded, and f and
        ||grad f|| are computed at ``x``) or a name.
    method, label : your method's name (the record's ``method``) and its display label.
    eps, iterations, calls : the target, the iterations run and the oracle calls your
        loop counted; ``value_calls`` of them function values (the rest gradients).
    trace : None or rows of 6 numbers (iteration, oracle calls, f, ||grad f||, estimator
        norm, step length; NaN where unknown), as l0l1's own traces.
    status : "reached", "not reached" or "diverged"; by default from ||grad f|| <= eps
        (``grad_norm``, or computed at ``x`` when ``problem`` is a Problem).
    x, x0 : the last and first iterates (optional; of the problem's dimension).

    The same record stored twice is kept once (the key hashes its content).
    """
    from l0l1 import __version__
    from l0l1.experiments.spec import canonical
    from l0l1.experiments.store import Store

    name, dim, n, constants = _problem(problem)
    method = _name("method", method)
    label = method if label is None else _name("label", label)
    sweep = _name("sweep", sweep)
    eps = positive("eps", eps)
    iterations = integer("iterations", iterations, 0)
    calls = integer("calls", calls, 0)
    value_calls = integer("value_calls", value_calls, 0, calls)
    seed = integer("seed", seed, 0)
    x = _vector("x", x, dim)
    x0 = _vector("x0", x0, dim)
    rows = _trace(trace)
    f_value = _real("f_value", f_value)
    grad_norm = _real("grad_norm", grad_norm)
    if x is not None and not isinstance(problem, str):
        f_value = problem.value(x) if f_value is None else f_value
        grad_norm = float(np.linalg.norm(problem.grad(x))) if grad_norm is None else grad_norm
    status = _status(status, grad_norm, eps)
    reached = status == "reached"
    record = {
        "sweep": sweep, "l0l1_version": __version__, "index": 0, "problem": name,
        "problem_label": name, "problem_params": {}, "x0": x0 or [], "method": method,
        "method_ref": None, "method_label": label, "noise": None, "noise_level": None,
        "batch": 1, "n0": 1, "probe_every": 1, "overrides": {}, "eps": eps, "seed": seed,
        "max_iter": None, "max_calls": None, "checkpoints": None, "instance": name, "n": n,
        "dim": dim, "status": status, "iterations": iterations, "oracle_calls": calls,
        "oracle_calls_at_hit": calls if reached else None, "value_calls": value_calls,
        "hit_iteration": iterations if reached else None, "f_value": f_value,
        "grad_norm": grad_norm, "L0": constants[0], "L1": constants[1],
        "constants_certified": constants[2], "constants_how": constants[3], "Delta": None,
        "M": None, "start_certified": False, "oracle": USER_ORACLE, "oracle_level": None,
        "schedule": "user", "params": {}, "bound": None, "bound_name": None,
        "clipped_steps": None, "clip_fraction": None, "max_estimator_norm": None,
        "assumptions": ["oracle calls counted by the user's own loop, not by an l0l1 oracle"],
        "x": x if x is not None else [], "wall_time": None, "trace": rows,
    }  # fmt: skip
    key = hashlib.sha256(canonical({"user_run": record}).encode()).hexdigest()[:32]
    with Store(store) as st:
        st.insert({"run_key": key, **record})
    return key


def _problem(problem) -> tuple[str, int | None, int, tuple]:
    from l0l1.problems.base import Problem

    if isinstance(problem, Problem):
        c = problem.constants
        L0, L1 = (v if math.isfinite(v) else None for v in (c.L0, c.L1))
        return problem.name, problem.dim, problem.n, (L0, L1, c.certified, c.how)
    return _name("problem", problem), None, 0, (None, None, False, "not given")


def _name(field: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field}: {show(value)} is not allowed; allowed: a non-empty string")
    return value


def _real(field: str, value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{field}: {show(value)} is not allowed; allowed: a number or None")
    return float(value)


def _vector(field: str, value, dim: int | None) -> list | None:
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise InputError(f"{field}: {show(value)} is not allowed; allowed: a vector of numbers")
    if dim is not None and arr.size != dim:
        raise InputError(f"{field}: {arr.size} numbers; allowed: {dim} (the problem's dimension)")
    return arr.tolist()


def _trace(trace) -> list:
    """Rows of 6 numbers as JSON-ready lists (non-finite entries as None)."""
    if trace is None:
        return []
    allowed = f"allowed: None or rows of 6 numbers ({TRACE_ROW}), NaN where unknown"
    try:
        arr = np.asarray(trace, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"trace: {show(trace)} is not allowed; {allowed}") from None
    if arr.ndim != 2:
        raise InputError(f"trace: {show(trace)} is not allowed; {allowed}")
    if arr.shape[1] != 6:
        raise InputError(f"trace: rows of {arr.shape[1]} numbers; {allowed}")
    if arr.shape[0] > MAX_CHECKPOINTS:
        raise InputError(
            f"trace: {arr.shape[0]} rows; allowed: at most {MAX_CHECKPOINTS} (keep every k-th)"
        )
    return [[float(v) if math.isfinite(v) else None for v in row] for row in arr]


def _status(status, grad_norm: float | None, eps: float) -> str:
    if status is None:
        if grad_norm is None or math.isnan(grad_norm):
            raise InputError(
                f"status: None; allowed: {', '.join(STATUSES)} (or give grad_norm, or x with "
                "an l0l1 Problem, to derive it)"
            )
        return "reached" if grad_norm <= eps else "not reached"
    if status not in STATUSES:
        raise InputError(f"status: {show(status)} is unknown; allowed: {', '.join(STATUSES)}")
    return status
