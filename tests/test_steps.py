"""The Numba step rules (l0l1.methods.steps) against the SymPy expressions of l0l1.theory.

Each rule's parameter array is built from the theory's own expressions (e.g. RULE_CLIP
gets (eta_c, gamma) = (CLIP_ETA, CLIP_GAMMA)), the step is compared with the theory's
step expression evaluated at 30 digits, the g = 0 (and L1 = 0) branches with the SymPy
limits, and the clipping flags with the exact conditions under which the clipping
branch is the smaller one.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from l0l1 import theory as th
from l0l1.methods import steps
from l0l1.methods.registry import get_method

V24_SI = get_method("v24_si").rule  # a jitted rule, registered like a user's

DIGITS = 30
pos = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
gs = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
n0s = st.integers(min_value=1, max_value=8)
SETTINGS = settings(max_examples=60, deadline=None)


@functools.cache
def _mp_function(expr):
    args = tuple(sorted(expr.free_symbols, key=lambda sym: sym.name))
    return args, sp.lambdify(args, expr, modules="mpmath")


def exact(expr, **values) -> float:
    """expr at the given symbol values (floats are exact in mpmath), with enough digits:
    30 plus the decades by which g is below 1 (log(1 + t) at tiny t needs them)."""
    args, fn = _mp_function(expr)
    missing = {a.name for a in args} - set(values)
    assert not missing, missing
    tiny = min([abs(v) for v in values.values() if v] + [1.0])
    with mpmath.workdps(DIGITS + 10 + max(0, -math.floor(math.log10(tiny)))):
        return float(fn(*[mpmath.mpf(values[a.name]) for a in args]))


def num(expr, **values) -> float:
    """A theory parameter (eta, gamma, ...) as the float a schedule would pass."""
    return exact(expr, **values)


def kernel(rule, p, g):
    h, clipped = steps.step_size(rule, np.array(p, dtype=np.float64), float(g))
    return float(h), bool(clipped)


def close(a, b, rel=1e-13):
    return a == pytest.approx(b, rel=rel, abs=0.0)


# ------------------------------------------------------------------------- each rule = theory
@SETTINGS
@given(L0=pos, L1=pos, M=pos)
def test_gd_schedule_is_the_thm6_step(L0, L1, M):
    from l0l1.methods.registry import get_method
    from l0l1.schedules import Inputs, build

    sched = build(get_method("gd"), Inputs(L0=L0, L1=L1, Delta=1.0, M=M, eps=1e-2), finite=False)
    assert close(sched.p[0], num(th.GD_STEP, L_0=L0, L_1=L1, M=M))
    for g in (0.0, 1e-3, 1.0, 1e9):
        assert kernel(steps.RULE_FIXED, sched.p, g) == (sched.p[0], False)


@SETTINGS
@given(L0=pos, L1=pos, g=gs)
def test_clip_rule(L0, L1, g):
    p = [num(th.CLIP_ETA, L_0=L0), num(th.CLIP_GAMMA, L_0=L0, L_1=L1)]
    h, clipped = kernel(steps.RULE_CLIP, p, g)
    assert close(h, exact(th.CLIP_STEP, L_0=L0, L_1=L1, g=g))
    _check_flag(clipped, Fraction(g), Fraction(p[1]))  # clipped iff gamma eta/g < eta


@SETTINGS
@given(L0=pos, L1=pos, g=gs)
def test_normalized_rule(L0, L1, g):
    p = [num(th.NGD_ETA, L_0=L0, L_1=L1), num(th.NGD_BETA, L_0=L0, L_1=L1)]
    h, clipped = kernel(steps.RULE_NORMALIZED, p, g)
    assert close(h, exact(th.NGD_STEP, L_0=L0, L_1=L1, g=g))
    _check_flag(clipped, Fraction(g), Fraction(p[1]))  # gradient-dominated: g > beta


@SETTINGS
@given(L0=pos, L1=pos, g=gs)
def test_v24_rules(L0, L1, g):
    u = Fraction(L1) * Fraction(g)
    h, clipped = kernel(V24_SI, [L0, L1], g)
    assert close(h, exact(th.V24_SI_STEP, L_0=L0, L_1=L1, g=g))
    _check_flag(clipped, u, Fraction(L0))
    h, clipped = kernel(steps.RULE_V24_CL, [L0, L1], g)
    assert close(h, exact(th.V24_CL_STEP, L_0=L0, L_1=L1, g=g))
    _check_flag(clipped, 3 * u, 2 * Fraction(L0))  # 1/(3 L1 g) < 1/(2 L0)
    h, clipped = kernel(steps.RULE_V24_STAR, [L0, L1], g)
    assert close(h, exact(th.V24_STAR_STEP, L_0=L0, L_1=L1, g=g), rel=1e-12)
    _check_flag(clipped, u, Fraction(L0))


@SETTINGS
@given(L0=pos, L1=pos, g=gs)
def test_smoothed_clipping_rule(L0, L1, g):
    nu = num(th.SMOOTH_NU)
    assert close(nu, 0.5671432904097838, rel=1e-15)  # W(1): nu e^nu = 1
    h, clipped = kernel(steps.RULE_SMOOTH, [L0, L1, nu], g)
    assert close(h, exact(th.SMOOTH_STEP, L_0=L0, L_1=L1, g=g))
    _check_flag(clipped, Fraction(L1) * Fraction(g), Fraction(L0))


@SETTINGS
@given(L0=pos, L1=pos, tau=pos, T=st.integers(1, 10**6), g=gs)
def test_clipped_sgd_rule(L0, L1, tau, T, g):
    eta = num(th.CLIP_SGD_ETA, L_0=L0, L_1=L1, tau=tau, T=T)
    h, clipped = kernel(steps.RULE_CLIP_SGD, [L1, tau, eta], g)
    assert close(h, exact(th.CLIP_SGD_STEP, L_0=L0, L_1=L1, tau=tau, T=T, g=g))
    # clipped iff 1/(16 L1 (g + tau)) < eta
    _check_flag(clipped, 16 * Fraction(L1) * (Fraction(g) + Fraction(tau)) * Fraction(eta), 1)


@SETTINGS
@given(L=pos, n0=n0s, eps=pos, g=gs)
def test_spider_rule(L, n0, eps, g):
    h, clipped = kernel(steps.RULE_SPIDER, [L, n0, eps], g)
    assert close(h, exact(th.SPIDER_STEP, L=L, n_0=n0, epsilon=eps, g=g))
    _check_flag(clipped, Fraction(g), 2 * Fraction(eps))  # eps/(L n0 g) < 1/(2 L n0)


@SETTINGS
@given(L0=pos, L1=pos, n0=n0s, eps=pos, g=gs)
def test_spider_clip_rule(L0, L1, n0, eps, g):
    h, clipped = kernel(steps.RULE_SPIDER_CLIP, [L0, L1, n0, eps], g)
    assert close(h, exact(th.SPIDER_CLIP_STEP, L_0=L0, L_1=L1, n_0=n0, epsilon=eps, g=g))
    _check_flag(clipped, Fraction(g), 2 * Fraction(eps))  # eps/g < 1/2


def _check_flag(clipped, lhs, rhs, margin=Fraction(1, 10**9)):
    """clipped must be (lhs > rhs) away from the tie; at a near-tie either is rounding."""
    lhs, rhs = Fraction(lhs), Fraction(rhs)
    if lhs > rhs * (1 + margin):
        assert clipped, (float(lhs), float(rhs))
    elif lhs < rhs * (1 - margin):
        assert not clipped, (float(lhs), float(rhs))


# ------------------------------------------------------------------------- the flag is the min
MIN_RULES = {  # rule -> (theory expression, p builder) for the rules written min{a, b}
    steps.RULE_CLIP: th.CLIP_STEP,
    steps.RULE_V24_CL: th.V24_CL_STEP,
    steps.RULE_CLIP_SGD: th.CLIP_SGD_STEP,
    steps.RULE_SPIDER: th.SPIDER_STEP,
    steps.RULE_SPIDER_CLIP: th.SPIDER_CLIP_STEP,
}


@SETTINGS
@given(a=pos, b=pos, c=pos, g=gs)
def test_min_rules_flag_the_branch_that_won(a, b, c, g):
    """For h = min{first, second}: clipped means h is the second branch and it is smaller."""
    cases = {
        steps.RULE_CLIP: ([a, b], (a, b * a / g)),
        steps.RULE_V24_CL: ([a, b], (0.5 / a, 1.0 / (3.0 * b * g))),
        steps.RULE_CLIP_SGD: ([a, b, c], (c, 1.0 / (16.0 * a * (g + b)))),
        steps.RULE_SPIDER: ([a, 3, c], (1.0 / (2.0 * a * 3), c / (a * 3 * g))),
        steps.RULE_SPIDER_CLIP: ([a, b, 2, c], (0.5, c / g)),
    }
    assert set(cases) == set(MIN_RULES)
    for rule, (p, (first, second)) in cases.items():
        h, clipped = kernel(rule, p, g)
        assert clipped == (second < first), rule
        if rule == steps.RULE_SPIDER_CLIP:  # min{eps/g, 1/2} / (n0 (L0 + L1 g))
            h = h * 2 * (a + b * g)
        assert close(h, min(first, second), rel=1e-14), rule


# ------------------------------------------------------------------------- g = 0 and L1 = 0
CONSTS = [
    {"L_0": sp.Rational(3, 2), "L_1": sp.Rational(7, 3), "tau": sp.Rational(1, 5), "T": 400},
    {"L_0": sp.Rational(1, 100), "L_1": 40, "tau": 3, "T": 7},
]


def _params(rule, c):
    """The rule's p (floats) and its theory expression with the constants substituted."""
    L0, L1, tau, T = c["L_0"], c["L_1"], c["tau"], c["T"]
    n0v, epsv, Lv = 2, sp.Rational(1, 10), 5

    def at(expr):
        return sp.sympify(expr).subs(
            {th.L0: L0, th.L1: L1, th.tau: tau, th.T: T, th.n0: n0v, th.eps: epsv, th.L: Lv}
        )

    table = {
        steps.RULE_CLIP: ([at(th.CLIP_ETA), at(th.CLIP_GAMMA)], at(th.CLIP_STEP)),
        steps.RULE_NORMALIZED: ([at(th.NGD_ETA), at(th.NGD_BETA)], at(th.NGD_STEP)),
        V24_SI: ([L0, L1], at(th.V24_SI_STEP)),
        steps.RULE_V24_CL: ([L0, L1], at(th.V24_CL_STEP)),
        steps.RULE_V24_STAR: ([L0, L1], at(th.V24_STAR_STEP)),
        steps.RULE_SMOOTH: ([L0, L1, th.SMOOTH_NU], at(th.SMOOTH_STEP)),
        steps.RULE_CLIP_SGD: ([L1, tau, at(th.CLIP_SGD_ETA)], at(th.CLIP_SGD_STEP)),
        steps.RULE_SPIDER: ([Lv, n0v, epsv], at(th.SPIDER_STEP)),
        steps.RULE_SPIDER_CLIP: ([L0, L1, n0v, epsv], at(th.SPIDER_CLIP_STEP)),
    }
    p, expr = table[rule]
    return [float(sp.N(v, DIGITS)) for v in p], expr


