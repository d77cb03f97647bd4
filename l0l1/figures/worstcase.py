"""Worst cases found by :mod:`l0l1.worstcase` against the methods' bounds (THEORY T3, T8).

Left: the anchor, GD with h = 1/L on L-smooth functions (L1 = 0): N tau against N, PEPit's
tight 4/3. Middle and right: the eps measure (most iterations to |f'| <= eps with f(x0) -
inf f <= Delta = 1, L0 = 1), the worst case found divided by each method's T3 bound, as L1
grows (eps fixed) and as eps shrinks (L1 = 1). Every witness is certified in interval
arithmetic (:func:`l0l1.worstcase.certify.certify`). A case "shows the L1 term" when the
worst count exceeds the bound evaluated at L1 = 0: only the L1-dependent part can pay for it.
"""

from __future__ import annotations

import math

from l0l1.figures.draw import NAMES, Figure, finish, save, style, styled, subplots
from l0l1.figures.spec import FigureSpec, no_sweeps, pick

NAME = "worstcase"
METHODS = ("gd", "clipped_gd", "normalized_gd", "v24_si", "v24_cl", "v24_star",
           "smoothed_clip", "beta_normalized_gd")  # fmt: skip
REFERENCE = {"smoothed_clip": "v24_si"}  # no T3 bound of its own: V24 h_si's as a reference
L0, DELTA, L1_FIXED = 1.0, 1.0, 1.0
ANCHOR_TOL = 1e-4


def cases(scale: str) -> dict:
    """The grid: anchor N values, the L1 sweep (at eps_fixed) and the eps sweep (at L1 = 1)."""
    return {
        "N": pick(scale, [1, 2, 5], [1, 2, 5, 10, 20], [1, 2, 5, 10, 20]),
        "L1": pick(scale, [0.5, 4.0], [0.1, 1.0, 10.0], [0.1, 0.3, 1.0, 3.0, 10.0]),
        "eps_fixed": pick(scale, 0.3, 0.2, 0.1),
        "eps": pick(scale, [0.5, 0.3], [0.5, 0.2], [0.5, 0.2, 0.1, 0.05]),
        "grid": pick(scale, 16, 24, 32),
        "starts": pick(scale, 3, 4, 6),
    }


def _bound(method: str, L1: float, eps: float, M: float) -> float | None:
    from l0l1 import schedules
    from l0l1.methods.registry import get_method

    spec = get_method(REFERENCE.get(method, method))
    inputs = schedules.Inputs(L0=L0, L1=L1, Delta=DELTA, M=M, eps=eps)
    return spec.bound_at(inputs)


def worst(method: str, L1: float, eps: float, grid: int, starts: int) -> dict:
    """One certified eps-measure worst case and its bounds (at L1 and at L1 = 0)."""
    from l0l1.worstcase import worstcase
    from l0l1.worstcase.certify import certify

    cap = min(2 * math.ceil(_bound(method, L1, eps, 1.0) or 1e4) + 1000, 10**6)
    wc = worstcase(method, L0, L1, cap, Delta=DELTA, eps=eps, grid=grid, starts=starts)
    bound = _bound(method, L1, eps, wc.M)
    return {
        "method": method, "L1": L1, "eps": eps, "K": wc.iterations, "M": wc.M,
        "bound": bound, "bound_L1_0": _bound(method, 0.0, eps, wc.M),
        "ratio": wc.iterations / bound if bound else math.nan,
        "certified": certify(wc).ok, "censored": wc.censored,
    }  # fmt: skip


def anchor(N: int) -> dict:
    """GD with h = 1/L at L1 = 0, L = 1: tau (certified) against 4/(3N)."""
    from l0l1.worstcase import worstcase
    from l0l1.worstcase.certify import certify

    wc = worstcase("gd", 1.0, 0.0, N, overrides={"h": 1.0}, starts=1)
    return {"N": N, "tau": wc.tau, "exact": 4 / (3 * N), "certified": certify(wc).ok}


def records(scale: str) -> dict:
    """The anchor rows and the worst cases of :func:`cases` (computed, no runs)."""
    c = cases(scale)
    rows = [worst(m, a, c["eps_fixed"], c["grid"], c["starts"]) for m in METHODS for a in c["L1"]]
    rows += [worst(m, L1_FIXED, e, c["grid"], c["starts"]) for m in METHODS for e in c["eps"]
             if not (L1_FIXED in c["L1"] and e == c["eps_fixed"])]  # fmt: skip
    return {"anchor": [anchor(n) for n in c["N"]], "cases": rows}


def findings(rows) -> list[str]:
    """A bound exceeded by a certified witness: a finding for REPORT.md."""
    return [
        f"{NAMES.get(r['method'], r['method'])} at L1 = {r['L1']:g}, eps = {r['eps']:g}: a "
        f"certified one-variable witness needs {r['K']} iterations, above the bound "
        f"{r['bound']:.4g} (ratio {r['ratio']:.3g})"
        for r in rows
        if r["certified"] and r["bound"] and r["ratio"] > 1 and r["method"] not in REFERENCE
    ]


