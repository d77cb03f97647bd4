"""A method written as an algorithm, seen by the worst-case search (THEORY T6, T8).

The search needs two things of a method: the iterates it produces on a witness, and where it
goes next from the iterates so far. For an algorithm (anything that is not a step rule of
|g|: line search, extrapolation, state) both come from the T6 driver itself, run on the
witness's piece table (:mod:`l0l1.problems.witness`): one compiled kernel per method, fed
any table, so the search replays the real method, queries and all, thousands of times.
"""

from __future__ import annotations

import math

import numpy as np

from l0l1.problems import evaluate, witness
from l0l1.problems.kinds import KIND_PIECES
from l0l1.problems.oracles import ORACLE_EXACT


class Replay:
    """``spec``'s algorithm with schedule values ``p`` on (L0, L1)-witnesses.

    Called as ``next_x(x, f, g, state)`` (the search's step interface): with ``state`` None,
    one step from x on the line through (x, f) with slope g (the method's first step, its
    memoryless surrogate for the dynamic programme); with ``state = (rows, x0, k)``, the
    method's x_{k+1} when run from x0 on the witness ``rows`` (from the right: the pieces
    built so far, f linear left of the last)."""

    exact = False  # x_{k+1} may depend on more than g_k: the search is a heuristic here

    def __init__(self, spec, p, L0: float, L1: float):
        self.spec, self.p = spec, np.ascontiguousarray(p, dtype=np.float64)
        self.v = np.array([float(L0), float(L1)])

    def __call__(self, x, f, g, state=None) -> float:
        if state is None:
            rows, x0, k = [(x, math.inf, f, g, 0.0)], x, 0
        else:
            rows, x0, k = state
        xs, _, _ = self.trajectory(witness.table(rows[::-1]), x0, k + 1)
        return float(xs[k + 1]) if xs.size > k + 1 else math.nan

    def trajectory(self, P, x0: float, steps: int, eps: float = 0.0):
        """(x_k, f(x_k), f'(x_k)) for k = 0..K of the method run from x0 on the
        witness table ``P`` for ``steps`` iterations, stopping early when |f'(x_k)| <= eps
        (K the stop) or a step is not finite (x_K then the last finite iterate)."""
        from l0l1.methods.driver import run_algorithm

        ckpts = np.arange(steps + 1, dtype=np.int64)
        x = np.array([float(x0)])
        out = run_algorithm(
            KIND_PIECES, P, self.v, 0, ORACLE_EXACT, 0.0, 1, self.spec.algorithm, self.p, x,
            float(eps), int(steps), 0, 1, np.random.default_rng(0), ckpts, math.nan, True,
        )  # fmt: skip
        xs = out.iterates[: out.rows + 1, 0]
        xs = xs[np.isfinite(xs)]
        fg = np.array([evaluate.piece_at(P, self.v, t) for t in xs]).reshape(-1, 2)
        return xs, fg[:, 0], fg[:, 1]
