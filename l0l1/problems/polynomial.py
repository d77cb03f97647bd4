"""Polynomial problems with certified constants (THEORY T2).

Every constant here is computed in exact arithmetic from the float64 coefficients
stored in ``Problem.P`` (the function the kernels actually evaluate): the (L0, L1)
frontier and f* by real-root isolation, Delta and M by exact sublevel sets.

Separable sums f(x) = sum_j p_j(x_j): the Hessian is diagonal and
||grad f|| >= |p_j'(x_j)|, so L0 = max_j L0*_j(L1) is valid for a common L1, and
f* = sum_j min p_j (THEORY T2).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from l0l1.problems.base import (
    Constants,
    Problem,
    ProblemError,
    StartConstants,
    check_finite_positive,
)
from l0l1.problems.frontier import (
    Enclosure,
    frontier_exact,
    has_real_root,
    is_bounded_below,
    min_exact,
    poly_deriv,
    poly_eval,
    round_down,
    round_up,
    sqrt_up,
    sublevel_grad_max_exact,
    to_fraction,
    validate_coeffs,
)
from l0l1.problems.kinds import KIND_NAMES, KIND_POLY
from l0l1.validate import show

HOW_FRONTIER = "exact frontier (real-root isolation)"
HOW_SUBLEVEL = "exact sublevel sets (real-root isolation)"
_ROWS_ALLOWED = "a non-empty list of coefficient lists (ascending powers)"


def univariate(coeffs, L1: float, name: str | None = None) -> Problem:
    """p(x) = sum_i a_i x^i with the certified frontier constant at L1 (THEORY T2).

    Degree <= 2 allows L1 = 0 (L0 = 2|a_2|); degree >= 3 needs L1 > 0. An unbounded
    polynomial is allowed (``bounded_below=False``, f* = -inf); rate runs refuse it.
    """
    lam = check_finite_positive("L1", L1, allow_zero=True)
    row = _float_row(coeffs, "coeffs")
    spec = {"problem": "polynomial", "coeffs": [float(c) for c in row], "L1": lam}
    return _build([row], lam, name or f"polynomial_deg{len(row) - 1}", spec)


def separable(coeff_rows, L1: float, name: str | None = None) -> Problem:
    """f(x) = sum_j p_j(x_j) with L0 = max_j L0*_j(L1) and f* = sum_j min p_j (THEORY T2)."""
    lam = check_finite_positive("L1", L1, allow_zero=True)
    if (
        not isinstance(coeff_rows, Sequence | np.ndarray)
        or isinstance(coeff_rows, str | bytes)
        or len(coeff_rows) == 0
    ):
        shown = " ".join(repr(coeff_rows).split())
        raise ProblemError(f"coeff_rows: {shown} is not allowed; allowed: {_ROWS_ALLOWED}")
    rows = [_float_row(r, f"coeff_rows[{j}]") for j, r in enumerate(coeff_rows)]
    spec = {
        "problem": "separable_polynomial",
        "coeff_rows": [[float(c) for c in r] for r in rows],
        "L1": lam,
    }
    return _build(rows, lam, name or f"separable_polynomial_d{len(rows)}", spec)


def sublevel_constants(problem: Problem, x0) -> StartConstants:
    """Certified Delta = f(x0) - f* and M >= max ||grad f|| on {f <= f(x0)} (THEORY T2).

    Coordinate j satisfies p_j(x_j) <= c_j = f(x0) - sum_{k != j} min p_k on the
    sublevel set, so M <= sqrt(sum_j M_j^2) with M_j = max |p_j'| on {p_j <= c_j}.
    Certified lower bounds of min p_k make every c_j, and so M and Delta, upper bounds.
    """
    if problem.kind != KIND_POLY:
        raise ProblemError(
            f"problem: '{problem.name}' has kind {KIND_NAMES.get(problem.kind, problem.kind)}; "
            "allowed: a polynomial problem"
        )
    if not problem.bounded_below:
        raise ProblemError(
            f"problem: '{problem.name}' is unbounded below (f* = -inf); allowed: even degree "
            "with positive leading coefficients in every coordinate"
        )
    rows = [validate_coeffs(row, "P") for row in problem.P]
    xs = [Fraction(float(v)) for v in _start_point(x0, problem.dim)]

    def refuse(name: str, exact: Fraction):
        shown = " ".join(repr([float(v) for v in xs]).split())
        raise ProblemError(
            f"x0: {shown} gives {name} = {_sci(exact)} on {problem.name!r}, beyond the float64 "
            "range; allowed: a start where f and its gradient fit in float64"
        )

    # Outward rounding to floats keeps the rationals short (exact f(x0) at a start such
    # as 1.3 has a 400-bit denominator, which slows root isolation tenfold) and only
    # enlarges the sets whose gradient bound we take: M and Delta stay upper bounds.
    lows = [_exact_lo(min_exact(r)) for r in rows]
    mins = [round_down(m) for m in lows]
    if not all(np.isfinite(mins)):
        refuse("min p_j", min(lows))
    mins = [Fraction(m) for m in mins]
    fx0 = sum(poly_eval(r, x) for r, x in zip(rows, xs, strict=True))
    delta = round_up(fx0 - sum(mins))
    if not np.isfinite(delta):
        refuse("Delta = f(x0) - f*", fx0 - sum(mins))
    gap = Fraction(delta)
    grad_maxes = [
        _exact_hi(sublevel_grad_max_exact(r, gap + m)) for r, m in zip(rows, mins, strict=True)
    ]
    M = sqrt_up(sum(m * m for m in grad_maxes))
    if not np.isfinite(M):
        refuse("M (max ||grad f|| on the sublevel set)", max(grad_maxes))
    return StartConstants(Delta=delta, M=M, certified=True, how=HOW_SUBLEVEL)


def frontier_table(coeffs, L1_values) -> list[dict]:
    """Rows {L1, L0, L0_lo, L0_hi, argmax} of the certified frontier (THEORY T2).

    Uses the float64 coefficients, as ``univariate`` does; ``L0`` is the valid ``L0_hi``.
    """
    row = _float_row(coeffs, "coeffs")
    table = []
    for lam in L1_values:
        enc = frontier_exact(row, check_finite_positive("L1", lam, allow_zero=True))
        if not np.isfinite(enc.hi):
            raise ProblemError(
                f"coeffs: {_show_rows([row], 'coeffs')} gives L0 = {_sci(enc.hi_exact)} at "
                f"L1 = {lam:g}, beyond the float64 range; allowed: coefficients whose "
                "constants fit in float64 (rescale p, or a larger L1)"
            )
        table.append(
            {"L1": float(lam), "L0": enc.hi, "L0_lo": enc.lo, "L0_hi": enc.hi, "argmax": enc.argmax}
        )
    return table


def _build(rows: list[list[Fraction]], lam: float, name: str, spec: dict) -> Problem:
    encs = [frontier_exact(r, lam) for r in rows]
    # max_j L0*_j is the least L0 when every other coordinate can sit where p_k' = 0.
    least_known = len(rows) == 1 or all(len(r) == 1 or has_real_root(poly_deriv(r)) for r in rows)
    hi = max(e.hi for e in encs)
    constants = Constants(
        L0=hi,
        L1=lam,
        certified=True,
        how=HOW_FRONTIER,
        L0_enclosure=(max(e.lo for e in encs), hi) if least_known else None,
    )
    field = "coeffs" if spec["problem"] == "polynomial" else "coeff_rows"
    if not np.isfinite(hi):
        raise ProblemError(
            f"{field}: {_show_rows(rows, field)} gives L0 = {_sci(max(e.hi_exact for e in encs))} "
            f"at L1 = {lam:g}, beyond the float64 range; allowed: coefficients whose constants "
            "fit in float64 (rescale f, or a larger L1)"
        )
    bounded = all(is_bounded_below(r) for r in rows)
    f_star = round_down(sum(_exact_lo(min_exact(r)) for r in rows)) if bounded else -np.inf
    if bounded and not np.isfinite(f_star):
        low = sum(_exact_lo(min_exact(r)) for r in rows)
        raise ProblemError(
            f"{field}: {_show_rows(rows, field)} has minimum f* = {_sci(low)}, beyond the "
            "float64 range; allowed: coefficients whose minimum fits in float64 (rescale f)"
        )
    P = np.zeros((len(rows), max(len(r) for r in rows)))
    for j, r in enumerate(rows):
        P[j, : len(r)] = [float(c) for c in r]
    return Problem(
        name=name,
        kind=KIND_POLY,
        P=P,
        v=np.zeros(0),
        dim=len(rows),
        constants=constants,
        f_star=float(f_star),
        bounded_below=bounded,
        spec=spec,
    )


def _sci(q) -> str:
    """A rational of any size in scientific notation, e.g. 1.2e+309 (floats would overflow)."""
    q = Fraction(q)
    if q == 0:
        return "0"
    sign, q = ("-" if q < 0 else ""), abs(q)
    exp = len(str(q.numerator)) - len(str(q.denominator))
    scaled = q / Fraction(10) ** exp  # in [0.1, 10)
    if scaled < 1:
        scaled, exp = scaled * 10, exp - 1
    return f"{sign}{float(scaled):.2g}e{exp:+d}"


def _show_rows(rows: list[list[Fraction]], field: str) -> str:
    shown = [[float(c) for c in r] for r in rows]
    return " ".join(repr(shown[0] if field == "coeffs" else shown).split())


def _float_row(coeffs, field: str) -> list[Fraction]:
    """Validated coefficients rounded to float64, as exact rationals (trailing zeros cut)."""
    try:
        floats = [float(c) for c in validate_coeffs(coeffs, field)]
    except OverflowError:
        raise ProblemError(
            f"{field}: an entry exceeds the float64 range; allowed: |coefficient| < 1.8e308"
        ) from None
    return validate_coeffs(floats, field)


def _start_point(x0, dim: int) -> np.ndarray:
    try:
        x = np.atleast_1d(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError):
        raise ProblemError(f"x0: {show(x0)} is not numeric; allowed: {dim} finite reals") from None
    if x.shape != (dim,) or not np.all(np.isfinite(x)):
        shown = " ".join(repr(x0).split())
        raise ProblemError(f"x0: {shown} is not allowed; allowed: shape ({dim},), finite entries")
    return x


def _exact_lo(enc: Enclosure) -> Fraction:
    return to_fraction(enc.lo_exact, "lo")


def _exact_hi(enc: Enclosure) -> Fraction:
    return to_fraction(enc.hi_exact, "hi")
