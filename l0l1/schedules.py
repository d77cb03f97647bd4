"""Theory schedules: every method parameter from (L0, L1, Delta, M, sigma or tau, eps, n).

Each schedule evaluates the SymPy expressions of :mod:`l0l1.theory` (the objects that
``proofs_check`` certifies), so a number used by a run is the certified formula. A
schedule returns a :class:`Schedule` holding the named values it used, the rule's
parameter array, the SPIDER batch sizes, the bound (if the theory gives one) and the
assumptions that do not hold for this run. Users override any named value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import sympy as sp

from l0l1 import theory as th
from l0l1.methods.registry import MethodSpec
from l0l1.validate import InputError, positive


@dataclass(frozen=True)
class Inputs:
    """The constants a schedule reads (T3-T5). ``T`` is the iteration horizon of SGD."""

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


@dataclass(frozen=True)
class Schedule:
    """What a method runs with: named values, rule array ``p`` and SPIDER sizes.

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
    values = {
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
    }
    args, fn = _compiled(expr)
    values.update({sym: extra[sym.name] for sym in args if sym.name in extra})
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return float(fn(*[np.float64(values[a]) for a in args]))


@cache
def _compiled(expr: sp.Expr):
    """(free symbols sorted by name, the lambdified function): computed once per
    expression (free_symbols walks the tree and str() runs SymPy's printer)."""
    args = tuple(sorted(expr.free_symbols, key=str))
    return args, th.numeric(expr, args)


def _deterministic(method: str, i: Inputs) -> dict:
    if method == "gd":
        return {"h": evaluate(th.GD_STEP, i)}
    if method == "clipped_gd":
        return {"eta_c": evaluate(th.CLIP_ETA, i), "gamma": evaluate(th.CLIP_GAMMA, i)}
    if method == "normalized_gd":
        return {"eta_n": evaluate(th.NGD_ETA, i), "beta": evaluate(th.NGD_BETA, i)}
    if method in ("v24_si", "v24_cl", "v24_star"):
        return {"L0": i.L0, "L1": i.L1}
    if method == "smoothed_clip":
        return {"L0": i.L0, "L1": i.L1, "nu": evaluate(th.SMOOTH_NU, i)}
    raise KeyError(method)


def _bound(method: str, i: Inputs) -> tuple[float | None, str]:
    """The theory's iteration bound for the method, with its name (T3, T5)."""
    if method == "gd":
        return evaluate(th.GD_BOUND, i), "Z20 Thm 6: 4 (L0 + L1 M) Delta / eps^2"
    if method == "clipped_gd":
        return evaluate(th.CLIP_BOUND, i), "Z20 Thm 3: 20 L0 D/eps^2 + 20 max(1,L1^2) D/L0"
    if method == "normalized_gd":
        return evaluate(th.NGD_BOUND, i), "T3 (derived): 26 L0 D/eps^2 + 26 max(1,L1^2) D/L0"
    if method in th.V24_A:
        a = th.V24_A[method]
        return evaluate(th.v24_bound(a), i), f"V24: 2 L0 D/(a eps^2) + 3 L1 D/(a eps), a = {a}"
    if method == "spider_clip" and i.sigma == 0:
        return spider_clip_K(i), "T5 noiseless K: min_k ||grad f(x_k)|| <= 2 eps"
    return None, ""


def spider_clip_K(i: Inputs) -> float:
    """T5: the noiseless K when sigma = 0, else K = ceil(4 n0 L0 Delta / eps^2)."""
    if i.sigma == 0:
        return evaluate(th.SPIDER_CLIP_K_NOISELESS, i)
    return float(np.ceil(evaluate(th.SPIDER_CLIP_K_MIN, i)))


