"""Theory schedules: every method parameter from (L0, L1, Delta, M, sigma or tau, eps, n).

Each method's entry in :mod:`l0l1.methods.registry` says which SymPy expressions of
:mod:`l0l1.theory` (the objects that ``proofs_check`` certifies) its schedule and bound
evaluate, so a number used by a run is the certified formula; here they are evaluated
(:func:`evaluate`) and assembled (:func:`build`). A schedule returns a
:class:`Schedule` holding the named values it used, the rule's parameter array, the
SPIDER batch sizes, the bound (if the theory gives one) and the assumptions that do not
hold for this run. Users override any named value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from l0l1 import theory as th
from l0l1.validate import InputError, positive

if TYPE_CHECKING:
    from l0l1.methods.registry import MethodSpec


@dataclass(frozen=True)
class Inputs:
    """The constants a schedule reads (T3-T5). ``T`` is the iteration horizon of SGD;
    ``f_star`` the problem's f*; ``R`` the distance from x0 to a point u with
    f(u) - f* <= eps/4 (convex problems, T3's Polyak bound; NaN where unknown)."""

    L0: float
    L1: float
    Delta: float
    M: float
    eps: float
    sigma: float = 0.0
    tau: float = 0.0
    n: int = 0
    n0: int = 1
    T: int = 1
    f_star: float = math.nan
    R: float = math.nan


@dataclass(frozen=True)
class Schedule:
    """What a method runs with: named values, the array ``p`` (the rule's values, then the
    algorithm's own: ``MethodSpec.param_names``) and SPIDER's sizes.

    ``bound`` is the theory's iteration (or, for SPIDER-clip, K) budget with its name,
    None where the theory gives no explicit constant.
    """

    values: dict
    p: np.ndarray
    q: int = 1
    S1: int = 1
    S2: int = 1
    exact_refresh: bool = False
    bound: float | None = None
    bound_name: str = ""
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def evaluate(expr: sp.Expr, inputs: Inputs, **extra) -> float:
    """Evaluate a theory expression at ``inputs`` (plus extra symbol values by name)."""
    values = _symbol_values(inputs)
    args, fn = _compiled(expr)
    values.update({sym: extra[sym.name] for sym in args if sym.name in extra})
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return float(fn(*[np.float64(values[a]) for a in args]))


def _symbol_values(inputs: Inputs) -> dict:
    """The theory's input symbols (th.INPUT_SYMBOLS) -> their values in ``inputs``."""
    return {
        th.L0: inputs.L0,
        th.L1: inputs.L1,
        th.Delta: inputs.Delta,
        th.M: inputs.M,
        th.eps: inputs.eps,
        th.sigma: inputs.sigma,
        th.tau: inputs.tau,
        th.n: inputs.n,
        th.n0: inputs.n0,
        th.T: inputs.T,
        th.R: inputs.R,
    }


@cache
def _compiled(expr: sp.Expr):
    """(free symbols sorted by name, the lambdified function): computed once per
    expression (free_symbols walks the tree and str() runs SymPy's printer)."""
    args = tuple(sorted(expr.free_symbols, key=str))
    return args, th.numeric(expr, args)


MAX_BATCH = 2**62  # SPIDER sizes beyond this cannot be counted in int64


def _check_sizes(values: dict, i: Inputs) -> None:
    """SPIDER's q, S1, S2 (after overrides) as ints; a one-line error when they overflow."""
    for key in ("q", "S1", "S2"):
        val = values[key]
        if not val <= MAX_BATCH:
            raise InputError(
                f"eps: {i.eps!r} with sigma = {i.sigma:g} makes SPIDER's {key} = {val:g} too "
                f"large to count; allowed: eps with {key} <= 2^62 (a larger eps or less noise)"
            )
        values[key] = int(val)


def f18_sizes(i: Inputs, finite: bool) -> dict:
    """q, S1, S2 of F18's SPIDER as floats (inf when they overflow)."""
    if finite:
        q = np.ceil(evaluate(th.SPIDER_FINITE_Q, i))
        return {"q": q, "S1": i.n, "S2": max(1.0, np.ceil(evaluate(th.SPIDER_FINITE_S2, i)))}
    return {
        "q": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_Q, i))),
        "S1": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_S1, i))),
        "S2": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_S2, i))),
    }