def limit_at_zero(expr, sym):
    """One-sided limit sym -> 0+, distributed over Min/Max and products (SymPy's limit
    does not take Min of expressions in g); a leaf tending to +oo stays oo inside Min."""
    if not expr.has(sym):
        return expr
    if not expr.has(sp.Min, sp.Max):
        return sp.limit(expr, sym, 0, "+")
    if isinstance(expr, sp.Min | sp.Max):
        return type(expr)(*[limit_at_zero(a, sym) for a in expr.args])
    if expr.is_Mul:
        return sp.Mul(*[limit_at_zero(a, sym) for a in expr.args])
    if expr.is_Pow and expr.base.has(sp.Min, sp.Max):
        return limit_at_zero(expr.base, sym) ** expr.exp
    return sp.limit(expr, sym, 0, "+")


RULES_WITH_G = [
    steps.RULE_CLIP,
    steps.RULE_NORMALIZED,
    V24_SI,
    steps.RULE_V24_CL,
    steps.RULE_V24_STAR,
    steps.RULE_SMOOTH,
    steps.RULE_CLIP_SGD,
    steps.RULE_SPIDER,
    steps.RULE_SPIDER_CLIP,
]


@pytest.mark.parametrize("c", CONSTS)
@pytest.mark.parametrize("rule", RULES_WITH_G)
def test_g_zero_is_the_limit(rule, c):
    p, expr = _params(rule, c)
    limit = limit_at_zero(expr, th.g)
    assert limit.is_finite and limit > 0, limit
    h, clipped = kernel(rule, p, 0.0)
    assert close(h, float(sp.N(limit, DIGITS)))
    assert not clipped
    # and the rule is continuous there: a tiny g gives nearly the same step
    assert close(kernel(rule, p, 1e-300)[0], h, rel=1e-9)


