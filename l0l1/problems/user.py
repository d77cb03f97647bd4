"""Your own objective as a first-class problem (THEORY T2): functions in, a Problem out.

    >>> import numpy as np
    >>> from l0l1 import Problem, run
    >>> quartic = Problem.from_functions(
    ...     lambda x: np.sum(x**4), lambda x: 4 * x**3, dim=1, name="quartic",
    ...     constants=(16.0, 1.0), f_star=0.0)
    >>> run(quartic, "clipped_gd", eps=1e-2, x0=[3.0]).status
    'reached'

:func:`from_functions` compiles plain Python functions written in Numba-compilable NumPy
with ``numba.njit`` (or takes already jitted ones), checks them once at a test point and
wraps them in a :class:`l0l1.usercode.JitCode` token: the kernels, oracles, oracle counts,
traces and stores are the built-in problems' own. Constants of a user function are
whatever the user states (labelled "given by the user", never certified) or an estimate
(:func:`l0l1.estimate_constants`, labelled estimated). :func:`from_sympy` builds the
functions from a SymPy expression and, for a univariate or separable polynomial, certifies
(L0, L1) and f* with the exact frontier of :mod:`l0l1.problems.polynomial`.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import replace

import numpy as np

from l0l1 import usercode
from l0l1.problems.base import (
    Constants,
    Problem,
    ProblemError,
    StartConstants,
    check_integer,
    given_constants,
)
from l0l1.problems.kinds import KIND_USER

NO_CONSTANTS = "none given"
MAX_DIM = 10**8  # 800 MB per vector; the kernels hold about eight


def from_functions(
    value,
    grad,
    hvp=None,
    *,
    dim: int,
    name: str = "user",
    component_grad=None,
    n: int = 0,
    constants=None,
    f_star: float | None = None,
    x0=None,
) -> Problem:
    """A problem from ``value(x) -> float`` and ``grad(x) -> array`` (or ``grad(x, out)``).

    Parameters
    ----------
    value, grad : Numba-compilable functions of a float64 vector of length ``dim``;
        ``grad`` may return the gradient or write it into its second argument.
    hvp : optional ``hvp(x, u) -> hess f(x) u`` (used by :func:`l0l1.estimate_constants`).
    component_grad, n : a finite sum f = (1/n) sum_i f_i: ``component_grad(i, x)`` (or
        ``(i, x, out)``) is grad f_i(x) for i in 0..n-1. Enables SPIDER's exact refresh
        and the minibatch oracle.
    constants : (L0, L1) you vouch for, a :class:`Constants`, or None (runs then ask
        for them). Never labelled certified unless a Constants says so.
    f_star : the minimum or a lower bound of it (Delta = f(x0) - f_star); None if unknown.
    x0 : the default start of runs (none when not given: runs then need x0=); the
        functions are also tested there (at 0.5 per coordinate when not given).

    Every function is compiled and called once at the test point: a function Numba cannot
    compile, one that raises, returns the wrong shape or a non-finite number is refused
    with a one-line :class:`ProblemError`.
    """
    dim = check_integer("dim", dim, 1)
    if dim > MAX_DIM:
        raise ProblemError(
            f"dim: {dim} needs {8 * dim / 2**30:.1f} GiB per vector; allowed: at most {MAX_DIM}"
        )
    n = check_integer("n", n, 0)
    if (component_grad is None) != (n == 0):
        raise ProblemError(
            f"n: {n} with component_grad={'given' if component_grad else 'None'}; allowed: "
            "both (a finite sum: n >= 1 and component_grad(i, x)) or neither"
        )
    if not isinstance(name, str) or not name.strip():
        raise ProblemError(f"name: {name!r} is not allowed; allowed: a non-empty string")
    x_test = _start(x0, dim) if x0 is not None else np.full(dim, 0.5)
    slots = {"value": value, "grad": grad}
    if component_grad is not None:
        slots["component_grad"] = component_grad
    if hvp is not None:
        slots["hvp"] = hvp
    functions = {slot: usercode.as_jitted(fn, slot) for slot, fn in slots.items()}
    flags = {"grad_inplace": _inplace(functions["grad"], "grad", 1)}
    if component_grad is not None:
        flags["component_grad_inplace"] = _inplace(functions["component_grad"], "component_grad", 2)
    if hvp is not None:
        _arity(functions["hvp"], "hvp", (2,), "hvp(x, u) -> array")
    _arity(functions["value"], "value", (1,), "value(x) -> float")
    code = usercode.JitCode("problem", functions, flags)
    _check_at(code, x_test, dim, n)
    _warn_uncached(name, functions)
    spec = {"problem": name, "source_hash": code.key, "dim": dim, "n": n,
            "origin": "Problem.from_functions"}  # fmt: skip
    if x0 is not None:
        spec["x0"] = x_test.tolist()
    return Problem(
        name=name,
        kind=KIND_USER,
        P=np.zeros((1, 1)),
        v=np.zeros(1),
        dim=dim,
        constants=_constants(constants),
        f_star=-math.inf if f_star is None else _finite("f_star", f_star),
        n=n,
        bounded_below=True,
        spec={**spec, "f_star_given": f_star is not None},
        code=code,
    )


def _warn_uncached(name: str, functions: dict) -> None:
    """Say once, when the problem is built, that its kernels will not be cached on disk."""
    import warnings

    from l0l1.validate import nbytes

    linked = usercode.linked_arrays(functions)
    if linked:
        slots = sorted({slot for slot, _ in linked})
        size = nbytes(max(b for _, b in linked))
        warnings.warn(
            f"problem {name!r}: {', '.join(slots)} close over an array of {size} (over 1 MB or "
            "not contiguous), which Numba links by address: its kernels run but are not cached "
            "on disk, so each new process compiles them again (pass the data through a "
            "smaller array, or accept the compile time)",
            UserWarning,
            stacklevel=3,
        )


def _start(x0, dim: int) -> np.ndarray:
    try:
        arr = np.ascontiguousarray(np.atleast_1d(np.asarray(x0, dtype=np.float64)))
    except (TypeError, ValueError):
        raise ProblemError(f"x0: {x0!r} is not a vector of numbers") from None
    if arr.shape != (dim,) or not np.all(np.isfinite(arr)):
        raise ProblemError(f"x0: {x0!r} is not allowed; allowed: {dim} finite numbers")
    return arr


def _finite(field: str, val) -> float:
    number = isinstance(val, int | float | np.integer | np.floating) and not isinstance(val, bool)
    num = float(val) if number else math.nan
    if not math.isfinite(num):
        raise ProblemError(f"{field}: {val!r} is not allowed; allowed: a finite number")
    return num


def _constants(constants) -> Constants:
    if constants is None:
        return Constants(math.nan, math.nan, False, NO_CONSTANTS)
    return given_constants(constants)


def _arity(fn, field: str, allowed: tuple[int, ...], shape: str) -> int:
    try:
        params = inspect.signature(fn.py_func).parameters.values()
    except (TypeError, ValueError):
        raise ProblemError(f"{field}: {fn!r} has no signature; allowed: {shape}") from None
    count = len(params)
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params) or count not in allowed:
        raise ProblemError(
            f"{field}: {fn.py_func.__qualname__}{inspect.signature(fn.py_func)} has the wrong "
            f"signature; allowed: {shape}"
        )
    return count


def _inplace(fn, field: str, args: int) -> bool:
    names = "x" if args == 1 else "i, x"
    shape = f"{field}({names}) -> array or {field}({names}, out)"
    return _arity(fn, field, (args, args + 1), shape) == args + 1


def _check_at(code: usercode.JitCode, x: np.ndarray, dim: int, n: int) -> None:
    """Compile and call every function once at x; one-line errors for what goes wrong."""
    fns, flags = code.functions, code.flags
    val = _call(fns["value"], "value", x)
    try:
        val = float(val)
    except (TypeError, ValueError):
        raise ProblemError(
            f"value: returned {val!r} at x = {_short(x)}; allowed: a float"
        ) from None
    if not math.isfinite(val):
        raise ProblemError(f"value: returned {val} at x = {_short(x)}; allowed: a finite float")
    _check_vector("grad", _grad_at(fns["grad"], flags["grad_inplace"], "grad", (x,), dim), x, dim)
    if n:
        for i in sorted({0, n - 1}):
            out = _grad_at(
                fns["component_grad"], flags["component_grad_inplace"], "component_grad",
                (np.int64(i), x), dim,
            )  # fmt: skip
            _check_vector(f"component_grad (i = {i})", out, x, dim)
    if "hvp" in fns:
        u = np.ones(dim) / math.sqrt(dim)
        _check_vector("hvp", _call(fns["hvp"], "hvp", x, u), x, dim)


def _grad_at(fn, inplace: bool, field: str, args: tuple, dim: int):
    if not inplace:
        return _call(fn, field, *args)
    out = np.full(dim, np.nan)
    _call(fn, field, *args, out)
    return out


def _call(fn, field: str, *args):
    from numba.core.errors import NumbaError

    try:
        return fn(*args)
    except NumbaError as err:
        raise ProblemError(
            f"{field}: Numba cannot compile {fn.py_func.__qualname__}: {numba_first_line(err)}"
        ) from None
    except Exception as err:  # the user's code raised: report it in one line
        msg = str(err).strip().splitlines()
        raise ProblemError(
            f"{field}: {fn.py_func.__qualname__} raised {type(err).__name__}"
            f"{': ' + msg[0] if msg else ''} at x = {_short(args[-1 if field == 'hvp' else 0])}"
        ) from None


def numba_first_line(err: Exception) -> str:
    """The first informative line of a Numba error (past its pipeline banner)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for ln in lines:
        if not ln.startswith(("Failed in ", "During: ", "File ")):
            return ln[:300]
    return lines[0][:300] if lines else type(err).__name__