def t5_sizes(i: Inputs, finite: bool) -> dict:
    """q, S1, S2 of SPIDER-clip (T5) as floats (inf when they overflow)."""
    if finite:
        q = evaluate(th.SPIDER_CLIP_Q_FINITE, i)
        S1 = i.n
    else:
        q = evaluate(th.SPIDER_CLIP_Q_ONLINE, i)
        S1 = evaluate(th.SPIDER_CLIP_S1_ONLINE, i)
    return {"q": q, "S1": S1, "S2": evaluate(th.SPIDER_CLIP_S2, i, q=q)}


def build(
    method: MethodSpec, i: Inputs, *, finite: bool, overrides: dict | None = None
) -> Schedule:
    """The schedule of ``method`` (its registry entry) for inputs ``i``, then the user's
    ``overrides``. ``finite`` selects SPIDER's finite-sum variant (exact refresh, S1 = n).
    """
    name = method.name
    if i.L0 <= 0 and method.needs_positive_L0:
        raise InputError(
            f"L0: {i.L0!r} is not allowed for {name} (its schedule divides by L0); "
            "allowed: L0 > 0 (any L0 above the least one is valid)"
        )
    choices, overrides = method.chosen(overrides)
    values = method.schedule_at(i, finite, choices)
    assumptions = list(method.notes)
    for key, val in overrides.items():
        if key not in values:
            raise InputError(
                f"override {key}: not a parameter of {name}; allowed: {', '.join(values)}"
            )
        values[key] = _check_override(key, val)
    if method.family == "spider":
        _check_sizes(values, i)
    bound, bound_name = method.bound_at(i, choices), method.bound_text
    if bound is None:
        bound_name = ""
    if overrides:
        assumptions.append("parameters overridden: the theory's bound does not apply")
        bound, bound_name = None, ""
    p = np.array([float(values[k]) for k in method.param_names], dtype=np.float64)
    return Schedule(
        values=values,
        p=p,
        q=int(values.get("q", 1)),
        S1=int(values.get("S1", 1)),
        S2=int(values.get("S2", 1)),
        exact_refresh=finite and method.family == "spider",
        bound=bound,
        bound_name=bound_name,
        assumptions=tuple(assumptions),
    )


def _check_override(key: str, val) -> float:
    if key == "f_star":  # a minimum or lower bound: any finite number
        num = val if isinstance(val, int | float) and not isinstance(val, bool) else math.nan
        if not math.isfinite(num):
            raise InputError(f"override f_star: {val!r} is not allowed; allowed: a finite number")
        return float(num)
    return check_range(f"override {key}", key, positive(f"override {key}", val), val)


def check_range(field: str, key: str, num: float, val) -> float:
    """The positive number ``num`` (given as ``val``) for schedule value ``key``, checked
    against the range its name implies: momentum weights below 1, SPIDER sizes integers.
    Shared by run overrides and sweep specs (``field`` names the place)."""
    if key in ("momentum", "momentum2") and not num < 1:
        raise InputError(f"{field}: {val!r} is not allowed; allowed: 0 < {key} < 1")
    if key in ("q", "S1", "S2") and num != int(num):
        raise InputError(f"{field}: {val!r} is not allowed; allowed: an integer >= 1")
    return num


def nsgdm_guarantee(i: Inputs, eta: float, mu: float) -> float | None:
    """T4 (derived, lemma t7_13): the bound on E (1/T) sum_t ||grad f(x_t)|| over T = i.T
    steps of NSGD-M with step length ``eta`` and momentum ``mu`` under noise of variance
    sigma^2 (i.sigma); None when a condition fails (K c <= 1/6, 16 A mu c/(1 - mu) <= 1/2,
    c = L1 eta) or L1 = 0 (the formulas are written for c > 0). Evaluated in exact arithmetic
    to 30 digits (phi(c)/c^2 and (e^c - 1)/c cancel in floating point at small c) and
    rounded up."""
    if not (0.0 < mu < 1.0 and eta > 0.0 and i.L1 > 0.0):
        return None
    at = {"gamma": eta, "mu": mu}
    if _exact(th.NSGDM_DESCENT, i, at) > sp.Rational(1, 6):
        return None
    if _exact(th.NSGDM_COUPLING, i, at) > sp.Rational(1, 2):
        return None
    return float(np.nextafter(float(_exact(th.NSGDM_BOUND, i, at)), math.inf))


def _exact(expr: sp.Expr, i: Inputs, extra: dict) -> sp.Float:
    """expr at the inputs (and ``extra`` symbol values by name), every float taken exactly."""
    values = _symbol_values(i)
    values.update({sym: extra[sym.name] for sym in expr.free_symbols if sym.name in extra})
    used = {sym: sp.Rational(values[sym]) for sym in expr.free_symbols}
    return expr.subs(used).evalf(30)
