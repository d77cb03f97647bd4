"""Checked claims ("steps"), lemmas and the runner (THEORY T7).

A step proves one claim by an exact route (SymPy algebra, exact real-root isolation,
interval arithmetic) and is then *attacked*: both sides are evaluated at seeded random
and adversarial points (boundaries, tiny and huge values) at 50 digits with mpmath. A
violation found by the attack fails the step even if the exact route claimed success.

Statuses: ``certified`` (exact route succeeded, attack found nothing), ``numeric``
(only numeric evidence: :class:`NumericOnly`, or a step built with
``allow_numeric=True`` whose exact route was inconclusive) and ``failed`` (a
violation, an exception, or an inconclusive exact route without ``allow_numeric``).
A lemma takes the worst status of its steps.
"""

from __future__ import annotations

import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath
import sympy as sp

CERTIFIED, NUMERIC, FAILED = "certified", "numeric", "failed"
_RANK = {CERTIFIED: 0, NUMERIC: 1, FAILED: 2}
DPS = 50  # digits of reported values; attacks evaluate at WORK_DPS to survive cancellation
WORK_DPS = 110
FINITE_POSITIVE = "finite positive"


class Unproved(Exception):  # noqa: N818 (public name used by lemma modules)
    """The exact route could not decide the claim (not a disproof)."""


@dataclass
class StepResult:
    """Outcome of one step; ``counterexample`` maps names to values (strings)."""

    claim: str
    kind: str
    status: str
    method: str
    detail: str = ""
    counterexample: dict | None = None
    latex: str = ""
    seconds: float = 0.0


@dataclass
class Lemma:
    """A named statement (LaTeX) with its source, assumptions and checked steps."""

    name: str
    statement: str
    source: str
    assumptions: str
    steps: list = field(default_factory=list)


@dataclass
class LemmaResult:
    name: str
    source: str
    status: str
    steps: list
    seconds: float
    statement: str = ""
    assumptions: str = ""

    def failures(self) -> list[StepResult]:
        return [s for s in self.steps if s.status != CERTIFIED]


def worst(statuses) -> str:
    return max(statuses, key=_RANK.__getitem__, default=CERTIFIED)


def run(lemma: Lemma, stop_on_failure: bool = False) -> LemmaResult:
    """Check the steps of ``lemma`` (never raises); false siblings may stop at a failure."""
    t0 = time.perf_counter()
    results = []
    for step in lemma.steps:
        results.append(step.check())
        if stop_on_failure and results[-1].status == FAILED:
            break
    status = worst(r.status for r in results) if results else FAILED
    return LemmaResult(
        lemma.name,
        lemma.source,
        status,
        results,
        time.perf_counter() - t0,
        lemma.statement,
        lemma.assumptions,
    )


# ----------------------------------------------------------------------------- numbers


def const_sign(value) -> int:
    """Exact sign of a symbol-free real constant (interval arithmetic, then SymPy)."""
    value = sp.nsimplify(value) if isinstance(value, float) else sp.sympify(value)
    if value.free_symbols:
        raise Unproved(f"not a constant: {value}")
    if value.is_zero:
        return 0
    for dps in (30, 80, 200):
        try:
            enc = iv_eval(value, {}, dps)
        except Unproved:
            break
        if enc.a > 0:
            return 1
        if enc.b < 0:
            return -1
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    raise Unproved(f"sign of {value} undecided")


def iv_eval(expr, env: dict, dps: int = 30):
    """Rigorous enclosure of ``expr`` with mpmath interval arithmetic (``env``: symbol -> iv)."""
    old = mpmath.iv.dps
    mpmath.iv.dps = dps
    try:
        return _iv(sp.sympify(expr), env)
    finally:
        mpmath.iv.dps = old


