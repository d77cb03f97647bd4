"""Safe parser for user polynomials in x and exact numbers (no eval, no sympify).

A whitelist tokenizer (numbers such as ``2``, ``2.5``, ``.5``; the variable ``x``;
``+ - * / ** ^``; parentheses; whitespace) feeds a recursive-descent parser that builds a
SymPy ``Poly`` in x over QQ. Exponents must be integer literals in [0, 64]; division is
by nonzero constants only (so ``3/4`` is an exact fraction).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

import sympy as sp

X = sp.Symbol("x")
ALLOWED = (
    "allowed: numbers (2, 2.5, 3/4), the variable x, + - * / ** ^, parentheses; "
    "exponents are integer literals 0..64"
)
MAX_LEN, MAX_EXP, MAX_DEGREE = 2000, 64, 64
_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\*\*|\^)|([-+*/()])|([A-Za-z_]\w*))")


class ParseError(ValueError):
    """One-line message naming the input and what is allowed."""


class UsageError(Exception):
    """A command-line usage error (printed as one line, exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (argparse prints the usage block otherwise)."""

    def error(self, message):
        raise UsageError(message)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            bad = text[pos:].lstrip()[:1]
            raise ParseError(f"invalid input {text!r}: unexpected character {bad!r}; {ALLOWED}")
        num, power, op, name = m.groups()
        if name is not None and name != "x":
            raise ParseError(f"invalid input {text!r}: unknown name {name!r}; {ALLOWED}")
        out.append(("num", num) if num else ("op", "**") if power else ("op", op or "x"))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text, self.toks, self.i = text, _tokens(text), 0

    def fail(self, what: str):
        raise ParseError(f"invalid input {self.text!r}: {what}; {ALLOWED}")

    def peek(self):
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self):
        tok = self.toks[self.i] if self.i < len(self.toks) else ("end", "end of input")
        self.i += 1
        return tok

    def expect(self, val):
        if self.take()[1] != val:
            self.fail(f"expected {val!r}")

    def expr(self) -> sp.Poly:
        out = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            rhs = self.term()
            out = out + rhs if op == "+" else out - rhs
        return out

    def term(self) -> sp.Poly:
        out = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            rhs = self.unary()
            if op == "*":
                out = out * rhs
            elif rhs.degree() > 0 or rhs.is_zero:
                self.fail("division is allowed only by a nonzero number")
            else:
                out = out * sp.Poly(1 / rhs.LC(), X, domain="QQ")
            if out.degree() > MAX_DEGREE:
                self.fail(f"degree above {MAX_DEGREE}")
        return out

    def unary(self) -> sp.Poly:
        if self.peek() in ("+", "-"):
            sign = self.take()[1]
            inner = self.unary()
            return -inner if sign == "-" else inner
        return self.power()

    def power(self) -> sp.Poly:
        base = self.atom()
        if self.peek() != "**":
            return base
        self.take()
        kind, val = self.take()
        if kind != "num" or not val.isdigit() or int(val) > MAX_EXP:
            self.fail(f"exponent {val!r} is not an integer literal 0..{MAX_EXP}")
        if base.is_zero:  # 0**0 = 1, 0**k = 0 (degree -oo would make the test below NaN)
            return sp.Poly(1 if int(val) == 0 else 0, X, domain="QQ")
        if base.degree() * int(val) > MAX_DEGREE:
            self.fail(f"degree above {MAX_DEGREE}")
        return base ** int(val)

    def atom(self) -> sp.Poly:
        kind, val = self.take()
        if kind == "num":
            return sp.Poly(sp.Rational(val), X, domain="QQ")
        if val == "x":
            return sp.Poly(X, X, domain="QQ")
        if val == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        return self.fail(f"unexpected {val!r}")


def parse_polynomial(text: str) -> sp.Poly:
    """Polynomial in x over QQ from user text (see module docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"invalid input {text!r}: empty; {ALLOWED}")
    if len(text) > MAX_LEN:
        raise ParseError(f"invalid input of length {len(text)}: longer than {MAX_LEN} characters")
    p = _Parser(text)
    out = p.expr()
    if p.i != len(p.toks):
        p.fail(f"unexpected {p.toks[p.i][1]!r}")
    return out


def parse_number(text: str, name: str = "number") -> sp.Rational:
    """Exact rational from user text such as ``2``, ``0.5`` or ``3/4`` (no x)."""
    try:
        p = parse_polynomial(text)
    except ParseError as err:
        raise ParseError(f"{name}: {err}") from None
    if p.degree() > 0:
        raise ParseError(f"{name}: invalid input {text!r}: expected a number, not a polynomial")
    return sp.Rational(p.LC()) if not p.is_zero else sp.Integer(0)


# --------------------------------------------------------------- expressions and ranges

FUNCS = {
    "sqrt": sp.sqrt,
    "exp": sp.exp,
    "log": sp.log,
    "log1p": lambda a: sp.log(1 + a),
    "expm1": lambda a: sp.exp(a) - 1,
    "abs": sp.Abs,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "min": sp.Min,
    "max": sp.Max,
}
CONSTS = {"e": sp.E, "pi": sp.pi}
EXPR_ALLOWED = (
    "allowed: numbers, variable names, + - * / ^ **, parentheses, "
    f"{', '.join(FUNCS)}, e, pi; numeric exponents at most {MAX_EXP} in size"
)
_VAR = re.compile(r"[A-Za-z]\w*\Z")


class _ExprParser(_Parser):
    """Recursive descent over the same tokens, building a SymPy expression."""

    def __init__(self, text: str, variables):
        self.text, self.i, self.variables = text, 0, variables
        self.toks = _expr_tokens(text)

    def fail(self, what: str):
        raise ParseError(f"invalid input {self.text!r}: {what}; {EXPR_ALLOWED}")

    def term(self):
        out = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            rhs = self.unary()
            if op == "/" and rhs.is_zero:
                self.fail("division by zero")
            out = out * rhs if op == "*" else out / rhs
        return out

    def power(self):
        base = self.atom()
        if self.peek() != "**":
            return base
        self.take()
        ex = self.unary()  # right-associative: a^b^c = a^(b^c); a^-1 allowed
        if ex.is_number and (not ex.is_real or abs(ex) > MAX_EXP):
            self.fail(f"exponent {ex} is not a real number of size at most {MAX_EXP}")
        if base.is_zero and ex.is_number and ex <= 0:
            self.fail("0 to a nonpositive power")
        out = base**ex
        if out.is_Rational and max(abs(out.p), out.q).bit_length() > 4096:
            self.fail("a number with more than 4096 bits")
        return out

    def atom(self):
        kind, val = self.take()
        if kind == "num":
            return sp.Rational(val)
        if kind == "name":
            if val in FUNCS:
                self.expect("(")
                args = [self.expr()]
                while self.peek() == ",":
                    self.take()
                    args.append(self.expr())
                self.expect(")")
                if (len(args) == 2) != (val in ("min", "max")):
                    self.fail(f"{val} takes {'2 arguments' if val in ('min', 'max') else '1'}")
                return FUNCS[val](*args)
            if val in CONSTS:
                return CONSTS[val]
            if self.variables is not None and val not in self.variables:
                known = ", ".join(self.variables) or "none"
                self.fail(f"unknown variable {val!r} (variables with a range: {known})")
            return sp.Symbol(val, real=True)
        if val == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        return self.fail(f"unexpected {val!r}")


def _expr_tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    pattern = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\*\*|\^)|([-+*/(),])|([A-Za-z]\w*))")
    while pos < len(text) and text[pos:].strip():
        m = pattern.match(text, pos)
        if not m:
            bad = text[pos:].lstrip()[:1]
            raise ParseError(
                f"invalid input {text!r}: unexpected character {bad!r}; {EXPR_ALLOWED}"
            )
        num, power, op, name = m.groups()
        out.append(
            ("num", num)
            if num
            else ("op", "**")
            if power
            else ("name", name)
            if name
            else ("op", op)
        )
        pos = m.end()
    return out


