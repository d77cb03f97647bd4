"""Step-rule methods (THEORY T3, T4): x_{k+1} = x_k - h_k g_k, h_k = rule(||g_k||).

g_k is the run's estimator at x_k, ``o.sample`` (the exact gradient for deterministic
methods). One algorithm per rule: the rule is a constant of the code, so the driver
compiled for it holds that rule alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from l0l1.methods.algorithm import algorithm, descend, norm
from l0l1.methods.steps import RULES


def init(o, x0, p):
    """One estimator buffer."""
    return (np.empty(o.dim),)


def rule_algorithm(rule: int):
    """The algorithm of built-in step rule ``rule`` (steps.RULE_*)."""
    return step_rule_algorithm(builtin_rule(rule))


def user_rule_algorithm(fn):
    """The algorithm of a user's jitted rule ``fn(p, g) -> (h, clipped)``
    (:func:`l0l1.register_method` with ``step=``)."""
    return step_rule_algorithm(user_rule(fn))


def step_rule_algorithm(rule_fn):
    """x_{k+1} = x_k - h g_k with ``rule_fn(p, ||g_k||) -> (h, clipped)``
    (:func:`builtin_rule`, :func:`user_rule`)."""

    def step(o, k, x, x_next, state, p):
        est = state[0]
        o.sample(x, est)
        en = norm(est)
        h, clipped = rule_fn(p, en)
        return en, h * en, clipped, descend(x_next, x, h, est)

    return algorithm(init, step)


def builtin_rule(rule: int):
    """Built-in step rule ``rule`` (steps.RULE_*) as its function (p, g) -> (h, clipped)."""
    return RULES[rule]


def user_rule(step):
    """A user's jitted rule ``step(p, g)`` as a function (p, g) -> (float h, bool clipped)."""

    @njit(inline="always")
    def fn(p, g):
        h, clipped = step(p, g)
        return float(h), bool(clipped)

    return fn