def _iv(e, env):
    iv = mpmath.iv
    if e.is_Symbol:
        return env[e]
    if e.is_Integer:
        return iv.mpf(int(e))
    if e.is_Rational:
        return iv.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return iv.mpf(str(e))
    if e is sp.E:
        return iv.e
    if e is sp.pi:
        return iv.pi
    if e.is_Add:
        return sum((_iv(a, env) for a in e.args[1:]), _iv(e.args[0], env))
    if e.is_Mul:
        out = _iv(e.args[0], env)
        for a in e.args[1:]:
            out = out * _iv(a, env)
        return out
    if e.is_Pow:
        base, ex = _iv(e.base, env), e.exp
        if ex.is_Integer:
            return base ** int(ex)
        if ex == sp.S.Half:
            return iv.sqrt(base)
        return iv.exp(_iv(ex, env) * iv.log(base))
    funcs = {sp.exp: iv.exp, sp.log: iv.log, sp.Abs: abs, sp.cos: iv.cos, sp.sin: iv.sin}
    if e.func in funcs:
        return funcs[e.func](_iv(e.args[0], env))
    if e.func in (sp.cosh, sp.sinh, sp.tanh):
        return _iv(e.rewrite(sp.exp), env)
    raise Unproved(f"no interval rule for {e.func.__name__}")


# ----------------------------------------------------------------------- numeric attack


def _seed(text: str) -> random.Random:
    return random.Random(zlib.crc32(text.encode()))


def _candidates(lo, hi, rng: random.Random, n_random: int = 6) -> list:
    """Adversarial and random sample values in the open interval (lo, hi)."""
    mpf = mpmath.mpf
    fin_lo, fin_hi = lo is not None and lo != -sp.oo, hi is not None and hi != sp.oo
    if fin_lo and fin_hi:
        a, b = mpf(sp.N(lo, DPS)), mpf(sp.N(hi, DPS))
        w = b - a
        vals = [a + w * mpf(t) for t in ("1e-30", "1e-8", "0.25", "0.5", "0.75")]
        vals += [b - w * mpf(t) for t in ("1e-30", "1e-8")]
        vals += [a + w * mpf(rng.random()) for _ in range(n_random)]
        return vals
    offs = [mpf(t) for t in ("1e-30", "1e-8", "1e-3", "0.5", "1", "2", "3", "10", "1e3", "1e8")]
    offs += [mpf(10) ** mpf(rng.uniform(-4, 6)) for _ in range(n_random)]
    if fin_lo:
        a = mpf(sp.N(lo, DPS))
        return [a + o for o in offs]
    if fin_hi:
        b = mpf(sp.N(hi, DPS))
        return [b - o for o in offs]
    return [mpf(0)] + offs + [-o for o in offs]


def _domain_of(sym, domain: dict | None):
    if domain and sym in domain:
        return domain[sym]
    if sym.is_positive or sym.is_nonnegative:
        return (0, sp.oo)
    if sym.is_negative or sym.is_nonpositive:
        return (-sp.oo, 0)
    return (-sp.oo, sp.oo)


def sample_points(syms, domain: dict | None, key: str, n: int = 40) -> list[dict]:
    """Seeded points (dicts symbol -> mpf) mixing adversarial and random values."""
    rng = _seed(key)
    cands = {s: _candidates(*_domain_of(s, domain), rng) for s in syms}
    points = []
    for i in range(n):
        pt = {}
        for j, s in enumerate(syms):
            c = cands[s]
            pt[s] = c[(i + 3 * j) % len(c)] if i < len(c) else rng.choice(c)
        points.append(pt)
    return points


_LAMBDAS: dict = {}


def evaluate(expr, point: dict):
    """Value of ``expr`` at ``point`` (WORK_DPS digits) or None if undefined / not real."""
    key = (expr, tuple(point))
    try:
        if key not in _LAMBDAS:
            _LAMBDAS[key] = None  # stays None if SymPy cannot print expr for mpmath
            _LAMBDAS[key] = sp.lambdify(list(point), expr, modules="mpmath")
        if _LAMBDAS[key] is None:
            return None
        with mpmath.workdps(WORK_DPS):
            v = mpmath.mpmathify(_LAMBDAS[key](*(mpmath.mpf(t) for t in point.values())))
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > mpmath.mpf(10) ** (-30) * (1 + abs(v.real)):
                    return None
                v = v.real
            return None if not mpmath.isfinite(v) else v
    except Exception:  # undefined or unprintable here: the point is skipped
        return None


