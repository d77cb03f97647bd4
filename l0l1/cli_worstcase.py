"""``l0l1 worstcase --method M --L0 A --L1 B --steps N [--Delta D] [--eps E]``: the
(L0,L1)-smooth function of one variable that makes a method slowest (THEORY T8).

Only argparse is used here; :mod:`l0l1.worstcase` (NumPy, SciPy, mpmath) loads inside
:func:`cmd`.
"""

from __future__ import annotations

import json


def add_parser(subparsers, methods: tuple[str, ...], entry: str) -> None:
    """Register the ``worstcase`` subcommand."""
    p = subparsers.add_parser(
        "worstcase",
        help="search the one-variable (L0,L1)-smooth function that makes a method slowest",
        description="Without --eps: PEPit's tau = min_k f'(x_k)^2 / (f(x0) - f(xN)) after "
        "--steps N iterations, maximized over (L0,L1)-smooth f of one variable. With --eps "
        "(and --Delta): the most iterations to |f'(x_k)| <= eps among f with f(x0) - inf f <= "
        "Delta, at most --steps. The result is a certificate: the witness as closed-form "
        "pieces, re-checked in interval arithmetic (and with --rerun by the Numba kernels).",
    )
    p.add_argument(
        "--method", required=True,
        help="a deterministic method among "
        f"{', '.join(methods)} (a stochastic one is refused with this list); "
        f"or {entry}. A step rule x - h(|g|) g is searched exactly over a grid; an algorithm "
        "is replayed on every candidate (a lower bound, not proven the worst)",
    )  # fmt: skip
    p.add_argument("--L0", required=True, help="L0 > 0")
    p.add_argument("--L1", required=True, help="L1 >= 0")
    p.add_argument(
        "--steps", required=True, help="N (tau: 1..200) or the budget (eps; an algorithm: <= 2000)"
    )
    p.add_argument("--Delta", help="f(x0) - inf f (required with --eps; else for schedules)")
    p.add_argument("--eps", help="target |f'(x)| <= eps: count iterations instead of tau")
    p.add_argument("--M", help="fix |f'(x0)| (= sup |f'| of the witness; default: searched)")
    p.add_argument("--x0", default="0", help="start point (default 0)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override a schedule value of the method (as in l0l1 run)",
    )  # fmt: skip
    p.add_argument(
        "--rerun", action="store_true",
        help="also run the witness through l0l1.run (compiles once per method: seconds)",
    )  # fmt: skip
    p.add_argument("--json", action="store_true", help="print one JSON object (the certificate)")


def cmd(args, number, overrides) -> int:
    """Run ``l0l1 worstcase``: ``number(text, field)`` and ``overrides(items)`` parse as
    ``l0l1 run`` does."""
    from l0l1.worstcase import worstcase
    from l0l1.worstcase.certify import certify, rerun

    opt = {k: None if getattr(args, k) is None else number(getattr(args, k), k)
           for k in ("Delta", "eps", "M")}  # fmt: skip
    steps_text = args.steps
    try:
        steps = int(steps_text)
    except ValueError:
        raise ValueError(
            f"steps: {steps_text!r} is not allowed; allowed: an integer >= 1"
        ) from None
    wc = worstcase(
        args.method, number(args.L0, "L0"), number(args.L1, "L1"), steps,
        x0=number(args.x0, "x0"), overrides=overrides(args.set) or None, **opt,
    )  # fmt: skip
    cert = certify(wc)
    out = wc.to_dict()
    out["certificate"] = {"ok": cert.ok, "failures": list(cert.failures),
                          "tau": list(cert.tau), "fall": list(cert.fall)}  # fmt: skip
    if args.rerun:
        same, text = rerun(wc)
        out["rerun"] = {"ok": same, "summary": text}
    if args.json:
        print(json.dumps(out))
    else:
        print(summary(out))
    return 0 if cert.ok and out.get("rerun", {"ok": True})["ok"] else 1


def summary(out: dict) -> str:
    """A few human lines for a worst case and its certificate."""
    head = (
        f"{out['method']} at L0 = {out['L0']:g}, L1 = {out['L1']:g}, M = |f'(x0)| = {out['M']:.6g}"
    )
    if out["measure"] == "tau":
        lines = [f"{head}: worst tau after {out['steps']} steps = {out['tau']}"]
    else:
        more = " (the budget: at least)" if out["censored"] else ""
        lines = [
            f"{head}: worst case {out['iterations']} iterations to |f'| <= {out['eps']:g}{more},"
            f" f(x0) - inf f = {out['drop']:.6g} <= Delta = {out['Delta']:g}"
        ]
        if out["bound"] is not None:
            lines.append(f"  bound: {out['bound']:.6g} ({out['bound_name']}); "
                         f"worst/bound = {out['ratio']:.3g}")  # fmt: skip
    cert = out["certificate"]
    verdict = "ok" if cert["ok"] else "FAILED: " + "; ".join(cert["failures"][:3])
    lines.append(f"  witness: {len(out['pieces'])} pieces; certificate {verdict}")
    if out["measure"] == "tau":
        lines.append(f"  tau in [{cert['tau'][0]!r}, {cert['tau'][1]!r}] (interval arithmetic)")
    if "rerun" in out:
        lines.append(f"  {out['rerun']['summary']}")
    lines += [f"  note: {n}" for n in out["notes"]]
    return "\n".join(lines)
