"""Bring your own function and your own step rule: constants, runs and a rate fit.

    python examples/custom_problem.py            # about a minute, most of it compiling once
    python examples/custom_problem.py --quick    # fewer targets and seeds

The same objects work from the command line and in sweep files, by entry point (an entry
point may name only a declared problem factory, ``@l0l1.problem``, a Problem, or what
``register_method`` returns; naming the file runs its top-level code, as any import does):

    l0l1 run --problem examples/custom_problem.py:quartic \\
             --method examples/custom_problem.py:polyak --eps 1e-2

1. ``value`` and ``grad``: plain NumPy that Numba compiles (x^4 here: swap in yours);
2. ``l0l1.estimate_constants``: the sampled (L0, L1) frontier (estimated, never certified);
3. ``register_method``: a Polyak-type step rule of our own, run by the same kernels as the
   built-in methods, with exact oracle counts;
4. ``fit_rate``: the slope of iterations against 1/eps with a bootstrap interval.
"""

from __future__ import annotations

import argparse

import numpy as np

from l0l1 import Problem, estimate_constants, problem, register_method, run
from l0l1 import theory as th
from l0l1.experiments.fits import fit_rate

L1 = 1.0  # the L1 we run at (any point of the frontier is valid)


def value(x):
    return np.sum(x**4)


def grad(x):
    return 4.0 * x**3


@problem  # declares the factory: `--problem examples/custom_problem.py:quartic` may call it
def quartic():
    """f(x) = x^4 from callables, with (L0, L1) estimated on the sublevel set of x0 = 3."""
    prob = Problem.from_functions(value, grad, dim=1, name="my_quartic", f_star=0.0, x0=[3.0])
    est = estimate_constants(prob, region=(-4.0, 4.0), x0=[3.0], L1_grid=[0.5, L1, 2.0])
    return prob.with_constants(est.pair(L1))


def polyak_step(p, g):
    """A Polyak-type step: Polyak's h = gamma (f(x) - f*) / g^2 with the gap replaced by
    the (L0, L1) lower bound f(x) - f* >= g^2 / (2 (L0 + L1 g)) (the analogue of the
    L-smooth g^2 / (2L)), so h = gamma / (2 (L0 + L1 g)). p = [gamma, L0, L1]; "clipped"
    when the L1 g term dominates. A step rule sees only the estimator norm g; the classical
    Polyak step, which needs f(x_k), is the built-in ``gd_ps`` (THEORY T3)."""
    return p[0] / (2.0 * (p[1] + p[2] * g)), p[2] * g > p[1]


polyak = register_method(
    "polyak_lb",
    step=polyak_step,
    schedule={"gamma": 1.0, "L0": th.L0, "L1": th.L1},  # numbers or SymPy in l0l1.theory
    label="Polyak (gap lower bound)",
    source="examples/custom_problem.py",
)


def main(argv=None) -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="fewer targets and seeds")
    quick = args.parse_args(argv).quick
    prob = quartic()
    c = prob.constants
    print(f"{prob.name}: (L0, L1) = ({c.L0:.4g}, {c.L1:.4g}); {c.how}")
    targets = [0.1, 0.03, 0.01] if quick else [0.1, 0.05, 0.02, 0.01, 0.005, 0.002]
    for method in ("clipped_gd", "polyak_lb"):
        records = []
        for eps in targets:
            res = run(prob, method, eps=eps, max_iter=2_000_000)
            records.append(res.to_dict())
            print(f"  {method:14s} eps = {eps:<6g} {res.status}: {res.iterations} iterations, "
                  f"{res.oracle_calls} gradient calls")  # fmt: skip
        fit = fit_rate(records, x="1/eps", y="iterations", n_boot=500)
        print(f"{method}: iterations ~ (1/eps)^s, {fit.label()} {fit.notes()}".rstrip())


if __name__ == "__main__":
    main()