def parse_expression(text: str, variables=None) -> sp.Expr:
    """SymPy expression from user text (whitelist above; real symbols; never evaluated).

    ``variables``: the names allowed (None: any name that is not a function or constant).
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"invalid input {text!r}: empty; {EXPR_ALLOWED}")
    if len(text) > MAX_LEN:
        raise ParseError(f"invalid input of length {len(text)}: longer than {MAX_LEN} characters")
    p = _ExprParser(text, None if variables is None else list(variables))
    out = p.expr()
    if p.i != len(p.toks):
        p.fail(f"unexpected {p.toks[p.i][1]!r}")
    return out


RELATIONS = ("<=", ">=", "==", "<", ">")
RANGE_ALLOWED = (
    "allowed: 'a < x <= b', 'x >= a', 'x < b' (one variable; bounds are numbers or constants "
    "such as 1/3, e, pi; < or <=)"
)


def split_relation(text: str) -> tuple[str, str, str]:
    """('LHS', REL, 'RHS') for text with exactly one of <= >= == < >."""
    parts = re.split(r"(<=|>=|==|<|>)", text)
    if len(parts) != 3:
        found = len(parts) // 2
        raise ParseError(
            f"invalid input {text!r}: expected one relation, found {found}; "
            "allowed: 'LHS <= RHS' with one of <=, <, >=, >, =="
        )
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class Range:
    """``lo (<|<=) var (<|<=) hi``; an infinite end is ``sp.oo`` / ``-sp.oo`` (always open)."""

    var: str
    lo: sp.Expr
    hi: sp.Expr
    lo_open: bool
    hi_open: bool

    def contains(self, value) -> bool:
        v = sp.sympify(value)
        above = v > self.lo if self.lo_open else v >= self.lo
        below = v < self.hi if self.hi_open else v <= self.hi
        return bool(above) and bool(below)


def _bound(text: str, where: str):
    try:
        value = parse_expression(text, [])
    except ParseError:
        raise ParseError(
            f"invalid range {where!r}: bound {text.strip()!r} is not a constant; {RANGE_ALLOWED}"
        ) from None
    if not (value.is_real and value.is_finite):
        raise ParseError(
            f"invalid range {where!r}: bound {text.strip()!r} is not a finite real; {RANGE_ALLOWED}"
        )
    return value


def parse_range(text: str) -> Range:
    """A :class:`Range` from text such as ``0 < c <= 1`` or ``u > 0``."""
    if not isinstance(text, str) or len(text) > 200:
        raise ParseError(f"invalid range {text!r}; {RANGE_ALLOWED}")
    parts = [s.strip() for s in re.split(r"(<=|>=|==|<|>)", text)]
    ops, items = parts[1::2], parts[0::2]
    if "==" in ops or not 1 <= len(ops) <= 2:
        raise ParseError(f"invalid range {text!r}; {RANGE_ALLOWED}")
    if len(ops) == 2:  # a < x <= b
        if not (all(o in ("<", "<=") for o in ops) and _VAR.match(items[1])):
            raise ParseError(f"invalid range {text!r}; {RANGE_ALLOWED}")
        lo, hi = _bound(items[0], text), _bound(items[2], text)
        if not bool(lo < hi):
            raise ParseError(
                f"invalid range {text!r}: empty (lower end not below upper end); {RANGE_ALLOWED}"
            )
        return Range(items[1], lo, hi, ops[0] == "<", ops[1] == "<")
    left, right = items
    op = ops[0]
    if _VAR.match(left) and left not in FUNCS and left not in CONSTS:
        var, bound, var_first = left, right, True
    elif _VAR.match(right) and right not in FUNCS and right not in CONSTS:
        var, bound, var_first = right, left, False
    else:
        raise ParseError(f"invalid range {text!r}; {RANGE_ALLOWED}")
    b = _bound(bound, text)
    lower = (op in (">", ">=")) == var_first  # x > b or b < x: b is the lower end
    strict = op in ("<", ">")
    if lower:
        return Range(var, b, sp.oo, strict, True)
    return Range(var, -sp.oo, b, True, strict)
