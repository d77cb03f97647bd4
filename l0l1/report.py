"""REPORT.md and report.json of ``l0l1 reproduce``, and the proofs_check summary (T6, T7)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

PROOFS_TIMEOUT = 900


def proofs_start():
    """Start ``python -m proofs_check --json`` in the background (None if not importable)."""
    if importlib.util.find_spec("proofs_check") is None:
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "proofs_check", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def proofs_summary(proc) -> dict | None:
    """{"counts": {status: n}, "not_certified": [...]} from ``python -m proofs_check --json``."""
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=PROOFS_TIMEOUT)
        lemmas = json.loads(out)
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as err:
        proc.kill()
        return {"counts": {}, "not_certified": [], "error": type(err).__name__}
    counts: dict[str, int] = {}
    for lem in lemmas:
        counts[lem["status"]] = counts.get(lem["status"], 0) + 1
    odd = [f"{lem['name']} ({lem['status']})" for lem in lemmas if lem["status"] != "certified"]
    return {"counts": counts, "not_certified": odd}


def clean(obj):
    """JSON-safe: NaN becomes None."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    return obj


def _num(v, fmt=".2f") -> str:
    return "n/a" if v is None or not math.isfinite(v) else format(v, fmt)


def _disagrees(row: dict) -> bool:
    lo, hi, rate = row["ci_low"], row["ci_high"], row["theory_rate"]
    if rate is None or lo is None or not math.isfinite(lo):
        return False
    return not lo - 0.05 <= rate <= hi + 0.05


def report_markdown(summary: dict, store: Path) -> str:
    """REPORT.md: slopes next to the theory's rates, findings against the papers (each
    figure's facts["findings"]), bound check, proofs_check, notes."""
    s = summary
    lines = [
        "# l0l1 reproduce: measured rates",
        "",
        f"Scale `{s['scale']}`, backend `{s['backend']}`, {s['seconds']['total']:.0f} s in "
        f"total. Regenerate with `l0l1 reproduce{' --quick' if s['scale'] == 'quick' else ''}`"
        f"; the run store is `{store.name}` in `{store.parent.name}/` (not committed).",
        "",
        "Slopes are least-squares fits of log(median oracle calls or iterations) on log x over "
        "seeds (THEORY T6), with 95% bootstrap intervals (seeds resampled within each x). Runs "
        "not reached within the budget or diverged are excluded and counted; a point whose "
        "median is censored is dropped. The theory rate is the worst-case exponent; benign "
        "problems sit below it.",
        "",
        "| figure | problem | method | axis | slope [95% CI] | theory | excluded | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in s["fits"]:
        ci = f"{_num(r['slope'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}]"
        exc = f"{r['n_excluded_censored']} nr, {r['n_excluded_diverged']} div"
        theory = "n/a" if r["theory_rate"] is None else f"{r['theory_rate']:g}"
        lines.append(f"| {r['figure']} | {r['problem']} | {r['method']} | {r['axis']} | {ci} | "
                     f"{theory} | {exc} | {r['notes'] or ''} |")  # fmt: skip
    off = [r for r in s["fits"] if _disagrees(r)]
    if off:
        lines += [
            "",
            "Slopes whose interval (widened by 0.05) excludes the theory's exponent (see each "
            "figure's notes below for the reason; benign problems are expected to sit below):",
            "",
        ]
        lines += [f"- {r['figure']}, {r['problem']}, {r['method']}: {_num(r['slope'])} "
                  f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}] against {r['theory_rate']:g}"
                  for r in off]  # fmt: skip
    found = [(name, text) for name, facts in s.get("facts", {}).items()
             for text in facts.get("findings", [])]  # fmt: skip
    if found:
        lines += ["", "## Where a measurement departs from a paper", ""]
        lines += [f"- {name}: {text}" for name, text in found]
    bc = s["bound_check"]
    lines += [
        "",
        "## Bound check (T6)",
        "",
        f"Certified instances checked: {bc['checked']}; violations: {bc['violations']}; "
        f"inconclusive (budget below the bound): {bc['inconclusive']}.",
    ]
    lines += [f"- violation: {v}" for v in bc["violating"]]
    pc = s["proofs_check"]
    lines += ["", "## proofs_check", ""]
    if pc is None:
        lines.append("Not run (proofs_check not importable, or disabled).")
    elif pc.get("error"):
        lines.append(f"Could not be read: {pc['error']}.")
    else:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(pc["counts"].items()))
        lines.append(f"`python -m proofs_check`: {counts}.")
        lines += [f"- not certified: {name}" for name in pc["not_certified"]]
    hc = s.get("hard_checks") or []
    if hc:
        lines += ["", "## Zero-chain properties (THEORY T2, checked numerically)", "",
                  "| property | claimed | worst found | derived bound | holds | how |",
                  "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        lines += [f"| {r['property']} | {r['claimed']:g} | {r['measured']:.6g} | "
                  f"{_num(r['derived'], '.4g')} | {'yes' if r['holds'] else '**no**'} | "
                  f"{r['how']} |" for r in hc]  # fmt: skip
    lines += ["", "## Figures and notes", ""]
    for name, files in s["figures"].items():
        lines += [f"### {name}", "", f"![{name}]({files[0]})", ""]
        caption, *facts = s["notes"][name]
        lines += [caption, ""] + [f"- {fact}" for fact in facts] + ([""] if facts else [])
    if s.get("skipped"):
        lines += ["## Skipped figures", ""]
        lines += [f"- {name}: {why}" for name, why in s["skipped"].items()] + [""]
    secs = ", ".join(f"{k} {v:.0f} s" for k, v in s["seconds"].items())
    lines += ["## Timing", "", secs, ""]
    return "\n".join(lines)


def write(out: Path, summary: dict, store: Path) -> None:
    """report.json (the fit rows) and REPORT.md into ``out``."""
    (out / "report.json").write_text(json.dumps(clean(summary["fits"]), indent=1) + "\n")
    (out / "REPORT.md").write_text(report_markdown(summary, store))