@pytest.mark.parametrize(
    ("rule", "expr", "p_of"),
    [
        (V24_SI, th.V24_SI_STEP, lambda L0: [L0, 0.0]),
        (steps.RULE_V24_CL, th.V24_CL_STEP, lambda L0: [L0, 0.0]),
        (steps.RULE_V24_STAR, th.V24_STAR_STEP, lambda L0: [L0, 0.0]),
        (steps.RULE_SMOOTH, th.SMOOTH_STEP, lambda L0: [L0, 0.0, 0.5671432904097838]),
    ],
)
def test_L1_zero_is_the_limit(rule, expr, p_of):
    L0, g = sp.Rational(5, 4), sp.Rational(3, 1)
    limit = limit_at_zero(expr.subs({th.L0: L0, th.g: g}), th.L1)
    h, clipped = kernel(rule, p_of(1.25), 3.0)
    assert close(h, float(sp.N(limit, DIGITS)))
    assert not clipped


def test_clipped_sgd_L1_zero_is_the_limit():
    tau, eta, g = sp.Rational(1, 2), sp.Rational(1, 20), sp.Integer(2)
    expr = sp.Min(1 / (16 * th.L1 * (g + tau)), eta)  # CLIP_SGD_STEP with eta fixed
    assert limit_at_zero(expr, th.L1) == eta
    assert kernel(steps.RULE_CLIP_SGD, [0.0, 0.5, 0.05], 2.0) == (0.05, False)


