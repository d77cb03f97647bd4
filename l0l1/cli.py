"""Command line: argument parsing only; the work is done by the library.

Every error is one line on stderr with exit status 2, and nothing is written.
``l0l1 --help`` imports neither Numba, SymPy, SciPy nor Matplotlib.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

PROBLEM_PARAMS = {
    # CLI option -> builder keyword (only the options given are passed on)
    "coeffs": "coeffs",
    "L1": "L1",
    "dim": "dim",
    "a": "a",
    "L0": "L0",
    "m": "m",
    "d": "d",
    "problem_seed": "seed",
    "measurement_noise": "noise",
    "L": "L",
    "Delta": "Delta",
    "T": "T",
    "sigma": "sigma",
    "n": "n",
    "c": "c",
    "omega": "omega",
}
INT_PARAMS = ("dim", "m", "d", "problem_seed", "T", "n")
# The subcommands whose help lists the problem and method names: building their parser reads
# the catalog and the registry (what they run imports them anyway); the others, and
# `l0l1 --help`, import neither.
NAMED = ("run", "worstcase")
ENTRY = "module:name or file.py:name"


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse prints usage otherwise)
        raise CliError(message)


def _numbers(text: str, field: str) -> list[float]:
    try:
        vals = [float(t) for t in text.replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise CliError(
            f"{field}: {text!r} is not a comma-separated list of numbers; allowed e.g. '0,0,0,0,1'"
        ) from None
    if not vals:
        raise CliError(f"{field}: {text!r} is empty; allowed: a comma-separated list of numbers")
    return vals


def _coeffs(text: str):
    """'a0,a1,...' for one polynomial, rows separated by ';' for a separable sum."""
    rows = [r for r in text.split(";") if r.strip()]
    if len(rows) > 1 or ";" in text:
        return [_numbers(r, "coeffs") for r in rows] or _numbers("", "coeffs")
    return _numbers(text, "coeffs")


def _int(text: str, field: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise CliError(f"{field}: {text!r} is not an integer; allowed: a whole number") from None


def _float(text: str, field: str) -> float:
    try:
        val = float(text)
    except (TypeError, ValueError):
        raise CliError(f"{field}: {text!r} is not a number") from None
    return val


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise CliError(f"set: {item!r} is not KEY=VALUE; allowed e.g. --set gamma=2")
        out[key.strip()] = _float(val, f"set {key.strip()}")
    return out


def _params(items: list[str]) -> dict:
    """--param KEY=VALUE: an integer, a number or a comma-separated list of numbers."""
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise CliError(f"param: {item!r} is not KEY=VALUE; allowed e.g. --param scale=2")
        try:
            out[key] = int(val)
        except ValueError:
            nums = _numbers(val, f"param {key}")
            out[key] = nums[0] if len(nums) == 1 and "," not in val else nums
    return out


def _subcommand(argv) -> str | None:
    """The subcommand ``argv`` names: its first word that is not a top-level option or the
    value of ``--import``."""
    words = iter(argv)
    for word in words:
        if word == "--import":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def _names(command: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(problem names, method names) as the catalog and the registry hold them (built-in and
    registered), for the subcommands in NAMED; empty for the others."""
    if command not in NAMED:
        return (), ()
    from l0l1.methods.registry import METHODS
    from l0l1.problems.catalog import PROBLEMS

    return tuple(PROBLEMS), tuple(METHODS)