def show(point: dict, **extra) -> dict:
    out = {str(k): mpmath.nstr(v, 15) for k, v in point.items()}
    out.update(
        {k: mpmath.nstr(v, 15) if isinstance(v, mpmath.mpf) else str(v) for k, v in extra.items()}
    )
    return out


def _tol(*vals):
    return mpmath.mpf(10) ** (-25) * (1 + sum(abs(v) for v in vals))


# -------------------------------------------------------------------------------- steps


class Step:
    """Base class: subclasses implement ``prove`` (exact route) and ``attack``."""

    kind = "step"

    def __init__(self, claim: str, latex: str = "", allow_numeric: bool = False):
        self.claim, self.latex, self.allow_numeric = claim, latex, allow_numeric

    def prove(self) -> tuple[str, str]:
        """Return (method, detail) or raise Unproved; a disproof returns via ``attack``."""
        raise NotImplementedError

    def attack(self) -> dict | None:
        """Return a counterexample dict, or None."""
        return None

    def check(self) -> StepResult:
        t0 = time.perf_counter()
        cx = None
        try:
            try:
                method, detail = self.prove()
                status = CERTIFIED
            except Unproved as why:
                method, detail = "inconclusive", str(why)
                status = NUMERIC if self.allow_numeric else FAILED
            cx = self.attack()
            if cx is not None:
                status = FAILED
                detail = f"numeric attack found a violation; {detail}"
        except Exception as exc:  # a crashing step is a failed step, never a crash
            status, method, detail = FAILED, "exception", f"{type(exc).__name__}: {exc}"
        return StepResult(
            self.claim,
            self.kind,
            status,
            method,
            detail,
            cx,
            self.latex,
            time.perf_counter() - t0,
        )


def _zero(expr) -> str | None:
    """Name of the first SymPy simplification that reduces ``expr`` to 0."""
    routes = [
        ("expand", sp.expand),
        ("cancel", lambda e: sp.cancel(sp.together(e))),
        ("simplify", sp.simplify),
        ("expand_log+simplify", lambda e: sp.simplify(sp.expand_log(e, force=True))),
        ("rewrite(exp)+simplify", lambda e: sp.simplify(e.rewrite(sp.exp))),
    ]
    for name, fn in routes:
        if fn(expr) == 0:
            return name
    return None


class Identity(Step):
    """``lhs == rhs`` identically (symbols range over ``domain`` or their assumptions)."""

    kind = "identity"

    def __init__(self, lhs, rhs, claim, latex="", domain=None, allow_numeric=False):
        super().__init__(claim, latex or f"{sp.latex(lhs)} = {sp.latex(rhs)}", allow_numeric)
        self.lhs, self.rhs, self.domain = sp.sympify(lhs), sp.sympify(rhs), domain

    def prove(self):
        how = _zero(self.lhs - self.rhs)
        if how is None:
            raise Unproved("SymPy could not reduce lhs - rhs to 0")
        return f"sympy {how}(lhs - rhs) == 0", ""

    def attack(self):
        syms = sorted((self.lhs - self.rhs).free_symbols, key=str)
        self.points = 0
        for pt in sample_points(syms, self.domain, self.claim):
            a, b = evaluate(self.lhs, pt), evaluate(self.rhs, pt)
            if a is not None and b is not None:
                self.points += 1
                if abs(a - b) > _tol(a, b):
                    return show(pt, lhs=a, rhs=b)
        return None

    def check(self) -> StepResult:
        res = super().check()
        if res.status == CERTIFIED:
            res.detail = (
                f"numeric attack: {self.points} points agree"
                if self.points
                else ("numeric attack not applicable (undefined functions)")
            )
        return res


