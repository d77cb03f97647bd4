"""A worst-case witness as a built-in problem: one variable, closed-form pieces (THEORY T8).

The table is data, not code: every witness runs through one compiled kernel per method
(``KIND_PIECES``), so the worst-case search can run a method on thousands of candidate
functions, and re-running a found witness compiles nothing new. Rows are those of
:class:`l0l1.worstcase.WorstCase`: ``(a, b, f(a), f'(a), s)`` from the left, contiguous, with
f'' = s (L0 + L1 |f'|) on [a, b] while f' keeps the sign z it has at a (the sign of s where
f'(a) = 0). The leftmost a may be -inf (a flat at inf f, f' = 0); left of a finite first a,
f continues linearly; the rightmost piece reaches b = inf with s = 0 (f' constant there).
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.problems.base import Constants, Problem, ProblemError, StartConstants
from l0l1.problems.kinds import KIND_PIECES


def table(rows) -> np.ndarray:
    """The kernel's 5 x m table (a, f(a), f'(a), s, z) of the rows; a = -inf becomes b."""
    out = np.empty((5, len(rows)))
    for i, (a, b, f, g, s) in enumerate(rows):
        z = 1.0 if g > 0 or (g == 0 and s >= 0) else -1.0
        out[:, i] = (b if math.isinf(a) else a, f, g, s, z)
    return out


def piecewise(rows, L0: float, L1: float, *, x0: float, name: str = "witness") -> Problem:
    """The witness of ``rows`` as a Problem (kind ``KIND_PIECES``); f* is the flat's value
    when the leftmost piece is the flat to -inf, else -inf (f continues linearly)."""
    rows = tuple(tuple(float(c) for c in r) for r in rows)
    if not rows or any(not abs(r[4]) <= 1 for r in rows):
        raise ProblemError(f"pieces: {len(rows)} rows; allowed: one or more with |s| <= 1")
    if not (rows[-1][1] == math.inf and rows[-1][4] == 0):
        raise ProblemError(
            f"pieces: the last piece is {rows[-1]}; allowed: one reaching b = inf with s = 0"
        )
    flat = math.isinf(rows[0][0])
    f_star = rows[0][2] if flat else -math.inf
    how = "witness pieces: |f''| = |s| (L0 + L1 |f'|) with |s| <= 1 (worstcase.certify checks it)"
    return Problem(
        name=name, kind=KIND_PIECES, P=table(rows), v=np.array([float(L0), float(L1)]), dim=1,
        constants=Constants(float(L0), float(L1), False, how), f_star=f_star,
        bounded_below=flat, spec={"problem": "witness", "x0": [float(x0)], "rows": len(rows)},
    )  # fmt: skip


def start_constants(problem: Problem, x0: np.ndarray) -> StartConstants:
    """Delta = f(x0) - f* and M = sup |f'| over the line: f' is monotone on every piece and
    constant past the ends, so the largest |f'(a)| of the rows is exact up to rounding."""
    g = problem.P[2]
    M = float(np.max(np.abs(g)))
    Delta = problem.value(x0) - problem.f_star
    return StartConstants(Delta, M, False, "witness pieces: sup |f'| over the row starts")
