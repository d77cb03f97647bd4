"""GD with Polyak steps (THEORY T3; Polyak 1987): h_k = (f(x_k) - f*)/||g_k||^2.

p = [gamma, beta, f*] with gamma = 1, beta = 2 (RULE_POWER: h = gamma/||g||^beta times the
gap). f(x_k) is asked of the oracle: one function-value call per iteration.
"""

from __future__ import annotations

from l0l1.methods.algorithm import algorithm, descend, norm
from l0l1.methods.algorithms.rules import init
from l0l1.methods.steps import power_step


def _step(o, k, x, x_next, state, p):
    g = state[0]
    o.grad(x, g)
    gn = norm(g)
    h, _ = power_step(p, gn)
    h *= o.value(x) - p[2]
    return gn, h * gn, False, descend(x_next, x, h, g)


POLYAK = algorithm(init, _step)