# ------------------------------------------------------------------------- V24 ordering (T3)
@SETTINGS
@given(L0=pos, L1=pos, g=st.one_of(st.just(0.0), st.floats(min_value=1e-200, max_value=1e6)))
def test_v24_ordering(L0, L1, g):
    """h_cl <= h_si <= h* (V24, T3): in floats up to rounding, and at 30 digits.

    g stays above the subnormal range: there u/(L0 + u) loses bits and h* is off by
    ~1e-11 relative (reported to the lead, harmless: the step length h g is ~1e-313)."""
    h_si = kernel(V24_SI, [L0, L1], g)[0]
    h_cl = kernel(steps.RULE_V24_CL, [L0, L1], g)[0]
    h_st = kernel(steps.RULE_V24_STAR, [L0, L1], g)[0]
    tol = 1 + 4 * np.finfo(float).eps
    assert h_cl <= h_si * tol
    assert h_si <= h_st * tol
    if g > 0:
        vals = {"L_0": L0, "L_1": L1, "g": g}
        e_cl = exact(th.V24_CL_STEP, **vals)
        e_si = exact(th.V24_SI_STEP, **vals)
        e_st = exact(th.V24_STAR_STEP, **vals)
        assert e_cl <= e_si <= e_st


def test_v24_ordering_is_strict_when_gradient_dominated():
    """Not a tautology: at L1 g = 10 L0 the three steps differ by more than rounding."""
    rules = (steps.RULE_V24_CL, V24_SI, steps.RULE_V24_STAR)
    h = [kernel(r, [1.0, 1.0], 10.0)[0] for r in rules]
    assert h[0] < h[1] * (1 - 1e-3) and h[1] < h[2] * (1 - 1e-3)
    assert close(h[0], 1 / 30) and close(h[1], 1 / 16) and close(h[2], math.log1p(10 / 11) / 10)


# ------------------------------------------------------------------ beta-normalized GD (T3)
def _bngd(L0, L1, M, beta=None, eps=1e-2):
    from l0l1.schedules import Inputs, build

    over = None if beta is None else {"beta": beta}
    i = Inputs(L0=L0, L1=L1, Delta=1.0, M=M, eps=eps)
    return build(get_method("beta_normalized_gd"), i, finite=False, overrides=over)


@SETTINGS
@given(L0=pos, L1=pos, M=pos, beta=st.floats(min_value=0.0, max_value=1.0), g=gs)
def test_beta_normalized_rule(L0, L1, M, beta, g):
    """gamma = BNGD_GAMMA at the chosen beta, h = gamma / g^beta (Chen et al. 2023)."""
    sched = _bngd(L0, L1, M, beta)
    vals = {"L_0": L0, "L_1": L1, "M": M, "epsilon": 1e-2, "beta": beta}
    assert close(sched.p[0], num(th.BNGD_GAMMA, **vals), rel=1e-12)
    assert sched.p[1] == beta
    assert close(sched.bound, num(th.BNGD_BOUND, Delta=1.0, **vals), rel=1e-12)
    h, clipped = kernel(steps.RULE_POWER, sched.p, g)
    assert close(h, exact(th.BNGD_STEP, gamma=sched.p[0], beta=beta, g=g), rel=1e-12)
    assert clipped == (beta > 0)  # no branch: every step with beta > 0 is normalized


