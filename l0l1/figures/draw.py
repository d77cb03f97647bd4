"""The shared drawing toolkit of the figure modules in :mod:`l0l1.figures` (THEORY T3-T6).

Each figure module draws its own figure from records (dicts: rows of the results store, or
the small tables it builds) with these helpers: :func:`subplots`, :func:`plot_rate` (seeds,
medians and the fitted slope of :mod:`l0l1.experiments.fits`, exactly as the legend shows
it), :func:`reference_lines`, :func:`finish`, and :func:`save`, which writes ``<name>.png``
and ``<name>.svg`` under the caption; it returns a :class:`Figure`. :func:`rate_panels` is
the one-panel-per-problem rate figure of the hard instances. Matplotlib (Agg backend) is
imported only when a figure is drawn (:func:`pyplot`, inside :func:`styled`).

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
from l0l1.style import CAPTION_PT, NAMES, RC, REFERENCE_DASHES, REFERENCE_GREYS, methods, style

METHODS = methods()  # the order of colours, markers and legends


@dataclass(frozen=True)
class Figure:
    """A written figure: its name, the files, one row per fitted slope (report.json), its
    notes, and ``facts``: the numbers its ``measured_vs_theory`` reads (summary["facts"])."""

    name: str
    paths: tuple[Path, ...]
    fits: tuple[dict, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    facts: dict = field(default_factory=dict)


def pyplot():
    """matplotlib.pyplot on the Agg backend, imported on the first figure drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def styled(fn):
    """Run a figure function inside the figures' rc context (global rcParams untouched)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with pyplot().rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def subplots(ncols: int, nrows: int = 1, width: float = 7.5, height: float = 6.0):
    """A figure of nrows x ncols panels, each width x height inches (axes always 2-D)."""
    return pyplot().subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                             squeeze=False)  # fmt: skip


def save(fig, out_dir, name, caption, *, colorbar=None) -> tuple[Path, ...]:
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
    pyplot().close(fig)
    return paths


def groups(records, *keys) -> dict[tuple, list[dict]]:
    """The records by their values of ``keys``, in order of first appearance."""
    out: dict[tuple, list[dict]] = {}
    for r in records:
        out.setdefault(tuple(r[k] for k in keys), []).append(r)
    return out


def method_order(groups: dict) -> list:
    """Group keys ending in a method, in registry order (unknown methods last)."""
    return sorted(groups, key=lambda k: METHODS.index(k[-1]) if k[-1] in METHODS else 99)


def fit_row(figure, problem, method, axis, fit: Fit, theory_rate, theory) -> dict:
    """One report.json fit row: the fitted slope of ``method`` on ``problem`` against the
    theory exponent ``theory_rate`` (T6) and where it comes from (``theory``)."""
    return {
        "figure": figure, "problem": problem, "method": method, "axis": axis,
        "slope": fit.slope, "ci_low": fit.ci_low, "ci_high": fit.ci_high,
        "theory_rate": theory_rate, "theory": theory, "n_points": fit.n_points,
        "n_excluded_censored": fit.n_excluded_censored,
        "n_excluded_diverged": fit.n_excluded_diverged, "notes": fit.notes(),
    }  # fmt: skip


def plot_rate(ax, recs, method, xfun, y, theory_rate, *, series=None, st=None) -> Fit:
    """Seeds as faint dots, medians with markers, the fitted line; legend with the slope.

    ``series`` and ``st`` replace the method's display name and style, for several series
    of one method (a parameter sweep)."""
    st = st or style(method)
    reached = [r for r in recs if r["status"] == REACHED]
    ax.scatter([xfun(r) for r in reached], [r[y] for r in reached], s=14, alpha=0.25,
               color=st["color"], marker=st["marker"], linewidths=0)  # fmt: skip
    fit = fit_rate(recs, x=xfun, y=y)
    theory = "" if theory_rate is None else f", theory {theory_rate:g}"
    label = f"{series or NAMES.get(method, method)}: {fit.label()}{theory}"
    ax.plot(fit.x, fit.median, linestyle="none", label=label, markeredgecolor="white", **st)
    if np.isfinite(fit.slope):
        grid = np.geomspace(min(fit.x), max(fit.x), 50)
        ax.plot(grid, np.exp(fit.intercept) * grid**fit.slope, color=st["color"], alpha=0.8)
    return fit


def reference_lines(ax, xs, shapes: dict) -> None:
    """Grey reference curves over the data's x range: ``{label: ((x, y), shape)}`` draws
    c * shape(x) through the anchor point (x, y) of the data."""
    grid = np.geomspace(min(xs), max(xs), 100)
    for (label, ((ax0, ay0), fn)), grey, dash in zip(shapes.items(), REFERENCE_GREYS,
                                                     REFERENCE_DASHES, strict=False):  # fmt: skip
        ax.plot(grid, ay0 / fn(ax0) * fn(grid), color=grey, linestyle=dash, linewidth=1.6,
                label=f"{label} (reference, through the data)")  # fmt: skip


def finish(
    ax, xlabel: str, ylabel: str, title: str, legend="below", fontsize=11, log=True
) -> None:  # fmt: skip
    """Log-log axes (linear ones with ``log=False``), labels, plain tick labels on short log
    ranges, legend (below: outside)."""
    from matplotlib.ticker import FuncFormatter

    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
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


@styled
def rate_panels(
    records, out_dir, name, *, x: str, y: str, rates: dict, xlabel: str, ylabel: str,
    caption: str, references: dict | None = None, notes=(), theory: str = "",
) -> Figure:  # fmt: skip
    """One panel per problem label: ``y`` against ``x`` (an AXES key) per method, with the
    fitted slope and bootstrap interval, theory exponents from ``rates``, and grey reference
    shapes ``{label: fn(x)}`` anchored at the panel's first median (T6)."""
    probs = groups(records, "problem_label")
    fig, axes = subplots(len(probs), width=8.0, height=8.5)
    rows = []
    for ax, (plabel,) in zip(axes[0], probs, strict=True):
        by = groups(probs[(plabel,)], "problem_label", "method")
        first = []
        for key in method_order(by):
            method = key[1]
            fit = plot_rate(ax, by[key], method, AXES[x], y, rates.get(method))
            rows.append(fit_row(name, plabel, method, x, fit, rates.get(method), theory))
            if fit.x:
                first.append((fit.x[0], fit.median[0]))
        if first and references:
            x0 = min(a for a, _ in first)
            y0 = math.exp(np.mean([math.log(b) for a, b in first if a == x0]))
            xs = [AXES[x](r) for r in probs[(plabel,)]]
            reference_lines(ax, xs, {k: ((x0, y0), fn) for k, fn in references.items()})
        finish(ax, xlabel, ylabel, plabel)
    return Figure(name, save(fig, out_dir, name, caption), tuple(rows),
                  (caption, *[n for n in notes if n]))  # fmt: skip
