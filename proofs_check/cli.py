"""Command line: ``python -m proofs_check [--only NAME] [--list] [--json] [--siblings]
[--report FILE.md]``, ``python -m proofs_check run FILE.py [--json] [--report FILE.md]``,
``python -m proofs_check inequality "LHS <= RHS" --where "0 < c <= 1" [--json]`` and
``python -m proofs_check frontier POLY --L1 VALUE``.

Exit codes: 0 all good (for ``--siblings``: every false sibling failed), 1 a lemma failed
(or a sibling passed), 2 bad input.
"""

from __future__ import annotations

import difflib
import json
import sys

from proofs_check.core import CERTIFIED, FAILED, LemmaResult, run
from proofs_check.parse import OneLineParser, UsageError
from proofs_check.registry import discover, siblings


def _table(results: list[LemmaResult], label: str = "lemma") -> str:
    rows = [(r.name, r.source, r.status, f"{r.seconds:.2f}") for r in results]
    head = (label, "source", "status", "seconds")
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*row) for row in rows]
    for r in results:
        if label != "lemma" and r.status == FAILED:  # an expected failure: name the catch
            caught = next(s for s in r.steps if s.status == FAILED)
            lines.append(f"  {r.name}: caught by {caught.claim!r}")
            continue
        for s in r.failures():
            lines.append(f"  {r.name}: [{s.status}] {s.claim}: {s.detail}")
            if s.counterexample:
                lines.append(f"    counterexample: {s.counterexample}")
    return "\n".join(lines)


def to_json(results: list[LemmaResult]) -> list[dict]:
    return [
        {
            "name": r.name,
            "source": r.source,
            "status": r.status,
            "seconds": round(r.seconds, 4),
            "statement": r.statement,
            "steps": [
                {
                    "claim": s.claim,
                    "kind": s.kind,
                    "method": s.method,
                    "status": s.status,
                    "detail": s.detail,
                    "counterexample": s.counterexample,
                    "latex": s.latex,
                }
                for s in r.steps
            ],
        }
        for r in results
    ]


def report(results: list[LemmaResult]) -> str:
    """A Markdown hand-out: each lemma's statement, assumptions and checked steps in LaTeX."""
    out = ["# Certified lemmas of l0l1", ""]
    out.append(
        "Statuses: **certified** (exact SymPy / root-isolation / interval-arithmetic proof, "
        "and a 110-digit numeric attack found no violation), **numeric** (sampled evidence "
        "only), **failed**."
    )
    out.append("")
    for r in results:
        out += [
            f"## {r.name} ({r.status})",
            "",
            f"*Source:* {r.source}. *Assumptions:* {r.assumptions}",
        ]
        out += ["", f"$${r.statement}$$", ""]
        for i, s in enumerate(r.steps, 1):
            math = f": ${s.latex}$" if s.latex else ""
            out.append(f"{i}. {s.claim}{math} — *{s.status}* ({s.method})")
            if s.status != CERTIFIED:
                out.append(f"   - {s.detail}")
        out += ["", f"Checked in {r.seconds:.2f} s.", ""]
    return "\n".join(out)


