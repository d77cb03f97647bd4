"""``l0l1 demo NAME [--out DIR]`` and ``l0l1 demo --list``: classroom animations.

Only argparse is used here; :mod:`l0l1.demos` (Matplotlib, Numba, Pillow) loads inside
:func:`cmd`. The demo names are repeated in the help text so ``--help`` stays cheap.
"""

from __future__ import annotations

NAMES = ("clipping", "frontier", "variance")  # tests check this equals demos.demo_names()


def add_parser(subparsers) -> None:
    """Register the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="write a classroom animation (GIF, MP4 with ffmpeg) and a PNG still",
        description="Write NAME.png (the whole story in one still), NAME.gif (the same "
        "story frame by frame) and, when ffmpeg is on the PATH, NAME.mp4 into DIR. "
        f"Demos: {', '.join(NAMES)}.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="demo name (see --list)")
    p.add_argument("--list", action="store_true", help="list the demos and exit")
    p.add_argument("--out", default="figures/demos", metavar="DIR", help="(figures/demos)")


def cmd(args) -> int:
    """Run ``l0l1 demo``; prints the files written."""
    from l0l1 import demos

    if args.list:
        for name in demos.demo_names():
            d = demos.get_demo(name)
            print(f"{name:10s} {d.title}: {d.story}")
        return 0
    if not args.name:
        raise ValueError(f"demo: a NAME is required; allowed: {', '.join(demos.demo_names())}")
    out = demos.make_demo(args.name, args.out)
    files = ", ".join(str(p) for p in out.paths)
    print(f"wrote {files} ({out.frames} frames, {out.seconds:.1f} s)")
    return 0
