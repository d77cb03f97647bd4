"""Safe parser for user polynomials in x and exact numbers (no eval, no sympify).

A whitelist tokenizer (numbers such as ``2``, ``2.5``, ``.5``; the variable ``x``;
``+ - * / ** ^``; parentheses; whitespace) feeds a recursive-descent parser that builds a
SymPy ``Poly`` in x over QQ. Exponents must be integer literals in [0, 64]; division is
by nonzero constants only (so ``3/4`` is an exact fraction).
"""

from __future__ import annotations

import argparse
import re

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