class Limit(Step):
    """``lim_{var -> point} expr == expected`` (a value, ``oo``, ``-oo`` or FINITE_POSITIVE).

    ``direction`` is "+" or "-" for finite points. The attack evaluates ``expr`` along
    ``var -> point`` (up to 1e32 or 1e-30 away) with the other symbols sampled
    moderately (in [0.5, 3] up to sign).
    """

    kind = "limit"

    def __init__(self, expr, var, point, expected, claim, latex="", direction="+", **kw):
        exp_tex = "a finite positive value" if expected == FINITE_POSITIVE else sp.latex(expected)
        tex = (
            latex or rf"\lim_{{{sp.latex(var)} \to {sp.latex(point)}}} {sp.latex(expr)} = {exp_tex}"
        )
        super().__init__(claim, tex, **kw)
        self.expr, self.var, self.point = sp.sympify(expr), var, sp.sympify(point)
        self.expected, self.direction = expected, direction

    def prove(self):
        val = sp.limit(self.expr, self.var, self.point, self.direction)
        if self.expected == FINITE_POSITIVE:
            ok = val.is_finite and val.is_positive
        elif self.expected in (sp.oo, -sp.oo):
            ok = val == self.expected
        else:
            ok = sp.simplify(val - self.expected) == 0
        if not ok:
            raise Unproved(f"sympy.limit gives {val}, expected {self.expected}")
        return "sympy.limit", f"limit = {val}"

    def attack(self):
        rng = _seed(self.claim)
        others = sorted(self.expr.free_symbols - {self.var}, key=str)
        if self.point in (sp.oo, -sp.oo):
            sgn = 1 if self.point == sp.oo else -1
            ts = [sgn * mpmath.mpf(10) ** k for k in (4, 8, 16, 32)]
        else:
            sgn = 1 if self.direction == "+" else -1
            p = mpmath.mpf(sp.N(self.point, DPS))
            ts = [p + sgn * mpmath.mpf(10) ** (-k) for k in (4, 8, 16, 30)]
        for _ in range(4):
            pt = {}
            for s in others:
                lo, hi = _domain_of(s, None)
                mag = mpmath.mpf(rng.uniform(0.5, 3))
                pt[s] = -mag if hi == 0 else (mag if lo == 0 else rng.choice([mag, -mag]))
            vals = [evaluate(self.expr, {**pt, self.var: t}) for t in ts]
            if any(v is None for v in vals):
                continue
            first, last = vals[0], vals[-1]
            if self.expected == sp.oo:
                bad = not (last > 1e6 and last > first)
            elif self.expected == -sp.oo:
                bad = not (last < -1e6 and last < first)
            elif self.expected == FINITE_POSITIVE:
                bad = not (0 < last < mpmath.mpf(10) ** 20)
            else:
                e = evaluate(sp.sympify(self.expected), pt)
                bad = e is not None and abs(last - e) > mpmath.mpf("1e-6") * (1 + abs(e))
            if bad:
                return show({**pt, self.var: ts[-1]}, value=last)
        return None


def _interval(interval):
    lo, hi = interval
    return (-sp.oo if lo is None else sp.sympify(lo)), (sp.oo if hi is None else sp.sympify(hi))


def _test_point(lo, hi):
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    if lo.is_finite:
        return lo + 1
    if hi.is_finite:
        return hi - 1
    return sp.Integer(0)


def _qq_poly(e, x):
    try:
        return sp.Poly(e, x, domain="QQ")
    except (sp.PolynomialError, sp.CoercionFailed, sp.GeneratorsNeeded):
        return None


def _interior_roots(P: sp.Poly, lo, hi) -> int:
    n = P.count_roots(None if lo == -sp.oo else lo, None if hi == sp.oo else hi)
    return n - sum(1 for b in (lo, hi) if b.is_finite and P.eval(b) == 0)


