"""The worst-case search over one-variable (L0,L1)-smooth functions (THEORY T8).

Design. A step-rule method moves by h(|g|) g, so a witness is fixed, up to its shape between
iterates, by the gradients g_0, g_1, ... it shows the method. Between two consecutive iterates
the least drop f(x_k) - f(x_{k+1}) with given end gradients is the lower envelope (bang-bang:
s = -1 then +1, :mod:`pieces`), and these drops add up. So the search is a shortest path over
the gradient sequence, solved exactly on a grid by dynamic programming (global over the grid,
no local optimum to get stuck in), then polished off the grid by SLSQP (tau measure):

- tau measure: for every floor a, the least total drop over paths with g_k >= a; tau is the
  best a^2 / drop. The epigraph form makes the max-min smooth for the polish.
- eps measure: the least f(x_0) - inf f over paths whose first K gradients exceed eps and
  whose K-th is at most eps, inf f reached by falling to a flat at the far end (pieces.tail);
  the answer is the largest K within Delta. Envelopes stay at f' >= 0 there (f monotone).

Witnesses are monotone (every g_k > 0, iterates move left) with |f'| <= |f'(x_0)| = M
everywhere, so M is the true sup of |f'| (Z20's M). g_0 = M is searched on a log grid
(scale L0/L1, or L0 when L1 = 0), or fixed by the caller.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.worstcase import pieces as pc

MARGIN = 1e-9  # transitions need dist <= (1 - MARGIN) * length: rounding cannot break them
EPS_GAP = 1e-7  # gradients above eps are >= eps (1 + EPS_GAP); the final one <= eps (1 - it)


def lengths(next_x, grid) -> np.ndarray:
    """Step lengths x - next_x(x) for f' = g on the grid (from x = 0)."""
    return np.array([0.0 - next_x(0.0, 0.0, float(g)) for g in grid])


def drops(L0, L1, grid_from, grid_to, ell, floor) -> np.ndarray:
    """d[i, j]: the least f-drop of a step from f' = grid_from[i] (length ell[i]) to a point
    with f' = grid_to[j]; inf where no (L0,L1)-smooth function joins them."""
    gb = grid_from[:, None]
    ga = grid_to[None, :]
    ln = ell[:, None]
    hi, lo = np.maximum(ga, gb), np.minimum(ga, gb)
    ok = pc.dist(L0, L1, hi, lo) <= (1 - MARGIN) * ln
    with np.errstate(invalid="ignore"):
        d = pc.drop(L0, L1, ga, gb, ln, floor)
    return np.where(ok & np.isfinite(d), d, np.inf)


def tau_path(L0, L1, G, grid, ell, steps):
    """(tau, drop, path of grid indices) maximizing min_k g_k^2 / drop over paths from
    g_0 = G = grid[-1]; tau = inf when some path does not decrease f."""
    n = grid.size
    d = drops(L0, L1, grid, grid, ell, -G)
    V = np.full((n, n), np.inf)  # V[a, j]: least drop to g_k = grid[j] with floor grid[a]
    V[:, -1] = 0.0
    allowed = np.arange(n)[None, :] >= np.arange(n)[:, None]
    args = np.empty((steps, n, n), dtype=np.int32)
    for k in range(steps):
        cand = V[:, :, None] + d[None, :, :]
        args[k] = np.argmin(cand, axis=1)
        V = np.take_along_axis(cand, args[k][:, None, :], axis=1)[:, 0, :]
        V[~allowed] = np.inf
    end = np.argmin(V, axis=1)
    total = V[np.arange(n), end]
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(total > 0, grid**2 / total, np.inf)
    tau[~np.isfinite(total)] = -np.inf
    a = int(np.argmin(total) if total.min() <= 0 else np.argmax(tau))  # no decrease: tau = inf
    path = [int(end[a])]
    for k in range(steps - 1, -1, -1):
        path.append(int(args[k, a, path[-1]]))
    return float(tau[a]), float(total[a]), path[::-1]