def _check_vector(field: str, out, x: np.ndarray, dim: int) -> None:
    arr = np.asarray(out)
    if arr.shape != (dim,):
        raise ProblemError(
            f"{field}: returned shape {arr.shape} at x = {_short(x)}; allowed: shape ({dim},)"
        )
    if not np.all(np.isfinite(arr)):
        raise ProblemError(
            f"{field}: returned non-finite entries at x = {_short(x)}; allowed: finite numbers"
        )


def _short(x: np.ndarray) -> str:
    return np.array2string(np.asarray(x), precision=4, threshold=6)


def start_constants(problem: Problem, x0: np.ndarray, samples: int = 512) -> StartConstants:
    """Delta = f(x0) - f* (NaN when f* is unknown) and M estimated on {f <= f(x0)} (T3).

    M is the largest ||grad f|| over x0 and the points of a seeded uniform sample of the
    box x0 +- max(1, 2 |x0|_inf) that lie in the sublevel set: an estimate (a lower bound).
    """
    f0 = problem.value(x0)
    delta = f0 - problem.f_star if problem.spec.get("f_star_given") else math.nan
    radius = max(1.0, 2.0 * float(np.max(np.abs(x0))))
    rng = np.random.default_rng(0)
    M = float(np.linalg.norm(problem.grad(x0)))
    for _ in range(samples):
        x = x0 + radius * rng.uniform(-1.0, 1.0, problem.dim)
        with np.errstate(all="ignore"):
            if problem.value(x) <= f0:
                gn = float(np.linalg.norm(problem.grad(x)))
                if math.isfinite(gn):
                    M = max(M, gn)
    how = (
        f"sampled: x0 and {samples} uniform points of the box x0 +- {radius:g} in the sublevel set"
    )
    return StartConstants(delta, M, False, how)