def poly_nonneg(P: sp.Poly, lo, hi, strict=False) -> str:
    """Exact proof that ``P >= 0`` (``> 0`` if strict) on the open interval (lo, hi)."""
    if P.is_zero:
        if strict:
            raise Unproved("zero polynomial is not positive")
        return "zero polynomial"
    _, factors = P.sqf_list()
    odd = sp.Poly(1, P.gen, domain="QQ")
    for q, m in factors:
        if m % 2:
            odd *= q
    if _interior_roots(odd, lo, hi):
        raise Unproved(f"{P.as_expr()} changes sign inside ({lo}, {hi})")
    if strict and _interior_roots(P.sqf_part(), lo, hi):
        raise Unproved(f"{P.as_expr()} vanishes inside ({lo}, {hi})")
    if P.eval(_test_point(lo, hi)) < 0:
        raise Unproved(f"{P.as_expr()} is negative inside ({lo}, {hi})")
    return "Sturm root count (no odd-multiplicity root inside) + sign at a rational point"


def _factor_sign(f, x, lo, hi, strict):
    """Sign (+1/-1) of factor ``f`` on (lo, hi) when it is constant there, else None.

    Even powers count as +1 when not ``strict`` (they are >= 0, which suffices).
    """
    if x not in f.free_symbols:
        return const_sign(f) or None
    if isinstance(f, sp.exp) and f.args[0].is_real is not False:
        return 1
    if f.is_Pow and f.exp.is_Integer and f.exp > 0 and f.exp % 2 == 0 and not strict:
        return 1
    if f.is_Pow and f.exp.is_Integer:
        s = _factor_sign(f.base, x, lo, hi, strict)
        return None if s is None else (s if int(f.exp) % 2 else 1)
    P = _qq_poly(f, x)
    if (
        P is not None
        and P.degree() > 0
        and P.sqf_part().count_roots(None if lo == -sp.oo else lo, None if hi == sp.oo else hi)
        - sum(1 for b in (lo, hi) if b.is_finite and P.eval(b) == 0)
        == 0
    ):
        return 1 if P.eval(_test_point(lo, hi)) > 0 else -1
    return None


def prove_nonneg(e, x, lo, hi, strict=False, depth=0) -> list[str]:
    """Prove ``e >= 0`` (``> 0``) on (lo, hi); returns the chain of methods used.

    Routes: rational functions over QQ by root isolation; constant-sign factors
    (exp(.), positive constants, root-free polynomials) are divided out; otherwise
    the value (one-sided limit) at a finite end plus a recursive sign of the derivative.
    """
    if depth > 8:
        raise Unproved("derivative chain too deep")
    num, den = sp.fraction(sp.factor(sp.together(e)))
    factors = list(sp.Mul.make_args(num)) + [1 / f for f in sp.Mul.make_args(den)]
    sign, rest, notes = 1, [], []
    for f in factors:
        s = _factor_sign(sp.powsimp(f), x, lo, hi, strict)
        if s is None:
            rest.append(f)
        else:
            sign *= s
    if not rest:
        if sign < 0:
            raise Unproved(f"{e} is negative on ({lo}, {hi})")
        return ["constant-sign factors"]
    if len(rest) < len(factors):
        notes.append("divided out constant-sign factors")
    g = sp.expand(sign * sp.Mul(*rest))
    P = _qq_poly(g, x) if all(_qq_poly(f, x) for f in rest) else None
    if P is not None:
        return [*notes, poly_nonneg(P, lo, hi, strict)]
    dg = sp.diff(g, x)
    for end, inc in ((lo, 1), (hi, -1)):
        if not end.is_finite:
            continue
        val = sp.limit(g, x, end, "+" if inc == 1 else "-")
        s = const_sign(val) if val.is_finite else None
        if s is None or s < 0:
            continue
        for need_strict in (False, True) if strict and s == 0 else (False,):
            try:
                sub = prove_nonneg(inc * dg, x, lo, hi, need_strict, depth + 1)
            except Unproved:
                continue
            if strict and s == 0 and not need_strict:
                continue
            rel = ">=" if inc == 1 else "<="
            return [*notes, f"value {val} at {end} and derivative {rel} 0, by", *sub]
    raise Unproved(f"could not decide the sign of {g} on ({lo}, {hi})")


