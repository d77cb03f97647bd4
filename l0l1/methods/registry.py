"""The methods users can name: one entry each, holding everything about it (THEORY T3-T5).

A :class:`MethodSpec` holds the kernel family, the step rule, the rule's parameter layout,
the schedule (constants -> parameters), the theory's bound with its text, the bound that
picks L1 on a frontier, the default budget and its flags. Adding a method touches its
entry here (and its test); nothing else switches on method names.

Your own method comes in through the same door, :func:`register_method`; so does the
built-in ``v24_si`` (its rule is a jitted function like a user's), so that door is tested
by every run of the built-ins.

    >>> import numpy as np
    >>> from numba import njit
    >>> from l0l1 import register_method
    >>> @njit
    ... def half_normalized(p, g):          # h = p[0] / (1 + g): (h, clipped)
    ...     return p[0] / (1.0 + g), g > 1.0
    >>> spec = register_method("half_normalized", step=half_normalized,
    ...                        schedule={"eta": 0.1}, replace=True)
    >>> spec.param_names, spec.stochastic
    (('eta',), False)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from l0l1.methods import steps
from l0l1.methods.algorithms import averaged, polyak
from l0l1.validate import InputError, did_you_mean

TARGETS = ("grad", "gap")  # the hitting tests of T6
ESTIMATORS = ("exact", "sample", "spider", "accelerated")  # -> (family, stochastic) below
_FAMILY = {"exact": ("single", False), "sample": ("single", True), "spider": ("spider", True),
           "accelerated": ("accelerated", False)}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class MethodSpec:
    """A method and everything its runs need.

    ``family`` is the kernel ("single": one estimator per step; "spider": F18's
    estimator; "accelerated": the similar triangles, whose rule gives 1/G_k), each an
    algorithm (``algorithm``, :mod:`l0l1.methods.algorithms`) run by the T6 driver;
    ``rule`` a built-in rule's integer (steps.RULE_*) or a JitCode token of a
    jitted ``step(p, g) -> (h, clipped)``; ``param_names`` the layout of ``p``;
    ``schedule(inputs, finite)`` the named values (for "spider" also q, S1, S2);
    ``bound(inputs)`` the theory's iteration bound (None: none given) described by
    ``bound_text``; ``selection(inputs)`` what picking L1 on a frontier minimizes (T2);
    ``budget(inputs)`` the default iteration budget when the theory fixes one (T5's K);
    ``notes`` assumptions every run of the method carries; ``target`` the hitting test,
    "grad" (||grad f(x_k)|| <= eps) or "gap" (f(x_k) - f* <= eps, for convex results).
    """

    name: str
    family: str
    rule: object
    param_names: tuple[str, ...]
    stochastic: bool
    source: str
    label: str
    schedule: Callable
    bound: Callable | None = None
    bound_text: str = ""
    selection: Callable | None = None
    budget: Callable | None = None
    needs_positive_L0: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    builtin: bool = True
    code_key: str = ""  # a user method's code hash (part of its store keys); "" for built-ins
    anchor: bool = False  # family "spider" only: SVRG's anchor-difference estimator
    algorithm_values: tuple[str, ...] = ()  # the algorithm's own values, after the rule's in p
    choices: dict = field(default_factory=dict)  # free parameter -> (default, low, high)
    target: str = "grad"  # the hitting test (T6): ||grad f|| <= eps, or "gap": f - f* <= eps
    algorithm: object = None  # the JitCode token of its init/step code (methods.algorithm)

    def choice(self, key: str, val, field: str) -> float:
        """The value ``val`` of choice ``key`` as a float; a one-line error naming ``field``
        when it is not a number in the choice's range."""
        _, lo, hi = self.choices[key]
        num = val if isinstance(val, int | float) and not isinstance(val, bool) else None
        if num is None or not lo <= num <= hi:
            raise InputError(
                f"{field}: {val!r} is not allowed for {self.name}; allowed: a number "
                f"in [{lo:g}, {hi:g}]"
            )
        return float(num)

    def chosen(self, overrides: dict | None) -> tuple[dict, dict]:
        """(the choices with the overridden ones in place, the other overrides). A choice is
        a free parameter of the method (beta of beta-normalized GD): the schedule and bound
        are evaluated at it, so overriding it keeps the theory's bound."""
        values = {k: d for k, (d, _, _) in self.choices.items()}
        rest = {}
        for key, val in (overrides or {}).items():
            if key in self.choices:
                values[key] = self.choice(key, val, f"override {key}")
            else:
                rest[key] = val
        return values, rest

    def schedule_at(self, i, finite: bool, choices: dict) -> dict:
        """The schedule's named values at inputs ``i`` and the ``choices`` (:meth:`chosen`)."""
        if self.choices:
            return dict(self.schedule(i, finite, **choices))
        return dict(self.schedule(i, finite))

    def bound_at(self, i, choices: dict | None = None) -> float | None:
        """The bound at inputs ``i`` and the ``choices`` (their defaults when None)."""
        if self.bound is None:
            return None
        if not self.choices:
            return self.bound(i)
        return self.bound(i, **(choices or self.chosen(None)[0]))

    def selection_at(self, i, choices: dict | None = None) -> float:
        """What picking L1 minimizes (T2 'Choosing L1'): ``selection``, else ``bound`` (at
        the ``choices``), else the default :func:`default_selection` (L0 + L1 M)."""
        if self.selection is not None:
            return self.selection(i)
        if self.bound is None:
            return default_selection(i)
        bound = self.bound_at(i, choices)
        return math.inf if bound is None else bound

    def selection_text(self) -> str:
        """In words, what :meth:`selection_at` minimizes (for the run's note)."""
        if self.selection is not None:
            return f"{self.name}'s selection"
        if self.bound is None:
            return f"{DEFAULT_SELECTION_TEXT} ({self.name} gives neither bound nor selection)"
        return f"{self.name}'s bound" + (f" ({self.bound_text})" if self.bound_text else "")


DEFAULT_SELECTION_TEXT = "the default L0 + L1 M, the largest step-size denominator (Z20 Thm 6)"


def default_selection(i) -> float:
    """L0 + L1 M: the denominator of Z20 Thm 6's GD step 1/(2 (L0 + L1 M)) and the largest
    value of L0 + L1 ||grad f|| on {f <= f(x0)} (T3), which every (L0,L1) step rule
    (clipped, normalized, V24's, smoothed) divides by at its smallest step. Minimizing it
    over the frontier gives the largest worst-case step, hence the fewest iterations that
    T3's GD bound 4 (L0 + L1 M) Delta / eps^2 promises, for a rule with no bound of its own.
    """
    return i.L0 + i.L1 * i.M


# --- building blocks of the built-in entries (theory expressions evaluated lazily) ---------


def _th(name: str, **extra) -> Callable:
    """inputs -> the theory expression ``l0l1.theory.<name>`` evaluated at them."""

    def at(i, **more):
        from l0l1 import schedules
        from l0l1 import theory as th

        return schedules.evaluate(getattr(th, name), i, **extra, **more)

    at.__qualname__ = f"theory.{name}"
    return at


def _v24_bound(a: str) -> Callable:
    def at(i):
        from l0l1 import schedules
        from l0l1 import theory as th

        return schedules.evaluate(th.v24_bound(th.V24_A[a]), i)

    return at


def _values(**parts) -> Callable:
    """schedule(inputs, finite) from named parts: a theory function or an Inputs field."""

    def schedule(i, finite):
        return {k: (getattr(i, v) if isinstance(v, str) else v(i)) for k, v in parts.items()}

    return schedule


def _spider_schedule(i, finite):
    from l0l1 import schedules

    values = {"L": i.L0 + i.L1 * i.M, "n0": float(i.n0), "eps": i.eps}
    values.update(schedules.f18_sizes(i, finite))
    return values


def _bngd_schedule(i, finite, beta):
    """Chen et al.'s beta-normalized GD at power ``beta``: gamma from T3 (derived)."""
    return {"gamma": _th("BNGD_GAMMA")(i, beta=beta), "beta": beta}


def _bngd_bound(i, beta):
    return _th("BNGD_BOUND")(i, beta=beta)


def _momentum_schedule(**parts) -> Callable:
    """A momentum method's schedule: ``parts`` (theory names or numbers) with "momentum"
    = 1 - alpha from the part "alpha"; "L" = L0 + L1 M where a part reads it."""

    def schedule(i, finite):
        L = i.L0 + i.L1 * i.M
        out = {k: (v if isinstance(v, float) else _th(v)(i, L=L)) for k, v in parts.items()}
        out["momentum"] = 1.0 - out.pop("alpha")
        return out

    return schedule


def _vr_schedule(h_factor, finite_q, finite_S2):
    """SVRG/SARAH sizes: L = L0 + L1 M (the project's heuristic, as for SPIDER), h =
    h_factor / L; finite sum: exact refresh, q = finite_q(n), S2 = finite_S2(n); online:
    F18's online S1 with q = S2 = ceil(sqrt(S1)) (this project's choice)."""

    def schedule(i, finite):
        from l0l1 import schedules

        L = i.L0 + i.L1 * i.M
        values = {"h": h_factor / L if L > 0 else math.inf}
        if finite:
            values.update({"q": max(1.0, finite_q(i.n)), "S1": i.n, "S2": max(1.0, finite_S2(i.n))})
        else:
            S1 = schedules.f18_sizes(i, False)["S1"]
            r = max(1.0, math.ceil(math.sqrt(S1))) if math.isfinite(S1) else math.inf
            values.update({"q": r, "S1": S1, "S2": r})
        return values

    return schedule


def _spider_clip_schedule(i, finite):
    from l0l1 import schedules

    values = {"L0": i.L0, "L1": i.L1, "n0": float(i.n0), "eps": i.eps}
    values.update(schedules.t5_sizes(i, finite))
    return values


def _spider_clip_K(i):
    """T5: the noiseless K when sigma = 0, else K = ceil(4 n0 L0 Delta / eps^2)."""
    if i.sigma == 0:
        return _th("SPIDER_CLIP_K_NOISELESS")(i)
    return float(math.ceil(_th("SPIDER_CLIP_K_MIN")(i)))


def _spider_clip_bound(i):
    return _spider_clip_K(i) if i.sigma == 0 else None


def _polyak_bound(i):
    """T3's GD-PS bound (derived), where R is known (convex problems)."""
    return _th("POLYAK_BOUND")(i) if math.isfinite(i.R) else None


def _spider_selection(i):
    return _th("SPIDER_K")(i, L=i.L0 + i.L1 * i.M)


_L0_L1 = {"L0": "L0", "L1": "L1"}
_HEURISTIC_L = "{} needs a global L; L = L0 + L1 M is a heuristic on (L0,L1) problems"


def _code_methods() -> tuple[MethodSpec, ...]:
    """Methods written only as algorithms (issue 26; :mod:`l0l1.methods.algorithms`): Armijo
    GD, AdGD, sign GD / SGD and normalized heavy ball. Their schedules are this project's
    choices (docs/theory.md); none has a bound here."""
    from l0l1.methods.algorithms import adgd, armijo, normalized_hb, sign

    sign_eta = _values(eta=lambda i: i.eps / (2.0 * (i.L0 + i.L1 * i.eps)))
    sign_src = ("Crawshaw et al. 2022; Kornilov et al. 2025 (rule, recalled); eta = "
                "eps/(2 (L0 + L1 eps)): this project's choice, no bound")  # fmt: skip
    return (
        MethodSpec(
            name="armijo_gd", family="single", rule=None, param_names=("h0", "rho", "c"),
            stochastic=False, label="Armijo GD", algorithm=armijo.ARMIJO,
            source="Hübler et al. 2024 (deterministic Armijo GD, recalled); h0 = 1, rho = 1/2, "
            "c = 1e-4: this project's choice, no bound",
            schedule=_values(h0=lambda i: 1.0, rho=lambda i: 0.5, c=lambda i: 1e-4),
        ),
        MethodSpec(
            name="adgd", family="single", rule=None, param_names=("lambda0",),
            stochastic=False, label="AdGD", algorithm=adgd.ADGD, target="gap",
            source="Malitsky & Mishchenko 2020 Alg. 1 (stated); convex (L0,L1) rate in "
            "Gorbunov et al. 2024 v2 (recalled); lambda0 = 1/(2 (L0 + L1 M)): this "
            "project's choice", schedule=_values(lambda0=_th("GD_STEP")),
        ),
        MethodSpec(
            name="sign_gd", family="single", rule=None, param_names=("eta",), stochastic=False,
            label="sign GD", algorithm=sign.SIGN, source=sign_src, schedule=sign_eta,
        ),
        MethodSpec(
            name="sign_sgd", family="single", rule=None, param_names=("eta",), stochastic=True,
            label="sign SGD", algorithm=sign.SIGN, source=sign_src, schedule=sign_eta,
        ),
        MethodSpec(
            name="normalized_hb", family="single", rule=None, param_names=("eta", "beta"),
            stochastic=False, label="normalized HB", algorithm=normalized_hb.NORMALIZED_HB,
            source="Polyak 1964 (heavy ball) on the normalized direction; beta = 1/2, eta = "
            "(1 - beta) eps/(2 (L0 + L1 eps)): this project's choice, no bound",
            schedule=_values(eta=lambda i: 0.5 * sign_eta(i, False)["eta"], beta=lambda i: 0.5),
        ),
    )  # fmt: skip


_CODE_METHODS = _code_methods()


METHODS: dict[str, MethodSpec] = {
    m.name: m
    for m in (
        MethodSpec(
            name="gd",
            family="single",
            rule=steps.RULE_FIXED,
            param_names=("h",),
            stochastic=False,
            source="T3; Z20 Thm 6",
            label="GD",
            schedule=_values(h=_th("GD_STEP")),
            bound=_th("GD_BOUND"),
            bound_text="Z20 Thm 6: 4 (L0 + L1 M) Delta / eps^2",
        ),
        MethodSpec(
            name="clipped_gd",
            family="single",
            rule=steps.RULE_CLIP,
            param_names=("eta_c", "gamma"),
            stochastic=False,
            source="T3; Z20 Thm 3",
            label="clipped GD",
            schedule=_values(eta_c=_th("CLIP_ETA"), gamma=_th("CLIP_GAMMA")),
            bound=_th("CLIP_BOUND"),
            bound_text="Z20 Thm 3: 20 L0 D/eps^2 + 20 max(1,L1^2) D/L0",
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="normalized_gd",
            family="single",
            rule=steps.RULE_NORMALIZED,
            param_names=("eta_n", "beta"),
            stochastic=False,
            source="T3; Z20",
            label="normalized GD",
            schedule=_values(eta_n=_th("NGD_ETA"), beta=_th("NGD_BETA")),
            bound=_th("NGD_BOUND"),
            bound_text="T3 (derived): 26 L0 D/eps^2 + 26 max(1,L1^2) D/L0",
            needs_positive_L0=True,
        ),
        # v24_si: registered below through register_method, the users' door.
        MethodSpec(
            name="v24_cl",
            family="single",
            rule=steps.RULE_V24_CL,
            param_names=("L0", "L1"),
            stochastic=False,
            source="T3; V24",
            label="V24 h_cl",
            schedule=_values(**_L0_L1),
            bound=_v24_bound("v24_cl"),
            bound_text="V24: 2 L0 D/(a eps^2) + 3 L1 D/(a eps), a = 1/2",
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="v24_star",
            family="single",
            rule=steps.RULE_V24_STAR,
            param_names=("L0", "L1"),
            stochastic=False,
            source="T3; V24",
            label="V24 h*",
            schedule=_values(**_L0_L1),
            bound=_v24_bound("v24_star"),
            bound_text="V24: 2 L0 D/(a eps^2) + 3 L1 D/(a eps), a = 1",
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="smoothed_clip",
            family="single",
            rule=steps.RULE_SMOOTH,
            param_names=("L0", "L1", "nu"),
            stochastic=False,
            source="T3; Gorbunov et al. 2024",
            label="smoothed clipping",
            schedule=_values(**_L0_L1, nu=_th("SMOOTH_NU")),
            selection=_v24_bound("v24_si"),
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="sgd",
            family="single",
            rule=steps.RULE_FIXED,
            param_names=("h",),
            stochastic=True,
            source="T4; Z20 Thm 8",
            label="SGD",
            schedule=_values(h=_th("SGD_STEP")),
            selection=_th("CLIP_BOUND"),
        ),
        MethodSpec(
            name="clipped_sgd",
            family="single",
            rule=steps.RULE_CLIP_SGD,
            param_names=("L1", "tau", "eta"),
            stochastic=True,
            source="T4; Z20 Thm 7 (corrected first branch)",
            label="clipped SGD",
            schedule=_values(L1="L1", tau="tau", eta=_th("CLIP_SGD_ETA")),
            selection=_th("CLIP_BOUND"),
        ),
        MethodSpec(
            name="spider",
            family="spider",
            rule=steps.RULE_SPIDER,
            param_names=("L", "n0", "eps"),
            stochastic=True,
            source="T5; F18",
            label="SPIDER",
            schedule=_spider_schedule,
            selection=_spider_selection,
            notes=("F18 needs a global L; L = L0 + L1 M is a heuristic on (L0,L1) problems",),
        ),
        MethodSpec(
            name="spider_clip",
            family="spider",
            rule=steps.RULE_SPIDER_CLIP,
            param_names=("L0", "L1", "n0", "eps"),
            stochastic=True,
            source="T5; R23, this project's schedule",
            label="SPIDER-clip",
            schedule=_spider_clip_schedule,
            bound=_spider_clip_bound,
            bound_text="T5 noiseless K: min_k ||grad f(x_k)|| <= 2 eps",
            selection=_th("SPIDER_CLIP_K_NOISELESS"),
            budget=_spider_clip_K,
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="svrg",
            family="spider",
            rule=steps.RULE_FIXED,
            param_names=("h",),
            stochastic=True,
            source="Johnson & Zhang 2013; Reddi et al. 2016 (h = 1/(3L), S2 = n^(2/3), q = n^(1/3),"
            " recalled); L = L0 + L1 M is this project's heuristic",
            label="SVRG",
            schedule=_vr_schedule(
                1.0 / 3.0, lambda n: math.floor(n ** (1 / 3)), lambda n: math.ceil(n ** (2 / 3))
            ),
            anchor=True,
            notes=(_HEURISTIC_L.format("SVRG"),),
        ),
        MethodSpec(
            name="sarah",
            family="spider",
            rule=steps.RULE_FIXED,
            param_names=("h",),
            stochastic=True,
            source="Nguyen et al. 2017; SpiderBoost (Wang et al. 2019: h = 1/(2L), q = S2 = "
            "sqrt(n), recalled); L = L0 + L1 M is this project's heuristic",
            label="SARAH",
            schedule=_vr_schedule(
                0.5, lambda n: math.ceil(math.sqrt(n)), lambda n: math.ceil(math.sqrt(n))
            ),
            notes=(_HEURISTIC_L.format("SARAH"),),
        ),
        # Methods since the seeds (issue 13), after the seeds' ones: colours stay put.
        MethodSpec(
            name="beta_normalized_gd",
            family="single",
            rule=steps.RULE_POWER,
            param_names=("gamma", "beta"),
            stochastic=False,
            source="T3; Chen et al. 2023 (rule); gamma and bound: this project's derivation",
            label="beta-normalized GD",
            schedule=_bngd_schedule,
            bound=_bngd_bound,
            bound_text="T3 (derived): 4 D max{psi(eps), psi(M)}/eps^(2-beta), "
            "psi(x) = L0 x^-beta + L1 x^(1-beta)",
            choices={"beta": (0.5, 0.0, 1.0)},
        ),
        MethodSpec(
            name="nsgd_m",
            family="single",
            rule=steps.RULE_POWER,
            param_names=("gamma", "beta"),
            stochastic=True,
            source="T4; Cutkosky & Mehta 2020 (recalled); L = L0 + L1 M is this project's "
            "heuristic",
            label="NSGD-M",
            schedule=_momentum_schedule(gamma="NSGDM_ETA", beta=1.0, alpha="NSGDM_ALPHA"),
            algorithm=averaged.momentum_algorithm(steps.RULE_POWER),
            algorithm_values=("momentum",),
            notes=(_HEURISTIC_L.format("NSGD-M's tuning"),),
        ),
        MethodSpec(
            name="nsgd_m_agnostic",
            family="single",
            rule=steps.RULE_POWER,
            param_names=("gamma", "beta"),
            stochastic=True,
            source="T4; Hübler et al. 2024 (recalled, constant-horizon form)",
            label="NSGD-M (agnostic)",
            schedule=_momentum_schedule(
                gamma="NSGDM_AGNOSTIC_ETA", beta=1.0, alpha="NSGDM_AGNOSTIC_ALPHA"
            ),
            algorithm=averaged.momentum_algorithm(steps.RULE_POWER),
            algorithm_values=("momentum",),
        ),
        MethodSpec(
            name="clipped_sgd_m",
            family="single",
            rule=steps.RULE_CLIP,
            param_names=("eta_c", "gamma"),
            stochastic=True,
            source="T4; ZJFW20's form (recalled); schedule: this project's choice",
            label="clipped SGD-M",
            schedule=_momentum_schedule(
                eta_c="CLIP_SGDM_ETA", gamma="CLIP_SGDM_GAMMA", alpha="CLIP_SGDM_ALPHA"
            ),
            algorithm=averaged.momentum_algorithm(steps.RULE_CLIP),
            algorithm_values=("momentum",),
            needs_positive_L0=True,
        ),
        MethodSpec(
            name="adagrad_norm",
            family="single",
            rule=steps.RULE_POWER,
            param_names=("gamma", "beta"),
            stochastic=True,
            source="T4; Ward, Wu & Bottou 2019 (rule); schedule: this project's choice",
            label="AdaGrad-norm",
            schedule=_values(gamma=_th("ADAGRAD_ETA"), beta=lambda i: 1.0, b0=_th("ADAGRAD_B0")),
            algorithm=averaged.ADAGRAD_NORM,
            algorithm_values=("b0",),
        ),
        MethodSpec(
            name="adam",
            family="single",
            rule=steps.RULE_FIXED,
            param_names=("h",),
            stochastic=True,
            source="T4; Kingma & Ba 2015 (rule), Li, Rakhlin & Jadbabaie 2023 (convergence under "
            "relaxed smoothness, recalled); schedule: this project's choice",
            label="Adam",
            schedule=_values(
                h=_th("ADAM_ETA"),
                momentum=lambda i: 0.9,
                momentum2=lambda i: 0.999,
                delta=lambda i: 1e-8,
            ),
            algorithm=averaged.ADAM,
            algorithm_values=("momentum", "momentum2", "delta"),
        ),
        MethodSpec(
            name="clipped_sgd_c",
            family="single",
            rule=steps.RULE_CLIP,
            param_names=("eta_c", "gamma"),
            stochastic=True,
            source="T4; Koloskova et al. 2023 (x - eta min{1, c/||g||} g; c = gamma); eta = "
            "1/(2 (L0 + L1 M)), c = sigma + eps: this project's choice",
            label="clipped SGD (c)",
            schedule=_values(eta_c=_th("GD_STEP"), gamma=lambda i: i.sigma + i.eps),
        ),
        # Convex (L0,L1)-smooth problems, measured by the gap f - f* (T3, T6).
        MethodSpec(
            name="gd_ps",
            family="single",
            rule=steps.RULE_POWER,
            param_names=("gamma", "beta"),
            stochastic=False,
            source="T3; Polyak 1987 (rule), Gorbunov et al. 2024 (convex (L0,L1) rate, recalled); "
            "bound: this project's derivation",
            label="GD-PS (Polyak)",
            schedule=_values(gamma=lambda i: 1.0, beta=lambda i: 2.0, f_star="f_star"),
            bound=_polyak_bound,
            bound_text="T3 (derived): 16(e-2) L0 R^2/eps + 128(e-2)^2 L1^2 R^2 to f - f* <= eps",
            selection=lambda i: 0.0,
            algorithm=polyak.POLYAK,
            algorithm_values=("f_star",),
            target="gap",
        ),
        MethodSpec(
            name="l0l1_gd",
            family="single",
            rule=steps.RULE_SMOOTH,
            param_names=("L0", "L1", "nu"),
            stochastic=False,
            source="T3; Gorbunov et al. 2024 ((L0,L1)-GD, eta = nu/2; convex rate recalled)",
            label="(L0,L1)-GD",
            schedule=_values(**_L0_L1, nu=_th("SMOOTH_NU")),
            selection=_v24_bound("v24_si"),
            needs_positive_L0=True,
            target="gap",
        ),
        MethodSpec(
            name="stm_max",
            family="accelerated",
            rule=steps.RULE_SMOOTH,
            param_names=("L0", "L1", "nu"),
            stochastic=False,
            source="T3; Gorbunov et al. 2024 ((L0,L1)-STM-max, recalled; G from "
            "||grad f(y_k)||: this project's explicit form)",
            label="(L0,L1)-STM-max",
            schedule=_values(**_L0_L1, nu=lambda i: 2.0),
            selection=_v24_bound("v24_si"),
            needs_positive_L0=True,
            target="gap",
        ),
        *_CODE_METHODS,
    )
}


def get_method(name) -> MethodSpec:
    """The method called ``name`` (or the entry point ``module:name``, see
    :mod:`l0l1.entrypoints`, or a MethodSpec itself); a one-line InputError suggesting the
    closest name otherwise."""
    if isinstance(name, MethodSpec):
        return name
    if name in METHODS:
        return METHODS[name]
    from l0l1 import entrypoints

    if entrypoints.is_entry_point(name):
        return entrypoints.method(name)
    hint = did_you_mean(name, METHODS)
    raise InputError(f"method: {name!r} is unknown{hint}; allowed: {', '.join(METHODS)}")


def register_method(
    name: str,
    step,
    *,
    schedule,
    init=None,
    params: tuple[str, ...] | None = None,
    estimator: str = "exact",
    bound=None,
    bound_text: str = "",
    selection=None,
    label: str | None = None,
    source: str = "user",
    needs_positive_L0: bool = False,
    target: str = "grad",
    replace: bool = False,
) -> MethodSpec:
    """Register a method: your algorithm (``init`` and ``step``), or a step rule ``step``.

    With ``init``, the method is an algorithm written against the oracle
    (:mod:`l0l1.methods.algorithm`): ``init(o, x0, p) -> state`` and
    ``step(o, k, x, x_next, state, p) -> (estimator_norm, step_length, clipped, ok)``, free
    to ask ``o.grad``, ``o.value``, ``o.sample`` ... at any point, as often as it likes
    (every call counted); ``estimator`` is then "exact" (deterministic) or "sample" (its
    ``o.sample`` draws from the run's stochastic oracle). See ``examples/armijo.py``.

    Without ``init``, ``step(p, g) -> (h, clipped)`` is a jitted step rule:
    ``p`` is a float64 array of the rule's parameters, ``g`` the estimator norm; ``h`` is
    the step size (x <- x - h * estimator) and ``clipped`` whether a clipping branch was
    active (counted in the run's clip statistics). ``estimator`` picks the kernel:
    "exact" (full gradients), "sample" (the stochastic oracle, SGD-like), "spider"
    (F18's estimator; the schedule must then also give q, S1 and S2) or "accelerated"
    (the similar triangles of :mod:`l0l1.methods.algorithms.stm`, where 1/h is the local
    smoothness G_k).
    ``schedule``: a dict name -> value, where a value is a number, a SymPy expression in
    the symbols of :mod:`l0l1.theory` (L0, L1, Delta, M, eps, sigma, tau, n, n0, T, R), or a
    function of the run's :class:`l0l1.schedules.Inputs`; the dict's order is the layout
    of ``p``. Or a function ``(inputs, finite) -> dict``, with the layout in ``params``.
    ``bound``: the iterations the theory promises (SymPy expression or function of the
    inputs), or None. ``selection``: what picking L1 on a polynomial's frontier minimizes
    when the user does not fix L1 (T2 'Choosing L1'; a SymPy expression or function of the
    inputs, like ``bound``); None: the bound, and without a bound the default L0 + L1 M
    (:func:`default_selection`). A candidate whose value is inf or NaN never wins; when
    every candidate's is, the default decides, and the run's notes say so. ``target``: the
    hitting test (T6), "grad" (||grad f|| <= eps) or "gap" (f - f* <= eps, for convex
    results; the schedule may read ``f_star`` and ``R``). After registration the method
    runs in ``run``, sweeps, fits and figures like a built-in one (in this process; a sweep
    imports the module that registers it, see the ``module:function`` entry points).
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"name: {name!r} is not allowed; allowed: a Python identifier")
    if name in METHODS and METHODS[name].builtin:
        raise InputError(f"name: {name!r} is a built-in method; allowed: a new name")
    spec = method_spec(
        name, step, schedule=schedule, init=init, params=params, estimator=estimator,
        bound=bound, bound_text=bound_text, selection=selection, label=label, source=source,
        needs_positive_L0=needs_positive_L0, target=target,
    )  # fmt: skip
    if name in METHODS and not replace and METHODS[name].code_key != spec.code_key:
        raise InputError(
            f"name: {name!r} is already registered with other code; allowed: a new name or "
            "replace=True"
        )
    METHODS[name] = spec  # the same code again (a module imported twice) is no conflict
    return spec


def method_spec(
    name: str,
    step,
    *,
    schedule,
    init=None,
    params=None,
    estimator: str = "exact",
    bound=None,
    bound_text: str = "",
    selection=None,
    label: str | None = None,
    source: str = "user",
    needs_positive_L0: bool = False,
    builtin: bool = False,
    target: str = "grad",
) -> MethodSpec:
    """The MethodSpec that :func:`register_method` registers (validated, step compiled)."""
    from l0l1 import usercode

    if target not in TARGETS:
        hint = did_you_mean(target, TARGETS)
        raise InputError(f"target: {target!r} is unknown{hint}; allowed: {', '.join(TARGETS)}")
    if estimator not in ESTIMATORS:
        hint = did_you_mean(estimator, ESTIMATORS)
        raise InputError(
            f"estimator: {estimator!r} is unknown{hint}; allowed: {', '.join(ESTIMATORS)}"
        )
    family, stochastic = _FAMILY[estimator]
    sched, layout = _schedule(schedule, params)
    if family == "spider":
        layout = tuple(k for k in layout if k not in ("q", "S1", "S2"))
    if init is not None:
        from l0l1.methods.algorithm import algorithm

        if family != "single":
            raise InputError(
                f"estimator: {estimator!r} is not allowed with init= (an algorithm asks the "
                "oracle itself); allowed: exact, sample"
            )
        code = algorithm(init, step)
        rule, key = None, ("algorithm", code.key)
    else:
        from l0l1.methods.algorithms import rules, spider, stm

        fn = usercode.as_jitted(step, "step")
        if not builtin:  # a built-in rule is checked by the tests, not at every import
            _check_step(fn, len(layout))
        rule = usercode.JitCode("rule", {"step": fn})
        if family == "single":
            code = rules.user_rule_algorithm(fn)
        elif family == "spider":
            code = spider.spider_algorithm(rules.user_rule(fn), False)
        else:
            code = stm.stm_algorithm(rules.user_rule(fn))
        key = (rule.key,)
    gap = ("target", target) if target != "grad" else ()  # keys of "grad" methods unchanged
    picks = ("selection", selection) if selection is not None else ()  # likewise
    code_key = usercode.object_hash(
        (*key, estimator, layout, schedule, params, bound, bound_text, needs_positive_L0,
         *gap, *picks)
    )  # fmt: skip
    spec = MethodSpec(
        name=name, family=family, rule=rule, param_names=layout, stochastic=stochastic,
        source=source, label=label or name, schedule=sched, bound=_expression(bound, "bound"),
        bound_text=bound_text, selection=_expression(selection, "selection"),
        needs_positive_L0=needs_positive_L0, builtin=builtin,
        code_key="" if builtin else code_key, target=target, algorithm=code,
    )  # fmt: skip
    return spec


def _schedule(schedule, params) -> tuple[Callable, tuple[str, ...]]:
    if callable(schedule):
        if not params or not all(isinstance(p, str) for p in params):
            raise InputError(
                f"params: {params!r} is not allowed; allowed: the names of p's entries in order "
                "(needed when schedule is a function)"
            )
        return schedule, tuple(params)
    if not isinstance(schedule, dict) or not schedule:
        raise InputError(
            f"schedule: {schedule!r} is not allowed; allowed: a non-empty dict name -> number, "
            "SymPy expression or function of the inputs, or a function (inputs, finite) -> dict"
        )
    parts = {str(k): _expression(v, f"schedule {k}") for k, v in schedule.items()}
    return (lambda i, finite: {k: f(i) for k, f in parts.items()}), tuple(parts)


def _expression(value, field: str):
    """A function of the inputs from a number, a SymPy expression or a function."""
    if value is None:
        return None
    if callable(value) and not hasattr(value, "free_symbols"):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        num = float(value)
        return lambda i: num
    import sympy as sp

    if isinstance(value, sp.Expr):
        from l0l1 import schedules
        from l0l1 import theory as th

        known = {s.name for s in th.INPUT_SYMBOLS}
        unknown = sorted(s.name for s in value.free_symbols if s.name not in known)
        if unknown:
            raise InputError(
                f"{field}: symbols {unknown} are unknown; allowed: {', '.join(sorted(known))}"
            )
        return lambda i: schedules.evaluate(value, i)
    raise InputError(
        f"{field}: {value!r} is not allowed; allowed: a number, a SymPy expression or a function"
    )


def _check_step(fn, n_params: int) -> None:
    """Compile ``step`` and call it once at p = 1, g = 1: one-line errors otherwise."""
    import numpy as np
    from numba.core.errors import NumbaError

    from l0l1.problems.user import numba_first_line

    qual = fn.py_func.__qualname__
    try:
        out = fn(np.ones(n_params), 1.0)
    except NumbaError as err:
        raise InputError(f"step: Numba cannot compile {qual}: {numba_first_line(err)}") from None
    except Exception as err:
        raise InputError(f"step: {qual} raised {type(err).__name__}: {err}") from None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise InputError(
            f"step: {qual} returned {out!r}; allowed: a pair (h, clipped) such as (0.1, False)"
        )
    try:
        h = float(out[0])
    except (TypeError, ValueError):
        h = math.nan
    if not (math.isfinite(h) and h >= 0):
        raise InputError(f"step: {qual} returned h = {out[0]!r} at g = 1; allowed: finite h >= 0")


def _with_v24_si(methods: dict) -> dict:
    """The built-ins with V24's h_si, built by register_method's own path, in its place."""
    spec = method_spec(
        "v24_si", steps.v24_si_step, schedule={"L0": lambda i: i.L0, "L1": lambda i: i.L1},
        bound=_v24_bound("v24_si"), bound_text="V24: 2 L0 D/(a eps^2) + 3 L1 D/(a eps), a = 1",
        label="V24 h_si", source="T3; V24", needs_positive_L0=True, builtin=True,
    )  # fmt: skip
    names = list(methods)
    at = names.index("normalized_gd") + 1
    order = [*names[:at], "v24_si", *names[at:]]
    return {n: (spec if n == "v24_si" else methods[n]) for n in order}


def _with_algorithms(methods: dict) -> dict:
    """The built-ins with their algorithms (:mod:`l0l1.methods.algorithms`): a step rule's
    own algorithm where the entry names none, SPIDER's for the variance-reduced family and
    the similar triangles for the accelerated one; an
    algorithm's own values follow the rule's in ``p`` (``param_names``)."""
    from dataclasses import replace

    from l0l1.methods.algorithms import rules, spider, stm

    out = {}
    for name, spec in methods.items():
        if spec.family == "spider":
            code = spider.spider_algorithm(rules.builtin_rule(spec.rule), spec.anchor)
        elif spec.family == "accelerated":
            code = stm.stm_algorithm(rules.builtin_rule(spec.rule))
        else:
            code = spec.algorithm or rules.rule_algorithm(spec.rule)
        names = spec.param_names + spec.algorithm_values
        out[name] = replace(spec, algorithm=code, param_names=names)
    return out


METHODS = _with_algorithms(_with_v24_si(METHODS))