def _import_plugins(argv) -> None:
    """Import the modules / files named by --import (before the listings are built)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--import", dest="imports", action="append", default=[])
    known, _ = pre.parse_known_args(argv)
    if not known.imports:
        return
    from l0l1 import entrypoints

    for ref in known.imports:
        module_ref = ref[:-1] if ref.endswith(":") else ref
        entrypoints.import_module(module_ref, "import")


def _problem_kwargs(args) -> dict:
    kwargs = _params(args.param)
    for opt, key in PROBLEM_PARAMS.items():
        raw = getattr(args, opt, None)
        if raw is None:
            continue
        if opt == "coeffs":
            kwargs[key] = _coeffs(raw)
        elif opt == "a":
            kwargs[key] = _numbers(raw, "a")
        elif opt in INT_PARAMS:
            kwargs[key] = _int(raw, opt)
        else:
            kwargs[key] = _float(raw, opt)
    return kwargs


def _add_problem_options(p: argparse.ArgumentParser, names: tuple[str, ...]) -> None:
    g = p.add_argument_group("problem")
    g.add_argument(
        "--problem",
        default="polynomial",
        help=f"problem name (default: polynomial): {', '.join(names)}; or {ENTRY}",
    )
    g.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="a keyword parameter of the problem's builder (e.g. a registered problem's)",
    )  # fmt: skip
    g.add_argument("--coeffs", help="polynomial coefficients a0,a1,... (ascending); ';' = rows")
    g.add_argument("--L1", help="fix L1 (default: the schedule picks it on the frontier)")
    g.add_argument("--dim", help="dimension of exp / cosh / logcosh sums")
    g.add_argument("--a", help="logistic direction a1,a2,...")
    g.add_argument("--L0", help="L0 for exp / logistic (any L0 >= 0 is valid)")
    g.add_argument("--m", help="phase retrieval: number of measurements (finite sum n = m)")
    g.add_argument("--d", help="phase retrieval: dimension")
    g.add_argument("--problem-seed", dest="problem_seed", help="phase retrieval: data seed")
    g.add_argument("--measurement-noise", dest="measurement_noise", help="phase retrieval noise")
    g.add_argument("--L", help="zero chains: smoothness L (default 1)")
    g.add_argument("--Delta", help="zero chains: the gap Delta that sets the length T")
    g.add_argument("--T", help="zero chains: the length T directly (instead of Delta)")
    g.add_argument("--sigma", help="zero_chain: noise level setting the Bernoulli p")
    g.add_argument("--n", help="zero_chain_sum: number of components")
    g.add_argument("--c", help="zero_chain_sum: perturbation amplitude (default 8)")
    g.add_argument("--omega", help="zero_chain_sum: perturbation frequency (default 2)")


def _deterministic(methods: tuple[str, ...]) -> tuple[str, ...]:
    """The methods ``l0l1 worstcase`` searches (none listed when ``methods`` is empty)."""
    if not methods:
        return ()
    from l0l1.worstcase.adapter import deterministic_methods

    return tuple(deterministic_methods())


def build_parser(command: str | None = "run") -> argparse.ArgumentParser:
    """The CLI's parser; the name lists in the help of the NAMED subcommands are read from
    the catalog and the registry only when ``command`` is one of them."""
    problems, methods = _names(command)
    parser = _Parser(
        prog="l0l1",
        description="A sandbox for (L0,L1)-smooth non-convex optimization: run methods with "
        "exact oracle counts on problems with certified constants.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="MODULE",
        help="import a module or file.py first (registering its problems and methods)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    from l0l1 import cli_demo, cli_nn, cli_reproduce, cli_worstcase
    from l0l1.experiments import cli_sweep

    r = sub.add_parser("run", help="run one method on one problem from x0")
    _add_problem_options(r, problems)
    r.add_argument(
        "--method", default="clipped_gd",
        help=f"method name (default: clipped_gd): {', '.join(methods)}; or {ENTRY}",
    )  # fmt: skip
    r.add_argument("--eps", default="1e-3", help="target gradient norm (default: 1e-3)")
    r.add_argument("--seed", default="0", help="random seed, an integer >= 0 (default: 0)")
    r.add_argument("--budget", help="iteration budget (default: 100000; SPIDER-clip: its K)")
    r.add_argument("--max-calls", dest="max_calls", default="0", help="oracle-call budget")
    r.add_argument("--x0", help="start point x1,x2,... (default: the problem's)")
    r.add_argument(
        "--noise",
        help="oracle of stochastic methods: exact, bounded, gaussian, student (t_3), stable "
        "(alpha = 1.5), affine (variance w^2 (1 + |grad f|^2)), skewed (rare one-sided jumps), "
        "minibatch (finite sums), online (online phase retrieval), bernoulli (zero chains); "
        "default: the problem's",
    )
    r.add_argument(
        "--noise-level",
        dest="noise_level",
        help="tau (bounded, default 1), sigma (gaussian, student, skewed), the scale (stable, "
        "affine) or p (bernoulli)",
    )
    r.add_argument("--batch", default="1", help="minibatch size of SGD methods (default: 1)")
    r.add_argument(
        "--probe-every",
        dest="probe_every",
        default="1",
        help="test ||grad f|| <= eps every N iterations (default 1; N > 1 gives an upper "
        "bound on the hitting time and saves exact gradients on large finite sums)",
    )
    r.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter"
    )
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--trace", action="store_true", help="with --json: include the trace")

    cli_sweep.add_parser(sub)
    cli_reproduce.add_parser(sub)
    cli_demo.add_parser(sub)
    cli_nn.add_parser(sub)
    cli_worstcase.add_parser(sub, _deterministic(methods), ENTRY)

    c = sub.add_parser(
        "constants",
        help="the certified (L0, L1) frontier of a polynomial; --audit: search for a point "
        "where a problem's declared pair fails",
    )
    c.add_argument("--coeffs", help="coefficients a0,a1,... (ascending)")
    c.add_argument(
        "--L1", help="L1 values (default: 0.1,0.3,1,3,10); with --audit: the polynomial's L1"
    )
    c.add_argument("--json", action="store_true", help="print JSON")
    a = c.add_argument_group("audit (l0l1.check_constants)")
    a.add_argument(
        "--audit", action="store_true",
        help="search adversarially for x with ||hess f|| > L0 + L1 ||grad f||: the witness, or "
        "'no violation found' with how it searched",
    )  # fmt: skip
    a.add_argument("--problem", help=f"problem name or {ENTRY} (default: polynomial, --coeffs)")
    a.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a keyword parameter of the problem's builder")  # fmt: skip
    a.add_argument("--pair", help="L0,L1 to audit (default: the problem's declared constants)")
    a.add_argument(
        "--region", help="radius R of the searched ball about x0 or 0 (default 1000 max(1, |x0|))"
    )
    a.add_argument("--x0", help="search only the sublevel set {f <= f(x0)} (x1,x2,...)")
    a.add_argument("--seed", default="0", help="seed of the search (default: 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except CliError as err:
        print(f"l0l1: error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:  # the library's validation errors (one line each)
        print(f"l0l1: error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `l0l1 run ... | head`
        sys.stderr.close()
        return 0


def _main(argv) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _import_plugins(argv)
    parser = build_parser(_subcommand(argv))
    args = parser.parse_args(argv)
    if args.version:
        from l0l1 import __version__

        print(__version__)
        return 0
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "constants":
        return _cmd_constants(args)
    if args.command == "sweep":
        from l0l1.experiments import cli_sweep

        return cli_sweep.cmd(args)
    if args.command == "reproduce":
        from l0l1 import cli_reproduce

        return cli_reproduce.cmd(args)
    if args.command == "demo":
        from l0l1 import cli_demo

        return cli_demo.cmd(args)
    if args.command == "nn":
        from l0l1 import cli_nn

        return cli_nn.cmd(args)
    if args.command == "worstcase":
        from l0l1 import cli_worstcase

        return cli_worstcase.cmd(args, _float, _overrides)
    parser.print_help()
    return 0


def _cmd_run(args) -> int:
    kwargs = _problem_kwargs(args)
    eps = _float(args.eps, "eps")
    seed = _int(args.seed, "seed")
    budget = None if args.budget is None else _int(args.budget, "budget")
    x0 = None if args.x0 is None else _numbers(args.x0, "x0")
    level = None if args.noise_level is None else _float(args.noise_level, "noise_level")
    overrides = _overrides(args.set)
    from l0l1.methods.registry import get_method
    from l0l1.problems.catalog import make_problem, problem_parameters
    from l0l1.runs import run
    from l0l1.validate import integer, positive

    get_method(args.method)  # cheap checks first, before any exact arithmetic
    positive("eps", eps)
    integer("budget", 1 if budget is None else budget, 1)
    if "eps" in problem_parameters(args.problem):  # hard instances are built for the target
        kwargs["eps"] = eps
    problem = make_problem(args.problem, **kwargs)
    res = run(
        problem, args.method, eps=eps, x0=x0, seed=seed, max_iter=budget,
        max_calls=_int(args.max_calls, "max_calls"), noise=args.noise, noise_level=level,
        batch=_int(args.batch, "batch"), probe_every=_int(args.probe_every, "probe_every"),
        overrides=overrides or None,
    )  # fmt: skip
    if args.json:
        out = res.to_dict()
        if not args.trace:
            out.pop("trace")
        print(json.dumps(out))
    else:
        print(summary(res))
    return 0


def summary(res) -> str:
    """A few human lines describing a RunResult."""
    head = f"{res.method} on {res.problem}: {res.status}"
    if res.status == "reached":
        measure = "f - f*" if _target(res.method) == "gap" else "||grad f||"
        head += f" {measure} <= {res.eps:g} at iteration {res.iterations}"
    else:
        head += f" at iteration {res.iterations}"
    calls = f"{res.oracle_calls} oracle calls"
    if res.value_calls:
        calls += f": {res.gradient_calls} gradient, {res.value_calls} function-value"
    head += f" ({calls}, oracle {res.oracle})"
    how = res.constants_how
    if res.constants_certified:
        how = f"certified: {how}"
    elif not how.startswith(("estimated", "given")):
        how = f"estimated: {how}"
    lines = [
        head,
        f"  f = {res.f_value:.6g}, ||grad f|| = {res.grad_norm:.6g}",
        f"  L0 = {res.L0:.6g}, L1 = {res.L1:.6g} ({how})",
        f"  Delta = {res.Delta:.6g}, M = {res.M:.6g} "
        f"({'certified' if res.start_certified else 'estimated'})",
        f"  schedule ({res.schedule}): "
        + ", ".join(f"{k} = {v:.6g}" for k, v in res.params.items()),
        f"  clipped steps: {res.clipped_steps} ({100 * res.clip_fraction:.1f}%)",
    ]
    if res.bound is not None and math.isfinite(res.bound):
        ratio = f"{res.iterations / res.bound:.3g}" if res.bound > 0 else "n/a (bound is 0)"
        lines.append(
            f"  bound: {res.bound:.6g} iterations ({res.bound_name}); measured/bound = {ratio}"
        )
    lines += [f"  note: {a}" for a in res.assumptions]
    return "\n".join(lines)


def _target(method: str) -> str:
    """The method's hitting test (T6): "grad" or "gap"."""
    from l0l1.methods.registry import METHODS

    spec = METHODS.get(method)
    return spec.target if spec else "grad"