def prover_fallback(g, box: dict, strict: bool, why: Unproved) -> tuple[str, str]:
    """``g >= 0`` (``> 0``) on ``box`` {symbol: (lo, hi, open)} by :mod:`proofs_check.prover`
    after the exact route gave up (``why``); raises Unproved unless certified."""
    from proofs_check.parse import Range
    from proofs_check.prover import CERTIFIED as OK
    from proofs_check.prover import decide_nonneg

    ranges = {}
    for s, (lo, hi, opened) in box.items():
        lo = -sp.oo if lo is None else sp.sympify(lo)
        hi = sp.oo if hi is None else sp.sympify(hi)
        ranges[s] = Range(str(s), lo, hi, opened or lo.is_infinite, opened or hi.is_infinite)
    d = decide_nonneg(g, ranges, strict)
    if d.status == OK:
        return f"prover: {d.method}", f"{d.boxes} boxes"
    if d.status == "failed":
        raise Unproved(f"{why}; prover: counterexample {d.point} ({d.detail})")
    raise Unproved(f"{why}; prover inconclusive: {d.detail} on {d.box}")


class NonNegative(Step):
    """``expr >= 0`` (``> 0`` if ``strict``) for ``var`` in the open interval ``interval``.

    ``interval`` = (lo, hi) with rational or infinite ends (None means infinite);
    other symbols must be absent. Exact routes: see :func:`prove_nonneg`.
    """

    kind = "nonnegative"

    def __init__(self, expr, var, interval, claim, latex="", strict=False, **kw):
        lo, hi = _interval(interval)
        rel = ">" if strict else r"\ge"
        tex = latex or (
            rf"{sp.latex(expr)} {rel} 0 \quad "
            rf"({sp.latex(var)} \in ({sp.latex(lo)}, {sp.latex(hi)}))"
        )
        super().__init__(claim, tex, **kw)
        self.expr, self.var, self.lo, self.hi, self.strict = sp.sympify(expr), var, lo, hi, strict

    def prove(self):
        extra = self.expr.free_symbols - {self.var}
        if extra:
            raise Unproved(f"unexpected symbols {sorted(map(str, extra))}")
        try:
            return "; ".join(prove_nonneg(self.expr, self.var, self.lo, self.hi, self.strict)), ""
        except Unproved as why:
            return prover_fallback(
                self.expr, {self.var: (self.lo, self.hi, True)}, self.strict, why
            )

    def attack(self):
        pts = sample_points([self.var], {self.var: (self.lo, self.hi)}, self.claim, 30)
        P = _qq_poly(self.expr, self.var)
        if P is not None and P.degree() > 1:  # local minima are the adversarial points
            with mpmath.workdps(DPS):
                for r in mpmath.polyroots(
                    [float(c) for c in P.diff().all_coeffs()], maxsteps=200, extraprec=200
                ):
                    if isinstance(r, mpmath.mpf) or abs(mpmath.im(r)) < 1e-20:
                        pts.append({self.var: mpmath.re(r)})
        for pt in pts:
            t = pt[self.var]
            if not (self.lo < sp.Float(t, DPS) < self.hi):
                continue
            v = evaluate(self.expr, pt)
            if v is not None and (v < -_tol() or (self.strict and v <= 0)):
                return show(pt, value=v)
        return None


class Monotone(NonNegative):
    """``expr`` is increasing (direction=+1) or decreasing (-1) in ``var`` on ``interval``."""

    kind = "monotone"

    def __init__(self, expr, var, interval, direction, claim, latex="", **kw):
        word = "increasing" if direction > 0 else "decreasing"
        tex = latex or rf"{sp.latex(expr)} \text{{ is {word} in }} {sp.latex(var)}"
        super().__init__(direction * sp.diff(expr, var), var, interval, claim, tex, **kw)