def selection_bound(method: str, i: Inputs) -> float:
    """What a schedule minimizes when it picks L1 on a frontier (T2 'Choosing L1').

    The method's own bound where the theory gives one; otherwise the closest stated
    one: V24's (a = 1) for smoothed clipping, clipped GD's for the SGD family, F18's K
    (with L = L0 + L1 M) for SPIDER, and the noiseless K for SPIDER-clip.
    """
    if method == "spider_clip":
        return evaluate(th.SPIDER_CLIP_K_NOISELESS, i)
    if method == "spider":
        return evaluate(th.SPIDER_K, i, L=i.L0 + i.L1 * i.M)
    if method == "smoothed_clip":
        return evaluate(th.v24_bound(1), i)
    if method in ("sgd", "clipped_sgd"):
        return evaluate(th.CLIP_BOUND, i)
    return _bound(method, i)[0]


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


def _spider_sizes(method: str, i: Inputs, finite: bool) -> dict:
    """q, S1, S2 of SPIDER (F18) or SPIDER-clip (T5) as floats (inf when they overflow)."""
    if method == "spider":
        if finite:
            q = np.ceil(evaluate(th.SPIDER_FINITE_Q, i))
            return {"q": q, "S1": i.n, "S2": max(1.0, np.ceil(evaluate(th.SPIDER_FINITE_S2, i)))}
        return {
            "q": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_Q, i))),
            "S1": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_S1, i))),
            "S2": max(1.0, np.ceil(evaluate(th.SPIDER_ONLINE_S2, i))),
        }
    if finite:
        q = evaluate(th.SPIDER_CLIP_Q_FINITE, i)
        S1 = i.n
    else:
        q = evaluate(th.SPIDER_CLIP_Q_ONLINE, i)
        S1 = evaluate(th.SPIDER_CLIP_S1_ONLINE, i)
    return {"q": q, "S1": S1, "S2": evaluate(th.SPIDER_CLIP_S2, i, q=q)}


# Schedules with L0 in a denominator (T3: eta_c = 1/(10 L0), V24 steps at g = 0 are 1/L0,
# T5: K is proportional to L0).
NEEDS_POSITIVE_L0 = frozenset(
    {"clipped_gd", "normalized_gd", "v24_si", "v24_cl", "v24_star", "smoothed_clip", "spider_clip"}
)


def build(
    method: MethodSpec, i: Inputs, *, finite: bool, overrides: dict | None = None
) -> Schedule:
    """The schedule of ``method`` for inputs ``i``, then the user's ``overrides``.

    ``finite`` selects SPIDER's finite-sum variant (exact refresh, S1 = n).
    """
    name = method.name
    assumptions = []
    if i.L0 <= 0 and name in NEEDS_POSITIVE_L0:
        raise InputError(
            f"L0: {i.L0!r} is not allowed for {name} (its schedule divides by L0); "
            "allowed: L0 > 0 (any L0 above the least one is valid)"
        )
    if name == "sgd":
        values = {"h": evaluate(th.SGD_STEP, i)}
    elif name == "clipped_sgd":
        values = {"L1": i.L1, "tau": i.tau, "eta": evaluate(th.CLIP_SGD_ETA, i)}
    elif name == "spider":
        values = {"L": i.L0 + i.L1 * i.M, "n0": float(i.n0), "eps": i.eps}
        values.update(_spider_sizes(name, i, finite))
        assumptions.append("F18 needs a global L; L = L0 + L1 M is a heuristic on (L0,L1) problems")
    elif name == "spider_clip":
        values = {"L0": i.L0, "L1": i.L1, "n0": float(i.n0), "eps": i.eps}
        values.update(_spider_sizes(name, i, finite))
    else:
        values = _deterministic(name, i)
    for key, val in (overrides or {}).items():
        if key not in values:
            raise InputError(
                f"override {key}: not a parameter of {name}; allowed: {', '.join(values)}"
            )
        values[key] = _check_override(key, val)
    if method.family == "spider":
        _check_sizes(values, i)
    bound, bound_name = _bound(name, i)
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
    num = positive(f"override {key}", val)
    if key in ("q", "S1", "S2") and num != int(num):
        raise InputError(f"override {key}: {val!r} is not allowed; allowed: an integer >= 1")
    return num