def eps_path(L0, L1, grid_up, grid_all, ell, Delta, cap):
    """(K, drop, path of indices into grid_all) for the largest K <= cap such that a path
    from g_0 = grid_up[-1] with g_1..g_{K-1} in grid_up (> eps) and g_K <= eps has
    f(x_0) - inf f <= Delta; None when none does (this g_0 does not fit in Delta).
    ``grid_all`` is grid_up then the values <= eps."""
    n_up = grid_up.size
    d = drops(L0, L1, grid_up, grid_all, ell, 0.0)
    tails = pc.tail(L0, L1, grid_all)
    V = np.full(n_up, np.inf)
    V[-1] = 0.0
    args = []
    best = (0, 0.0, -1)
    for k in range(1, cap + 1):
        cand = V[:, None] + d
        arg = np.argmin(cand, axis=0)
        W = cand[arg, np.arange(grid_all.size)]
        args.append(arg)
        hit = W[n_up:] + tails[n_up:]
        j = int(np.argmin(hit))
        if hit[j] <= Delta:
            best = (k, float(hit[j]), n_up + j)
        V = W[:n_up]
        if not np.min(V + tails[:n_up]) <= Delta:
            break
    K, total, j = best
    if K == 0:
        return None
    path = [j]
    for k in range(K - 1, -1, -1):
        path.append(int(args[k][path[-1]]))
    return K, total, path[::-1]


def polish_tau(L0, L1, next_x, g, G):
    """SLSQP on g_1..g_N (g_0 = G) in the epigraph form: max t s.t. g_k^2 >= t * drop and
    every step feasible, |g_k| <= G. Returns the better of g and the polished path."""
    from scipy.optimize import minimize

    g = np.asarray(g, dtype=float)

    def parts(y):
        seq = np.concatenate([[G], y * G])
        ell = lengths(next_x, seq[:-1])
        total = float(np.sum(pc.drop(L0, L1, seq[1:], seq[:-1], ell, -G)))
        hi, lo = np.maximum(seq[1:], seq[:-1]), np.minimum(seq[1:], seq[:-1])
        slack = (1 - MARGIN) * ell - pc.dist(L0, L1, hi, lo)
        return seq, total, slack / G

    def score(seq, total, slack):
        if not (total > 0 and np.all(slack >= 0) and np.all(np.isfinite(slack))):
            return -np.inf
        return float(np.min(seq**2) / total)

    start = g[1:] / G
    base = score(*parts(start))
    if g.size < 2 or not math.isfinite(base):
        return g
    scale = base

    def cons(z):
        seq, total, slack = parts(z[:-1])
        return np.concatenate([(seq**2 - z[-1] * scale * total) / G**2, slack])

    res = minimize(
        lambda z: -z[-1],
        np.concatenate([start, [1.0]]),
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": cons}],
        bounds=[(1e-6, 1.0)] * start.size + [(0, None)],
        options={"maxiter": 200, "ftol": 1e-14},
    )
    y = np.clip(res.x[:-1], 1e-6, 1.0)
    if score(*parts(y)) > base:
        return np.concatenate([[G], y * G])
    return g


def polish_replay(score, g, G, maxfev: int):
    """Powell on g_1..g_N (as fractions of g_0 = G, in [1e-6, 1]) maximizing ``score(path)``,
    the measure of the method replayed on the witness the path builds (a black box: an
    algorithm's next iterate depends on more than g_k). The better of g and the result."""
    from scipy.optimize import minimize

    g = np.asarray(g, dtype=float)
    base = score(g)
    if g.size < 2 or not math.isfinite(base):
        return g

    def loss(y):
        val = score(np.concatenate([[G], np.clip(y, 1e-6, 1.0) * G]))
        return -val if math.isfinite(val) else (0.0 if val < 0 else -1e300)

    res = minimize(loss, g[1:] / G, method="Powell", bounds=[(1e-6, 1.0)] * (g.size - 1),
                   options={"maxfev": maxfev, "xtol": 1e-8, "ftol": 1e-12})  # fmt: skip
    best = np.concatenate([[G], np.clip(res.x, 1e-6, 1.0) * G])
    return best if score(best) > base else g


def g0_grid(L0, L1, count, lo=1e-2, hi=1e2) -> np.ndarray:
    """Candidate |f'(x_0)| for the tau measure: log grid at the scale L0/L1 (L0 if L1 = 0)."""
    scale = L0 / L1 if L1 > 0 else L0
    return scale * np.geomspace(lo, hi, count)


def g0_max(L0, L1, Delta) -> float:
    """The largest |f'(x_0)| with f(x_0) - inf f <= Delta (pieces.tail, bisection)."""
    lo, hi = 0.0, 1.0
    while pc.tail(L0, L1, hi) <= Delta:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pc.tail(L0, L1, mid) <= Delta else (lo, mid)
    return lo