class CoefficientsNonNegative(Step):
    """``expr >= 0`` for all nonnegative values of its symbols: a polynomial in them whose
    coefficients (exact constants, e.g. ``5 - E``) are all >= 0."""

    kind = "coefficients"

    def __init__(self, expr, claim, latex="", **kw):
        super().__init__(claim, latex or rf"{sp.latex(expr)} \ge 0", **kw)
        self.expr = sp.expand(sp.sympify(expr))

    def prove(self):
        syms = sorted(self.expr.free_symbols, key=str)
        coeffs = sp.Poly(self.expr, *syms).coeffs() if syms else [self.expr]
        bad = [c for c in coeffs if const_sign(c) < 0]
        if bad:
            raise Unproved(f"negative coefficients {bad}")
        return "polynomial with nonnegative coefficients in nonnegative variables", ""

    def attack(self):
        syms = sorted(self.expr.free_symbols, key=str)
        for pt in sample_points(syms, dict.fromkeys(syms, (0, sp.oo)), self.claim):
            v = evaluate(self.expr, pt)
            if v is not None and v < -_tol():
                return show(pt, value=v)
        return None


class ConstantBound(Step):
    """``lo <= expr <= hi`` for a symbol-free constant, by interval arithmetic."""

    kind = "constant"

    def __init__(self, expr, claim, lo=None, hi=None, latex="", **kw):
        self.expr = sp.sympify(expr)
        self.lo = (
            None
            if lo is None
            else sp.Rational(str(lo))
            if isinstance(lo, (str, float))
            else sp.sympify(lo)
        )
        self.hi = (
            None
            if hi is None
            else sp.Rational(str(hi))
            if isinstance(hi, (str, float))
            else sp.sympify(hi)
        )
        parts = [sp.latex(self.lo) + r" \le"] if self.lo is not None else []
        parts.append(sp.latex(self.expr))
        if self.hi is not None:
            parts.append(r"\le " + sp.latex(self.hi))
        super().__init__(claim, latex or " ".join(parts), **kw)

    def prove(self):
        for b, s in ((self.lo, 1), (self.hi, -1)):
            if b is not None and const_sign(s * (self.expr - b)) < 0:
                raise Unproved(f"bound {b} violated")
        enc = iv_eval(self.expr, {}, 30)
        return "interval arithmetic", f"value in {mpmath.iv.nstr(enc, 20)}"

    def attack(self):
        v = evaluate(self.expr, {})
        lo_bad = self.lo is not None and v < mpmath.mpf(sp.N(self.lo, DPS))
        hi_bad = self.hi is not None and v > mpmath.mpf(sp.N(self.hi, DPS))
        return {"value": mpmath.nstr(v, 30)} if lo_bad or hi_bad else None


class IntervalBound(Step):
    """``lo <= expr <= hi`` on a box {symbol: (a, b)} by interval arithmetic with bisection."""

    kind = "interval"

    def __init__(self, expr, box, claim, lo=None, hi=None, latex="", max_boxes=4000, **kw):
        self.expr, self.box, self.lo, self.hi = sp.sympify(expr), box, lo, hi
        self.max_boxes = max_boxes
        tex = (sp.latex(lo) + r" \le " if lo is not None else "") + sp.latex(self.expr)
        tex += r" \le " + sp.latex(hi) if hi is not None else ""
        super().__init__(claim, tex, **kw)

    def _ok(self, enc):
        lo_ok = self.lo is None or enc.a >= mpmath.mpf(sp.N(self.lo, DPS))
        hi_ok = self.hi is None or enc.b <= mpmath.mpf(sp.N(self.hi, DPS))
        return lo_ok and hi_ok

    def prove(self):
        try:
            return self._bisect()
        except Unproved as why:
            box = {s: (a, b, False) for s, (a, b) in self.box.items()}
            methods = [
                prover_fallback(g, box, False, why)[0]
                for g in (
                    None if self.lo is None else self.expr - self.lo,
                    None if self.hi is None else self.hi - self.expr,
                )
                if g is not None
            ]
            return "; ".join(methods), ""

    def _bisect(self):
        syms = list(self.box)
        stack = [[_iv_box(a, b) for a, b in self.box.values()]]
        done = 0
        while stack:
            cell = stack.pop()
            done += 1
            if done > self.max_boxes:
                raise Unproved(f"not decided within {self.max_boxes} boxes")
            try:
                ok = self._ok(iv_eval(self.expr, dict(zip(syms, cell, strict=True))))
            except (ZeroDivisionError, ValueError):
                ok = False
            if not ok:
                i = max(range(len(cell)), key=lambda k: cell[k].delta)
                a, b, m = cell[i].a, cell[i].b, cell[i].mid
                stack += [
                    [*cell[:i], _iv_box(a, m), *cell[i + 1 :]],
                    [*cell[:i], _iv_box(m, b), *cell[i + 1 :]],
                ]
        return "interval arithmetic with bisection", f"{done} boxes"

    def attack(self):
        syms = list(self.box)
        for pt in sample_points(syms, self.box, self.claim):
            v = evaluate(self.expr, pt)
            if v is None:
                continue
            if (self.lo is not None and v < sp.N(self.lo, DPS) - _tol()) or (
                self.hi is not None and v > sp.N(self.hi, DPS) + _tol()
            ):
                return show(pt, value=v)
        return None


