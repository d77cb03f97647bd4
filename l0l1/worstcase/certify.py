"""Re-check a worst case: interval arithmetic on the pieces, the method re-run (THEORY T8).

:func:`certify` defines the witness F exactly: the first piece's (f, f') and every piece's
rate s and breakpoints, solved left to right in mpmath interval arithmetic (``mpmath.iv``,
closed forms of :mod:`pieces`). It checks

- |s| <= 1 and L0 + L1 z F' > 0 on every piece (then |F''| <= L0 + L1 |F'|: F is
  (L0,L1)-smooth), pieces contiguous and covering the iterates;
- the listed f, f' of every piece and iterate lie within ``tol`` of F's enclosures;
- the iterates are the method's: x_{k+1} = next_x(x_k, f_k, g_k) in floats for a step
  rule, the algorithm replayed on the witness through the T6 driver otherwise;
- tau in an interval (min_k F'(x_k)^2 / (F(x_0) - F(x_N)) at the listed iterates); for the eps
  measure |F'(x_k)| > eps for k < K, |F'(x_K)| <= eps and F(x_0) - inf F <= Delta.

:func:`rerun` runs the witness through the ordinary kernels (``Problem.from_functions`` on
the piece table) and compares the iterates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PREC = 200  # bits of the interval arithmetic
TOL = 1e-9  # listed values agree with the enclosures to TOL * scale


@dataclass(frozen=True)
class Certificate:
    """``ok`` when every check passed; ``failures`` says which did not. ``tau`` is an
    enclosure [lo, hi] of the measure at the listed iterates; ``fall`` of F(x_0) - F(x_N)
    (tau) or F(x_0) - inf F (eps); ``width`` the largest enclosure width seen."""

    ok: bool
    failures: tuple[str, ...]
    tau: tuple[float, float]
    fall: tuple[float, float]
    width: float


def certify(wc, tol: float = TOL) -> Certificate:
    """Check the worst case ``wc`` (:class:`l0l1.worstcase.WorstCase`) as described above."""
    import mpmath

    from l0l1.worstcase import adapter

    iv = mpmath.iv
    iv.prec = PREC
    L0, L1 = iv.mpf(wc.L0), iv.mpf(wc.L1)
    bad: list[str] = []
    scale_g = max(1.0, float(np.max(np.abs(wc.g))), wc.M)
    span = max(1.0, float(np.ptp(wc.x)))
    scale_f = scale_g * span + max(abs(r[2]) for r in wc.pieces)
    rows = wc.pieces
    for i, (a, b, _, _, s) in enumerate(rows):
        if not abs(s) <= 1:
            bad.append(f"piece {i}: sigma = {s} outside [-1, 1]")
        if not a < b:
            bad.append(f"piece {i}: empty or reversed [{a}, {b}]")
        if i and rows[i - 1][1] != a:
            bad.append(f"pieces {i - 1}, {i}: not contiguous ({rows[i - 1][1]} != {a})")

    def z_of(g, s):
        return 1 if g > 0 or (g == 0 and s >= 0) else -1

    def at(state, row, t):
        """The piece's map applied to the enclosures (f, f') at its start. The map is affine,
        (f, u) -> (f + E1 u + s L0 E2, e^{ct} u + s L0 E1), so the image of the centre is
        computed in intervals and the radii are carried by the exact linear part (no
        wrapping: widths grow only as the ODE's own sensitivity e^{ct})."""
        f, g = state
        s = iv.mpf(row[4])
        z = z_of(row[3], row[4])
        if not (L0 + L1 * z * g).a > 0:
            bad.append(f"piece at {row[0]}: L0 + L1 z f' not > 0")
        t = iv.mpf(t)
        c = z * s * L1
        if row[4] == 0 or wc.L1 == 0:
            e1, e2, grow = t, t * t / 2, iv.mpf(1)
        else:
            ex = iv.expm1(c * t)
            e1, e2, grow = ex / c, (ex - c * t) / (c * c), 1 + ex
        fc, gc = iv.mpf(f.mid), iv.mpf(g.mid)
        rf, rg = iv.mpf(f.delta) / 2, iv.mpf(g.delta) / 2
        unit = iv.mpf([-1, 1])
        f_out = fc + e1 * gc + s * L0 * e2 + unit * (rf + abs(e1) * rg)
        g_out = grow * gc + s * L0 * e1 + unit * (abs(grow) * rg)
        return f_out, g_out

    def close(ball, listed, scale, what):
        mid = float(ball.mid)
        if not abs(mid - listed) <= tol * scale + float(ball.delta):
            bad.append(f"{what}: listed {listed!r}, enclosure {mid!r} +- {float(ball.delta):.2g}")

    state = (iv.mpf(rows[0][2]), iv.mpf(rows[0][3]))  # at the first a (a flat when a = -inf)
    starts = []
    for i, row in enumerate(rows):
        if i:
            close(state[0], row[2], scale_f, f"f at piece {i}")
            close(state[1], row[3], scale_g, f"f' at piece {i}")
        starts.append(state)
        if math.isinf(row[0]) and row[4] != 0:
            bad.append(f"piece {i}: an infinite piece must be flat-rate (sigma = 0)")
        if math.isinf(row[0]) and row[3] != 0:
            bad.append(f"piece {i}: the piece to -inf must have f' = 0")
        if math.isfinite(row[0]) and math.isfinite(row[1]):
            state = at(state, row, iv.mpf(row[1]) - iv.mpf(row[0]))
    width = 0.0

    def value(x):
        nonlocal width
        k = int(np.searchsorted([r[0] for r in rows], x, side="right")) - 1
        if k < 0 or x > rows[k][1]:
            bad.append(f"iterate {x!r} not covered by the pieces")
            return iv.mpf(0), iv.mpf(0)
        row = rows[k]
        out = starts[k] if math.isinf(row[0]) else at(starts[k], row, iv.mpf(x) - iv.mpf(row[0]))
        width = max(width, float(out[0].delta), float(out[1].delta))
        return out

    Fx = [value(float(x)) for x in wc.x]
    for k, ((fb, gb), f, g) in enumerate(zip(Fx, wc.f, wc.g, strict=True)):
        close(fb, float(f), scale_f, f"f(x_{k})")
        close(gb, float(g), scale_g, f"f'(x_{k})")
    next_x, _ = adapter.method_step(
        wc.method, wc.overrides or None, L0=wc.L0, L1=wc.L1, M=wc.M, Delta=wc.Delta, eps=wc.eps
    )
    for k, step in enumerate(_steps(next_x, wc)):
        if step != wc.x[k + 1]:
            bad.append(f"x_{k + 1}: listed {wc.x[k + 1]!r}, the method gives {step!r}")
    g2 = min(g * g for _, g in Fx)
    if wc.measure == "tau":
        fall = Fx[0][0] - Fx[-1][0]
        tau = (math.inf, math.inf) if fall.b <= 0 else _ratio(g2, fall)
        if fall.a <= 0 < fall.b:
            bad.append("f(x_0) - f(x_N) encloses 0: tau undecided")
    else:
        eps = iv.mpf(wc.eps)
        for k, (_, g) in enumerate(Fx[:-1]):
            if not abs(g).a > eps.b:
                bad.append(f"|f'(x_{k})| not certified > eps")
        if not abs(Fx[-1][1]).b <= eps.a:
            bad.append(f"|f'(x_{len(Fx) - 1})| not certified <= eps")
        low = min(_piece_min(iv, r, st, at) for r, st in zip(rows, starts, strict=True))
        fall = Fx[0][0] - low
        if not fall.b <= wc.Delta:
            bad.append(f"f(x_0) - inf f <= {float(fall.b)!r} not certified <= Delta")
        tau = (math.nan, math.nan)
    return Certificate(
        ok=not bad, failures=tuple(bad), tau=tau, fall=(float(fall.a), float(fall.b)),
        width=width,
    )  # fmt: skip


def _steps(next_x, wc) -> list[float]:
    """x_1, x_2, ... as the method makes them: a step rule from the listed (x_k, f_k, g_k)
    in floats, an algorithm replayed on the witness (its queries answered by the pieces)."""
    N = len(wc.x) - 1
    if next_x.exact:
        return [next_x(float(x), float(f), float(g), None) for x, f, g in
                zip(wc.x[:N], wc.f[:N], wc.g[:N], strict=True)]  # fmt: skip
    P = witness_problem(wc).P
    xs = next_x.trajectory(P, float(wc.x[0]), N, wc.eps if wc.measure == "eps" else 0.0)[0]
    return [float(v) for v in xs[1:]]


def _ratio(num, den) -> tuple[float, float]:
    r = num / den
    return float(r.a), float(r.b)


def _piece_min(iv, row, start, at):
    """A lower bound of F on the piece: F is monotone there unless F' changes sign, and then
    F >= max(F(a) - |F'(a)| (b - a), F(b) - |F'(b)| (b - a)) (F' is monotone)."""
    a, b = row[0], row[1]
    if math.isinf(a) or math.isinf(b):
        return start[0]  # the flat to -inf, or f' = f'(x_0) > 0 on [x_0, inf)
    end = at(start, row, iv.mpf(b) - iv.mpf(a))
    lo = iv.mpf([min(start[0].a, end[0].a), min(start[0].a, end[0].a)])
    if (start[1].a >= 0 and end[1].a >= 0) or (start[1].b <= 0 and end[1].b <= 0):
        return lo
    length = iv.mpf(b) - iv.mpf(a)
    cross = iv.mpf(max((start[0] - abs(start[1]) * length).a, (end[0] - abs(end[1]) * length).a))
    return iv.mpf([min(lo.a, cross.a), min(lo.a, cross.a)])


def rerun(wc, tol: float = 1e-9) -> tuple[bool, str]:
    """Run the method on the witness through ``l0l1.run`` (``Problem.from_functions`` on the
    piece table, the schedule's values passed as overrides) and compare: the kernel's f and
    |f'| at every traced iteration and its final x against the listed iterates; for the eps
    measure also the hitting iteration. Returns (agrees, one-line summary). Compiles the
    kernel once per method (Numba: seconds; cached on disk after)."""
    from l0l1 import run
    from l0l1.methods.registry import get_method
    from l0l1.validate import InputError

    prob = witness_problem(wc)
    if get_method(wc.method).target == "gap" and not math.isfinite(prob.f_star):
        raise InputError(
            f"rerun: {wc.method} stops on f - f* and the tau witness has f* = -inf; allowed: "
            "the eps measure (with Delta), or the certificate alone (it replays the method)"
        )
    N = len(wc.x) - 1
    eps = wc.eps if wc.measure == "eps" else 0.5 * float(np.min(np.abs(wc.g)))
    over = dict(wc.params)  # the searched schedule exactly (M estimates cannot move it)
    res = run(prob, wc.method, eps=eps, x0=[float(wc.x[0])], max_iter=max(N, 1),
              checkpoints=min(max(N, 1) + 1, 100_000), overrides=over)  # fmt: skip
    errs = []
    for row in res.trace:
        k = int(row[0])
        if k <= N:
            scale = max(1.0, abs(float(wc.g[0])))
            if abs(row[3] - abs(wc.g[k])) > tol * scale:
                errs.append(f"|f'(x_{k})| {row[3]!r} vs {wc.g[k]!r}")
            if abs(row[2] - wc.f[k]) > tol * max(1.0, abs(wc.drop)):
                errs.append(f"f(x_{k}) {row[2]!r} vs {wc.f[k]!r}")
    if abs(float(res.x[0]) - float(wc.x[res.iterations])) > tol * max(1.0, float(np.ptp(wc.x))):
        errs.append(f"x at {res.iterations}: {float(res.x[0])!r} vs {wc.x[res.iterations]!r}")
    if wc.measure == "eps" and res.iterations != N:
        errs.append(f"kernel hit at {res.iterations} ({res.status}), witness at {N}")
    text = f"kernel run: {res.status} at {res.iterations}; " + ("; ".join(errs) or "same iterates")
    return not errs, text


def witness_problem(wc):
    """The witness as a built-in problem (:func:`l0l1.problems.witness.piecewise`): its
    piece table is data, so every witness runs through one compiled kernel per method."""
    from l0l1.problems.witness import piecewise

    return piecewise(wc.pieces, wc.L0, wc.L1, x0=float(wc.x[0]), name=f"worstcase_{wc.method}")
