"""Variance-reduced methods (THEORY T5): SPIDER and SPIDER-clip, SARAH (recursive
estimator) and SVRG (anchored estimator).

p = [rule values..., q, S1, S2, exact refresh (0/1)] (:func:`with_sizes`). Every q-th
iteration the estimator is refreshed: v_k = the exact gradient (finite sums, n calls) or
the mean of S1 samples. Otherwise, with the same S2 samples at both points,
v_k = v_{k-1} + (1/S2) sum [g(x_k; xi) - g(x_{k-1}; xi)] (SPIDER/SARAH, F18), or
v_k = mu + (1/S2) sum [g(x_k; xi) - g(x~; xi)] with the anchor x~ and its estimate mu
(SVRG, Johnson & Zhang 2013); 2 S2 calls. Then x_{k+1} = x_k - rule(||v_k||) v_k.
"""

from __future__ import annotations

import numpy as np

from l0l1.methods.algorithm import algorithm, descend, norm


def with_sizes(p, q: int, S1: int, S2: int, exact_refresh: bool) -> np.ndarray:
    """The algorithm's p: the rule's values, then q, S1, S2 and the exact-refresh flag."""
    return np.concatenate([p, [q, S1, S2, float(exact_refresh)]]).astype(np.float64)


def _init(o, x0, p):
    """State: v_k, the sum of differences, x_{k-1} (or the anchor), mu, the next refresh."""
    d = o.dim
    return (np.empty(d), np.empty(d), x0.copy(), np.empty(d), np.zeros(1, np.int64))


def spider_algorithm(rule_fn, anchor: bool):
    """The algorithm stepping by ``rule_fn(p, g) -> (h, clipped)`` (:func:`rules.builtin_rule`,
    :func:`rules.user_rule`); ``anchor``: SVRG's anchored estimator, else SPIDER/SARAH's
    recursive one. The sizes are p's last four values (:func:`with_sizes`)."""

    def step(o, k, x, x_next, state, p):
        est, acc, x_prev, mu, next_refresh = state
        m = p.shape[0]
        q, S1, S2, exact = int(p[m - 4]), int(p[m - 3]), int(p[m - 2]), p[m - 1] != 0.0
        refreshed = k == next_refresh[0]
        if refreshed:
            next_refresh[0] += q
            if exact:
                o.grad(x, est)
            else:
                o.samples(x, est, S1)
            if anchor:
                mu[:] = est
        else:
            o.sample_diff(x, x_prev, acc, S2)
            if anchor:
                for j in range(est.shape[0]):
                    est[j] = mu[j] + acc[j] / S2
            else:
                for j in range(est.shape[0]):
                    est[j] += acc[j] / S2
        if refreshed or not anchor:  # SVRG keeps x_prev at the anchor
            x_prev[:] = x
        en = norm(est)
        h, clipped = rule_fn(p, en)
        return en, h * en, clipped, descend(x_next, x, h, est)

    return algorithm(_init, step)
