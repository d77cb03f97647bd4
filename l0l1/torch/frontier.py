"""The estimated (L0, L1) line over a probe's points (THEORY T1 and T6).

T1 asks ||hess f(x)|| <= L0 + L1 ||grad f(x)||; along a trajectory we only see T6's
L_hat_k against ||g_k||, so a line above (most of) those points is an *estimate* of the
pair that the trajectory needs: a lower bound on what the model needs, never certified.
"""

from __future__ import annotations

import math

import numpy as np


def _points(records, y_key):
    g, y = [], []
    for r in records:
        gv, yv = r.get("grad_norm"), r.get(y_key)
        if gv is None or yv is None or not (math.isfinite(gv) and math.isfinite(yv)):
            continue
        g.append(float(gv))
        y.append(float(yv))
    return np.array(g), np.array(y)


def _fit(g, y, q):
    """L0, L1 >= 0 of the q-quantile line of y on g (q = 1: the least upper envelope, i.e.
    min sum(L0 + L1 g_i) subject to L0 + L1 g_i >= y_i), by linear programming."""
    from scipy.optimize import linprog

    n = len(g)
    if q >= 1:
        res = linprog(
            c=[n, float(g.sum())], A_ub=-np.column_stack([np.ones(n), g]), b_ub=-y,
            bounds=[(0, None), (0, None)], method="highs",
        )  # fmt: skip
        return float(res.x[0]), float(res.x[1])
    # pinball loss: y_i - L0 - L1 g_i = u_i - v_i, minimize sum q u_i + (1 - q) v_i
    c = np.concatenate([[0.0, 0.0], np.full(n, q), np.full(n, 1 - q)])
    a_eq = np.hstack([np.ones((n, 1)), g[:, None], np.eye(n), -np.eye(n)])
    res = linprog(c=c, A_eq=a_eq, b_eq=y, bounds=[(0, None)] * (2 + 2 * n), method="highs")
    return float(res.x[0]), float(res.x[1])


def fit_frontier(records, *, quantile: float = 0.95, n_boot: int = 200, level: float = 0.9,
                 seed: int = 0, y: str = "L_hat") -> dict:  # fmt: skip
    """Fit L_hat <= L0 + L1 ||g|| to the probe's records (THEORY T6 points, T1's line).

    The line is the ``quantile`` regression line of ``y`` (``"L_hat"`` or ``"hess_top"``,
    absolute value) on ``grad_norm`` with L0, L1 >= 0 (``quantile=1``: the least upper
    envelope); the interval is the percentile bootstrap at ``level`` over ``n_boot``
    resamples of the points. Returns ``L0, L1, L0_interval, L1_interval, quantile,
    n_points, covered`` (fraction of points under the line), ``label="estimated"``, ``how``.
    """
    if not (isinstance(quantile, (int, float)) and 0 < quantile <= 1):
        raise ValueError(f"quantile: {quantile!r} is not allowed; allowed: a number in (0, 1]")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ValueError(f"level: {level!r} is not allowed; allowed: a number in (0, 1)")
    if y not in ("L_hat", "hess_top"):
        raise ValueError(f"y: {y!r} is not allowed; allowed: 'L_hat' or 'hess_top'")
    g, v = _points(records, y)
    v = np.abs(v)
    if len(g) < 3:
        raise ValueError(
            f"records: {len(g)} usable points (finite grad_norm and {y}); allowed: at least 3"
        )
    L0, L1 = _fit(g, v, quantile)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(int(n_boot)):
        i = rng.integers(0, len(g), len(g))
        boot.append(_fit(g[i], v[i], quantile))
    boot = np.array(boot) if boot else np.array([[L0, L1]])
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    iv = [tuple(float(x) for x in np.quantile(boot[:, j], [lo, hi])) for j in (0, 1)]
    covered = float(np.mean(v <= L0 + L1 * g * (1 + 1e-12) + 1e-300))
    return {
        "L0": L0, "L1": L1, "L0_interval": iv[0], "L1_interval": iv[1], "quantile": quantile,
        "level": level, "n_boot": int(n_boot), "n_points": len(g), "covered": covered,
        "label": "estimated",
        "how": f"{quantile:g}-quantile line of {y} on ||grad|| over {len(g)} probe points "
               f"(THEORY T6), {level:g} bootstrap interval from {int(n_boot)} resamples",
    }  # fmt: skip