def from_sympy(
    expr, symbols, *, L1: float = 1.0, name: str | None = None, x0=None, f_star=None
) -> Problem:
    """A problem from a SymPy expression in ``symbols`` (x_1..x_d), or polynomial text in x.

    Text is read with the safe parser of ``proofs_check.parse`` (polynomials in x only; no
    eval). value, gradient and Hessian-vector product are generated from the expression
    (SymPy's code printer, compiled by Numba). A univariate or separable polynomial gets
    certified constants at ``L1`` and a certified f* (exact frontier, T2); any other
    expression gets none (give them with ``problem.with_constants((L0, L1))`` or estimate
    them with :func:`l0l1.estimate_constants`).

    Parameters
    ----------
    f_star : the minimum or a lower bound of it, needed for Delta = f(x0) - f* and the
        bounds that use it (T3), and by methods that stop on the gap. A certified f* (a
        polynomial) is used instead; a given one above it is refused.
    name : the problem's name; by default ``sympy_`` and the expression, cut after a
        whole term (``... + ...``) past 40 characters.
    x0 : the default start of runs (none when not given: runs then need x0=); the
        functions are also tested there (at 0.5 per coordinate when not given).
    """
    import sympy as sp

    if f_star is not None:
        f_star = _finite("f_star", f_star)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ProblemError(f"name: {name!r} is not allowed; allowed: a non-empty string")

    if isinstance(expr, str):
        from proofs_check.parse import ParseError, X, parse_polynomial

        try:
            expr = parse_polynomial(expr).as_expr()
        except ParseError as err:
            raise ProblemError(f"expr: {err}") from None
        symbols = [X] if symbols in (None, "x", ["x"], ("x",)) else symbols
    if not isinstance(expr, sp.Expr):
        raise ProblemError(f"expr: {expr!r} is not allowed; allowed: a SymPy expression or text")
    syms = [symbols] if isinstance(symbols, sp.Symbol | str) else list(symbols or [])
    by_name = {str(s): s for s in expr.free_symbols}  # names given as text
    syms = [by_name.get(s, sp.Symbol(s)) if isinstance(s, str) else s for s in syms]
    if not syms or not all(isinstance(s, sp.Symbol) for s in syms):
        raise ProblemError(f"symbols: {symbols!r} is not allowed; allowed: SymPy symbols")
    extra = expr.free_symbols - set(syms)
    if extra:
        raise ProblemError(
            f"expr: free symbols {sorted(map(str, extra))} are not in symbols; allowed: "
            f"{[str(s) for s in syms]}"
        )
    d = len(syms)
    name = name or auto_name(sp.sstr(expr))
    value, grad, hvp = _lambdified(expr, syms)
    rows = _separable_rows(expr, syms)
    prob = from_functions(value, grad, hvp, dim=d, name=name, x0=x0, f_star=f_star)
    spec = {**prob.spec, "expr": sp.sstr(expr), "origin": "Problem.from_sympy"}
    if rows is None:
        return replace(prob, spec=spec)
    from l0l1.problems import polynomial

    built = polynomial.univariate(rows[0], L1) if d == 1 else polynomial.separable(rows, L1)
    if f_star is not None and built.bounded_below:
        tol = 1e-12 * max(1.0, abs(built.f_star))
        if f_star > built.f_star + tol:
            raise ProblemError(
                f"f_star: {f_star!r} is above the certified minimum f* = {built.f_star!r} of "
                f"{name!r}; allowed: a number <= {built.f_star!r} (or omit f_star)"
            )
    return replace(
        prob,
        constants=built.constants,
        f_star=built.f_star,
        bounded_below=built.bounded_below,
        spec={**spec, "f_star_given": built.bounded_below, "coeffs": rows},
    )


