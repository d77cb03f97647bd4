"""The figures of ``l0l1 reproduce``: one function per figure (THEORY T3-T6).

Each function reads records (dicts: rows of the results store, or the small tables that
:mod:`l0l1.figures.frontier` and :mod:`l0l1.figures.local_smoothness` build), writes
``<name>.png`` and ``<name>.svg`` into ``out_dir`` and returns a :class:`Figure` holding
the paths and, for rate figures, the fitted slopes (:mod:`l0l1.experiments.fits`) exactly
as the legend shows them. Matplotlib (Agg backend) is imported only when a figure is drawn.

Style (:mod:`l0l1.style`): large fonts, the Okabe-Ito palette, one marker per method,
log-log axes with units, reference lines anchored at the data, and a caption under each
figure saying what a slope below the worst-case rate means (benign problems, T6).
"""

from __future__ import annotations

import functools
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from l0l1.experiments.fits import AXES, REACHED, Fit, fit_rate
from l0l1.style import (
    CAPTION_PT,
    MARKERS,
    NAMES,
    PALETTE,
    RC,
    REFERENCE_DASHES,
    REFERENCE_GREYS,
    methods,
    style,
)

METHODS = methods()  # the order of colours, markers and legends

# Theory exponents per figure and method (T3-T5) and what they mean, for legends and reports.
RATES_EPS = {"sgd": 4, "clipped_sgd": 4, "spider": 3, "spider_clip": 3}
RATES_N = {"gd": 1.0, "clipped_gd": 1.0, "spider_clip": 0.5}
RATES_M = {"gd": 1.0, "clipped_gd": 0.0, "normalized_gd": 0.0}


