"""Sign GD and sign SGD (Crawshaw et al. 2022; Kornilov et al. 2025): x_{k+1} = x_k - eta
sign(g_k), with g_k the run's estimator (``o.sample``: grad f(x_k) with the exact oracle,
the mean of ``batch`` samples otherwise), p = [eta]. sign(0) = 0. The estimator norm is
||g_k||, the step length eta sqrt(#nonzero signs). One gradient-type call per sample.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.methods.algorithm import algorithm, finite, norm


def _init(o, x0, p):
    return (np.empty(o.dim),)


def _step(o, k, x, x_next, state, p):
    est = state[0]
    o.sample(x, est)
    en = norm(est)
    eta = p[0]
    nonzero = 0
    for j in range(x.shape[0]):
        t = est[j]
        if t > 0.0:
            x_next[j] = x[j] - eta
            nonzero += 1
        elif t < 0.0:
            x_next[j] = x[j] + eta
            nonzero += 1
        else:  # 0 or NaN: sign 0 (a NaN estimate shows in the driver's probe)
            x_next[j] = x[j]
    return en, eta * math.sqrt(nonzero), False, finite(x_next)


SIGN = algorithm(_init, _step)