def _cmd_constants(args) -> int:
    if args.audit:
        return _cmd_audit(args)
    for opt in ("problem", "pair", "region", "x0"):
        if getattr(args, opt) is not None:
            raise CliError(f"{opt}: {getattr(args, opt)!r} needs --audit; allowed: --audit")
    if args.param:
        raise CliError(f"param: {args.param[0]!r} needs --audit; allowed: --audit")
    if args.coeffs is None:
        raise CliError(
            "coeffs: none given; allowed: --coeffs a0,a1,... (or --audit --problem NAME)"
        )
    coeffs = _numbers(args.coeffs, "coeffs")
    l1s = _numbers(args.L1 or "0.1,0.3,1,3,10", "L1")
    from l0l1.problems.polynomial import frontier_table

    rows = frontier_table(coeffs, l1s)
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"certified (L0, L1) frontier of p with coefficients {coeffs} (ascending)")
    print(f"{'L1':>12} {'L0 (valid)':>16} {'enclosure [lo, hi]':>38}")
    for row in rows:
        enc = f"[{row['L0_lo']:.10g}, {row['L0_hi']:.10g}]"
        print(f"{row['L1']:>12.6g} {row['L0']:>16.10g} {enc:>38}")
    return 0


def _cmd_audit(args) -> int:
    """``constants --audit``: l0l1.check_constants on a built-in or entry-point problem."""
    kwargs = _params(args.param)
    if args.coeffs is not None:
        kwargs["coeffs"] = _coeffs(args.coeffs)
    if args.L1 is not None:
        l1s = _numbers(args.L1, "L1")
        if len(l1s) != 1:
            raise CliError(f"L1: {args.L1!r} with --audit; allowed: one number (the problem's L1)")
        kwargs["L1"] = l1s[0]
    pair = None if args.pair is None else _numbers(args.pair, "pair")
    if pair is not None and len(pair) != 2:
        raise CliError(f"pair: {args.pair!r} is not allowed; allowed: two numbers L0,L1")
    region = None if args.region is None else _float(args.region, "region")
    x0 = None if args.x0 is None else _numbers(args.x0, "x0")
    seed = _int(args.seed, "seed")
    from l0l1.audit import check_constants
    from l0l1.problems.catalog import make_problem
    from l0l1.validate import integer, positive

    if pair is not None:  # cheap checks first, before a problem is built
        positive("L0", pair[0], allow_zero=True), positive("L1", pair[1], allow_zero=True)
    if region is not None:
        positive("region", region)
    integer("seed", seed, 0)
    problem = make_problem(args.problem or "polynomial", **kwargs)
    declared = problem.constants
    if pair is None:
        if not (math.isfinite(declared.L0) and math.isfinite(declared.L1)):
            raise CliError(
                f"pair: problem {problem.name!r} declares no (L0, L1) ({declared.how}); "
                "allowed: --pair L0,L1"
            )
        pair = [declared.L0, declared.L1]
        label = "certified" if declared.certified else "declared"
        source = f"{label} by {problem.name!r}: {declared.how}"
    else:
        source = "given with --pair"
    res = check_constants(problem, pair[0], pair[1], region=region, x0=x0, seed=seed)
    if args.json:
        print(json.dumps({**res.to_dict(), "problem": problem.name, "source": source}))
        return 0
    print(f"audit of (L0, L1) = ({res.L0:.6g}, {res.L1:.6g}) on {problem.name} ({source})")
    print(res.statement)
    return 0


if __name__ == "__main__":
    sys.exit(main())
