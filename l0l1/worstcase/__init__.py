"""Worst cases: the (L0,L1)-smooth function of one variable that makes a method slowest (T8).

    >>> from l0l1.worstcase import worstcase
    >>> wc = worstcase("gd", L0=1.0, L1=0.0, steps=2, overrides={"h": 1.0})
    >>> round(wc.tau, 6), round(4 / (3 * 2), 6)                 # PEPit's tight 4/(3N)
    (0.666667, 0.666667)

Two measures: PEPit's tau = min_{k<=N} f'(x_k)^2 / (f(x_0) - f(x_N)) after N steps, and, with
``eps``, the most iterations before |f'(x_k)| <= eps among functions with f(x_0) - inf f <=
Delta. A result is a certificate: the witness as closed-form pieces
(:mod:`l0l1.worstcase.pieces`), the iterates the method produced on it, and
:func:`l0l1.worstcase.certify.certify` re-checks it in interval arithmetic. Univariate
worst cases are lower bounds in every dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from l0l1.validate import InputError, integer, positive

MAX_STEPS = {"tau": 200, "eps": 10**6}
MAX_REPLAY_STEPS = 2000  # an algorithm's witness replays it k times at step k
POLISH_EVALS = 400  # witnesses built (each replaying the algorithm) in an algorithm's polish


@dataclass(frozen=True)
class WorstCase:
    """A worst case found and its witness.

    ``measure`` "tau" or "eps"; ``tau`` PEPit's measure on the iterates (inf when f(x_N) >=
    f(x_0)); ``iterations`` the hitting iteration K (eps measure; None for tau) and
    ``censored`` whether K reached the ``steps`` cap; ``x, f, g`` the iterates and the
    witness's f, f' there; ``pieces`` rows (a, b, f(a), f'(a), s), the leftmost a = -inf for
    the eps measure (a flat at inf f), the rightmost b = inf (f' constant past x_0);
    ``M`` = |f'(x_0)| = sup |f'|; ``Delta`` as given; ``drop`` the witness's f(x_0) - f(x_N)
    (tau) or f(x_0) - inf f (eps, <= Delta);
    ``bound`` the method's T3 iteration bound at (L0, L1, Delta, M, eps) (None if none)."""

    method: str
    measure: str
    L0: float
    L1: float
    steps: int
    tau: float
    iterations: int | None
    censored: bool
    x: np.ndarray
    f: np.ndarray
    g: np.ndarray
    pieces: tuple[tuple[float, float, float, float, float], ...]
    M: float
    Delta: float | None
    drop: float
    eps: float | None
    params: dict
    overrides: dict
    bound: float | None
    bound_name: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ratio(self) -> float | None:
        """iterations / bound (eps measure with a bound), else None."""
        if self.iterations is None or not self.bound:
            return None
        return self.iterations / self.bound

    def to_dict(self) -> dict:
        """JSON-ready: pieces as {"x": [a, b], "f", "g", "sigma"} (infinities as strings)."""

        def num(v):
            v = float(v)
            return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")

        return {
            "method": self.method,
            "measure": self.measure,
            "L0": self.L0,
            "L1": self.L1,
            "steps": self.steps,
            "tau": num(self.tau),
            "iterations": self.iterations,
            "censored": self.censored,
            "M": self.M,
            "Delta": self.Delta,
            "drop": self.drop,
            "eps": self.eps,
            "params": {k: float(v) for k, v in self.params.items()},
            "overrides": dict(self.overrides),
            "bound": self.bound,
            "bound_name": self.bound_name,
            "ratio": self.ratio,
            "notes": list(self.notes),
            "iterates": [
                {"k": k, "x": float(x), "f": float(f), "g": float(g)}
                for k, (x, f, g) in enumerate(zip(self.x, self.f, self.g, strict=True))
            ],
            "pieces": [
                {"x": [num(a), num(b)], "f": f, "g": g, "sigma": s} for a, b, f, g, s in self.pieces
            ],
        }


def worstcase(
    method,
    L0: float,
    L1: float,
    steps: int,
    x0: float = 0.0,
    Delta: float | None = None,
    eps: float | None = None,
    overrides: dict | None = None,
    *,
    M: float | None = None,
    grid: int = 48,
    starts: int = 9,
) -> WorstCase:
    """The worst case of ``method`` over one-variable (L0,L1)-smooth functions (T8).

    Without ``eps``: PEPit's tau after ``steps`` iterations. With ``eps`` (and ``Delta``):
    the most iterations to |f'(x_k)| <= eps, at most ``steps``. ``M`` fixes |f'(x_0)|
    (default: searched, ``starts`` values); ``grid`` gradient values per search grid;
    ``overrides`` the method's schedule values by name (as ``l0l1 run --set``).
    """
    from l0l1.worstcase import adapter

    L0 = _scale("L0", positive("L0", L0))
    L1 = positive("L1", L1, allow_zero=True)
    L1 = L1 and _scale("L1", L1)
    measure = "tau" if eps is None else "eps"
    steps = integer("steps", steps, 1, MAX_STEPS[measure])
    x0 = _finite("x0", x0)
    grid = integer("grid", grid, 8, 400)
    starts = integer("starts", starts, 1, 100)
    Delta = None if Delta is None else _scale("Delta", positive("Delta", Delta))
    eps = None if eps is None else _scale("eps", positive("eps", eps))
    M = None if M is None else _scale("M", positive("M", M))
    if measure == "eps" and Delta is None:
        raise InputError("Delta: required with eps; allowed: a number > 0 (f(x0) - inf f)")
    overrides = dict(overrides or {})

    def stepper(G):
        return adapter.method_step(method, overrides, L0=L0, L1=L1, M=G, Delta=Delta, eps=eps)

    exact = stepper(M or 1.0)[0].exact  # validates the method and overrides before searching
    if not exact and steps > MAX_REPLAY_STEPS:
        raise InputError(
            f"steps: {steps} is not allowed for {method!r} (an algorithm: every candidate "
            f"replays it step by step); allowed: 1..{MAX_REPLAY_STEPS}"
        )
    if measure == "tau":
        G, g, edge = _search_tau(L0, L1, steps, stepper, M, grid, starts)
        floor = -G
    else:
        G, g = _search_eps(L0, L1, steps, stepper, M, grid, starts, Delta, eps)
        floor, edge = 0.0, False
    next_x, sched = stepper(G)
    with np.errstate(all="ignore"):
        x, f, gs, rows = build(L0, L1, next_x, x0, g, floor, tail=measure == "eps")
        if not exact:
            x, f, gs, rows = _replayed(next_x, x0, rows, steps, eps)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(f)) and np.all(np.isfinite(gs))):
        raise InputError(
            f"method: {sched.values} makes the witness overflow float64 (steps too long for "
            "this L0, L1); allowed: parameters with finite steps at this scale"
        )
    wc = _result(method, measure, L0, L1, steps, x, f, gs, rows, G, Delta, eps, sched,
                 overrides, exact)  # fmt: skip
    if edge:
        note = f"the best M = {G:.3g} is at the edge of the searched range: pass M to fix it"
        wc = replace(wc, notes=(*wc.notes, note))
    return wc