NAME_CHARS = 40  # of the expression in an automatic name


def auto_name(text: str) -> str:
    """``sympy_`` + the expression's text, cut after the last whole top-level term that
    fits in NAME_CHARS characters (then `` + ...``); a first term longer than that is kept
    whole up to three times as long."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and text[i : i + 3] in (" + ", " - ") and i > start:
            terms.append(text[start:i])
            start = i
    terms.append(text[start:])
    kept = terms[0]
    for term in terms[1:]:
        if len(kept) + len(term) > NAME_CHARS:
            break
        kept += term
    if len(kept) > 3 * NAME_CHARS:
        kept = kept[: 3 * NAME_CHARS]
    return f"sympy_{kept}" + (" + ..." if kept != text else "")


def _separable_rows(expr, syms) -> list[list[float]] | None:
    """Ascending float coefficients per symbol when expr = sum_j p_j(x_j), else None.

    Constant terms go into the first row, as the built-in separable polynomial does."""
    import sympy as sp

    try:
        poly = sp.Poly(expr, *syms)
    except sp.PolynomialError:
        return None
    if not poly.domain.is_Numerical or any(sum(1 for e in m if e) > 1 for m in poly.monoms()):
        return None
    deg = max(1, poly.total_degree())
    rows = [[0.0] * (deg + 1) for _ in syms]
    for monom, coeff in poly.terms():
        j = next((k for k, e in enumerate(monom) if e), 0)
        rows[j][monom[j]] += float(coeff)
    return rows


def _lambdified(expr, syms):
    """Numba-compilable value(x), grad(x, out) and hvp(x, u) generated from expr."""
    import sympy as sp
    from numba import njit

    x = sp.IndexedBase("x")
    u = sp.IndexedBase("u")
    as_float = sp.Function("_f64")  # every entry a float, so a list Numba can type
    sub = {s: x[j] for j, s in enumerate(syms)}
    d = len(syms)
    grads = [sp.diff(expr, s) for s in syms]
    hess_u = [sum(sp.diff(g, s) * u[k] for k, s in enumerate(syms)) for g in grads]
    mods = [{"_f64": float}, "math"]
    f_val = njit(sp.lambdify([x], as_float(expr.subs(sub)), modules=mods))
    f_grad = njit(sp.lambdify([x], [as_float(g.subs(sub)) for g in grads], modules=mods))
    f_hvp = njit(sp.lambdify([x, u], [as_float(h.subs(sub)) for h in hess_u], modules=mods))

    def value(x):
        return float(f_val(x))

    def grad(x, out):
        vals = f_grad(x)
        for j in range(d):
            out[j] = vals[j]

    def hvp(x, u):
        vals = f_hvp(x, u)
        out = np.empty(d)
        for j in range(d):
            out[j] = vals[j]
        return out

    return value, grad, hvp
