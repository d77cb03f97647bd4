"""Decide ``LHS rel RHS`` on a box of ranges by branch and bound (THEORY T7).

``g = RHS - LHS`` (or LHS - RHS) must be >= 0 (> 0 for strict relations). Per sub-box:

1. interval enclosure of g (mpmath.iv, :mod:`proofs_check.balls`); where g = N/D after
   ``together`` and D has one sign on the box, of s*N instead (removable 0/0 at an end);
2. the box midpoint, evaluated rigorously: an enclosure < 0 is a counterexample;
3. a Taylor expansion (python-flint arb_series) in one variable at an end p of the box:
   g(p + t) = sum_{j<n} a_j t^j + A_n t^n, a_j exact at p, A_n enclosing the n-th Taylor
   coefficient over the whole box (Lagrange remainder). Leading a_j that vanish (exactly in
   Arb, or by SymPy at an exact end) are factored out: g = t^k (a_k + ...), which decides
   boxes where both sides touch (e.g. 1 + c + c^2 - e^c at c = 0);
4. otherwise the widest coordinate is bisected.

Half-infinite ranges: x in [a, oo) is split into [a, a+1] and x = a + 1/t, t in (0, 1]
(the expression in t is re-simplified, so a limit at x = oo is a Taylor point t = 0); on a
box touching t = 0 the tail [X, oo) is also tried with intervals with infinite endpoints
and the chain "h(X) >= 0 and h' >= 0 on [X, oo)" (h = g, g', g'', ...). Undefined values
(see :class:`proofs_check.balls.Undefined`) make a box split, never pass; a box that stays
undecided below a minimum width, or at the time limit, ends the run as ``inconclusive``.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import time
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from proofs_check.balls import (
    IV,
    IV_WHERE,
    Undefined,
    ball,
    coefficients,
    compile_expr,
    exact_iv,
    iv,
    mpf_to_fmpq,
    series_ops,
)
from proofs_check.parse import (
    ParseError,
    Range,
    parse_expression,
    parse_range,
    split_relation,
)

CERTIFIED, FAILED, INCONCLUSIVE = "certified", "failed", "inconclusive"
ORDER = 7  # Taylor terms a_0..a_6 and the remainder coefficient A_7
TIME_LIMIT = {1: 4.0, 2: 12.0}  # seconds; 25 s for three or more variables
MAX_DEPTH = 60
TAIL_DEPTH = 6  # derivatives tried on a tail [X, oo)


@dataclass
class Decision:
    """Outcome; ``exact_point`` maps names to exact rationals (text) for a counterexample."""

    status: str
    method: str = ""
    detail: str = ""
    point: dict | None = None
    exact_point: dict | None = None
    box: dict | None = None
    boxes: int = 0
    seconds: float = 0.0

    def line(self, statement: str = "") -> str:
        head = f"{self.status}: {statement}" if statement else self.status
        if self.status == CERTIFIED:
            return f"{head} ({self.method}; {self.boxes} boxes, {self.seconds:.2f} s)"
        if self.status == FAILED:
            at = ", ".join(f"{k} = {v}" for k, v in self.point.items())
            return f"{head}: counterexample {at}; {self.detail}" if at else f"{head}: {self.detail}"
        where = ", ".join(f"{k} in [{a}, {b}]" for k, (a, b) in (self.box or {}).items())
        return f"{head}: {self.detail}" + (f" (stopped on {where})" if where else "")


class _Found(Exception):  # noqa: N818
    def __init__(self, point, detail):
        self.point, self.detail = point, detail


class _Stop(Exception):  # noqa: N818
    def __init__(self, box, detail):
        self.box, self.detail = box, detail


def _canon(e):
    """Bottom-up ``together``/``cancel`` (removes 1/t inside functions after x = a + 1/t)."""
    if e.is_Atom:
        return e
    e = e.func(*(_canon(a) for a in e.args))
    try:
        return sp.factor_terms(sp.cancel(sp.together(e)))
    except sp.PolynomialError:
        return e


@dataclass
class _Coord:
    """One coordinate of a sub-problem: var = t^q (the variable itself when q = 1), or a
    tail var = a + s/t^q; q > 1 turns var^(p/q) into a power of t (sqrt(x) = t for x = t^2)."""

    var: sp.Symbol
    sym: sp.Symbol
    lo: sp.Expr
    hi: sp.Expr
    lo_open: bool
    hi_open: bool
    shift: sp.Expr | None = None  # tail: var = shift + sign / t^q
    sign: int = 1
    power: int = 1

    def to_var(self, value):
        value = value**self.power
        return value if self.shift is None else self.shift + self.sign / value


@dataclass
class _Problem:
    g: sp.Expr  # in the original variables
    coords: list
    strict: bool
    deadline: float
    boxes: int = 0
    zero_cache: dict = field(default_factory=dict)

    def __post_init__(self):
        subs = {c.var: c.to_var(c.sym) for c in self.coords if c.sym != c.var}
        gc = _canon(self.g.subs(subs)) if subs else self.g
        self.forms = [gc]  # as given, and factored (fewer repeated variables, or more)
        with contextlib.suppress(sp.PolynomialError):
            const, rest = gc.as_independent(*[c.sym for c in self.coords], as_Add=True)
            for form in (sp.factor(gc), const + sp.factor(rest)):
                if form not in self.forms:
                    self.forms.append(form)
            gc = self.forms[-1] if len(self.forms) > 1 else gc
        self.syms = [c.sym for c in self.coords]
        self.gc = gc
        self.fs = [compile_expr(e, self.syms, IV) for e in self.forms]
        num, den = sp.fraction(sp.together(gc))
        self.nd, self.den = None, den
        if den.free_symbols:
            self.num = num
            self.nd = (compile_expr(num, self.syms, IV), compile_expr(den, self.syms, IV))
        else:
            self.num = gc
        self.series_cache, self.mv_cache = {}, {}
        self.tail_cache = {}
        self._balls = (None, [])
        self.touch_points = []  # (coordinate, exact interior point where g' = 0)
        self.touch_tried = False
        self.branches = [  # abs(u), min(a, b), max(a, b): the branch from the sign of u, a - b
            (
                e,
                compile_expr(
                    e.args[0] - (0 if isinstance(e, sp.Abs) else e.args[1]), self.syms, IV_WHERE
                ),
            )
            for e in gc.atoms(sp.Abs, sp.Min, sp.Max)
            if isinstance(e, sp.Abs) or len(e.args) == 2
        ]
        self.branch_cache, self.slot_cache = {}, {}

    # ------------------------------------------------------------------ evaluation

    def enclose(self, box):
        """(s, enclosure or None): s*N where D has the sign s on the box (s = 0: g itself);
        None where the enclosure may be undefined."""
        s = 0
        if self.nd is not None:
            with contextlib.suppress(Undefined):
                d = self.nd[1](box)
                s = 1 if d.a > 0 else -1 if d.b < 0 else 0
                if not s and (d.a >= 0 or d.b <= 0):
                    s = self.den_sign(box)
        if s:
            try:
                return s, self.nd[0](box) * s
            except Undefined:
                return s, None
        encs = []
        for f in self.fs:  # both enclose g: their intersection does too
            with contextlib.suppress(Undefined):
                encs.append(f(box))
        if not encs:
            return s, None
        return s, iv.mpf([max(e.a for e in encs), min(e.b for e in encs)])

    def branch_decides(self, box) -> bool:
        """abs/min/max: where every branch is decided on the box, g is a smooth expression
        (|x - 1| + |x + 1| - 2 = 0 on [-1, 1]); where one is not, and g is monotone in that
        slot the right way (decreasing in a min, increasing in a max or abs = max(u, -u)),
        g is at least each branch's expression, so one branch >= 0 suffices."""
        signs = []
        for _, f in self.branches:
            try:
                v = f(box)
            except Undefined:
                return False
            signs.append(1 if v.a >= 0 else -1 if v.b <= 0 else 0)
        undecided = [k for k, sg in enumerate(signs) if sg == 0]
        if not undecided:
            return self._branch_ok(tuple(signs), box)
        if len(undecided) > 1 or not self._slot_monotone(undecided[0], box):
            return False
        k = undecided[0]
        return any(self._branch_ok((*signs[:k], sg, *signs[k + 1 :]), box) for sg in (1, -1))

    def _slot_monotone(self, k, box) -> bool:
        e = self.branches[k][0]
        if k not in self.slot_cache:
            m = sp.Dummy("m")
            arms = (e.args[0], -e.args[0]) if isinstance(e, sp.Abs) else e.args
            try:
                self.slot_cache[k] = (
                    compile_expr(sp.diff(self.gc.xreplace({e: m}), m), [*self.syms, m], IV),
                    [compile_expr(arm, self.syms, IV) for arm in arms],
                )
            except ValueError:
                self.slot_cache[k] = None
        if self.slot_cache[k] is None:
            return False
        slope, arms = self.slot_cache[k]
        try:
            encs = [arm(box) for arm in arms]
            hull = iv.mpf([min(v.a for v in encs), max(v.b for v in encs)])
            d = slope([*box, hull])
        except Undefined:
            return False
        return d.b <= 0 if isinstance(e, sp.Min) else d.a >= 0

    def _branch_ok(self, key, box) -> bool:
        if key not in self.branch_cache:
            subs = {}
            for (e, _), sg in zip(self.branches, key, strict=True):
                if isinstance(e, sp.Abs):
                    subs[e] = sg * e.args[0]
                else:  # a - b >= 0: min is b, max is a
                    subs[e] = e.args[(sg > 0) == isinstance(e, sp.Min)]
            expr = self.gc
            for _ in range(3):  # nested abs/min/max
                expr = expr.xreplace(subs)
            try:
                self.branch_cache[key] = (expr, compile_expr(expr, self.syms, IV))
            except ValueError:
                self.branch_cache[key] = None
        if self.branch_cache[key] is None:
            return False
        expr, f = self.branch_cache[key]
        with contextlib.suppress(Undefined):
            if _nonneg(f(box), self.strict):
                return True
        return not expr.has(sp.Abs, sp.Min, sp.Max) and self._derivative_forms(expr, box, 0)

    def derivative_forms(self, box, s, depth=0) -> bool:
        exprs = [s * self.num] if s else self.forms
        return any(self._derivative_forms(e, box, depth) for e in exprs)

    def _derivative_forms(self, expr, box, depth) -> bool:
        """Monotonicity (dg/dx_i of one sign on the box: g >= its values on the face where
        every such x_i is at its worst end, recursively) and the mean-value form
        g(m) + sum_i dg/dx_i(box) (x_i - m_i); ``expr`` is g or s*N."""
        if expr not in self.mv_cache:
            try:
                self.mv_cache[expr] = [
                    compile_expr(e, self.syms, IV)
                    for e in [expr] + [sp.diff(expr, x) for x in self.syms]
                ]
            except ValueError:  # e.g. derivatives of abs/min/max (sign, Heaviside)
                self.mv_cache[expr] = None
        if self.mv_cache[expr] is None:
            return False
        f, *grads = self.mv_cache[expr]
        slopes = []
        for dg in grads:
            try:
                slopes.append(dg(box))
            except Undefined:
                slopes.append(None)
        face, fixed = list(box), False
        for i, d in enumerate(slopes):  # monotone in x_i on the box: x_i at its worst end
            if d is not None and _width(box[i]) and (d.a >= 0 or d.b <= 0):
                face[i] = iv.mpf(box[i].a if d.a >= 0 else box[i].b)
                fixed = True
        if fixed:
            with contextlib.suppress(Undefined):
                if _nonneg(f(face), self.strict):
                    return True
            return depth < len(box) and self._derivative_forms(expr, face, depth + 1)
        if any(d is None for d in slopes):
            return False
        mid = [iv.mpf(_mid(x)) for x in box]
        try:
            val = f(mid)
        except Undefined:
            return False
        first = val
        for i, d in enumerate(slopes):
            if _width(box[i]):
                first = first + d * (box[i] - mid[i])
        return _nonneg(first, self.strict) or self._second_order(expr, box, mid, val)

    def _second_order(self, expr, box, mid, val) -> bool:
        """g(m) + grad g(m).(x - m) + (x - m)' H(box) (x - m) / 2: the gradient at the exact
        midpoint, only the Hessian over the box (widths enter squared)."""
        if ("H", expr) not in self.mv_cache:
            n = len(self.syms)
            try:
                grads = [sp.diff(expr, x) for x in self.syms]
                hess = {
                    (i, j): compile_expr(sp.diff(grads[i], self.syms[j]), self.syms, IV)
                    for i in range(n)
                    for j in range(i, n)
                }
                self.mv_cache["H", expr] = ([compile_expr(e, self.syms, IV) for e in grads], hess)
            except ValueError:
                self.mv_cache["H", expr] = None
        if self.mv_cache["H", expr] is None:
            return False
        grads, hess = self.mv_cache["H", expr]
        delta = [box[i] - mid[i] for i in range(len(box))]
        try:
            for i, dg in enumerate(grads):
                if _width(box[i]):
                    val = val + dg(mid) * delta[i]
            for (i, j), h in hess.items():
                if _width(box[i]) and _width(box[j]):
                    term = delta[i] ** 2 / 2 if i == j else delta[i] * delta[j]
                    val = val + h(box) * term
        except Undefined:
            return False
        return _nonneg(val, self.strict)

    def point_value(self, point: list):
        """Enclosure of g at an exact point of the original variables (None if undefined)."""
        vals = [exact_iv(c.to_var(p)) for c, p in zip(self.coords, point, strict=True)]
        try:
            return compile_expr(self.g, [c.var for c in self.coords], IV)(vals)
        except (Undefined, ZeroDivisionError, ValueError):
            return None

    def check_point(self, point: list, why: str):
        v = self.point_value(point)
        if v is not None and (v.b < 0 or (self.strict and v.b <= 0)):
            pt = [c.to_var(p) for c, p in zip(self.coords, point, strict=True)]
            raise _Found(
                pt,
                f"{why}; g = RHS - LHS in "
                f"[{mpmath.nstr(mpmath.mpf(v.a), 8)}, {mpmath.nstr(mpmath.mpf(v.b), 8)}]",
            )

    # ------------------------------------------------------------------------ taylor

    def _series(self, expr):
        if expr not in self.series_cache:
            self.series_cache[expr] = compile_expr(expr, self.syms, series_ops(ORDER + 1))
        return self.series_cache[expr]

    def _zero_coeff(self, expr, i, end_value, j) -> bool:
        key = (expr, i, end_value, j)
        if key not in self.zero_cache:
            d = sp.diff(expr, self.syms[i], j).subs(self.syms[i], end_value)
            rng = random.Random(j)
            others = {x: sp.Rational(rng.randint(1, 97), 31) for x in d.free_symbols}
            try:
                v = compile_expr(d.subs(others), [], IV)([])
                if not v.a <= 0 <= v.b:
                    self.zero_cache[key] = False
                    return False
            except (Undefined, ValueError, ZeroDivisionError):
                pass
            try:
                self.zero_cache[key] = d == 0 or sp.simplify(d) == 0
            except Exception:
                self.zero_cache[key] = False
        return self.zero_cache[key]

    def expand(self, expr, box, i, p_exact, p, span):
        """Taylor form of ``expr`` in coordinate i at the point p (exact SymPy ``p_exact``
        when known, else the mpf ``p``): (k, bracket, tau) with expr = tau^k * bracket for
        x_i = p + tau, tau over the box; a_0..a_{k-1} vanish (exactly, or by SymPy at an
        exact point) and the remainder covers ``span`` (an arb ball containing p and the
        box). None if undefined or all ORDER coefficients vanish."""
        from flint import arb, arb_series

        try:
            p_arb = _arb_exact(p_exact) if p_exact is not None else arb(mpf_to_fmpq(p))
            lo_i, hi_i = (arb(mpf_to_fmpq(mpmath.mpf(e))) for e in (box[i].a, box[i].b))
            tau = (lo_i - p_arb).union(hi_i - p_arb)
            fn = self._series(expr)
            if self._balls[0] is not box:
                self._balls = (box, [ball(x) for x in box])
            at = [arb_series([b], prec=ORDER + 1) for b in self._balls[1]]
            at[i] = arb_series([p_arb, 1], prec=ORDER + 1)
            a = coefficients(fn(at), ORDER + 1)
            at[i] = arb_series([span.union(p_arb), 1], prec=ORDER + 1)
            rem = coefficients(fn(at), ORDER + 1)[ORDER]
        except (Undefined, ZeroDivisionError, ValueError):
            return None
        k = 0
        while k < ORDER and (
            a[k].is_zero()
            or (a[k].contains(0) and p_exact is not None and self._zero_coeff(expr, i, p_exact, k))
        ):
            k += 1
        if k == ORDER:
            return None
        bracket = rem
        for j in range(ORDER - 1, k - 1, -1):
            bracket = bracket * tau + a[j]
        return k, bracket, tau

    def _end_point(self, box, i, side, at_end):
        """(exact end or None, mpf point, span) for an expansion at an end of box or domain."""
        c = self.coords[i]
        lo_i, hi_i = mpmath.mpf(box[i].a), mpmath.mpf(box[i].b)
        end = c.lo if side == 0 else c.hi
        enc = exact_iv(end)
        p = lo_i if side == 0 else hi_i
        touching = p == (mpmath.mpf(enc.a) if side == 0 else mpmath.mpf(enc.b))
        exact = end if at_end or touching else None
        return exact, p, ball(box[i])

    def taylor(self, box, i, side, s, at_end=False) -> bool:
        """Decide the box by a Taylor expansion in coordinate i at its end ``side``: of the
        box, or (``at_end``) of the domain, the remainder then covering the segment."""
        c = self.coords[i]
        try:
            exact, p, span = self._end_point(box, i, side, at_end)
        except Undefined:
            return False
        out = self.expand(s * self.num if s else self.gc, box, i, exact, p, span)
        if out is None:
            return False
        k, bracket, tau = out
        if side == 1 and k % 2:  # tau <= 0 on the box: tau^k has the sign (-1)^k
            bracket = -bracket
        touches = tau.contains(0)
        if bracket > 0:
            if k == 0 or not self.strict or not touches:
                return True
            opened = c.lo_open if side == 0 else c.hi_open
            return exact is not None and opened  # g = 0 only on the excluded face
        if bracket < 0:  # g has the sign of -|tau|^k on the box: check a point inside
            mid = [_mid(x) for x in box]
            lo_i, hi_i = mpmath.mpf(box[i].a), mpmath.mpf(box[i].b)
            w = mpmath.fsub(hi_i, lo_i, exact=True)
            mid[i] = (lo_i + w / 2**10) if side == 0 else (hi_i - w / 2**10)
            self.check_point([_rational(m) for m in mid], "Taylor expansion negative")
        return False

    def at_touch_point(self, box, i, p, s) -> bool:
        """Expansion at an exact interior point p of the box: g = tau^k * bracket, k even."""
        enc = exact_iv(p)
        if not (box[i].a <= enc.a and enc.b <= box[i].b):
            return False
        out = self.expand(s * self.num if s else self.gc, box, i, p, None, ball(box[i]))
        if out is None or out[0] % 2 or not out[1] > 0:
            return False
        if out[0] and self.strict:  # g(p) = 0 exactly (coefficients shown to vanish)
            pt = [_rational(_mid(x)) for x in box]
            pt[i] = p
            raise _Found(
                [c.to_var(v) for c, v in zip(self.coords, pt, strict=True)],
                "equality holds there (Taylor coefficients vanish exactly)",
            )
        return True

    def find_touch_point(self, box) -> bool:
        """Univariate: guess a closed form p of a root of g' near the box (nsimplify with e
        and pi at several tolerances, mpmath.identify), keep it if SymPy shows g'(p) = 0
        exactly; the expansion at p (in the coordinate) then decides boxes around it."""
        if len(self.coords) != 1:
            return False
        c = self.coords[0]
        dg = sp.diff(self.g, c.var)
        try:
            f = sp.lambdify(c.var, dg, "mpmath")
            with mpmath.workdps(40):
                start = exact_iv(c.to_var(_rational(_mid(box[0]))))
                root = mpmath.findroot(f, mpmath.mpf(start.a), verify=False)  # SymPy verifies
                guesses = [sp.Integer(0)] if abs(root) < 1e-5 else []
                guesses += [
                    sp.nsimplify(sp.Float(root, 40), [sp.E, sp.pi], tolerance=tol)
                    for tol in (1e-25, 1e-12, 1e-6)
                ]
                ident = mpmath.identify(root, ["e", "pi", "log(2)"])
                if ident:
                    guesses.append(parse_expression(ident.replace("**", "^"), []))
        except (ValueError, ZeroDivisionError, TypeError, ParseError):
            return False
        for p in dict.fromkeys(guesses):
            small = p.is_Rational and max(abs(p.p), p.q) < 10**12
            if not (p.is_real and sp.count_ops(p) <= 12 and (small or not p.is_Rational)):
                continue  # a huge rational would make SymPy evaluate huge exact powers
            if abs(sp.N(p, 20)) > 10**6:
                continue
            d = dg.subs(c.var, p)
            with contextlib.suppress(Exception):
                if abs(sp.N(d, 60)) > 1e-40 or sp.count_ops(d) > 200:
                    continue  # not a root, or too large for simplify
                if d == 0 or sp.simplify(d) == 0:
                    q = p if c.shift is None else c.sign / (p - c.shift)
                    q = sp.root(q, c.power) if c.power > 1 else q
                    if c.lo < q < c.hi:
                        self.touch_points.append((0, q))
                        return True
        return False

    def den_sign(self, box) -> int:
        """Sign of D on the box where D >= 0 (or <= 0) touches 0: only if D vanishes at most
        on an excluded (open) face, shown by a Taylor expansion of D at that end."""
        for i, c in enumerate(self.coords):
            for side, opened in ((0, c.lo_open), (1, c.hi_open)):
                if not opened:
                    continue
                try:
                    exact, p, span = self._end_point(box, i, side, False)
                except Undefined:
                    continue
                if exact is None:
                    continue
                out = self.expand(self.den, box, i, exact, p, span)
                if out is None:
                    continue
                k, bracket, _ = out
                if side == 1 and k % 2:
                    bracket = -bracket
                if bracket > 0:
                    return 1
                if bracket < 0:
                    return -1
        return 0

    # -------------------------------------------------------------------------- tails

    def tail(self, box, i) -> bool:
        """Box touching t = 0 of a tail coordinate: prove g >= 0 on var in [X, oo)."""
        c = self.coords[i]
        X = c.to_var(_rational(mpmath.mpf(box[i].b)))
        vbox = []
        for j, cj in enumerate(self.coords):
            if j == i:
                inf = mpmath.inf if c.sign > 0 else -mpmath.inf
                xi = exact_iv(X)
                vbox.append(iv.mpf([xi.a, inf]) if c.sign > 0 else iv.mpf([inf, xi.b]))
            elif cj.shift is None:
                vbox.append(box[j])
            else:
                return False  # several tails at once: leave to bisection
        fbox = list(vbox)
        fbox[i] = exact_iv(X)
        # h_0 = g (or +-N where g = N/D, D of one sign on the tail), h_{m+1} = sign * d/dvar
        # h_m: h_m >= 0 on the tail and h_0..h_{m-1} >= 0 at var = X give g >= 0 on [X, oo)
        starts = [self.g]
        num, den = sp.fraction(sp.together(self.g))
        if den.free_symbols:
            with contextlib.suppress(Undefined, ValueError):
                d = compile_expr(den, [cj.var for cj in self.coords], IV)(vbox)
                if d.a > 0 or d.b < 0:
                    starts.append(num if d.a > 0 else -num)
        for start in starts:
            for m in range(TAIL_DEPTH):
                level = self._tail_level(i, start, m)
                if level is None:
                    break
                if _nonneg_on(level, vbox, self.strict and m == 0):
                    if all(
                        _nonneg_on(self._tail_level(i, start, j), fbox, self.strict and j == 0)
                        for j in range(m)
                    ):
                        return True
                    break
        return False

    def _tail_level(self, i, start, m):
        """Level m, compiled lazily: (h_m, (N_m, D_m) or None) with h_0 = start, h_{m+1} =
        sign * d/dvar h_m and h_m = N_m / D_m; None past a large expression or no rule."""
        levels, h = self.tail_cache.get((i, start), ([], start))
        while len(levels) <= m and h is not None:
            vars_ = [cj.var for cj in self.coords]
            try:
                nd = None
                if sp.count_ops(h) <= 150:
                    num, den = sp.fraction(sp.together(h))
                    if den.free_symbols:
                        nd = (compile_expr(num, vars_, IV), compile_expr(den, vars_, IV))
                levels.append((compile_expr(h, vars_, IV), nd))
                nxt = sp.powsimp(sp.diff(h, self.coords[i].var) * self.coords[i].sign)
                h = nxt if sp.count_ops(nxt) <= 400 else None  # powsimp: x^e/x = x^(e-1)
            except ValueError:  # no rule (e.g. sign from the derivative of abs)
                h = None
        self.tail_cache[i, start] = (levels, h)
        return levels[m] if m < len(levels) else None

    # ------------------------------------------------------------------ branch and bound

    def decide_box(self, box) -> bool:
        s, enc = self.enclose(box)
        if enc is not None and _nonneg(enc, self.strict):
            return True
        if self.branches and self.branch_decides(box):
            return True
        self.check_point([_rational(_mid(x)) for x in box], "at a box midpoint")
        for i, c in enumerate(self.coords):
            if c.shift is not None and box[i].a == 0 and self.tail(box, i):
                return True
        if self.derivative_forms(box, s):
            return True
        if any(self.at_touch_point(box, i, p, s) for i, p in self.touch_points):
            return True
        return any(
            self.taylor(box, i, side, s, True)
            for i in range(len(box))
            for side in (0, 1)
            if self.near_end(box, i, side)
        )

    def near_end(self, box, i, side) -> bool:
        """The box lies within three of its widths of the domain end ``side`` of x_i."""
        c = self.coords[i]
        end = exact_iv(c.lo if side == 0 else c.hi)
        gap = (
            mpmath.mpf(box[i].a) - mpmath.mpf(end.a)
            if side == 0
            else (mpmath.mpf(end.b) - mpmath.mpf(box[i].b))
        )
        return gap <= 3 * _width(box[i])

    def run(self, root) -> None:
        widths = [max(_width(x), mpmath.mpf(1e-300)) for x in root]
        stack = [(root, 0)]
        while stack:
            box, depth = stack.pop()
            self.boxes += 1
            if time.monotonic() > self.deadline:
                raise _Stop(box, "time limit reached")
            if self.decide_box(box):
                continue
            i = max(range(len(box)), key=lambda j: _width(box[j]) / widths[j])
            small = _width(box[i]) < 1e-3 * widths[i]
            if small and not self.touch_tried:  # an interior touching point? (once)
                self.touch_tried = True
                if self.find_touch_point(box):
                    stack.append((box, depth))
                    continue
            if depth >= MAX_DEPTH * len(box) or _width(box[i]) < 1e-12 * widths[i]:
                raise _Stop(box, "undecided on a sub-box at the minimum width")
            m = _mid(box[i])
            for part in ((mpmath.mpf(box[i].a), m), (m, mpmath.mpf(box[i].b))):
                stack.append(([*box[:i], iv.mpf(list(part)), *box[i + 1 :]], depth + 1))


