"""``l0l1 nn``: the neural-network experiments (needs the ``[torch]`` extra; T1, T4-T6).

* ``l0l1 nn train``: one SGD or clipped-SGD run on a bundled model with the smoothness
  probe; prints the final losses, Spearman's rho and the estimated (L0, L1) line;
* ``l0l1 nn compare``: SPIDER-clip, SGD, clipped SGD, SVRG and SARAH on the digits MLP at
  their tuned settings; prints the medians;
* ``l0l1 nn figures``: the figures nn_smoothness, nn_training and nn_vr at a scale.

Progress bars with ETA go to stderr (``--quiet`` silences them). Only argparse is imported
here; torch loads inside :func:`cmd`.
"""

from __future__ import annotations

import json

NN_FIGURES = ("nn_smoothness", "nn_training", "nn_vr")


def add_parser(subparsers) -> None:
    """Register the ``nn`` subcommand and its three actions."""
    p = subparsers.add_parser(
        "nn",
        help="neural-network experiments on bundled data (needs pip install 'l0l1[torch]')",
        description="Z20's smoothness-vs-gradient-norm and clipping experiments and R23's "
        "variance-reduction comparison, on a char-LSTM (pydoc text) and a digits MLP, on CPU.",
    )
    sub = p.add_subparsers(dest="nn_command", required=True, metavar="{train,compare,figures}")
    t = sub.add_parser("train", help="one probed SGD / clipped-SGD training run")
    t.add_argument("--model", default="digits", help="digits or text (default digits)")
    t.add_argument("--method", default="clipped_sgd", help="sgd or clipped_sgd")
    t.add_argument("--lr", type=float, default=3.0, help="learning rate (default 3)")
    t.add_argument("--clip", type=float, default=0.25, help="gradient-norm threshold")
    t.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    t.add_argument("--batch", type=int, default=32, help="minibatch size (default 32)")
    t.add_argument("--probe-every", type=int, default=5, help="probe every k steps")
    t.add_argument("--hessian", action="store_true", help="also the top Hessian eigenvalue")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--json", metavar="FILE", help="write the run (with probe records) here")
    c = sub.add_parser("compare", help="SPIDER-clip vs SGD, clipped SGD, SVRG, SARAH")
    c.add_argument("--epochs", type=float, default=30, help="budget in epochs of calls")
    c.add_argument("--seeds", type=int, default=3, help="seeds per method (default 3)")
    c.add_argument("--json", metavar="FILE", help="write every run here")
    f = sub.add_parser("figures", help="draw nn_smoothness, nn_training and nn_vr")
    f.add_argument("--scale", default="quick", help="tiny, quick or full (default quick)")
    f.add_argument("--out", default="figures", metavar="DIR", help="output folder")
    for q in (t, c, f):
        q.add_argument("--quiet", action="store_true", help="no progress bars")


def cmd(args) -> int:
    """Run ``l0l1 nn ...``; a missing torch is a one-line error."""
    from l0l1.cli import CliError

    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError as err:
        raise CliError(
            f"l0l1 nn needs {err.name}, which is not installed; "
            "install it with: pip install 'l0l1[torch]'"
        ) from None
    return {"train": _train, "compare": _compare, "figures": _figures}[args.nn_command](args)


def _write(path, obj) -> None:
    from l0l1.report import clean

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(clean(obj), fh, indent=1)


def _train(args) -> int:
    from l0l1.torch.experiments import train
    from l0l1.torch.frontier import fit_frontier

    r = train(args.model, args.method, lr=args.lr, clip=args.clip, steps=args.steps,
              batch=args.batch, probe_every=args.probe_every, seed=args.seed,
              hessian_top=args.hessian, quiet=args.quiet)  # fmt: skip
    sp = r["spearman"]
    status = f"diverged at step {r['diverged']}" if r["diverged"] is not None else "ran"
    print(f"{args.model} {args.method} lr={args.lr:g}: {status}; training loss "
          f"{r['train_loss'][0]:.4g} -> {r['train_loss'][-1]:.4g}, validation "
          f"{r['val_loss'][-1][1]:.4g}; clipped steps {r['clipped_steps']}")  # fmt: skip
    if sp["rho"] is not None:
        fit = fit_frontier(r["probe"], n_boot=100)
        print(f"Spearman rho(log L_hat, log ||g||) = {sp['rho']:.3f} (p = {sp['p']:.2g}, "
              f"{sp['points']} points); estimated L0 = {fit['L0']:.4g}, L1 = {fit['L1']:.4g}, "
              f"L1 in [{fit['L1_interval'][0]:.4g}, {fit['L1_interval'][1]:.4g}] "
              f"(90% bootstrap)")  # fmt: skip
    if args.json:
        _write(args.json, r)
    return 0


def _compare(args) -> int:
    import statistics

    from l0l1.style import label
    from l0l1.torch.vr import METHODS, TUNED, compare

    runs = compare("digits", seeds=args.seeds, epochs=args.epochs, settings=TUNED,
                   quiet=args.quiet)  # fmt: skip
    print(f"digits MLP, {args.epochs:g} epochs of stochastic gradients, median of "
          f"{args.seeds} seeds:")  # fmt: skip
    for m in METHODS:
        rs = [r for r in runs if r["method"] == m]
        loss = statistics.median(r["loss"][-1] for r in rs)
        gn = statistics.median(r["grad_norm"][-1] for r in rs)
        tag = ", ".join(f"{k} {v:g}" for k, v in TUNED[m].items())
        print(f"  {label(m):<12} ({tag}): loss {loss:.4g}, gradient norm {gn:.4g}")
    if args.json:
        _write(args.json, runs)
    return 0


def _figures(args) -> int:
    from l0l1.figures import FIGURES, SCALES
    from l0l1.torch.experiments import show_progress

    if args.scale not in SCALES:
        raise ValueError(f"scale: {args.scale!r} is unknown; allowed: {', '.join(SCALES)}")
    show_progress(not args.quiet)
    for name in NN_FIGURES:
        fig = FIGURES[name].draw({}, args.out, args.scale)
        print(f"wrote {', '.join(str(p) for p in fig.paths)}")
        for note in fig.notes[1:]:
            print(f"  {note}")
    return 0
