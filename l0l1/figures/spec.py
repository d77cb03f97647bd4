"""What a figure module declares (:class:`FigureSpec`) and the scales its sweeps come in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCALES = ("tiny", "quick", "full")
X4 = [0, 0, 0, 0, 1]


def pick(scale: str, tiny, quick, full):
    """The value for ``scale`` among the three."""
    return {"tiny": tiny, "quick": quick, "full": full}[scale]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of ``l0l1 reproduce``.

    ``key`` names its records in ``data``, ``name`` its files and report rows;
    ``sweeps(scale)``: its sweep specs (empty when it needs none); ``draw(data, out, scale)``:
    writes it from ``data`` (key -> records of every figure's sweeps) and returns a
    :class:`l0l1.figures.draw.Figure`; ``measured_vs_theory(summary)``: (what, measured, theory,
    holds) from the summary of :func:`l0l1.reproduce.reproduce` (as in report.json);
    ``theory``: the THEORY ids it checks; ``requires``: the optional modules it needs
    (``l0l1 reproduce`` names it as skipped when one is missing); ``scales``: where
    ``l0l1 reproduce`` draws it (its ``draw`` accepts every scale).
    """

    key: str
    name: str
    theory: tuple[str, ...]
    sweeps: Callable[[str], list[dict]]
    draw: Callable[[dict, Path, str], object]
    measured_vs_theory: Callable[[dict], list[tuple[str, float, float, bool]]]
    requires: tuple[str, ...] = ()
    scales: tuple[str, ...] = SCALES

    def missing(self) -> list[str]:
        """The modules of ``requires`` that cannot be imported here."""
        import importlib.util

        def absent(name):
            try:
                return importlib.util.find_spec(name) is None
            except (ImportError, ValueError):  # blocked, or sys.modules[name] is None
                return True

        return [m for m in self.requires if absent(m)]


def no_sweeps(scale: str) -> list[dict]:
    """For figures computed without runs."""
    return []


def slopes(summary: dict, name: str, holds: Callable[[str, float, float], bool]):
    """(problem/method, slope, theory exponent, holds(method, slope, exponent)) per fit row
    of figure ``name`` with an exponent."""
    return [
        (f"{r['problem']} / {r['method']}", r["slope"], r["theory_rate"],
         holds(r["method"], r["slope"], r["theory_rate"]))
        for r in summary["fits"] if r["figure"] == name and r["theory_rate"] is not None
    ]  # fmt: skip