def _search_tau(L0, L1, steps, stepper, M, grid, starts):
    """(G, path, edge): the dynamic programme over gradient paths for each candidate G (for
    an algorithm on its first-step surrogate, then scored by replaying the method), the
    best polished off the grid."""
    from l0l1.worstcase import search

    best = (-math.inf, None, None)
    grid_g0 = search.g0_grid(L0, L1, starts)
    grid_g0 = grid_g0[np.argsort(np.abs(np.log(grid_g0 / np.median(grid_g0))), kind="stable")]
    for G in [M] if M else grid_g0:
        next_x, _ = stepper(G)
        values = G * np.geomspace(1e-2, 1.0, grid)
        values[-1] = G
        ell = search.lengths(next_x, values)
        tau, _, path = search.tau_path(L0, L1, G, values, ell, steps)
        if not next_x.exact:
            tau = _replay_tau(L0, L1, next_x, values[path], G, steps)
        if tau > best[0] * (1 + 1e-12) or best[1] is None:  # ties: the G nearest the scale
            best = (tau, G, values[path])
        if tau == math.inf:
            break
    tau, G, g = best
    if tau == -math.inf:
        raise InputError(_UNHELD.format(method=stepper(G)[0].spec.name))
    if math.isfinite(tau):
        next_x = stepper(G)[0]
        if next_x.exact:
            g = search.polish_tau(L0, L1, next_x, g, G)
        else:
            score = lambda path: _replay_tau(L0, L1, next_x, path, G, steps)  # noqa: E731
            g = search.polish_replay(score, g, G, maxfev=POLISH_EVALS)
    edge = M is None and G in (grid_g0.min(), grid_g0.max()) and starts > 1
    return G, g, edge