@styled
def plot_worstcase(data, out_dir="figures", name=NAME, scale="quick") -> Figure:
    """Three panels: the anchor, worst/bound against L1, worst/bound against 1/eps."""
    c = cases(scale)
    fig, axes = subplots(3, width=7.5, height=7.0)
    ax = axes[0, 0]
    an = data["anchor"]
    ax.plot([r["N"] for r in an], [r["N"] * r["tau"] for r in an], "o", color="black",
            label="search: N tau (GD, h = 1/L, L1 = 0)")  # fmt: skip
    ax.axhline(4 / 3, color="grey", linestyle=":", label="4/3 (PEPit, tight)")
    finish(ax, "N (iterations)", "N tau", "Anchor: N tau = 4/3", legend="lower right", log=False)
    ax.set_ylim(1.0, 1.5)
    rows = data["cases"]
    for ax, key, fixed, xlabel, title in (
        (axes[0, 1], "L1", ("eps", c["eps_fixed"]), "L1", f"eps = {c['eps_fixed']:g}"),
        (axes[0, 2], "eps", ("L1", L1_FIXED), "1/eps", f"L1 = {L1_FIXED:g}"),
    ):
        for m in METHODS:
            pts = sorted((r[key], r["ratio"]) for r in rows
                         if r["method"] == m and r[fixed[0]] == fixed[1])  # fmt: skip
            xs = [1 / x if key == "eps" else x for x, _ in pts]
            label = NAMES.get(m, m) + (" (vs V24 h_si bound)" if m in REFERENCE else "")
            ax.plot(xs, [y for _, y in pts], label=label, **style(m))
        ax.axhline(1.0, color="grey", linestyle=":")
        finish(ax, xlabel, "worst case found / T3 bound", f"Worst/bound, {title}", fontsize=9)
        ax.set_ylim(0.1, 3.0)
    shows = sorted({NAMES.get(r["method"], r["method"]) for r in rows
                    if r["bound_L1_0"] and r["K"] > r["bound_L1_0"]})  # fmt: skip
    best = {}
    for r in rows:
        if r["method"] not in REFERENCE and math.isfinite(r["ratio"]):
            best[r["method"]] = max(best.get(r["method"], 0.0), r["ratio"])
    caption = (
        "Worst cases over one-variable (L0,L1)-smooth functions (l0l1.worstcase, THEORY T8): "
        "a dynamic program over the gradients shown to the method, lower-envelope pieces "
        "between iterates, each witness certified in interval arithmetic. Left: GD with h = "
        "1/L on L-smooth f recovers PEPit's tight tau = 4/(3N). Middle, right: most "
        "iterations to |f'| <= eps with f(x0) - inf f <= 1, L0 = 1, divided by each method's "
        "T3 bound (M = sup |f'| of the witness); below 1 means the bound held on the worst "
        "function found. Lower bounds on the true worst case (monotone witnesses only)."
    )
    notes = [caption]
    notes.append("largest worst/bound per method: " + ", ".join(
        f"{NAMES.get(m, m)} {v:.3g}" for m, v in best.items()))  # fmt: skip
    notes.append(
        "the L1 term of the bound is needed (worst count above the bound at L1 = 0) for: "
        + (", ".join(shows) if shows else "none of the methods")
    )
    gd = [r for r in rows if r["method"] == "gd"]
    if gd:
        top = max(gd, key=lambda r: r["L1"] * r["M"])
        notes.append(
            f"GD's worst witness with the largest L1 M starts at M = |f'(x0)| = {top['M']:.3g} "
            f"(L1 = {top['L1']:g}, L1 M = {top['L1'] * top['M']:.3g}, {top['K']} iterations "
            f"against {top['bound_L1_0']:.4g} for the bound at L1 = 0): the step 1/(2(L0 + L1 "
            "M)) shrinks with M while f(x0) - inf f <= Delta caps M, so the bowl's L1 M cost "
            "appears only as far as Delta allows"
        )
    uncertified = [r for r in rows if not r["certified"]] + [r for r in an if not r["certified"]]
    if uncertified:
        notes.append(f"{len(uncertified)} witnesses failed their certificate")
    facts = {**data, "findings": findings(rows)}
    return Figure(name, save(fig, out_dir, name, caption), (), tuple(notes), facts)


def draw(data: dict, out, scale: str):
    return plot_worstcase(records(scale), out, NAME, scale)


def measured_vs_theory(summary: dict):
    """The anchor within 1e-4 of 4/(3N); every witness certified; every certified worst case
    at most its bound (a violation is a finding and fails here)."""
    facts = summary["facts"][NAME]
    out = [(f"GD h = 1/L, N = {r['N']}: tau", r["tau"], r["exact"],
            abs(r["tau"] / r["exact"] - 1) <= ANCHOR_TOL and r["certified"])
           for r in facts["anchor"]]  # fmt: skip
    for r in facts["cases"]:
        if r["method"] in REFERENCE or not r["bound"]:
            continue
        what = f"{r['method']} L1 = {r['L1']:g} eps = {r['eps']:g}: worst/bound"
        out.append((what, r["ratio"], 1.0, r["certified"] and r["ratio"] <= 1.0))
    return out


FIGURE = FigureSpec("worstcase", NAME, ("T3", "T8"), no_sweeps, draw, measured_vs_theory)
