"""Methods that step along an average of the estimates (THEORY T4): momentum (NSGD-M,
clipped SGD-M), AdaGrad-norm and Adam.

g_k is the run's estimator at x_k (``o.sample``). The rule (steps.RULE_*) is a constant of
each algorithm; the extra values follow the rule's in ``p``.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.methods.algorithm import algorithm, descend, norm
from l0l1.methods.steps import RULES, fixed_step, power_step


def _two(o, x0, p):
    return (np.empty(o.dim), np.zeros(o.dim))


def momentum_algorithm(rule: int):
    """m_k = mu m_{k-1} + (1 - mu) g_k, m_0 = g_0; x_{k+1} = x_k - rule(||m_k||) m_k, with
    mu = p[2] after the rule's two values (NSGD-M: Cutkosky & Mehta 2020; clipped SGD-M)."""
    rule_fn = RULES[rule]

    def step(o, k, x, x_next, state, p):
        est, m = state
        o.sample(x, est)
        if k == 0:
            m[:] = est
        else:
            mu = p[2]
            for j in range(m.shape[0]):
                m[j] = mu * m[j] + (1.0 - mu) * est[j]
        en = norm(m)
        h, clipped = rule_fn(p, en)
        return en, h * en, clipped, descend(x_next, x, h, m)

    return algorithm(_two, step)


def _adagrad_init(o, x0, p):
    return (np.empty(o.dim), np.full(1, p[2] * p[2]))


def _adagrad_step(o, k, x, x_next, state, p):
    """AdaGrad-norm (Ward, Wu & Bottou 2019): b_k^2 = b0^2 + sum_{i<=k} ||g_i||^2 (b0 = p[2]),
    h = gamma / b_k^beta (RULE_POWER with p = [gamma, beta])."""
    est, b_sq = state
    o.sample(x, est)
    en = norm(est)
    b_sq[0] += en * en
    h, clipped = power_step(p, math.sqrt(b_sq[0]))
    return en, h * en, clipped, descend(x_next, x, h, est)


def _adam_init(o, x0, p):
    d = o.dim
    return (np.empty(d), np.zeros(d), np.zeros(d), np.empty(d))


def _adam_step(o, k, x, x_next, state, p):
    """Adam (Kingma & Ba 2015), p = [h, beta1, beta2, delta]: m <- b1 m + (1 - b1) g,
    s <- b2 s + (1 - b2) g^2 from m = s = 0, d <- (m/(1 - b1^(k+1)))/(sqrt(s/(1 - b2^(k+1)))
    + delta) per coordinate; x_{k+1} = x_k - h d."""
    est, m, s2, out = state
    o.sample(x, est)
    b1, b2, delta = p[1], p[2], p[3]
    c1 = 1.0 - b1 ** (k + 1)
    c2 = 1.0 - b2 ** (k + 1)
    for j in range(out.shape[0]):
        m[j] = b1 * m[j] + (1.0 - b1) * est[j]
        s2[j] = b2 * s2[j] + (1.0 - b2) * est[j] * est[j]
        out[j] = (m[j] / c1) / (math.sqrt(s2[j] / c2) + delta)
    en = norm(out)
    h, clipped = fixed_step(p, en)
    return en, h * en, clipped, descend(x_next, x, h, out)


ADAGRAD_NORM = algorithm(_adagrad_init, _adagrad_step)
ADAM = algorithm(_adam_init, _adam_step)
