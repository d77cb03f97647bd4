"""(L0,L1)-STM-max (THEORY T3): the similar-triangles form of Nesterov's method, exact
gradients (Gorbunov et al. 2024, recalled; G read at y_k: this project's explicit form).

From y_0 = z_0 = x0, A_0 = 0, G_0 = 0, at each k: h_k = rule(||grad f(y_k)||) and
G_{k+1} = max{G_k, 1/h_k} (1/h_k is the local smoothness the rule reads, e.g.
L0 + L1 ||g||); a_{k+1} = (1 + sqrt(1 + 4 G_{k+1} A_k))/(2 G_{k+1}), A_{k+1} = A_k + a_{k+1};
x_{k+1} = (A_k y_k + a_{k+1} z_k)/A_{k+1}; z_{k+1} = z_k - a_{k+1} grad f(x_{k+1});
y_{k+1} = (A_k y_k + a_{k+1} z_{k+1})/A_{k+1}. The iterate is y_k. Two gradients per
iteration, at y_k (which G reads) and at x_{k+1}, each counted (T6). The estimator is
||grad f(x_{k+1})||, the step length ||y_{k+1} - y_k||; ``clipped`` marks the steps k >= 1
whose G grew. A rule step h that is not finite and positive ends the run as "diverged"
(y stays put).
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.methods.algorithm import algorithm, norm


def _init(o, x0, p):
    """State: grad f(y_k), z_k, x_{k+1}, grad f(x_{k+1}) and [A_k, G_k]."""
    d = o.dim
    return (np.empty(d), x0.copy(), np.empty(d), np.empty(d), np.zeros(2))


def stm_algorithm(rule_fn):
    """The algorithm whose G reads ``rule_fn(p, g) -> (h, clipped)`` as 1/h
    (:func:`l0l1.methods.algorithms.rules.builtin_rule`, ``user_rule``)."""

    def step(o, k, x, x_next, state, p):
        gy, z, xa, est, s = state
        o.grad(x, gy)
        gn = norm(gy)
        h, _ = rule_fn(p, gn)
        if not (h > 0.0 and 1.0 / h < math.inf):  # no finite positive 1/h: no step exists
            x_next[:] = x
            return gn, 0.0, False, False
        big_a, big_g = s[0], s[1]
        grown = False
        if 1.0 / h > big_g:
            grown = k > 0  # G_1 is the first reading, not a growth
            big_g = 1.0 / h
        a = (1.0 + math.sqrt(1.0 + 4.0 * big_g * big_a)) / (2.0 * big_g)
        a_next = big_a + a
        for j in range(x.shape[0]):
            xa[j] = (big_a * x[j] + a * z[j]) / a_next
        o.grad(xa, est)
        en = norm(est)
        bad = 0
        moved = 0.0
        for j in range(x.shape[0]):
            z[j] -= a * est[j]
            t = (big_a * x[j] + a * z[j]) / a_next
            moved += (t - x[j]) * (t - x[j])
            x_next[j] = t
            bad |= (t - t) != 0.0
        s[0] = a_next
        s[1] = big_g
        return en, math.sqrt(moved), grown, bad == 0 and math.isfinite(en)

    return algorithm(_init, step)