def _replay_tau(L0, L1, replay, g, G, steps) -> float:
    """tau of the algorithm replayed on the witness built for the gradient path g (-inf
    where the path gives no witness or the method leaves it)."""
    try:
        with np.errstate(all="ignore"):
            _, f, gs, rows = _replayed(replay, 0.0, build(L0, L1, replay, 0.0, g, -G, False)[3],
                                       steps, None)  # fmt: skip
    except InfeasibleError:
        return -math.inf
    if f.size < steps + 1 and not np.any(gs == 0):
        return -math.inf  # stopped early: a step was not finite
    if not _joined(L0, L1, rows):
        return -math.inf  # steps so long that float64 cannot hold the witness
    fall = f[0] - f[-1]
    return math.inf if fall <= 0 else float(np.min(gs * gs) / fall)


def _replayed(replay, x0, rows, steps, eps):
    """(x, f, f', rows): the algorithm's own iterates on the witness ``rows`` (the truth of
    its worst case: where it queried off the iterates, the witness built for the targets
    may not be what it saw), rows extended by a linear piece over iterates left of them."""
    from l0l1.problems.witness import table

    xs, fs, gs = replay.trajectory(table(rows), x0, steps, eps or 0.0)
    a, _, fa, ga, _ = rows[0]
    lo = float(np.min(xs))
    if lo < a:
        rows = ((lo, a, fa + ga * (lo - a), ga, 0.0), *rows)
    return xs, fs, gs, rows


