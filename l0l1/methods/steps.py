"""Step rules as tiny pure functions (THEORY T3-T5).

Every rule is a jitted ``step(p, g) -> (h, clipped)``: the step size for an estimator of
norm ``g`` and whether the rule's clipping (gradient-dominated) branch is active, the form
of a rule registered with :func:`l0l1.register_method`. A built-in rule's integer (below)
names its function in ``RULES``; ``step_size(rule, p, g)`` calls either from Python.
``p`` is a float array of the rule's parameters, laid out as documented per rule.
The same formulas exist once as SymPy expressions in :mod:`l0l1.theory`; the tests
check that the two agree.

At ``g = 0`` every rule returns its finite limit (the step length ``h g`` is 0 anyway).
"""

from __future__ import annotations

import math

from numba import njit

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
def fixed_step(p, g):
    """h = p[0] (RULE_FIXED)."""
    return p[0], False


@njit(cache=True, inline="always")
def clip_step(p, g):
    """h = min(eta_c, gamma eta_c / g) (RULE_CLIP)."""
    if g == 0.0:
        return p[0], False
    return _min_branch(p[0], p[1] * p[0] / g)


@njit(cache=True, inline="always")
def normalized_step(p, g):
    """h = eta_n / (g + beta) (RULE_NORMALIZED)."""
    return p[0] / (g + p[1]), g > p[1]


@njit(cache=True, inline="always")
def v24_cl_step(p, g):
    """h = min(1/(2 L0), 1/(3 L1 g)) (RULE_V24_CL)."""
    if g == 0.0 or p[1] == 0.0:
        return 0.5 / p[0], False
    return _min_branch(0.5 / p[0], 1.0 / (3.0 * p[1] * g))


@njit(cache=True, inline="always")
def v24_star_step(p, g):
    """h = ln(1 + L1 g/(L0 + L1 g))/(L1 g) (RULE_V24_STAR)."""
    u = p[1] * g
    if u == 0.0:
        return 1.0 / p[0], False
    return math.log1p(u / (p[0] + u)) / u, u > p[0]


@njit(cache=True, inline="always")
def smooth_step(p, g):
    """h = nu / (2 (L0 + L1 g)) (RULE_SMOOTH)."""
    return p[2] / (2.0 * (p[0] + p[1] * g)), p[1] * g > p[0]


@njit(cache=True, inline="always")
def clip_sgd_step(p, g):
    """h = min(eta, 1/(16 L1 (g + tau))) (RULE_CLIP_SGD)."""
    if p[0] == 0.0:
        return p[2], False
    return _min_branch(p[2], 1.0 / (16.0 * p[0] * (g + p[1])))


@njit(cache=True, inline="always")
def spider_step(p, g):
    """h = min(eps/(L n0 g), 1/(2 L n0)) (RULE_SPIDER)."""
    base = 1.0 / (2.0 * p[0] * p[1])
    if g == 0.0:
        return base, False
    return _min_branch(base, p[2] / (p[0] * p[1] * g))


@njit(cache=True, inline="always")
def spider_clip_step(p, g):
    """h = min(eps/g, 1/2) / (n0 (L0 + L1 g)) (RULE_SPIDER_CLIP)."""
    scale = 1.0 / (p[2] * (p[0] + p[1] * g))
    if g == 0.0:
        return 0.5 * scale, False
    h, clipped = _min_branch(0.5, p[3] / g)
    return h * scale, clipped


@njit(cache=True, inline="always")
def power_step(p, g):
    """h = gamma / g^beta (RULE_POWER; no branch: every step with beta > 0 is normalized)."""
    if g == 0.0 or p[1] == 0.0:
        return p[0], False
    return p[0] / g ** p[1], True


# A built-in rule's integer names its function: the code compiled for a method holds that
# function alone (no switch), as a user's rule does.
RULES = {
    RULE_FIXED: fixed_step,
    RULE_CLIP: clip_step,
    RULE_NORMALIZED: normalized_step,
    RULE_V24_CL: v24_cl_step,
    RULE_V24_STAR: v24_star_step,
    RULE_SMOOTH: smooth_step,
    RULE_CLIP_SGD: clip_sgd_step,
    RULE_SPIDER: spider_step,
    RULE_SPIDER_CLIP: spider_clip_step,
    RULE_POWER: power_step,
}


def step_size(rule, p, g):
    """Step size h and clipping flag for estimator norm g >= 0 (built-in or user rule), from
    Python."""
    fn = rule.functions["step"] if isinstance(rule, usercode.JitCode) else RULES[rule]
    h, clipped = fn(p, g)
    return float(h), bool(clipped)
