"""``l0l1 sweep SPEC.toml``: run (or with --dry-run, predict) a sweep into a SQLite store.

Only argparse is imported here; the sweep machinery loads inside :func:`cmd`.
"""

from __future__ import annotations

import sys


def add_parser(subparsers) -> None:
    """Register the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep",
        help="run a sweep declared in a TOML file into a results store (resumable)",
        description="Run every problem x method x eps x seed of a TOML sweep file, storing "
        "one row per run in SQLite; rerunning skips the runs already stored.",
    )
    p.add_argument(
        "spec", metavar="SPEC.toml", help="the sweep file (format: l0l1.experiments.spec)"
    )
    p.add_argument(
        "--store", default="results.sqlite", help="results store (default: results.sqlite)"
    )
    p.add_argument(
        "--backend", choices=("serial", "processes", "dask"),
        help="where runs execute (default: processes; dask when --scheduler is given)",
    )  # fmt: skip
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (backend dask)")
    p.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="predict runs, oracle calls and time; run nothing")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--export-csv", dest="export_csv", metavar="FILE",
                   help="then write the sweep's stored rows to FILE as CSV")  # fmt: skip


def cmd(args) -> int:
    """Run ``l0l1 sweep``; input errors propagate as one-line ValueErrors (exit status 2).

    Before anything runs: the spec is validated, the store is opened and its write lock
    taken once (a foreign, read-only or locked store fails here, untouched), and the
    ``--export-csv`` target is checked. A refused sweep creates no file.
    """
    from l0l1.experiments import runner, spec, store
    from l0l1.validate import integer

    sweep = spec.load_spec(args.spec)
    backend = args.backend or ("dask" if args.scheduler else "processes")
    if args.workers is not None:
        integer("workers", args.workers, 1)
    if args.export_csv:
        store.check_csv_target(args.export_csv, args.store)
    if args.dry_run:
        workers = 1 if backend == "serial" else args.workers or runner.default_workers()
        print(runner.plan(sweep, args.store).text(workers))
    else:
        _preflight(store, args.store)
        try:
            rep = runner.run_sweep(
                sweep, args.store, backend=backend, workers=args.workers,
                scheduler=args.scheduler, quiet=args.quiet,
            )  # fmt: skip
        except runner.SweepError as err:
            print(f"l0l1: error: {err}", file=sys.stderr)
            return 1
        print(
            f"sweep {rep.sweep!r}: {rep.total} runs, {rep.skipped} already stored, {rep.ran} run "
            f"in {rep.seconds:.1f} s ({rep.backend}, {rep.workers} worker(s)); store: {args.store}"
        )
        for note in sweep.notes():
            print(f"note: {note}")
    if args.export_csv:
        rows = store.export_csv(args.store, args.export_csv, sweep.name)
        print(f"wrote {rows} rows of sweep {sweep.name!r} to {args.export_csv}")
    return 0


def _preflight(store, path) -> None:
    """An existing store: opened and its write lock taken once. A new one: its directory
    checked (it is created by the sweep, after the spec's problems are checked)."""
    import os

    if not os.path.exists(path):
        store.check_new_path(path)
        return
    with store.Store(path) as st:
        st.check_writable()
