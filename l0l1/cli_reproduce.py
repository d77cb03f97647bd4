"""``l0l1 reproduce [--quick] [--out DIR] [--backend ...] [--quiet]``: sweeps, fits, figures.

Only argparse is imported here; :mod:`l0l1.reproduce` loads inside :func:`cmd`.
"""

from __future__ import annotations


def add_parser(subparsers) -> None:
    """Register the ``reproduce`` subcommand."""
    p = subparsers.add_parser(
        "reproduce",
        help="run every figure's sweep, fit the rates and write figures/ with REPORT.md",
        description="Run the sweeps behind every figure (resumable store in "
        "DIR/../.l0l1-cache/), fit slopes with bootstrap intervals, and write the figures "
        "(PNG and SVG), REPORT.md and report.json into DIR: figures/ at the full scale (the "
        "committed figures), figures-quick/ with --quick.",
    )
    p.add_argument(
        "--quick", action="store_true",
        help="smaller grids, about 30 s once compiled; writes figures-quick/ unless --out",
    )  # fmt: skip
    p.add_argument(
        "--out", metavar="DIR",
        help="output folder (default: figures, or figures-quick with --quick)",
    )  # fmt: skip
    p.add_argument(
        "--backend",
        choices=("serial", "processes", "dask"),
        default="processes",
        help="where the runs execute (default: processes, all cores)",
    )
    p.add_argument("--store", metavar="FILE", help="results store (default: DIR/../.l0l1-cache)")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def cmd(args) -> int:
    """Run ``l0l1 reproduce``; prints where the report went."""
    from l0l1 import reproduce as rep

    scale = "quick" if args.quick else "full"
    out = rep.output_dir(args.out, scale)
    summary = rep.reproduce(
        out, quick=args.quick, store=args.store, backend=args.backend, quiet=args.quiet
    )
    bc = summary["bound_check"]
    print(
        f"wrote {len(summary['figures'])} figures, REPORT.md and report.json to {out}/ "
        f"({len(summary['fits'])} fitted slopes; bound check: {bc['checked']} runs, "
        f"{bc['violations']} violations) in {summary['seconds']['total']:.0f} s"
    )
    full = rep.output_dir(None, "full")
    if scale != "full" and out.resolve() != full.resolve():
        print(f"{full}/ (full scale) is unchanged; `l0l1 reproduce` regenerates it")
    return 0