def _width(x):
    return mpmath.fsub(mpmath.mpf(x.b), mpmath.mpf(x.a), exact=True)


def _mid(x):
    """Exact midpoint of an interval with finite endpoints."""
    return mpmath.ldexp(mpmath.fadd(mpmath.mpf(x.a), mpmath.mpf(x.b), exact=True), -1)


def _nonneg_on(level, box, strict) -> bool:
    """h >= 0 (> 0) on box, from h or, where D has one sign on box, from +-N."""
    f, nd = level
    try:
        if nd is not None:
            d = nd[1](box)
            if d.a > 0 or d.b < 0:
                v = nd[0](box)
                return _nonneg(v if d.a > 0 else -v, strict)
        return _nonneg(f(box), strict)
    except Undefined:
        return False


def _nonneg(enc, strict) -> bool:
    return enc.a > 0 or (enc.a >= 0 and not strict)


def _arb_exact(value):
    from flint import arb

    enc = exact_iv(value)
    return arb(mpf_to_fmpq(enc.a)).union(arb(mpf_to_fmpq(enc.b)))


def _rational(x) -> sp.Rational:
    q = mpf_to_fmpq(x)
    return sp.Rational(int(q.p), int(q.q))


def _root_power(g, var, r: Range, tail: bool = False) -> int:
    """q = lcm of the denominators of the non-integer powers var^(p/q) in g, when var >= 0
    (``tail``: of any base containing var, since var = a + 1/t^q clears them at t = 0)."""
    if not tail and not (r.lo.is_finite and r.lo >= 0):
        return 1
    q = 1
    for e in g.atoms(sp.Pow):
        base_ok = var in e.base.free_symbols if tail else e.base == var
        if base_ok and e.exp.is_Rational and not e.exp.is_Integer:
            q = sp.ilcm(q, e.exp.q)
    return int(q) if q <= 12 else 1


