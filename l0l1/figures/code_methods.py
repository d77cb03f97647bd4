"""Methods written only as algorithms (issue 26): Armijo GD, sign GD, normalized heavy ball,
AdGD and sign SGD (docs/theory.md, T3 "Methods written only as algorithms").

One panel per problem, oracle calls (gradient and function-value calls together, T6)
against 1/eps: x^4 from x0 = 1.5 to ||grad f|| <= eps for ``armijo_gd`` (which also pays
its function values), ``sign_gd`` and ``normalized_hb``; the logistic loss to the gap
f - f* <= eps for ``adgd`` with ``l0l1_gd`` for reference; x^4 with bounded noise (tau = 1)
for ``sign_sgd`` with ``sgd`` for reference. None of them has a bound here; the exponents
(:data:`RATES`) are the worst-case ones of their classes: eps^-2 (T3, nonconvex, exact
gradients), eps^-1 (convex gap, Gorbunov et al. 2024 v2, recalled), eps^-4 (T4).
"""

from __future__ import annotations

from l0l1.figures.draw import rate_panels
from l0l1.figures.spec import X4, FigureSpec, pick, slopes

NAME = "code_methods_vs_eps"
RATES = {"armijo_gd": 2, "sign_gd": 2, "normalized_hb": 2, "adgd": 1, "l0l1_gd": 1,
         "sign_sgd": 4, "sgd": 4}  # fmt: skip
X4_PROBLEM = {"name": "polynomial", "params": {"coeffs": X4, "L1": 1.0}, "x0": [1.5]}


def sweeps(scale: str) -> list[dict]:
    """Three small sweeps (one seed where the run is deterministic)."""
    det_eps = pick(scale, [0.1, 0.01], [0.1, 0.03, 0.01, 0.003, 0.001],
                   [0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4])  # fmt: skip
    gap_eps = pick(scale, [1e-2, 1e-3], [1e-2, 3e-3, 1e-3, 3e-4, 1e-4],
                   [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5])  # fmt: skip
    sto_eps = pick(scale, [0.4, 0.2], [0.4, 0.28, 0.2, 0.14, 0.1],
                   [0.4, 0.28, 0.2, 0.14, 0.1, 0.07, 0.05])  # fmt: skip
    return [
        {"name": "code_det", "eps": det_eps, "seeds": [0], "budget": {"max_iter": 10**7},
         "problems": [{**X4_PROBLEM, "label": "x^4 (L1 = 1), x0 = 1.5"}],
         "methods": [{"name": m} for m in ("armijo_gd", "sign_gd", "normalized_hb")]},
        {"name": "code_gap", "eps": gap_eps, "seeds": [0], "budget": {"max_iter": 10**7},
         "problems": [{"name": "logistic", "label": "logistic, a = (1, 2), x0 = 0 (gap)",
                       "params": {"a": [1.0, 2.0]}, "x0": [0.0, 0.0]}],
         "methods": [{"name": "adgd"}, {"name": "l0l1_gd"}]},
        {"name": "code_sign_sgd", "eps": sto_eps, "seeds": pick(scale, 2, 3, 8),
         "budget": {"max_iter": 10**6, "max_calls": 10**8},
         "problems": [{**X4_PROBLEM, "label": "x^4, bounded noise tau = 1, x0 = 1.5"}],
         "methods": [{"name": "sign_sgd"}, {"name": "sgd"}]},
    ]  # fmt: skip


def draw(data: dict, out, scale: str):
    return rate_panels(
        data["code_methods"], out, NAME, x="1/eps", y="oracle_calls_at_hit", rates=RATES,
        xlabel="1/eps (target ||grad f|| <= eps; gap for AdGD)",
        ylabel="oracle calls (gradients + function values)",
        theory="worst case of the class: eps^-2 (T3), eps^-1 convex gap (Gorbunov et al. "
               "2024 v2, recalled), eps^-4 (T4); no bound for these methods",
        caption=(
            "Methods that are code, not a step rule (issue 26), against 1/eps; oracle calls "
            "count gradients and function values together (T6). Left: Armijo GD reads no "
            "constant and pays one function value per trial point; sign GD and normalized "
            "heavy ball take steps of length ~eps/(2(L0 + L1 eps)) (this project's choice), "
            "so their counts grow like the distance over that step. Middle: AdGD's steps "
            "follow the local curvature from the last two gradients, against (L0,L1)-GD, "
            "measured by the gap f - f*. Right: sign SGD with the same step against SGD "
            "under bounded noise. The exponents are the worst cases of each class; "
            "these methods have no bound here."
        ),
    )  # fmt: skip


def holds(method: str, slope: float, rate: float) -> bool:
    """A worst-case rate: each slope at most the exponent + 0.1."""
    return slope <= rate + 0.1


def measured_vs_theory(summary: dict):
    """The slopes against their classes' worst-case exponents (:data:`RATES`)."""
    return slopes(summary, NAME, holds)


FIGURE = FigureSpec("code_methods", NAME, ("T3", "T4"), sweeps, draw, measured_vs_theory)