@SETTINGS
@given(L0=pos, L1=pos, M=st.floats(min_value=1e-2, max_value=1e3))
def test_beta_normalized_ends_are_gd_and_a_v24_shaped_bound(L0, L1, M):
    """beta = 0 is GD with Z20 Thm 6's step and bound (M >= eps); beta = 1 gives
    gamma = eps/(2 (L0 + L1 eps)) and 4 L0 D/eps^2 + 4 L1 D/eps (V24's shape)."""
    eps = 1e-2
    gd = _bngd(L0, L1, M, 0.0)
    assert close(gd.p[0], num(th.GD_STEP, L_0=L0, L_1=L1, M=M), rel=1e-12)
    assert close(gd.bound, num(th.GD_BOUND, L_0=L0, L_1=L1, M=M, Delta=1.0, epsilon=eps), 1e-12)
    one = _bngd(L0, L1, M, 1.0)
    assert close(one.p[0], eps / (2 * (L0 + L1 * eps)), rel=1e-12)
    assert close(one.bound, 4 * L0 / eps**2 + 4 * L1 / eps, rel=1e-12)


def test_beta_normalized_at_g_zero_and_beta_zero():
    """At g = 0 the rule returns gamma (h -> oo, but the step length h g is 0); beta = 0
    is a fixed step."""
    assert kernel(steps.RULE_POWER, [0.3, 0.5], 0.0) == (0.3, False)
    assert kernel(steps.RULE_POWER, [0.3, 0.0], 5.0) == (0.3, False)
    assert kernel(steps.RULE_POWER, [0.3, 1.0], 4.0) == (0.075, True)


def test_a_choice_override_keeps_the_bound_and_is_checked():
    from l0l1.validate import InputError

    default, chosen = _bngd(1.0, 1.0, 4.0), _bngd(1.0, 1.0, 4.0, 0.25)
    assert default.values["beta"] == 0.5 and chosen.values["beta"] == 0.25
    assert chosen.bound is not None and chosen.bound != default.bound
    assert not any("overridden" in a for a in chosen.assumptions)
    for bad in (1.5, -0.1, "half", True):
        with pytest.raises(InputError, match=r"^override beta: .* allowed: a number in \[0, 1\]"):
            _bngd(1.0, 1.0, 4.0, bad)


def test_momentum_schedules_and_override_range():
    """NSGD-M (CM20): 1 - mu = min{1, sqrt(L D)/(sigma sqrt T)}; agnostic (Hübler et al.):
    1 - mu = T^-1/2, eta = T^-3/4; a momentum override must lie in (0, 1)."""
    from l0l1.schedules import Inputs, build
    from l0l1.validate import InputError

    i = Inputs(L0=1.0, L1=2.0, Delta=3.0, M=4.0, eps=0.1, sigma=0.5, tau=0.5, T=10_000)
    cm = build(get_method("nsgd_m"), i, finite=False)
    L = 1.0 + 2.0 * 4.0
    alpha = min(1.0, math.sqrt(L * 3.0) / (0.5 * 100))
    assert close(cm.values["momentum"], 1 - alpha) and close(
        cm.p[0], math.sqrt(3.0 * alpha / (L * 1e4))
    )
    ag = build(get_method("nsgd_m_agnostic"), i, finite=False)
    assert close(ag.values["momentum"], 0.99) and close(ag.p[0], 1e-3) and ag.p[1] == 1.0
    assert ag.p[2] == ag.values["momentum"]  # the algorithm reads mu after the rule's values
    with pytest.raises(InputError, match=r"^override momentum: 1\.0 is not allowed"):
        build(get_method("nsgd_m"), i, finite=False, overrides={"momentum": 1.0})
    assert build(get_method("gd"), i, finite=False).p.shape == (1,)  # h alone


def test_adaptive_schedules():
    """AdaGrad-norm: gamma = ADAGRAD_ETA, power 1 (h = gamma/b_k), b0 = eps; Adam: h =
    ADAM_ETA with PyTorch's betas and delta (this project's choice, T4)."""
    from l0l1.schedules import Inputs, build

    i = Inputs(L0=2.0, L1=0.5, Delta=3.0, M=4.0, eps=0.1, sigma=0.5, tau=0.5, T=400)
    ada = build(get_method("adagrad_norm"), i, finite=False)
    assert close(ada.p[0], 4.0 / (10 * (2.0 + 0.5 * 4.0))) and ada.p[1] == 1.0
    assert get_method("adagrad_norm").algorithm_values == ("b0",) and ada.p[2] == 0.1
    adam = build(get_method("adam"), i, finite=False)
    assert close(adam.p[0], 0.1 / 20.0) and tuple(adam.p[1:]) == (0.9, 0.999, 1e-8)
    assert get_method("adam").algorithm_values == ("momentum", "momentum2", "delta")
