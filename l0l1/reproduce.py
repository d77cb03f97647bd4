"""``l0l1 reproduce``: every figure's sweep, the figures, REPORT.md and report.json (T6).

A loop over :data:`l0l1.figures.FIGURES`: each figure module declares its sweeps as dict
specs (:mod:`l0l1.experiments.spec`), run by :func:`l0l1.experiments.runner.run_sweep` into
a resumable SQLite store outside the figures folder
(``<out_dir>/../.l0l1-cache/results-<version>-s<schema>.sqlite`` by default), then draws itself;
:mod:`l0l1.report` writes REPORT.md and report.json. Three scales: ``tiny`` (tests),
``quick`` (about 30 seconds on 2 cores after Numba compilation) and ``full`` (about 4
minutes). Only the full scale writes ``figures/`` (the committed figures) by default; the
others write ``figures-quick/`` and ``figures-tiny/`` beside it (:data:`DEFAULT_OUT`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from l0l1.figures import FIGURES, SCALES
from l0l1.smoothness import records as smoothness_records  # noqa: F401  (notebooks, tests)

DEFAULT_OUT = {"full": "figures", "quick": "figures-quick", "tiny": "figures-tiny"}


def output_dir(out_dir, scale: str) -> Path:
    """Where ``reproduce`` writes: ``out_dir`` when given, else :data:`DEFAULT_OUT` of the
    scale (a quick run never overwrites the committed full-scale figures by default)."""
    return Path(DEFAULT_OUT[scale] if out_dir is None else out_dir)


def sweeps(scale: str = "quick") -> dict[str, list[dict]]:
    """The sweep specs of each figure with runs at ``scale`` ("tiny", "quick" or "full")."""
    if scale not in SCALES:
        raise ValueError(f"scale: {scale!r} is unknown; allowed: {', '.join(SCALES)}")
    return {key: specs for key, fig in drawn(scale)[0].items() if (specs := fig.sweeps(scale))}


def drawn(scale: str):
    """(the figures drawn at ``scale``, {name: why skipped} for the others)."""
    figs, skipped = {}, {}
    for key, fig in FIGURES.items():
        if scale not in fig.scales:
            skipped[fig.name] = f"drawn at the {' and '.join(fig.scales)} scales only"
        elif missing := fig.missing():
            skipped[fig.name] = (f"needs {', '.join(missing)}, not installed "
                                 "(pip install 'l0l1[torch]')")  # fmt: skip
        else:
            figs[key] = fig
    return figs, skipped


def _records(spec: dict, store: Path, backend: str, quiet: bool) -> list[dict]:
    from l0l1.experiments.runner import run_sweep
    from l0l1.experiments.spec import Sweep
    from l0l1.experiments.store import load_records

    run_sweep(spec, store, backend=backend, quiet=quiet)
    keys = {t.run_key for t in Sweep.from_dict(spec).tasks()}
    return [r for r in load_records(store, spec["name"]) if r["run_key"] in keys]


def reproduce(
    out_dir=None,
    quick: bool = False,
    store=None,
    backend: str = "processes",
    quiet: bool = False,
    *,
    scale: str | None = None,
    proofs: bool = True,
) -> dict:
    """Run every figure's sweeps, write the figures, REPORT.md and report.json into ``out_dir``
    (default: :func:`output_dir` of the scale, ``figures`` at the full scale only).

    ``scale`` ("tiny", "quick", "full") overrides ``quick``; ``store`` defaults to
    ``<out_dir>/../.l0l1-cache/results-<version>-s<schema>.sqlite``; ``proofs`` runs
    ``python -m proofs_check`` alongside (when importable). Returns the summary: the fit
    rows (as in report.json), bound check, proofs summary, figure files, notes, the figures
    skipped and why, timings, and the optional figures' ``facts``.
    """
    from l0l1 import report
    from l0l1.figures import bounds

    scale = scale or ("quick" if quick else "full")
    if scale not in SCALES:
        raise ValueError(f"scale: {scale!r} is unknown; allowed: {', '.join(SCALES)}")
    out = output_dir(out_dir, scale)
    _say(quiet, f"writing the {scale}-scale figures, REPORT.md and report.json to {out}/")
    specs = sweeps(scale)
    figs, skipped = drawn(scale)
    for name, why in skipped.items():
        _say(quiet, f"skipped {name}: {why}")
    out.mkdir(parents=True, exist_ok=True)
    if store is None:
        from l0l1 import __version__
        from l0l1.experiments.store import SCHEMA_VERSION

        name = f"results-{__version__}-s{SCHEMA_VERSION}.sqlite"
        store = out.resolve().parent / ".l0l1-cache" / name
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    proc = report.proofs_start() if proofs else None
    data, timings = {}, {}
    for key, fig_specs in specs.items():
        t0 = time.perf_counter()
        data[key] = [r for spec in fig_specs for r in _records(spec, store, backend, quiet)]
        timings[key] = time.perf_counter() - t0
        _say(quiet, f"{key}: {len(data[key])} runs in {timings[key]:.1f} s")
    t0 = time.perf_counter()
    figures = []
    for fig in figs.values():
        t1 = time.perf_counter()
        figures.append(fig.draw(data, out, scale))
        if fig.requires:  # the optional figures train models inside draw: time them apart
            timings[fig.key] = time.perf_counter() - t1
            _say(quiet, f"{fig.key}: drawn in {timings[fig.key]:.1f} s")
    timings["figures"] = time.perf_counter() - t0
    summary = {
        "scale": scale,
        "backend": backend,
        "fits": [row for f in figures for row in f.fits],
        "bound_check": bounds.bound_check(bounds.bound_records(data)),
        "hard_checks": hard_checks(scale),
        "proofs_check": report.proofs_summary(proc),
        "seconds": {**timings, "total": time.perf_counter() - start},
        "figures": {f.name: [p.name for p in f.paths] for f in figures},
        "notes": {f.name: list(f.notes) for f in figures},
        "skipped": skipped,
    }
    if facts := {f.name: f.facts for f in figures if f.facts}:
        summary["facts"] = facts
    report.write(out, summary, store)
    _say(quiet, f"wrote {len(figures)} figures, REPORT.md and report.json to {out} "
         f"in {summary['seconds']['total']:.0f} s")  # fmt: skip
    return summary


def hard_checks(scale: str) -> list[dict]:
    """The zero chain's claimed properties, checked numerically (THEORY T2)."""
    from l0l1.problems.hard import check_chain_properties

    if scale == "tiny":
        return check_chain_properties(starts=2, random_points=200)
    return check_chain_properties()


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, file=sys.stderr)
