"""The one place the worst-case search touches the method layer (THEORY T3, T8).

:func:`method_step` turns a method name (or spec, or ``file.py:name`` entry point) with its
overrides and the search instance's constants into ``next_x(x, f, g, state)``: one step of
the method in one dimension. A step rule of |g| is that formula (``exact``: x_{k+1} depends
on g_k alone, and the search is global over its grid); any other deterministic method is a
:class:`l0l1.worstcase.replay.Replay` of its algorithm through the T6 driver.
"""

from __future__ import annotations

import math

from l0l1.validate import InputError


def deterministic_methods() -> list[str]:
    """The registry's methods the search accepts (see :func:`_searchable`)."""
    from l0l1.methods.registry import METHODS

    return [n for n, m in METHODS.items() if _searchable(m)]


def _searchable(spec) -> bool:
    """A deterministic method: the exact oracle, one run per start (no sampling)."""
    return not spec.stochastic


def _step_rule(spec) -> bool:
    """h = rule(|g|), x - h g: a step rule with no values of its algorithm's own."""
    return spec.family == "single" and not spec.algorithm_values and spec.rule is not None


def method_step(method, overrides, *, L0, L1, M, Delta=None, eps=None):
    """(next_x, schedule): the method's step on the instance (L0, L1, Delta, M, eps) - its
    schedule built as ``l0l1 run`` builds it - and the :class:`l0l1.schedules.Schedule`
    (values, p, bound). For a step rule next_x is x - h(|g|) g (``f`` and ``state`` unused,
    ``next_x.exact`` True); otherwise a :class:`l0l1.worstcase.replay.Replay`."""
    from l0l1 import schedules
    from l0l1.methods import steps
    from l0l1.methods.registry import get_method

    spec = get_method(method)
    if not _searchable(spec):
        raise InputError(
            f"method: {spec.name!r} is stochastic; allowed: a deterministic method: "
            f"{', '.join(deterministic_methods())}, or your own"
        )
    nan = math.nan
    inputs = schedules.Inputs(
        L0=L0, L1=L1, M=M, Delta=nan if Delta is None else Delta, eps=nan if eps is None else eps
    )
    sched = schedules.build(spec, inputs, finite=False, overrides=overrides)
    if not _usable(sched.p):
        need = [k for k, v in (("eps", eps), ("Delta", Delta)) if v is None]
        reads = [k for k in need if _usable(_fill(spec, inputs, overrides, k).p)] or need
        text = " and ".join(reads) or "finite parameters"
        raise InputError(
            f"method: {spec.name}'s schedule gives {dict(sched.values)} without {text}; "
            f"allowed: give {text}, or --set its parameters"
        )
    rule, p = spec.rule, sched.p
    if not _step_rule(spec):
        from l0l1.worstcase.replay import Replay

        return Replay(spec, p, L0, L1), sched

    def next_x(x: float, f: float, g: float, state=None) -> float:
        h, _ = steps.step_size(rule, p, abs(g))
        return x - h * g

    next_x.exact = True
    return next_x, sched


def _usable(p) -> bool:
    return all(math.isfinite(v) and v >= 0 for v in p)


def _fill(spec, inputs, overrides, name):
    """The schedule with the missing constant ``name`` set to 1 (to tell which one it reads)."""
    from dataclasses import replace

    from l0l1 import schedules

    return schedules.build(spec, replace(inputs, **{name: 1.0}), finite=False, overrides=overrides)
