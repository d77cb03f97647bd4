"""Sweep specifications: a TOML file (or a dict) expanded into a deterministic task list (T6).

A sweep runs every problem x method x eps x seed combination. The TOML format::

    name = "online"               # the sweep's name, stored with every row (default: file stem)
    description = "..."           # optional, free text
    eps = [0.3, 0.1]              # a number or a list; finite, > 0
    seeds = 2                     # a count (seeds 0..N-1) or a list of integers >= 0
    checkpoints = 60              # optional: trace rows per run (log-spaced)

    [budget]                      # optional
    max_iter = 20000              # iteration budget (default: the run's, see runs.run)
    max_calls = 1000000           # oracle-call budget (default 0: none)

    [[problems]]                  # one table per problem, in order
    name = "polynomial"           # a name from l0l1.problems.catalog, or module:function
    label = "x^4"                 # optional (default: name)
    params = { coeffs = [0, 0, 0, 0, 1] }   # the builder's keyword parameters
    x0 = [3.0]                    # optional start (default: catalog.default_x0)
    grid = { L1 = [1.0, 2.0], x0 = [[3.0], [1.0]] }   # optional: product over params and x0

    [[methods]]                   # one table per method, in order
    name = "spider_clip"          # a name from l0l1.methods.registry, or module:name
    label = "spider_clip"         # optional (default: name)
    noise = "bounded"             # optional: a kind of l0l1.runs.NOISE_KINDS
    noise_level = 0.1             # optional: tau (bounded), sigma (gaussian), the scale ...
    batch = 1                     # optional, SGD-family minibatch
    n0 = 1                        # optional, SPIDER step parameter
    probe_every = 1               # optional, exact-gradient probe period
    overrides = { S2 = 50 }       # optional: replace schedule values by name
    grid = { noise_level = [0.1, 1.0] }   # optional: product over noise, noise_level,
                                          # batch, n0, probe_every

Tasks are ordered problems (grid points in declared key order) x methods (grid points)
x eps x seeds. Each task's ``run_key`` hashes every input, the sweep name, the l0l1
version, the hash of the package's own source (:mod:`l0l1.experiments.source`: any edit of
l0l1 gives new keys) and, for code outside the package, its source hash (see
:func:`l0l1.entrypoints.code_identity`): a store skips keys it holds, which is how an
interrupted sweep resumes, and never serves a run of other code.

Every error is one line naming the field path, e.g. ``methods[1].overrides.S2: ...``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from l0l1.validate import INT64_MAX, MAX_CHECKPOINTS, InputError, did_you_mean

TOP_KEYS = ("name", "description", "eps", "seeds", "checkpoints", "budget", "problems", "methods")
BUDGET_KEYS = ("max_iter", "max_calls")
PROBLEM_KEYS = ("name", "label", "params", "x0", "grid")
MAX_TASKS = 1_000_000  # runs per sweep: counted before anything is expanded
METHOD_KEYS = ("name", "label", "noise", "noise_level", "batch", "n0", "probe_every")
METHOD_KEYS += ("overrides", "grid")
METHOD_GRID_KEYS = ("noise", "noise_level", "batch", "n0", "probe_every")
SPIDER_SIZES = ("q", "S1", "S2")


@dataclass(frozen=True)
class Task:
    """One run of a sweep, in plain JSON types; ``x0`` None is the problem's default start."""

    sweep: str
    index: int
    problem: str
    problem_label: str
    problem_params: dict
    x0: list | None
    method: str
    method_ref: str | None
    method_label: str
    noise: str | None
    noise_level: float | None
    batch: int
    n0: int
    probe_every: int
    overrides: dict
    eps: float
    seed: int
    max_iter: int | None
    max_calls: int
    checkpoints: int
    run_key: str

    @property
    def method_entry(self) -> str:
        """What resolves the method in any process: its entry point, else its name."""
        return self.method_ref or self.method

    def describe(self) -> str:
        return f"{self.problem_label}/{self.method_label} eps={self.eps:g} seed={self.seed}"

    def inputs(self) -> dict:
        """The task as a dict (what the store records as inputs)."""
        return asdict(self)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: build with :func:`load_spec` or :meth:`Sweep.from_dict`."""

    name: str
    description: str
    eps: tuple[float, ...]
    seeds: tuple[int, ...]
    checkpoints: int
    max_iter: int | None
    max_calls: int
    problems: tuple[dict, ...]
    methods: tuple[dict, ...]

    @classmethod
    def from_dict(cls, data: dict, *, default_name: str | None = None) -> Sweep:
        """Validate ``data`` (the TOML layout as a dict); one-line InputError naming the field."""
        if not isinstance(data, dict):
            raise InputError(f"spec: {type(data).__name__} given; allowed: a table (dict)")
        _known(data, TOP_KEYS, "")
        name = data.get("name", default_name)
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"name: {name!r} is not allowed; allowed: a non-empty string")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise InputError(f"description: {description!r} is not allowed; allowed: a string")
        eps = tuple(_positive(f"eps{i}", v) for i, v in _items("eps", _req(data, "eps", "")))
        _unique("eps", eps)
        seeds = _seeds(_req(data, "seeds", ""))
        checkpoints = _int("checkpoints", data.get("checkpoints", 60), 1, MAX_CHECKPOINTS)
        budget = data.get("budget", {})
        _table("budget", budget)
        _known(budget, BUDGET_KEYS, "budget")
        max_iter = budget.get("max_iter")
        max_iter = None if max_iter is None else _int("budget.max_iter", max_iter, 1)
        max_calls = _int("budget.max_calls", budget.get("max_calls", 0), 0)
        problems = _entries(data, "problems", _problem)
        methods = _entries(data, "methods", _method)
        count = len(eps) * len(seeds) * _points(problems) * _points(methods)
        if count > MAX_TASKS:
            raise InputError(
                f"sweep: {count} runs (eps x seeds x problem points x method points) is too "
                f"many; allowed: at most {MAX_TASKS}"
            )
        sweep = cls(name, description, eps, seeds, checkpoints, max_iter, max_calls, problems,
                    methods)  # fmt: skip
        sweep.tasks()  # refuses a sweep that names the same run twice
        return sweep

    def tasks(self) -> list[Task]:
        """Every run, in the documented order, each with its ``run_key``."""
        from l0l1 import __version__

        out, seen = [], {}
        for (ppath, prob), (mpath, meth) in itertools.product(
            self._problem_points(), self._method_points()
        ):
            for eps, seed in itertools.product(self.eps, self.seeds):
                inputs = dict(
                    sweep=self.name, problem=prob["name"], problem_label=prob["label"],
                    problem_params=prob["params"], x0=prob["x0"], method=meth["method"],
                    method_ref=meth["ref"], method_label=meth["label"], noise=meth["noise"],
                    noise_level=meth["noise_level"], batch=meth["batch"], n0=meth["n0"],
                    probe_every=meth["probe_every"], overrides=meth["overrides"], eps=eps,
                    seed=seed, max_iter=self.max_iter, max_calls=self.max_calls,
                    checkpoints=self.checkpoints,
                )  # fmt: skip
                code = _code_identity(prob["name"], meth["name"])
                if inputs["method_ref"] is None:  # built-in and registered: keys as before
                    del inputs["method_ref"]
                key = run_key({**inputs, "code": code} if code else inputs, __version__)
                inputs.setdefault("method_ref", None)
                where = f"{ppath} x {mpath} (eps={eps:g}, seed={seed})"
                if key in seen:
                    raise InputError(
                        f"{where}: the same run as {seen[key]}; allowed: distinct runs"
                    )
                seen[key] = where
                out.append(Task(index=len(out), run_key=key, **inputs))
        return out

    def notes(self) -> tuple[str, ...]:
        """What the runs repeat: the seeds of a deterministic method (exact gradients, no
        random draw) give identical runs. Each seed is still run and stored, as asked."""
        from l0l1.methods.registry import get_method

        if len(self.seeds) < 2:
            return ()
        return tuple(
            f"methods[{i}] {meth['label']!r} is deterministic: its {len(self.seeds)} seeds "
            "give identical runs (all run and stored; seeds = 1 runs it once)"
            for i, meth in enumerate(self.methods)
            if not get_method(meth["name"]).stochastic
        )

    def check(self) -> None:
        """Build every problem and test every start and oracle, before any run (T6).

        Catches what only a built problem reveals: bad parameter values, a start of the
        wrong dimension, a problem unbounded below, a noise kind the problem lacks.
        """
        import numpy as np

        from l0l1 import runs
        from l0l1.methods.registry import get_method
        from l0l1.problems import catalog

        built = []
        for path, prob in self._problem_points():
            try:
                problem = build_problem(prob["name"], canonical(prob["params"]))
                x0 = catalog.default_x0(problem) if prob["x0"] is None else prob["x0"]
                catalog.start_constants(problem, runs.start_point(problem, np.asarray(x0)))
            except ValueError as err:
                raise InputError(f"{path}: {_first_line(err)}") from None
            built.append((path, problem))
        for (ppath, problem), (mpath, meth) in itertools.product(built, self._method_points()):
            try:
                runs.choose_oracle(
                    problem, get_method(meth["name"]), meth["noise"], meth["noise_level"]
                )
            except ValueError as err:
                raise InputError(f"{mpath} on {ppath}: {_first_line(err)}") from None

    def _problem_points(self):
        for i, prob in enumerate(self.problems):
            for point in _grid_points(prob["grid"]):
                params = {**prob["params"], **{k: v for k, v in point.items() if k != "x0"}}
                x0 = point.get("x0", prob["x0"])
                yield _at(f"problems[{i}]", point), {**prob, "params": params, "x0": x0}

    def _method_points(self):
        for i, meth in enumerate(self.methods):
            for point in _grid_points(meth["grid"]):
                yield _at(f"methods[{i}]", point), {**meth, **point}


def load_spec(path) -> Sweep:
    """Read and validate a TOML sweep file; the sweep name defaults to the file's stem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"spec: {str(path)!r} does not exist; allowed: a TOML file") from None
    except IsADirectoryError:
        raise InputError(f"spec: {str(path)!r} is a directory; allowed: a TOML file") from None
    except PermissionError:
        raise InputError(f"spec: {str(path)!r} cannot be read (permission denied)") from None
    except UnicodeDecodeError:
        raise InputError(f"spec: {str(path)!r} is not UTF-8 text; allowed: a TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"spec: {str(path)!r} is not valid TOML: {err}") from None
    return Sweep.from_dict(data, default_name=path.stem)


def as_sweep(spec) -> Sweep:
    """A Sweep from a Sweep, a dict or a path to a TOML file."""
    if isinstance(spec, Sweep):
        return spec
    if isinstance(spec, dict):
        return Sweep.from_dict(spec)
    return load_spec(spec)


def canonical(obj) -> str:
    """Deterministic JSON text (sorted keys, no NaN): what run keys hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def run_key(inputs: dict, version: str) -> str:
    """sha256 of the canonical JSON of every input, the package version and the hash of the
    package's source (:func:`l0l1.experiments.source.package_hash`), 32 hex digits."""
    from l0l1.experiments.source import package_hash

    payload = {"inputs": inputs, "l0l1": version, "source": package_hash()}
    return hashlib.sha256(canonical(payload).encode()).hexdigest()[:32]


def _code_identity(problem: str, method: str) -> dict:
    """Hashes of the user code a task runs (empty for built-ins: their keys stay as they were)."""
    from l0l1 import entrypoints, usercode
    from l0l1.methods.registry import METHODS
    from l0l1.problems.catalog import BUILTIN_PROBLEMS, PROBLEMS

    out = {}
    if entrypoints.is_entry_point(problem):
        out["problem"] = entrypoints.code_identity(problem)
    elif problem not in BUILTIN_PROBLEMS:
        out["problem"] = usercode.object_hash(PROBLEMS[problem])
    if entrypoints.is_entry_point(method):
        out["method"] = entrypoints.code_identity(method)
    elif METHODS[method].code_key:
        out["method"] = METHODS[method].code_key
    return out


def build_problem(name: str, params_json: str):
    """The catalog problem, cached per process (parameters as canonical JSON)."""
    from l0l1.problems import catalog

    key = (name, params_json)
    if key not in _PROBLEMS:
        _PROBLEMS[key] = catalog.make_problem(name, **json.loads(params_json))
    return _PROBLEMS[key]


_PROBLEMS: dict[tuple[str, str], object] = {}


# --- validation helpers: every message starts with the field path ----------------------------


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _known(table: dict, allowed, path: str) -> None:
    for key in table:
        if key not in allowed:
            hint = did_you_mean(key, allowed, n=1, cutoff=0.5)
            raise InputError(
                f"{_join(path, str(key))}: unknown key{hint}; allowed: {', '.join(allowed)}"
            )


def _req(table: dict, key: str, path: str):
    if key not in table:
        raise InputError(f"{_join(path, key)}: required; none given")
    return table[key]


def _table(path: str, value) -> None:
    if not isinstance(value, dict):
        raise InputError(f"{path}: {value!r} is not allowed; allowed: a table")


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _positive(path: str, v, *, allow_zero: bool = False) -> float:
    allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
    if not _is_number(v) or not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{path}: {v!r} is not allowed; allowed: {allowed}")
    return float(v)


def _int(path: str, v, low: int, high: int = INT64_MAX) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high:
        allowed = f"an integer >= {low}" if high == INT64_MAX else f"an integer in {low}..{high}"
        raise InputError(f"{path}: {v!r} is not allowed; allowed: {allowed}")
    return v


def _string(path: str, v, allowed=None) -> str:
    if not isinstance(v, str) or not v or (allowed is not None and v not in allowed):
        what = ", ".join(allowed) if allowed else "a non-empty string"
        hint = did_you_mean(v, allowed or (), n=1, cutoff=0.5)
        raise InputError(f"{path}: {v!r} is not allowed{hint}; allowed: {what}")
    return v


def _items(path: str, value):
    """(path suffix, item) of a scalar or a non-empty list."""
    if not isinstance(value, list):
        return [("", value)]
    if not value:
        raise InputError(f"{path}: [] is empty; allowed: a non-empty list")
    return [(f"[{i}]", v) for i, v in enumerate(value)]


def _unique(path: str, values) -> None:
    for i, v in enumerate(values):
        if v in values[:i]:
            raise InputError(f"{path}[{i}]: {v!r} repeats; allowed: distinct values")


def _seeds(value) -> tuple[int, ...]:
    if isinstance(value, list):
        seeds = tuple(_int(f"seeds{i}", v, 0) for i, v in _items("seeds", value))
        _unique("seeds", seeds)
        return seeds
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_TASKS:
        raise InputError(
            f"seeds: {value!r} is not allowed; allowed: a count in 1..{MAX_TASKS} "
            "or a list of integers >= 0"
        )
    return tuple(range(value))


def _entries(data: dict, key: str, parse) -> tuple[dict, ...]:
    value = _req(data, key, "")
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(f"{key}: {value!r} is not allowed; allowed: a list of tables")
    if not value:
        raise InputError(f"{key}: [] is empty; allowed: at least one [[{key}]] table")
    return tuple(parse(f"{key}[{i}]", v) for i, v in enumerate(value))


def _param_value(path: str, v):
    """A problem parameter: a finite number, a string, a bool or a (nested) list of them."""
    if isinstance(v, list):
        if not v:
            raise InputError(f"{path}: [] is empty; allowed: a non-empty list")
        return [_param_value(f"{path}[{i}]", x) for i, x in enumerate(v)]
    if isinstance(v, str | bool) or (_is_number(v) and math.isfinite(v)):
        return v
    raise InputError(f"{path}: {v!r} is not allowed; allowed: finite numbers, strings or lists")


def _x0(path: str, v) -> list[float]:
    if not isinstance(v, list) or not v:
        raise InputError(f"{path}: {v!r} is not allowed; allowed: a non-empty list of numbers")
    out = []
    for i, x in enumerate(v):
        if not _is_number(x) or not math.isfinite(x):
            raise InputError(f"{path}[{i}]: {x!r} is not allowed; allowed: a finite number")
        out.append(float(x))
    return out


def _grid(path: str, value, allowed, check) -> dict:
    _table(path, value)
    _known(value, allowed, path)
    grid = {}
    for key, vals in value.items():
        p = _join(path, key)
        if not isinstance(vals, list):
            raise InputError(f"{p}: {vals!r} is not allowed; allowed: a non-empty list of values")
        if not vals:
            raise InputError(f"{p}: [] is empty; allowed: a non-empty list of values")
        grid[key] = [check(key, f"{p}[{i}]", v) for i, v in enumerate(vals)]
        _unique(p, grid[key])
    return grid


def _points(entries) -> int:
    """How many grid points the entries expand to (without expanding them)."""
    return sum(math.prod(len(v) for v in e["grid"].values()) for e in entries)


def _grid_points(grid: dict) -> list[dict]:
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _at(path: str, point: dict) -> str:
    if not point:
        return path
    return f"{path} ({', '.join(f'{k}={v!r}' for k, v in point.items())})"


def _problem(path: str, entry: dict) -> dict:
    import inspect

    from l0l1 import entrypoints
    from l0l1.problems.catalog import PROBLEMS

    _known(entry, PROBLEM_KEYS, path)
    name = _req(entry, "name", path)
    if entrypoints.is_entry_point(name):
        allowed = entrypoints.problem_parameters(name, f"{path}.name")
    else:
        name = _string(f"{path}.name", name, tuple(PROBLEMS))
        allowed = tuple(inspect.signature(PROBLEMS[name]).parameters)
    params = entry.get("params", {})
    _table(f"{path}.params", params)
    _known(params, allowed, f"{path}.params")
    params = {k: _param_value(f"{path}.params.{k}", v) for k, v in params.items()}
    x0 = entry.get("x0")
    x0 = None if x0 is None else _x0(f"{path}.x0", x0)

    def check(key, p, v):
        return _x0(p, v) if key == "x0" else _param_value(p, v)

    grid = _grid(f"{path}.grid", entry.get("grid", {}), (*allowed, "x0"), check)
    for key in grid:
        if key in params or (key == "x0" and x0 is not None):
            raise InputError(f"{path}.grid.{key}: also given as a single value; allowed: one")
    label = _string(f"{path}.label", entry.get("label", name))
    return {"name": name, "label": label, "params": params, "x0": x0, "grid": grid}


def _method_field(method, key: str, path: str, v):
    if key == "noise":
        from l0l1.runs import NOISE_KINDS

        _string(path, v, NOISE_KINDS)
        if not method.stochastic and v != "exact":
            raise InputError(
                f"{path}: {v!r} does not apply to deterministic method {method.name!r}; "
                "allowed: exact"
            )
        return v
    if key == "noise_level":
        return _positive(path, v, allow_zero=True)
    return _int(path, v, 1)


def _method(path: str, entry: dict) -> dict:
    from l0l1 import entrypoints
    from l0l1.methods.registry import METHODS

    _known(entry, METHOD_KEYS, path)
    name = _req(entry, "name", path)
    ref = None
    if entrypoints.is_entry_point(name):
        method = entrypoints.method(name, f"{path}.name")
        ref = name
    else:
        name = _string(f"{path}.name", name, tuple(METHODS))
        method = METHODS[name]
    # name: what resolves it (the entry point, if any); method: the registered name that
    # records carry in "method", the entry point going to "method_ref"
    out = {"name": name, "method": method.name, "ref": ref,
           "label": _string(f"{path}.label", entry.get("label", method.name))}  # fmt: skip
    defaults = {"noise": None, "noise_level": None, "batch": 1, "n0": 1, "probe_every": 1}
    for key, default in defaults.items():
        v = entry.get(key)
        out[key] = default if v is None else _method_field(method, key, f"{path}.{key}", v)
    out["overrides"] = _overrides(f"{path}.overrides", entry.get("overrides", {}), method)

    def check(key, p, v):
        return _method_field(method, key, p, v)

    out["grid"] = _grid(f"{path}.grid", entry.get("grid", {}), METHOD_GRID_KEYS, check)
    for key in out["grid"]:
        if key in entry:
            raise InputError(f"{path}.grid.{key}: also given as a single value; allowed: one")
    return out


def _overrides(path: str, value, method) -> dict:
    """Schedule values by name: the rule's and the algorithm's parameters (momentum below
    1), q, S1, S2 for SPIDER (integers) and the method's choices (in their range)."""
    from l0l1.schedules import check_range

    _table(path, value)
    allowed = method.param_names + (SPIDER_SIZES if method.family == "spider" else ())
    _known(value, allowed, path)
    out = {}
    for key, v in value.items():
        field = f"{path}.{key}"
        if key in method.choices:
            out[key] = method.choice(key, v, field)
        else:
            out[key] = check_range(field, key, _positive(field, v), v)
    return out