def _main_parser() -> OneLineParser:
    p = OneLineParser(
        prog="python -m proofs_check",
        description="Certify the lemmas behind l0l1's bounds with SymPy (THEORY T7).",
        epilog="Also: python -m proofs_check frontier POLY --L1 VALUE certifies the least L0 "
        'of a polynomial for that L1 in exact arithmetic, e.g. frontier "x**4 - 3*x**2 + 1" '
        "--L1 2.",
    )
    p.add_argument("--only", metavar="NAME", help="check one lemma (or false sibling)")
    p.add_argument("--list", action="store_true", help="list lemma names and sources")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--siblings", action="store_true", help="run the false siblings instead")
    p.add_argument("--report", metavar="FILE.md", help="write a Markdown/LaTeX report")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `python -m proofs_check --list | head`
        sys.stderr.close()
        return 0


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["frontier"]:
        from proofs_check.frontier import main as frontier_main

        return frontier_main(argv[1:])
    if argv[:1] == ["inequality"]:
        return _inequality(argv[1:])
    if argv[:1] == ["run"]:
        return _run_file(argv[1:])
    try:
        args = _main_parser().parse_args(argv)
    except UsageError as err:
        print(f"proofs_check: {err}", file=sys.stderr)
        return 2
    lemmas = [s for _, s in siblings()] if args.siblings else discover()
    if args.list:
        for lem in lemmas:
            print(f"{lem.name}  ({lem.source})")
        return 0
    if args.only:
        pool = {lem.name: lem for lem in [*discover(), *(s for _, s in siblings())]}
        if args.only not in pool:
            close = difflib.get_close_matches(args.only, pool, n=3, cutoff=0.4)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see --list"
            hint += "; for a lemma file outside the package use: python -m proofs_check run FILE.py"
            print(f"proofs_check: unknown lemma {args.only!r}{hint}", file=sys.stderr)
            return 2
        lemmas = [pool[args.only]]
    results = [run(lem, stop_on_failure=args.siblings) for lem in lemmas]
    if args.json:
        print(json.dumps(to_json(results), indent=1))
    else:
        print(_table(results, "false sibling" if args.siblings else "lemma"))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(report(results))
    if args.siblings and not args.only:
        return 0 if all(r.status == FAILED for r in results) else 1
    return 1 if any(r.status == FAILED for r in results) else 0


def _inequality(argv: list[str]) -> int:
    """``inequality TEXT --where RANGE ... [--json]``: exit 0 certified, 1 failed or
    inconclusive, 2 bad input."""
    from proofs_check.parse import ParseError
    from proofs_check.prover import CERTIFIED as OK
    from proofs_check.prover import decide, parse_statement

    ap = OneLineParser(prog="python -m proofs_check inequality")
    ap.add_argument("statement", help='e.g. "(exp(c) - 1)/c <= 1 + c"')
    ap.add_argument("--where", action="append", default=[], help='e.g. "0 < c <= 1"')
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds")
    try:
        args = ap.parse_args(argv)
        lhs, rel, rhs, ranges = parse_statement(args.statement, args.where)
        missing = sorted(map(str, (lhs - rhs).free_symbols - set(ranges)))
        if missing:
            raise ParseError(
                f"where: no range for {', '.join(missing)}; allowed: one --where per variable"
            )
    except (ParseError, UsageError) as err:
        print(f"proofs_check inequality: {err}", file=sys.stderr)
        return 2
    d = decide(lhs, rel, rhs, ranges, args.time_limit)
    if args.json:
        out = {
            "statement": args.statement,
            "where": args.where,
            "status": d.status,
            "method": d.method,
            "detail": d.detail,
            "counterexample": d.point,
            "counterexample_exact": d.exact_point,
            "box": d.box,
            "boxes": d.boxes,
            "seconds": round(d.seconds, 3),
        }
        print(json.dumps(out))
    else:
        print(d.line(args.statement))
    return 0 if d.status == OK else 1


def _run_file(argv: list[str]) -> int:
    """``run FILE.py``: the file's LEMMA/LEMMAS must be certified (or numeric) and every
    FALSE_SIBLINGS entry must fail; exit 0 only then."""
    from proofs_check.registry import load_file

    ap = OneLineParser(prog="python -m proofs_check run")
    ap.add_argument("file", help="a Python file defining LEMMA or LEMMAS (and FALSE_SIBLINGS)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--report", metavar="FILE.md")
    try:
        args = ap.parse_args(argv)
        lemmas, sibs = load_file(args.file)
    except (UsageError, ValueError) as err:
        print(f"proofs_check run: {err}", file=sys.stderr)
        return 2
    results = [run(lem) for lem in lemmas]
    sib_results = [run(s, stop_on_failure=True) for s in sibs]
    if args.json:
        print(
            json.dumps(
                {"lemmas": to_json(results), "false_siblings": to_json(sib_results)}, indent=1
            )
        )
    else:
        print(_table(results))
        if sib_results:
            print()
            print(_table(sib_results, "false sibling"))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(report(results))
    ok = all(r.status != FAILED for r in results) and all(r.status == FAILED for r in sib_results)
    return 0 if ok else 1
