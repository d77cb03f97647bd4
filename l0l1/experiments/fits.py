"""Rate fits: the slope of log(median oracle calls) on log x with a bootstrap interval (THEORY T6).

``x`` is 1/eps (rate in eps), n (finite-sum size) or M (initial gradient norm). Records are
the dicts of the results store: one per run, with at least ``status``, the y field (default
``oracle_calls_at_hit``, the measured complexity of T6) and whatever ``x`` reads.

Outcomes are data (T6):

* a **diverged** run has no meaningful count: it is excluded and counted;
* a **not reached** (censored) run is excluded and counted too, but it still ranks above every
  reached run of its x value when the median is taken (its true count exceeds the budget, and
  a reached run never does): dropping it would bias the median down. When half or more of an
  x value's runs are censored the median itself is censored and the point is dropped, and the
  fit says which points were.

The interval resamples runs (seeds) with replacement within each x value, recomputes the
medians and refits; the percentile interval of the slopes is returned. The generator is
seeded, so the same records give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

REACHED, CENSORED, DIVERGED = "reached", "not reached", "diverged"

AXES: dict[str, Callable[[dict], float]] = {
    "1/eps": lambda r: 1.0 / float(r["eps"]),
    "n": lambda r: float(r["n"]),
    "M": lambda r: float(r["M"]),
}


@dataclass(frozen=True)
class Fit:
    """A fitted power law y ~ exp(intercept) x^slope over the uncensored medians (T6).

    ``ci_low``/``ci_high`` are the bootstrap percentile interval at ``level``; ``n_points``
    counts the x values used, ``dropped_x`` those whose median was censored; ``x``/``median``
    are the points fitted (for plotting).
    """

    slope: float
    ci_low: float
    ci_high: float
    n_points: int
    n_excluded_censored: int
    n_excluded_diverged: int
    intercept: float
    dropped_x: tuple[float, ...] = ()
    x: tuple[float, ...] = ()
    median: tuple[float, ...] = ()
    level: float = 0.95

    def label(self) -> str:
        """Slope with its interval, e.g. ``slope 2.98 [2.91, 3.05]``; NaN when unfitted."""
        if not np.isfinite(self.slope):
            return "no fit"
        return f"slope {self.slope:.2f} [{self.ci_low:.2f}, {self.ci_high:.2f}]"

    def notes(self) -> str:
        """What was excluded or dropped, in words (empty when nothing was)."""
        parts = []
        if self.n_excluded_censored:
            parts.append(f"{self.n_excluded_censored} not reached")
        if self.n_excluded_diverged:
            parts.append(f"{self.n_excluded_diverged} diverged")
        if self.dropped_x:
            xs = ", ".join(f"{v:.3g}" for v in self.dropped_x)
            parts.append(f"censored median dropped at x = {xs}")
        return "; ".join(parts)


def _groups(records: Iterable[dict], x, y: str) -> tuple[dict[float, np.ndarray], int, int]:
    """Per x value, the counts with censored runs as +inf; plus the excluded counts."""
    xfun = AXES[x] if isinstance(x, str) and x in AXES else x
    if isinstance(xfun, str):
        key = xfun

        def xfun(r):
            return float(r[key])

    groups: dict[float, list[float]] = {}
    censored = diverged = 0
    for rec in records:
        status = rec["status"]
        if status == DIVERGED:
            diverged += 1
            continue
        if status == CENSORED:
            censored += 1
            val = np.inf
        elif status == REACHED:
            val = float(rec[y])
        else:
            raise ValueError(
                f"status: {status!r} is unknown; allowed: {REACHED}, {CENSORED}, {DIVERGED}"
            )
        groups.setdefault(xfun(rec), []).append(val)
    return {k: np.asarray(v) for k, v in sorted(groups.items())}, censored, diverged


def _line(logx: np.ndarray, logy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope and intercept of each row of logy (NaN = missing) on logx."""
    ok = np.isfinite(logy)
    cnt = ok.sum(axis=-1)
    w = ok.astype(float)
    xs = np.where(ok, logx, 0.0)
    ys = np.where(ok, logy, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = xs.sum(axis=-1) / cnt
        my = ys.sum(axis=-1) / cnt
        dx = (xs - mx[..., None]) * w
        sxx = (dx**2).sum(axis=-1)
        slope = (dx * (ys - my[..., None])).sum(axis=-1) / sxx
    slope = np.where((cnt >= 2) & (sxx > 0), slope, np.nan)
    return slope, my - slope * mx


def fit_rate(
    records: Iterable[dict],
    x="1/eps",
    y: str = "oracle_calls_at_hit",
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Fit:
    """Fit log(median y) = intercept + slope log x over the runs in ``records`` (T6).

    ``x`` is "1/eps", "n", "M", another record key, or a function of a record. Returns a
    :class:`Fit`; its slope is NaN when fewer than two uncensored points remain.
    """
    groups, censored, diverged = _groups(records, x, y)
    xs = np.array(list(groups), dtype=float)
    meds = np.array([np.median(v) for v in groups.values()])
    keep = np.isfinite(meds)
    logx = np.log(xs)
    logm = np.where(keep, np.log(np.where(keep, meds, 1.0)), np.nan)
    slope, intercept = _line(logx, logm)
    rng = np.random.default_rng(seed)
    boot = np.full((n_boot, len(xs)), np.nan)
    for j, vals in enumerate(groups.values()):
        if not keep[j]:
            continue
        draws = np.median(vals[rng.integers(0, len(vals), (n_boot, len(vals)))], axis=1)
        boot[:, j] = np.where(
            np.isfinite(draws), np.log(np.where(np.isfinite(draws), draws, 1)), np.nan
        )
    slopes = _line(logx, boot)[0]
    slopes = slopes[np.isfinite(slopes)]
    alpha = (1 - level) / 2
    lo, hi = (
        np.quantile(slopes, [alpha, 1 - alpha])
        if slopes.size and np.isfinite(slope)
        else (np.nan, np.nan)
    )
    return Fit(
        slope=float(slope),
        ci_low=float(lo),
        ci_high=float(hi),
        n_points=int(keep.sum()),
        n_excluded_censored=censored,
        n_excluded_diverged=diverged,
        intercept=float(intercept),
        dropped_x=tuple(float(v) for v in xs[~keep]),
        x=tuple(float(v) for v in xs[keep]),
        median=tuple(float(v) for v in meds[keep]),
        level=level,
    )


def select(records: Iterable[dict], **match) -> list[dict]:
    """The records whose fields equal every ``match`` value (e.g. method="gd")."""
    return [r for r in records if all(r.get(k) == v for k, v in match.items())]