def _iv_box(a, b):
    """Interval [a, b] (exact SymPy or mpf ends, rounded outward)."""
    lo, hi = iv_eval(sp.sympify(a), {}, 40), iv_eval(sp.sympify(b), {}, 40)
    return mpmath.iv.mpf([lo.a, hi.b])


class OdeSolution(Step):
    """``u(t)`` solves ``u' = rhs(state=u, t)`` with ``u(t0) = u0`` (checked symbolically)."""

    kind = "ode"

    def __init__(self, u, t, rhs, state, t0, u0, claim, latex="", **kw):
        tex = (
            latex
            or rf"u(t) = {sp.latex(u)} \text{{ solves }} "
            rf"u' = {sp.latex(rhs.subs(state, sp.Symbol('u')))}"
        )
        super().__init__(claim, tex, **kw)
        self.parts = [
            Identity(sp.diff(u, t), rhs.subs(state, u), f"{claim} (equation)"),
            Identity(u.subs(t, t0), u0, f"{claim} (initial value)"),
        ]

    def prove(self):
        for p in self.parts:
            p.prove()
        return "sympy: derivative and initial value", ""

    def attack(self):
        return next((cx for p in self.parts if (cx := p.attack()) is not None), None)


class CaseSplit(Step):
    """The claim holds because every case (a step) holds; status = worst case."""

    kind = "cases"

    def __init__(self, claim, cases, latex="", **kw):
        super().__init__(claim, latex or r" \;\wedge\; ".join(c.latex for c in cases), **kw)
        self.cases = cases

    def check(self) -> StepResult:
        t0 = time.perf_counter()
        res = [c.check() for c in self.cases]
        status = worst(r.status for r in res)
        bad = next((r for r in res if r.status == status and status != CERTIFIED), None)
        detail = f"{len(res)} cases" + (f"; {bad.claim}: {bad.detail}" if bad else "")
        method = "; ".join(sorted({r.method for r in res}))
        cx = bad.counterexample if bad else None
        return StepResult(
            self.claim, self.kind, status, method, detail, cx, self.latex, time.perf_counter() - t0
        )


class NumericOnly(Step):
    """A fact needing analysis, checked by sampling: ``fn() -> (ok, detail, counterexample)``.

    Its best status is ``numeric``; say in ``claim`` what was sampled.
    """

    kind = "numeric"

    def __init__(self, fn: Callable[[], tuple], claim, latex=""):
        super().__init__(claim, latex, allow_numeric=True)
        self.fn = fn

    def prove(self):
        ok, detail, cx = self.fn()
        self._cx = None if ok else (cx or {"detail": detail})
        raise Unproved(f"numeric evidence only: {detail}")

    def attack(self):
        return self._cx