def _pieces(var: sp.Symbol, r: Range, q: int = 1, qt: int = 1) -> list[_Coord]:
    """Finite coordinates covering the range: var = t^q when q > 1 (range in [0, oo)),
    tails var = a +- 1/t^qt."""
    lo, hi = r.lo, r.hi
    t = sp.Symbol(f"1/{var}", positive=True)
    if q > 1:
        s = sp.Symbol(f"{var}^(1/{q})", positive=True)
        top = hi if hi.is_finite else lo + 1
        out = [
            _Coord(
                var,
                s,
                sp.root(lo, q),
                sp.root(top, q),
                r.lo_open,
                r.hi_open and hi.is_finite,
                power=q,
            )
        ]
        if not hi.is_finite:
            out[0].hi_open = False
            out.append(_Coord(var, t, sp.Integer(0), sp.Integer(1), True, False, lo, 1, qt))
        return out
    if lo.is_finite and hi.is_finite:
        return [_Coord(var, var, lo, hi, r.lo_open, r.hi_open)]
    out = []
    if lo.is_finite:  # [lo, lo + 1] and lo + 1/t, t in (0, 1]
        out += [
            _Coord(var, var, lo, lo + 1, r.lo_open, False),
            _Coord(var, t, sp.Integer(0), sp.Integer(1), True, False, lo, 1, qt),
        ]
    elif hi.is_finite:
        out += [
            _Coord(var, var, hi - 1, hi, False, r.hi_open),
            _Coord(var, t, sp.Integer(0), sp.Integer(1), True, False, hi, -1, qt),
        ]
    else:
        out += [
            _Coord(var, var, sp.Integer(-1), sp.Integer(1), False, False),
            _Coord(var, t, sp.Integer(0), sp.Integer(1), True, False, sp.Integer(1), 1, qt),
            _Coord(var, t, sp.Integer(0), sp.Integer(1), True, False, sp.Integer(-1), -1, qt),
        ]
    return out