@dataclass(frozen=True)
class Figure:
    """A written figure: its name, the files, one row per fitted slope (report.json), its
    notes, and ``facts``: the numbers its ``measured_vs_theory`` reads (summary["facts"])."""

    name: str
    paths: tuple[Path, ...]
    fits: tuple[dict, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    facts: dict = field(default_factory=dict)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _styled(fn):
    """Run a figure function inside the figures' rc context (global rcParams untouched)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _pyplot().rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def _subplots(ncols: int, nrows: int = 1, width: float = 7.5, height: float = 6.0):
    return _pyplot().subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                              squeeze=False)  # fmt: skip


def _save(fig, out_dir, name, caption, *, colorbar=None) -> tuple[Path, ...]:
    """Caption under the axes, then PNG and SVG (SVG without a date: reproducible bytes).

    ``colorbar``: (mappable, label) drawn in a strip at the right after the layout.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    width, height = fig.get_size_inches()
    text = "\n".join(textwrap.wrap(caption, int(width * 11)))
    bottom = (text.count("\n") + 1.0) * CAPTION_PT * 1.35 / (72 * height)
    fig.tight_layout(rect=(0, bottom, 0.88 if colorbar else 1, 1))
    if colorbar:
        fig.colorbar(colorbar[0], cax=fig.add_axes((0.9, 0.3, 0.02, 0.55)), label=colorbar[1])
    fig.text(0.01, 0.01, text, fontsize=CAPTION_PT, va="bottom", ha="left")
    paths = tuple(out / f"{name}.{ext}" for ext in ("png", "svg"))
    for p in paths:
        fig.savefig(p, metadata={"Date": None} if p.suffix == ".svg" else None)
    _pyplot().close(fig)
    return paths


def groups(records, *keys) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for r in records:
        out.setdefault(tuple(r[k] for k in keys), []).append(r)
    return out


def _method_order(groups: dict) -> list:
    return sorted(groups, key=lambda k: METHODS.index(k[-1]) if k[-1] in METHODS else 99)


def _row(figure, problem, method, axis, fit: Fit, theory_rate, theory) -> dict:
    return {
        "figure": figure, "problem": problem, "method": method, "axis": axis,
        "slope": fit.slope, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
        "theory_rate": theory_rate, "theory": theory, "n_points": fit.n_points,
        "n_excluded_censored": fit.n_excluded_censored,
        "n_excluded_diverged": fit.n_excluded_diverged, "notes": fit.notes(),
    }  # fmt: skip


def _plot_rate(ax, recs, method, xfun, y, theory_rate) -> Fit:
    """Seeds as faint dots, medians with markers, the fitted line; legend with the slope."""
    st = style(method)
    reached = [r for r in recs if r["status"] == REACHED]
    ax.scatter([xfun(r) for r in reached], [r[y] for r in reached], s=14, alpha=0.25,
               color=st["color"], marker=st["marker"], linewidths=0)  # fmt: skip
    fit = fit_rate(recs, x=xfun, y=y)
    theory = "" if theory_rate is None else f", theory {theory_rate:g}"
    label = f"{NAMES.get(method, method)}: {fit.label()}{theory}"
    ax.plot(fit.x, fit.median, linestyle="none", label=label, markeredgecolor="white", **st)
    if np.isfinite(fit.slope):
        grid = np.geomspace(min(fit.x), max(fit.x), 50)
        ax.plot(grid, np.exp(fit.intercept) * grid**fit.slope, color=st["color"], alpha=0.8)
    return fit


def _references(ax, xs, shapes: dict) -> None:
    """Grey reference curves over the data's x range: ``{label: ((x, y), shape)}`` draws
    c * shape(x) through the anchor point (x, y) of the data."""
    grid = np.geomspace(min(xs), max(xs), 100)
    for (label, ((ax0, ay0), fn)), grey, dash in zip(shapes.items(), REFERENCE_GREYS,
                                                     REFERENCE_DASHES, strict=False):  # fmt: skip
        ax.plot(grid, ay0 / fn(ax0) * fn(grid), color=grey, linestyle=dash, linewidth=1.6,
                label=f"{label} (reference, through the data)")  # fmt: skip


def _finish(ax, xlabel: str, ylabel: str, title: str, legend="below", fontsize=11) -> None:
    """Log-log axes, labels, plain tick labels on short ranges, legend (below: outside)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    some = FuncFormatter(lambda v, _: f"{v:g}" if f"{v:e}"[0] in "25" else "")
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if hi / lo < 30:
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(some)
    if legend == "below":
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), framealpha=0.9,
                  fontsize=fontsize)  # fmt: skip
    else:
        ax.legend(loc=legend, framealpha=0.9, fontsize=fontsize)


# --- figure 1: GD versus clipped GD as M grows (Z20 Thm 4, Thm 3, Thm 6) -------------------


@_styled
def plot_gd_vs_clipped(
    records, out_dir="figures", name="gd_vs_clipped_M", caption: str | None = None
) -> Figure:
    """Iterations to eps against the initial gradient norm M (T3; Z20 Thm 3, 4, 6).

    ``caption`` replaces the default one (written for x^4), e.g. for the Z20 bowl.

    Per method: iterations (log-log) with the fitted slope in M; dashed, the bound from the
    instance's constants (GD_BOUND, CLIP_BOUND); dotted black, Z20 Thm 4's lower bound
    GD_LOWER_BOUND evaluated at each start's (L1, M, Delta): a bound over the whole family
    of (L0,L1)-smooth functions, which one function may beat, never a per-instance check.
    """
    from l0l1 import schedules
    from l0l1 import theory as th

    probs = groups(records, "problem_label")
    fig, axes = _subplots(len(probs), width=8.5, height=9.0)
    rows, notes = [], []
    for ax, (plabel,) in zip(axes[0], probs, strict=True):
        by = groups(probs[(plabel,)], "problem_label", "method")
        for key in _method_order(by):
            method = key[1]
            recs = by[key]
            fit = _plot_rate(ax, recs, method, lambda r: r["M"], "iterations",
                             RATES_M.get(method))  # fmt: skip
            rows.append(
                _row(
                    name,
                    plabel,
                    method,
                    "M",
                    fit,
                    RATES_M.get(method),
                    "Z20 Thm 4 (GD >= L1 M/log M) / Thm 3 (clipped: no M), fixed Delta",
                )
            )
            if method in ("gd", "clipped_gd"):
                pts = sorted((r["M"], r["bound"]) for r in recs if r.get("bound"))
                if pts:
                    st = style(method)
                    ax.plot(
                        *zip(*pts, strict=True),
                        color=st["color"],
                        linestyle="--",
                        linewidth=1.6,
                        label=f"{NAMES[method]} bound (instance constants)",
                    )
        lower = {}
        for r in probs[(plabel,)]:
            inp = schedules.Inputs(L0=r["L0"], L1=r["L1"], Delta=r["Delta"], M=r["M"],
                                   eps=r["eps"])  # fmt: skip
            lower[r["M"]] = schedules.evaluate(th.GD_LOWER_BOUND, inp)
        ms = sorted(lower)
        ax.plot(ms, [lower[m] for m in ms], color="black", linestyle=":", linewidth=2,
                label="Z20 Thm 4 lower bound over the family")  # fmt: skip
        r0 = probs[(plabel,)][0]
        _finish(
            ax,
            "initial gradient norm M (sup ||grad f|| on {f <= f(x0)})",
            "iterations to ||grad f|| <= eps",
            f"{plabel}: L0 = {r0['L0']:.3g}, L1 = {r0['L1']:.3g}, eps = {r0['eps']:g}",
        )
        notes.append(_far_start_note(plabel, by, ms[-1], lower[ms[-1]]))
    caption = caption or (
        "Starts further out raise M. GD's fixed step 1/(2(L0 + L1 M)) shrinks like 1/(L1 M), "
        "so its iterations grow about linearly in M. Clipped and normalized GD come in from "
        "x0 with steps of length 1/(10 L1), then take L0-steps near the minimum: their count "
        "is almost flat (the travel term grows like x0, i.e. M^(1/3) on x^4). One run per "
        "start: the interval is degenerate. The theory exponents hold at fixed Delta; here "
        "Delta grows with M, so the bounds rise faster. The Thm 4 lower bound holds over the "
        "family of (L0,L1)-smooth functions, not for this one function."
    )
    notes.insert(0, caption)
    return Figure(name, _save(fig, out_dir, name, caption), tuple(rows), tuple(notes))


def _far_start_note(plabel: str, by: dict, m_max: float, lower: float) -> str:
    """What happens at the largest M, in numbers, for REPORT.md."""
    parts = []
    for (_, method), recs in by.items():
        r = next((r for r in recs if r["M"] == m_max and r["status"] == REACHED), None)
        if r is not None:
            clipped = f" ({r['clipped_steps']} clipped)" if r["clipped_steps"] else ""
            parts.append(f"{NAMES.get(method, method)} {r['iterations']}{clipped}")
    return (
        f"{plabel}, largest start (M = {m_max:.3g}): iterations {', '.join(parts)}; the Z20 "
        f"Thm 4 family lower bound evaluated at this start's constants is {lower:.3g}, so "
        "this function is far from the family's worst case."
    )


# --- figure 2: stochastic oracle calls against 1/eps (T4, T5) -------------------------------


@_styled
def plot_online_rates(records, out_dir="figures", name="online_calls_vs_eps") -> Figure:
    """SFO calls to eps against 1/eps for SGD, clipped SGD, SPIDER, SPIDER-clip (T4, T5).

    One panel per problem; medians over seeds with fitted slopes and bootstrap intervals in
    the legend; grey reference lines eps^-2, eps^-3, eps^-4 through the panel's data.
    """
    probs = groups(records, "problem_label")
    fig, axes = _subplots(len(probs), width=8.0, height=9.0)
    rows, notes = [], []

    def inv(r):
        return 1.0 / r["eps"]

    for ax, (plabel,) in zip(axes[0], probs, strict=True):
        by = groups(probs[(plabel,)], "problem_label", "method")
        first = []
        for key in _method_order(by):
            method = key[1]
            fit = _plot_rate(ax, by[key], method, inv, "oracle_calls_at_hit",
                             RATES_EPS.get(method))  # fmt: skip
            rows.append(
                _row(
                    name,
                    plabel,
                    method,
                    "1/eps",
                    fit,
                    RATES_EPS.get(method),
                    "T4 (SGD family eps^-4), T5 (SPIDER family eps^-3); worst case",
                )
            )
            if fit.x:
                first.append((fit.x[0], fit.median[0]))
            notes.append(_online_note(plabel, method, by[key], inv))
        if first:
            x0 = min(x for x, _ in first)
            y0 = math.exp(np.mean([math.log(y) for x, y in first if x == x0]))
            xs = [inv(r) for r in probs[(plabel,)]]
            _references(ax, xs, {f"eps^-{k}": ((x0, y0), lambda x, k=k: x**k) for k in (2, 3, 4)})
        oracle = probs[(plabel,)][0].get("oracle", "")
        _finish(
            ax,
            "1/eps (target gradient norm eps)",
            "stochastic gradients (SFO calls)",
            f"{plabel} ({oracle} oracle)",
        )
    caption = (
        "Medians over seeds (faint dots: single seeds); hitting time probed with the exact "
        "gradient (T6). eps^-4 (SGD family) and eps^-3 (SPIDER family) are worst-case rates "
        "over all problems; these problems are benign and the slopes are smaller. SPIDER "
        "steps are at most about eps/L0 long, so iterations grow like 1/eps (not 1/eps^2) and "
        "each costs 2 S2 ~ sigma/eps samples: calls ~ eps^-2. SGD's step 1/sqrt(T) is fixed by "
        "the horizon T (the budget), so it reaches these eps at its noiseless speed."
    )
    notes.insert(0, caption)
    return Figure(name, _save(fig, out_dir, name, caption), tuple(rows), tuple(notes))


def _online_note(plabel: str, method: str, recs: list[dict], inv) -> str:
    """Iterations slope and the schedule behind a stochastic method's calls (REPORT.md)."""
    it = fit_rate(recs, x=inv, y="iterations")
    r = min(recs, key=lambda r: r["eps"])
    head = f"{NAMES.get(method, method)} on {plabel}: iterations {it.label()}"
    frac = float(np.mean([x["clip_fraction"] for x in recs]))
    if method in ("spider", "spider_clip"):
        p = r["params"]
        return (
            f"{head}; at eps = {r['eps']:g}: q = {p['q']:g}, S1 = {p['S1']:g}, "
            f"S2 = {p['S2']:g}; clipping branch active in {frac:.0%} of the steps."
        )
    step = r["params"].get("h", r["params"].get("eta"))
    never = "; its clipping branch never engaged (a fixed step throughout)" if frac == 0 else ""
    return f"{head}; base step {step:.3g} (horizon T = {r['max_iter']}){never}."


# --- figure 3: finite sum, oracle calls against n (T5) ---------------------------------------


@_styled
def plot_finite_sum_n(records, out_dir="figures", name="finite_sum_calls_vs_n") -> Figure:
    """IFO calls to eps against n at fixed eps: GD, clipped GD, SPIDER-clip (T5).

    References n eps^-2 (full-gradient methods) and sqrt(n) eps^-2 + n (SPIDER-clip, R23),
    each through its method's first median.
    """
    fig, axes = _subplots(1, width=8.5, height=8.5)
    ax = axes[0, 0]
    by = groups(records, "problem_label", "method")
    rows, anchors = [], {}
    for key in _method_order(by):
        method = key[1]
        fit = _plot_rate(ax, by[key], method, AXES["n"], "oracle_calls_at_hit",
                         RATES_N.get(method))  # fmt: skip
        rows.append(
            _row(
                name,
                key[0],
                method,
                "n",
                fit,
                RATES_N.get(method),
                "GD n eps^-2; SPIDER-clip sqrt(n) eps^-2 + n (R23, T5)",
            )
        )
        if fit.x:
            anchors[method] = (fit.x[0], fit.median[0])
    eps = records[0]["eps"]
    shapes = {}
    if "gd" in anchors:
        shapes["n eps^-2"] = (anchors["gd"], lambda n: n / eps**2)
    if "spider_clip" in anchors:
        shapes["sqrt(n) eps^-2 + n"] = (anchors["spider_clip"], lambda n: np.sqrt(n) / eps**2 + n)
    _references(ax, [AXES["n"](r) for r in records], shapes)
    _finish(
        ax,
        "n (number of components, m = n measurements)",
        "component gradients (IFO calls)",
        f"{records[0]['problem_label']}, eps = {eps:g}",
    )
    note = (
        "Several random designs (problem seeds) per n; faint dots are single runs. GD and "
        "clipped GD pay n per iteration, SPIDER-clip n per refresh every ~sqrt(n) steps and "
        "2 S2 ~ sqrt(n) per inner step. At fixed eps the sqrt(n) eps^-2 term dominates n until "
        "n ~ eps^-4, so SPIDER-clip's slope in n should be near 1/2, GD's near 1."
    )
    notes = [note] + [crossing(by, "spider_clip", other) for other in ("gd", "clipped_gd")]
    return Figure(name, _save(fig, out_dir, name, note), tuple(rows),
                  tuple(n for n in notes if n))  # fmt: skip


def crossing(by: dict, method: str, other: str) -> str:
    """From which n on ``method``'s median calls stay below ``other``'s (REPORT.md)."""
    meds = {}
    for (_, m), recs in by.items():
        if m in (method, other):
            fit = fit_rate(recs, x="n", n_boot=1)
            meds[m] = dict(zip(fit.x, fit.median, strict=True))
    if len(meds) < 2:
        return ""
    ns = sorted(set(meds[method]) & set(meds[other]))
    below = [n for i, n in enumerate(ns) if all(meds[method][k] < meds[other][k] for k in ns[i:])]
    a, b = NAMES[method], NAMES[other]
    if not below:
        return f"{a} uses more median calls than {b} at the largest n here ({ns[-1]:g})."
    return f"{a} uses fewer median calls than {b} from n = {below[0]:g} on (n <= {ns[-1]:g})."


# --- figure 4: measured against bound (T6 bound check) ---------------------------------------


def bound_check(records) -> dict:
    """Counts of the T6 bound check over certified records with a bound.

    A reached run violates when its iterations exceed the bound; a run not reached within a
    budget at or above the bound violates too; one stopped below the bound is inconclusive;
    a diverged run violates (the theory promises convergence).
    """
    checked = [r for r in records if _certified(r)]
    out = {"checked": len(checked), "violations": 0, "inconclusive": 0, "violating": []}
    for r in checked:
        bad = (
            r["status"] == "diverged"
            or r["iterations"] > r["bound"]
            or (r["status"] != REACHED and r["iterations"] >= r["bound"])
        )
        if r["status"] not in (REACHED, "diverged") and r["iterations"] < r["bound"]:
            out["inconclusive"] += 1
        elif bad:
            out["violations"] += 1
            out["violating"].append(
                f"{r['problem_label']}/{r['method']} eps={r['eps']:g} "
                f"seed={r['seed']}: {r['iterations']} > {r['bound']:.4g}"
            )
    return out


def _certified(r: dict) -> bool:
    b = r.get("bound")
    return bool(r.get("constants_certified") and r.get("start_certified") and b
                and math.isfinite(b) and r["method"] != "spider_clip")  # fmt: skip


@_styled
def plot_bound_check(records, out_dir="figures", name="measured_vs_bound") -> Figure:
    """Measured iterations against the theory bound for every certified instance (T6).

    Log-log scatter with the diagonal; points must sit below it. SPIDER-clip's noiseless
    K is a bound for 2 eps, not eps, and is left out; estimated constants are left out.
    """
    checked = [r for r in records if _certified(r)]
    counts = bound_check(records)
    fig, axes = _subplots(1, width=8.0, height=7.0)
    ax = axes[0, 0]
    by = groups(checked, "method")
    for (method,) in sorted(by, key=lambda k: METHODS.index(k[0]) if k[0] in METHODS else 99):
        st = style(method)
        recs = by[(method,)]
        hit = [r for r in recs if r["status"] == REACHED]
        ax.scatter([r["bound"] for r in hit], [r["iterations"] for r in hit], s=50, alpha=0.8,
                   color=st["color"], marker=st["marker"], edgecolors="white",
                   label=f"{NAMES.get(method, method)} ({len(recs)} runs)")  # fmt: skip
        cens = [r for r in recs if r["status"] != REACHED]
        if cens:
            ax.scatter(
                [r["bound"] for r in cens],
                [r["iterations"] for r in cens],
                s=50,
                facecolors="none",
                edgecolors=st["color"],
                marker=st["marker"],
            )
    if checked:
        lo = min(min(r["bound"], r["iterations"]) for r in checked)
        hi = max(max(r["bound"], r["iterations"]) for r in checked)
        grid = np.geomspace(max(lo, 1) / 2, hi * 2, 10)
        ax.plot(grid, grid, color="black", linewidth=1.5, label="measured = bound")
    _finish(
        ax,
        "theory bound (iterations, from certified constants)",
        "measured iterations to ||grad f|| <= eps",
        f"{counts['checked']} certified runs, {counts['violations']} above the bound",
        legend="upper left",
    )
    ratio = max(checked, key=lambda r: r["iterations"] / r["bound"], default=None)
    closest = (
        ""
        if ratio is None
        else (
            f"Closest to its bound: {NAMES.get(ratio['method'], ratio['method'])} on "
            f"{ratio['problem_label']} at eps = {ratio['eps']:g}, measured/bound = "
            f"{ratio['iterations'] / ratio['bound']:.2g}."
        )
    )
    note = (
        "Every run whose (L0, L1), Delta and M are certified and whose method has an explicit "
        "bound (T3: Z20 Thm 3 and 6, normalized GD, V24). Points far below the diagonal "
        "mean the bound is loose on these benign problems, not that the rate is wrong. "
        "Open markers: not reached within the budget."
    )
    notes = (note, closest) if closest else (note,)
    return Figure(name, _save(fig, out_dir, name, note), (), notes)


# --- figure 5: the (L0, L1) frontier (T2) -----------------------------------------------------


@_styled
def plot_frontier(records, out_dir="figures", name="frontier") -> Figure:
    """The least L0 for each L1, L0*(L1) = max_x (|p''| - L1 |p'|)_+, of a few polynomials (T2).

    ``records``: dicts with ``label``, ``L1`` and ``L0`` (float frontier points).
    """
    fig, axes = _subplots(1, width=8.0, height=6.5)
    ax = axes[0, 0]
    by = groups(records, "label")
    for i, (label,) in enumerate(by):
        pts = sorted((r["L1"], r["L0"]) for r in by[(label,)] if r["L0"] > 0)
        xs, ys = zip(*pts, strict=True)
        ax.plot(xs, ys, color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                markevery=max(len(xs) // 8, 1), label=label)  # fmt: skip
    l1 = np.geomspace(min(r["L1"] for r in records), max(r["L1"] for r in records), 50)
    ax.plot(l1, 16 / l1**2, color="black", linestyle=":", linewidth=2.4,
            label="16 / L1^2 (x^4, exact)")  # fmt: skip
    _finish(
        ax,
        "L1 (dimensionless per unit gradient)",
        "least valid L0 (Hessian units)",
        "(L0, L1) frontier: every point is a valid pair",
        legend="lower left",
    )
    note = (
        "A polynomial of degree >= 3 is (L0, L1)-smooth for every L1 > 0 with the least L0 "
        "shown; small L1 needs a huge L0 (degree 8 at L1 = 0.1 needs orders of magnitude more "
        "than x^4). Schedules pick the point that minimizes their own bound."
    )
    return Figure(name, _save(fig, out_dir, name, note), (), (note,))


# --- figure 6: local smoothness along trajectories (T6, Z20 figures) -------------------------


@_styled
def plot_local_smoothness(records, out_dir="figures", name="local_smoothness") -> Figure:
    """L_hat_k against ||grad f(x_k)|| along GD and clipped GD trajectories, coloured by k.

    ``records``: dicts with ``problem_label``, ``method``, ``k``, ``grad_norm``, ``L_hat``,
    ``L0``, ``L1``. Each panel also draws L0 + L1 ||g|| with the problem's constants.
    """
    probs = list(groups(records, "problem_label"))
    meths = sorted({r["method"] for r in records}, key=lambda m: METHODS.index(m))
    fig, axes = _subplots(len(meths), len(probs), width=6.5, height=5.2)
    kmax = max(r["k"] for r in records)
    for i, (plabel,) in enumerate(probs):
        for j, method in enumerate(meths):
            ax = axes[i, j]
            recs = [r for r in records if r["problem_label"] == plabel and r["method"] == method]
            if not recs:
                ax.set_visible(False)
                continue
            g = np.array([r["grad_norm"] for r in recs])
            sc = ax.scatter(g, [r["L_hat"] for r in recs], c=[r["k"] for r in recs],
                            cmap="viridis", vmin=0, vmax=kmax, s=22,
                            marker=style(method)["marker"])  # fmt: skip
            grid = np.geomspace(g.min(), g.max(), 50)
            ax.plot(grid, recs[0]["L0"] + recs[0]["L1"] * grid, color="#D55E00",
                    linestyle="--", label=f"L0 + L1 ||g|| (L0 = {recs[0]['L0']:.3g}, "
                    f"L1 = {recs[0]['L1']:.3g}, {recs[0]['constants']})")  # fmt: skip
            _finish(
                ax,
                "gradient norm ||grad f(x_k)||",
                "local smoothness L_hat_k",
                f"{plabel}: {NAMES.get(method, method)}",
                legend="upper left",
                fontsize=9,
            )
    note = (
        "L_hat_k = max over gamma in {1/8, 1/4, 1/2, 1} of ||grad f(x_k + gamma d_k) - "
        "grad f(x_k)|| / (gamma ||d_k||), d_k = x_{k+1} - x_k (T6; Z20 use gamma = 1/2). "
        "Smoothness grows with the gradient norm, as (L0, L1)-smoothness allows."
    )
    return Figure(name, _save(fig, out_dir, name, note, colorbar=(sc, "iteration k")), (), (note,))


# --- hard instances (T2): zero chains, the Bernoulli oracle, the finite-sum chain -------------

RATES_HARD = {"gd": 2, "clipped_gd": 2, "normalized_gd": 2, "sgd": 4, "clipped_sgd": 4,
              "spider_clip": 3}  # fmt: skip


@_styled
def plot_hard_rates(
    records, out_dir, name, *, x: str, y: str, rates: dict, xlabel: str, ylabel: str,
    caption: str, references: dict | None = None, notes=(), theory: str = "",
) -> Figure:  # fmt: skip
    """One panel per problem label: ``y`` against ``x`` (an AXES key) per method, with the
    fitted slope and bootstrap interval, theory exponents from ``rates``, and grey reference
    shapes ``{label: fn(x)}`` anchored at the panel's first median (T6)."""
    probs = groups(records, "problem_label")
    fig, axes = _subplots(len(probs), width=8.0, height=8.5)
    rows = []
    for ax, (plabel,) in zip(axes[0], probs, strict=True):
        by = groups(probs[(plabel,)], "problem_label", "method")
        first = []
        for key in _method_order(by):
            method = key[1]
            fit = _plot_rate(ax, by[key], method, AXES[x], y, rates.get(method))
            rows.append(_row(name, plabel, method, x, fit, rates.get(method), theory))
            if fit.x:
                first.append((fit.x[0], fit.median[0]))
        if first and references:
            x0 = min(a for a, _ in first)
            y0 = math.exp(np.mean([math.log(b) for a, b in first if a == x0]))
            xs = [AXES[x](r) for r in probs[(plabel,)]]
            _references(ax, xs, {k: ((x0, y0), fn) for k, fn in references.items()})
        _finish(ax, xlabel, ylabel, plabel)
    return Figure(name, _save(fig, out_dir, name, caption), tuple(rows),
                  (caption, *[n for n in notes if n]))  # fmt: skip
