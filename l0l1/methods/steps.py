"""Step rules as tiny pure functions (THEORY T3-T5).

``step_size(rule, p, g)`` returns ``(h, clipped)``: the step size for an estimator
of norm ``g`` and whether the rule's clipping (gradient-dominated) branch is active.
``rule`` is a built-in rule's integer (below) or the :class:`l0l1.usercode.JitCode` token
of a rule registered with :func:`l0l1.register_method`, a jitted ``step(p, g) -> (h,
clipped)``; Numba picks the one to call at compile time (the same door for both).
``p`` is a float array of the rule's parameters, laid out as documented per rule.
The same formulas exist once as SymPy expressions in :mod:`l0l1.theory`; the tests
check that the two agree.

At ``g = 0`` every rule returns its finite limit (the step length ``h g`` is 0 anyway).
"""

from __future__ import annotations

import math

from numba import njit, types
from numba.extending import overload

from l0l1 import usercode

RULE_FIXED = 0  # p = [h]                         GD, SGD (Z20 Thm 6 / Thm 8)
RULE_CLIP = 1  # p = [eta_c, gamma]               clipped GD (Z20 Thm 3)
RULE_NORMALIZED = 2  # p = [eta_n, beta]          normalized GD (Z20)
# 3 was V24's h_si: now v24_si_step below, a rule in the users' form (registry.py)
RULE_V24_CL = 4  # p = [L0, L1]                   min{1/(2 L0), 1/(3 L1 g)}
RULE_V24_STAR = 5  # p = [L0, L1]                 ln(1 + L1 g/(L0 + L1 g))/(L1 g)
RULE_SMOOTH = 6  # p = [L0, L1, nu]               nu/(2(L0 + L1 g)), nu = W(1)
RULE_CLIP_SGD = 7  # p = [L1, tau, eta]           min{1/(16 L1 (g + tau)), eta} (Z20 Thm 7)
RULE_SPIDER = 8  # p = [L, n0, eps]               min{eps/(L n0 g), 1/(2 L n0)} (F18)
RULE_SPIDER_CLIP = 9  # p = [L0, L1, n0, eps]     min{eps/g, 1/2}/(n0 (L0 + L1 g)) (T5)
RULE_POWER = 10  # p = [gamma, beta]              gamma / g^beta (beta-normalized, C23; T3)


@njit(cache=True, inline="always")
def _min_branch(a, b):
    """(min(a, b), b < a): the step and whether the second (clipping) branch won."""
    if b < a:
        return b, True
    return a, False


@njit(cache=True)
def v24_si_step(p, g):
    """V24's h_si = 1/(L0 + 1.5 L1 g), p = [L0, L1] (T3), written as a user's rule would be:
    ``(p, g) -> (h, clipped)``; registered through :func:`l0l1.register_method`'s path."""
    return 1.0 / (p[0] + 1.5 * p[1] * g), p[1] * g > p[0]


@njit(cache=True, inline="always")
def rule_step_size(rule, p, g):
    """Step size h and clipping flag of built-in rule ``rule`` for estimator norm g >= 0."""
    if rule == RULE_FIXED:
        return p[0], False
    if rule == RULE_CLIP:
        if g == 0.0:
            return p[0], False
        return _min_branch(p[0], p[1] * p[0] / g)
    if rule == RULE_NORMALIZED:
        return p[0] / (g + p[1]), g > p[1]
    if rule == RULE_V24_CL:
        if g == 0.0 or p[1] == 0.0:
            return 0.5 / p[0], False
        return _min_branch(0.5 / p[0], 1.0 / (3.0 * p[1] * g))
    if rule == RULE_V24_STAR:
        u = p[1] * g
        if u == 0.0:
            return 1.0 / p[0], False
        return math.log1p(u / (p[0] + u)) / u, u > p[0]
    if rule == RULE_SMOOTH:
        return p[2] / (2.0 * (p[0] + p[1] * g)), p[1] * g > p[0]
    if rule == RULE_CLIP_SGD:
        if p[0] == 0.0:
            return p[2], False
        return _min_branch(p[2], 1.0 / (16.0 * p[0] * (g + p[1])))
    if rule == RULE_SPIDER:
        base = 1.0 / (2.0 * p[0] * p[1])
        if g == 0.0:
            return base, False
        return _min_branch(base, p[2] / (p[0] * p[1] * g))
    if rule == RULE_SPIDER_CLIP:
        scale = 1.0 / (p[2] * (p[0] + p[1] * g))
        if g == 0.0:
            return 0.5 * scale, False
        h, clipped = _min_branch(0.5, p[3] / g)
        return h * scale, clipped
    if rule == RULE_POWER:  # no branch: every step with beta > 0 counts as normalized
        if g == 0.0 or p[1] == 0.0:
            return p[0], False
        return p[0] / g ** p[1], True
    return math.nan, False


def step_size(rule, p, g):
    """Step size h and clipping flag for estimator norm g >= 0 (built-in or user rule)."""
    if isinstance(rule, usercode.JitCode):
        h, clipped = rule.functions["step"](p, g)
        return float(h), bool(clipped)
    return rule_step_size(rule, p, g)


@overload(step_size, inline="always")
def _step_size_ol(rule, p, g):
    if isinstance(rule, types.Integer):
        return lambda rule, p, g: rule_step_size(rule, p, g)
    if isinstance(rule, usercode.JitCodeType) and rule.role == "rule":
        fn = usercode.registered(rule.code_key).functions["step"]

        def impl(rule, p, g):
            h, clipped = fn(p, g)
            return float(h), bool(clipped)

        return impl
    return None