def _show(value: sp.Rational) -> str:
    return mpmath.nstr(mpmath.mpf(exact_iv(value).a), 17)


def decide_nonneg(
    g, ranges: dict, strict: bool = False, time_limit: float | None = None
) -> Decision:
    """Decide ``g >= 0`` (``> 0``) for every point of ``ranges`` ({Symbol: Range})."""
    t0 = time.monotonic()
    limit = time_limit or TIME_LIMIT.get(len(ranges), 25.0)
    syms = list(ranges)
    g = sp.sympify(g)
    if g.free_symbols - set(syms):
        names = sorted(map(str, g.free_symbols - set(syms)))
        raise ValueError(f"variables without a range: {', '.join(names)}")
    if not syms:
        return _decide_constant(g, strict, t0)
    old = iv.dps
    iv.dps = 20
    boxes, prob = 0, None
    try:
        probs = []
        pieces = [
            _pieces(s, r, _root_power(g, s, r), _root_power(g, s, r, tail=True))
            for s, r in ranges.items()
        ]
        for combo in itertools.product(*pieces):
            probs.append(_Problem(g, list(combo), strict, t0 + limit))
        _precheck(probs[0] if probs else None, ranges)
        for p in probs:
            _sample(p)
        prob = None
        for prob in probs:
            root = [iv.mpf([exact_iv(c.lo).a, exact_iv(c.hi).b]) for c in prob.coords]
            prob.run(root)
            boxes += prob.boxes
    except _Found as found:
        return Decision(
            FAILED,
            "counterexample verified in interval arithmetic",
            found.detail,
            {str(s): _show(v) for s, v in zip(syms, found.point, strict=True)},
            {str(s): str(v) for s, v in zip(syms, found.point, strict=True)},
            boxes=boxes,
            seconds=time.monotonic() - t0,
        )
    except _Stop as stop:
        box = None
        if stop.box is not None and prob is not None:
            box = {}
            for c, x in zip(prob.coords, stop.box, strict=True):
                ends = sorted(
                    c.to_var(_rational(mpmath.mpf(e)))
                    if e != 0 or c.shift is None
                    else sp.oo * c.sign
                    for e in (x.a, x.b)
                )
                box[str(c.var)] = tuple(
                    mpmath.nstr(mpmath.mpf(exact_iv(e).a), 10) if e.is_finite else str(e)
                    for e in ends
                )
        return Decision(
            INCONCLUSIVE,
            "",
            stop.detail,
            box=box,
            boxes=boxes + (prob.boxes if prob else 0),
            seconds=time.monotonic() - t0,
        )
    finally:
        iv.dps = old
    method = "interval branch and bound (mpmath.iv) with Arb Taylor expansions at touching points"
    if any(r.lo.is_infinite or r.hi.is_infinite for r in ranges.values()):
        method += "; tails by x = a + 1/t and monotone chains"
    return Decision(CERTIFIED, method, "", boxes=boxes, seconds=time.monotonic() - t0)


