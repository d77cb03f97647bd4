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
    demos.get_demo(args.name)  # an unknown name fails before anything is drawn
    check_out_dir(args.out, args.name)
    out = demos.make_demo(args.name, args.out)
    files = ", ".join(str(p) for p in out.paths)
    print(f"wrote {files} ({out.frames} frames, {out.seconds:.1f} s)")
    return 0


def check_out_dir(out: str, name: str) -> None:
    """Refuse, before the (seconds-long) drawing, an --out that cannot receive the files:
    an existing file, a path under a file, a read-only directory, a NAME.png that is a
    directory. A missing directory is fine (it is created)."""
    import os

    allowed = "allowed: a directory (created if missing) you can write to"
    if "\0" in out:
        raise ValueError(f"out: {out!r} contains a NUL character; {allowed}")
    path = out or "."  # not normalized: 'file/..' is an error for the OS, not the cwd
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"out: {out!r} is a file; {allowed}")
    probe, missing = path, []
    while not os.path.exists(probe):  # the nearest existing ancestor is created under
        head, tail = os.path.split(probe.rstrip(os.sep))
        missing.append(tail)
        probe = head if head and head != probe else "."
    if ".." in missing:  # 'new/../x': what it means depends on what mkdir creates first
        raise ValueError(f"out: {out!r} has '..' after a directory that does not exist; {allowed}")
    if not os.path.isdir(probe):
        raise ValueError(f"out: {out!r} is under {probe!r}, which is a file; {allowed}")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"out: {out!r}: {probe!r} is not writable; {allowed}")
    for ext in ("png", "gif", "mp4"):
        target = os.path.join(path, f"{name}.{ext}")
        if os.path.isdir(target):
            raise ValueError(f"out: {target!r} is a directory; allowed: a path for the {ext}")
    longest = max(
        len(p.encode("utf-8", "surrogateescape")) for p in os.path.abspath(path).split(os.sep)
    )
    if longest + 4 > 255:
        raise ValueError(f"out: {out!r} has a name longer than 255 bytes; {allowed}")
