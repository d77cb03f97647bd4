"""Closed-form extremal pieces of one-variable (L0,L1)-smooth functions (THEORY T8).

On a piece [a, b] with constant ``s`` in [-1, 1] and a fixed sign ``z`` of u = f', u solves
u' = s (L0 + L1 z u): with q = L0 + L1 |u(a)| and c = z s L1,

    u(a + t) = u(a) + s q E1(c, t),     f(a + t) = f(a) + u(a) t + s q E2(c, t),

E1(c, t) = (e^{ct} - 1)/c and E2(c, t) = (e^{ct} - 1 - ct)/c^2 (t and t^2/2 at c = 0:
L1 = 0 gives quadratics). Valid for every real t; |f''| = |s| (L0 + L1 z u) <= L0 + L1 |u|
as long as L0 + L1 z u > 0, which the exponential keeps. ``z`` is the sign of u(a) (of s
when u(a) = 0): then the piece is f'' = s (L0 + L1 |f'|) exactly until u changes sign.

The lower envelope between two points (:func:`interval`) is the pointwise least f' with
given end values: u falls at the largest rate from both ends (s = -1 from the left, +1 into
the right end), through zero if the interval is long, down to a floor ``c`` <= 0 (a flat
piece s = 0 there). Its integral (:func:`drop`) is the least f(b) - f(a) and is vectorized
for the search.
"""

from __future__ import annotations

import numpy as np

_SMALL = 1e-4  # |ct| below this: E1, E2 by their Taylor series (no cancellation)


def e1(c, t):
    """(e^{ct} - 1)/c, t at c = 0 (arrays broadcast)."""
    c, t = np.asarray(c, dtype=float), np.asarray(t, dtype=float)
    ct = c * t
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        big = np.expm1(ct) / np.where(c == 0, 1.0, c)
    small = t * (1 + ct / 2 * (1 + ct / 3 * (1 + ct / 4)))
    return np.where(np.abs(ct) < _SMALL, small, big)


def e2(c, t):
    """(e^{ct} - 1 - ct)/c^2, t^2/2 at c = 0 (arrays broadcast)."""
    c, t = np.asarray(c, dtype=float), np.asarray(t, dtype=float)
    ct = c * t
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        big = (np.expm1(ct) - ct) / np.where(c == 0, 1.0, c * c)
    small = t * t / 2 * (1 + ct / 3 * (1 + ct / 4 * (1 + ct / 5)))
    return np.where(np.abs(ct) < _SMALL, small, big)


def sign_of(g: float, s: float) -> float:
    """The fixed sign z of a piece starting at f' = g with rate s."""
    if g != 0:
        return 1.0 if g > 0 else -1.0
    return -1.0 if s < 0 else 1.0


def advance(L0, L1, f, g, s, t, z):
    """(f, f') at distance t (any sign) along the piece through (f, g) with rate s, sign z."""
    q = L0 + L1 * z * g
    c = z * s * L1
    return f + g * t + s * q * e2(c, t), g + s * q * e1(c, t)


def dist(L0, L1, p, r):
    """The length over which |f'| moves from p to r (p >= r >= 0) at the largest rate."""
    p, r = np.asarray(p, dtype=float), np.asarray(r, dtype=float)
    if L1 == 0:
        return (p - r) / L0
    return np.log1p(L1 * (p - r) / (L0 + L1 * r)) / L1


def _climb(L0, L1, p, t):
    """The integral of |f'| over length t while |f'| falls at the largest rate from p."""
    return p * t - (L0 + L1 * p) * e2(-L1, t)


def _lobe(L0, L1, t):
    """The integral of |f'| over length t while |f'| grows at the largest rate from 0."""
    return L0 * e2(L1, t)


def _level(L0, L1, length):
    """|f'| reached from 0 after growing at the largest rate over ``length``."""
    return L0 * e1(L1, length)


def shape(L0, L1, ga, gb, length, floor):
    """The lower envelope on an interval of ``length`` with f' = ga > 0 at the left end and
    gb > 0 at the right end, floored at ``floor`` <= 0, as lengths (all arrays broadcast):
    (t_down, t_neg, t_flat, t_up, w) - falls from ga for t_down (to w >= 0 or to 0), below
    zero for 2 t_neg (down, then up), flat at min(w, floor) for t_flat, rises to gb over
    t_up; ``w`` the bottom value (negative when the envelope crosses zero, = floor when flat).
    Infeasible (|gb - ga| needs more than ``length``) gives NaN lengths."""
    ga, gb, length = (np.asarray(v, dtype=float) for v in (ga, gb, length))
    hi, lo = np.maximum(ga, gb), np.minimum(ga, gb)
    feasible = dist(L0, L1, hi, lo) <= length
    if L1 == 0:
        w = (ga + gb - L0 * length) / 2
    else:
        qa, qb = L0 + L1 * ga, L0 + L1 * gb
        w = (np.sqrt(qa * qb) * np.exp(-L1 * length / 2) - L0) / L1
    w = np.minimum(w, lo)
    pos = w >= 0
    wp = np.maximum(w, 0.0)
    t_down, t_up = dist(L0, L1, ga, wp), dist(L0, L1, gb, wp)
    rest = np.maximum(length - t_down - t_up, 0.0)  # the part at or below zero
    floor = np.asarray(floor, dtype=float)
    t_cap = dist(L0, L1, -floor, 0.0)  # the time |f'| needs to grow from 0 to -floor
    neg = np.where(pos, 0.0, np.minimum(rest / 2, t_cap))
    flat = np.where(pos, 0.0, rest - 2 * neg)
    bottom = np.where(pos, w, -_level(L0, L1, neg))
    bottom = np.where(flat > 0, floor, bottom)
    nan = np.where(feasible, 1.0, np.nan)
    return t_down * nan, neg * nan, flat * nan, t_up * nan, bottom * nan


def drop(L0, L1, ga, gb, length, floor):
    """f(b) - f(a) on the lower envelope of :func:`shape` (NaN where infeasible)."""
    t_down, neg, flat, t_up, bottom = shape(L0, L1, ga, gb, length, floor)
    over = _climb(L0, L1, ga, t_down) + _climb(L0, L1, gb, t_up)
    return over - 2 * _lobe(L0, L1, neg) + np.minimum(bottom, 0.0) * flat


def tail(L0, L1, g):
    """f(x) - f(x - t) while f' falls from g > 0 to 0 at the largest rate going left: the
    least drop of f left of a point with f' = g, after which f is flat (T8)."""
    return _climb(L0, L1, g, dist(L0, L1, g, 0.0))


def interval_pieces(L0, L1, ga, gb, length, floor):
    """The envelope of :func:`shape` as (length, s, z, starts_at_zero) from left to right,
    empty ones dropped: falls (s = -1), below zero (s = -1, then +1 back to zero), flat
    (s = 0), rises (s = +1). ``z`` is the piece's sign of f' (pieces.advance)."""
    t_down, neg, flat, t_up, bottom = (float(v) for v in shape(L0, L1, ga, gb, length, floor))
    crossed = bottom < 0 or (flat > 0 and bottom == 0)
    parts = [
        (t_down, -1.0, 1.0, False),
        (neg, -1.0, -1.0, True),
        (flat, 0.0, -1.0 if bottom < 0 else 1.0, neg == 0 and crossed),
        (neg, 1.0, -1.0, False),
        (t_up, 1.0, 1.0, crossed),
    ]
    return [p for p in parts if p[0] > 0]