def _decide_constant(g, strict, t0) -> Decision:
    """No variable: the exact sign of the constant (intervals at rising precision, SymPy)."""
    from proofs_check.core import Unproved, _zero, const_sign

    try:
        sign = 0 if _zero(g) else const_sign(g)
    except Unproved as why:
        return Decision(INCONCLUSIVE, "", str(why), seconds=time.monotonic() - t0)
    seconds = time.monotonic() - t0
    if sign > 0 or (sign == 0 and not strict):
        return Decision(CERTIFIED, "exact sign of a constant", boxes=1, seconds=seconds)
    what = "RHS - LHS is 0" if sign == 0 else "RHS - LHS is negative"
    return Decision(FAILED, "exact sign of a constant", what, {}, {}, seconds=seconds)


def _precheck(prob, ranges) -> None:
    """A closed finite end where the expression is undefined: the statement is ill-posed."""
    if prob is None:
        return
    syms = list(ranges)
    f = compile_expr(prob.g, syms, IV)
    mids = {s: _inner(r) for s, r in ranges.items()}
    for s, r in ranges.items():
        for end, opened in ((r.lo, r.lo_open), (r.hi, r.hi_open)):
            if end.is_finite and not opened:
                vals = [exact_iv(end if t == s else mids[t]) for t in syms]
                try:
                    f(vals)
                except Undefined as why:
                    if why.definite:
                        raise _Stop(
                            None,
                            f"undefined at the closed end {s} = {end} ({why}); exclude it with <",
                        ) from None
                except ZeroDivisionError:
                    raise _Stop(None, f"undefined at the closed end {s} = {end}") from None