def _search_eps(L0, L1, steps, stepper, M, grid, starts, Delta, eps):
    from l0l1.worstcase import search

    top = eps * (1 + search.EPS_GAP)
    g_max = search.g0_max(L0, L1, Delta)
    if M is not None:
        candidates = [M] if top <= M else []
    else:
        candidates = list(np.geomspace(top, g_max, starts)) if g_max >= top else []
    below = np.concatenate([[0.0], eps * (1 - search.EPS_GAP) * np.geomspace(1e-3, 1, grid // 4)])
    best, unheld = None, False
    for G in candidates:
        next_x, _ = stepper(G)
        up = top * np.geomspace(1.0, G / top, grid) if top < G else np.array([top])
        up[-1] = G
        ell = search.lengths(next_x, up)
        values = np.concatenate([up, below])
        found = search.eps_path(L0, L1, up, values, ell, Delta, steps)
        if found and not next_x.exact:
            found = _replay_eps(L0, L1, next_x, values[found[2]], steps, eps, found)
            unheld = unheld or found is None
        if found and (best is None or (found[0], -found[1]) > (best[0], -best[1])):
            best = (found[0], found[1], G, values[found[2]])
    if best is None and M is not None and (top <= M or g_max < M):
        raise InputError(
            f"M: {M!r} does not fit: no monotone witness from |f'(x0)| = M keeps f(x0) - inf f "
            f"<= Delta = {Delta:g} along {stepper(M)[1].values}; allowed: a smaller M or a "
            "larger Delta"
        )
    if best is None and unheld:
        raise InputError(_UNHELD.format(method=stepper(candidates[0])[0].spec.name))
    if best is None:  # no gradient above eps fits in Delta: |f'(x0)| <= eps, 0 iterations
        g0 = 0.0 if M is None else M
        return g0, np.array([g0])
    return best[2], best[3]


def _replay_eps(L0, L1, replay, g, steps, eps, found):
    """``found`` (K, drop, path) with K the algorithm's own hitting iteration on the witness
    built for the path g (None where the path gives no witness)."""
    try:
        with np.errstate(all="ignore"):
            rows = build(L0, L1, replay, 0.0, g, 0.0, True)[3]
    except InfeasibleError:
        return None
    x, _, _, rows = _replayed(replay, 0.0, rows, steps, eps)
    return (x.size - 1, found[1], found[2]) if _joined(L0, L1, rows) else None


def _joined(L0, L1, rows, tol: float = 1e-9) -> bool:
    """Whether every piece, followed to the next one's start in floats, meets its listed
    (f, f') there (the certificate's check, cheap): an algorithm's steps can be so long
    that float64 no longer holds the witness."""
    from l0l1.problems.witness import table
    from l0l1.worstcase import pieces as pc

    T = table([r for r in rows if math.isfinite(r[0])])  # rows a, f(a), f'(a), s, z
    if T.shape[1] < 2:
        return True
    a, f, g, s, z = T[:, :-1]
    with np.errstate(all="ignore"):
        fb, gb = pc.advance(L0, L1, f, g, s, T[0, 1:] - a, z)
    scale_g = max(1.0, float(np.max(np.abs(T[2]))))
    scale_f = scale_g * max(1.0, float(np.ptp(T[0]))) + float(np.max(np.abs(T[1])))
    return bool(
        np.all(np.abs(gb - T[2, 1:]) <= tol * scale_g)
        and np.all(np.abs(fb - T[1, 1:]) <= tol * scale_f)
    )


_UNHELD = (
    "method: {method} leaves every witness the search built (its steps are so long that "
    "float64 cannot hold the pieces, or it stops early); allowed: another M, fewer steps or "
    "other parameters (--set)"
)


class InfeasibleError(ValueError):
    """No (L0,L1)-smooth piece joins two consecutive iterates of a path (an algorithm moved
    right, or too short a step for the gradient change)."""


def build(L0, L1, next_x, x0, targets, floor, tail: bool):
    """The witness for gradient targets g_0, g_1, ...: the method steps from (x_0, 0, g_0);
    each interval is the lower envelope (floored) from the next target to the current f',
    computed right to left from the current iterate, so the f' the method sees next is the
    witness's own. ``next_x`` gets (rows so far from the right, x_0, k) as its state.
    Returns (x, f, g, piece rows) with rows (a, b, f(a), f'(a), s); :class:`InfeasibleError`
    where an algorithm's step cannot reach its target (a step rule's path is feasible by
    construction; overflow is worstcase()'s to report)."""
    from l0l1.worstcase import pieces as pc
    from l0l1.worstcase.search import MARGIN

    x, f, g = [float(x0)], [0.0], [float(targets[0])]
    rows = [(x[0], math.inf, 0.0, g[0], 0.0)]
    for target in targets[1:]:
        xn = next_x(x[-1], f[-1], g[-1], (rows, x[0], len(x) - 1))
        hi, lo = max(target, g[-1]), min(target, g[-1])
        ok = x[-1] > xn and pc.dist(L0, L1, hi, lo) <= (1 - MARGIN) * (x[-1] - xn)
        if not (ok or next_x.exact):  # a step rule's path is feasible by the programme
            raise InfeasibleError(f"x_{len(x)}: {xn!r} from {x[-1]!r} cannot reach f' = {target!r}")
        parts = pc.interval_pieces(L0, L1, float(target), g[-1], x[-1] - xn, floor)
        b, fb, gb = x[-1], f[-1], g[-1]
        for i, (t, s, z, zero) in enumerate(reversed(parts)):
            a = xn if i == len(parts) - 1 else b - t
            if not a < b:
                continue  # shorter than float64 resolves at b: no piece
            fa, ga = (float(v) for v in pc.advance(L0, L1, fb, gb, s, a - b, z))
            rows.append((a, b, fa, 0.0 if zero else ga, s))
            b, fb, gb = a, fa, ga
        x.append(xn)
        f.append(fb)
        g.append(gb)
    if tail:
        t = float(pc.dist(L0, L1, max(g[-1], 0.0), 0.0))
        b, fb = x[-1], f[-1]
        if b - t < b:  # a rise that float64 resolves at b
            fa, _ = (float(v) for v in pc.advance(L0, L1, fb, g[-1], 1.0, -t, 1.0))
            rows.append((b - t, b, fa, 0.0, 1.0))
            b, fb = b - t, fa
        rows.append((-math.inf, b, fb, 0.0, 0.0))
        shift = fb
    else:
        shift = f[-1]
    rows = [(a, b, fa - shift, ga, s) for a, b, fa, ga, s in reversed(rows)]
    return np.array(x), np.array(f) - shift, np.array(g), tuple(rows)


def _result(method, measure, L0, L1, steps, x, f, g, rows, G, Delta, eps, sched, overrides,
            exact):  # fmt: skip
    from l0l1.methods.registry import get_method

    spec = get_method(method)
    fall = f[0] - f[-1]
    tau = math.inf if fall <= 0 else float(np.min(g**2) / fall)
    notes = []
    if np.all(g[:-1] > 0) and np.all(np.diff(x) < 0):
        notes.append("monotone witness (every f'(x_k) > 0), |f'| <= |f'(x0)| = M everywhere")
    if not exact:
        notes.append(
            "an algorithm (x_{k+1} depends on more than f'(x_k)): the search ran the dynamic "
            "programme on its first step, then polished the path replaying the method; the "
            "witness is a valid lower bound, not proven the worst"
        )
    if spec.target == "gap":
        notes.append(
            f"{spec.name} is a convex method (it stops on f - f*): the witness need not be "
            "convex, and the measure here is |f'|"
        )
    K, censored, bound = None, False, None
    if measure == "eps":
        K = len(x) - 1
        fall = float(f[0] - min(r[2] for r in rows))
        censored = steps <= K
        bound = sched.bound
        if K == 0:
            notes.append("no function with |f'(x0)| > eps fits in Delta: 0 iterations")
    return WorstCase(
        method=spec.name, measure=measure, L0=L0, L1=L1, steps=steps, tau=tau, iterations=K,
        censored=censored, x=x, f=f, g=g, pieces=rows, M=float(G),
        Delta=Delta, drop=float(fall), eps=eps, params=dict(sched.values),
        overrides=overrides, bound=None if bound is None else float(bound),
        bound_name=spec.bound_text if bound is not None else "", notes=tuple(notes),
    )  # fmt: skip


SCALE = (1e-6, 1e6)  # L0, L1 (> 0), Delta, eps, M: the witness stays well inside float64


def _scale(field: str, num: float) -> float:
    lo, hi = SCALE
    if not lo <= num <= hi:
        raise InputError(f"{field}: {num!r} is not allowed; allowed: a number in [{lo:g}, {hi:g}]")
    return num


def _finite(field: str, value) -> float:
    num = value if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    if not math.isfinite(num):
        raise InputError(f"{field}: {value!r} is not allowed; allowed: a finite number")
    return float(num)