def _inner(r: Range):
    if r.lo.is_finite and r.hi.is_finite:
        return (r.lo + r.hi) / 2
    return r.lo + 1 if r.lo.is_finite else r.hi - 1 if r.hi.is_finite else sp.Integer(0)


def _sample(prob: _Problem, n: int = 40) -> None:
    """Seeded points (ends, quartiles, random) in coordinate space, checked rigorously."""
    rng = random.Random(len(prob.coords))
    cands = []
    for c in prob.coords:
        lo, hi = c.lo, c.hi
        w = hi - lo
        vals = [lo + w * sp.Rational(k, 8) for k in range(1, 8)]
        vals += [lo + w / 10**6, hi - w / 10**6]
        vals += [v for v, o in ((lo, c.lo_open), (hi, c.hi_open)) if not o]
        cands.append([sp.nsimplify(v) if not v.is_Rational else v for v in vals])
    total = 1
    for cs in cands:
        total *= len(cs)
    points = (
        itertools.product(*cands)
        if total <= n
        else ([rng.choice(cs) for cs in cands] for _ in range(n))
    )
    for pt in points:
        if all(p.is_Rational for p in pt):
            prob.check_point(list(pt), "at a sampled point")


# ---------------------------------------------------------------------------- front end


def parse_statement(text: str, where: list[str]):
    """(lhs, rel, rhs, {Symbol: Range}) from the CLI text; ParseError names the field."""
    from proofs_check.parse import ParseError

    ranges = {}
    for w in where:
        try:
            r = parse_range(w)
        except ParseError as err:
            raise ParseError(f"where: {err}") from None
        if r.var in ranges:
            raise ParseError(
                f"where: {w!r}: second range for {r.var!r}; allowed: one --where per variable"
            )
        ranges[r.var] = r
    try:
        lhs_t, rel, rhs_t = split_relation(text)
        lhs, rhs = (parse_expression(s, list(ranges)) for s in (lhs_t, rhs_t))
    except ParseError as err:
        raise ParseError(f"inequality: {err}") from None
    symbols = {str(s): s for s in (lhs - rhs).free_symbols}
    return lhs, rel, rhs, {symbols.get(k, sp.Symbol(k, real=True)): r for k, r in ranges.items()}


def decide(lhs, rel: str, rhs, ranges: dict, time_limit: float | None = None) -> Decision:
    """Decide ``lhs rel rhs`` (rel one of <= < >= > ==) on ``ranges`` ({Symbol: Range})."""
    if rel == "==":
        return _decide_equal(lhs, rhs, ranges)
    g = rhs - lhs if rel in ("<=", "<") else lhs - rhs
    return decide_nonneg(g, ranges, strict=rel in ("<", ">"), time_limit=time_limit)


def _decide_equal(lhs, rhs, ranges) -> Decision:
    from proofs_check.core import _zero

    t0 = time.monotonic()
    how = _zero(sp.sympify(lhs - rhs))
    if how is not None:
        return Decision(CERTIFIED, f"sympy {how}(lhs - rhs) == 0", seconds=time.monotonic() - t0)
    for sign in (1, -1):  # a point where lhs - rhs is provably > 0 or < 0
        d = decide_nonneg(sign * (lhs - rhs), ranges, time_limit=2.0)
        if d.status == FAILED:
            return d
    return Decision(
        INCONCLUSIVE,
        "",
        "SymPy could not reduce lhs - rhs to 0 and no point differs",
        seconds=time.monotonic() - t0,
    )


def decide_text(text: str, where: list[str], time_limit: float | None = None) -> Decision:
    lhs, rel, rhs, ranges = parse_statement(text, where)
    return decide(lhs, rel, rhs, ranges, time_limit)
