"""Run a sweep on a backend and store every record; predict a sweep's cost (THEORY T6).

Backends: ``serial``, ``processes`` (a ``ProcessPoolExecutor``, forked from a
single-threaded parent, else on the forkserver or spawn context; default: all cores)
and ``dask`` (a ``distributed`` scheduler, the optional ``[dask]`` extra). Workers
return records; the parent alone writes the store, skipping tasks whose ``run_key`` is
stored. A record is the same bits on every backend except its timing columns
(``store.TIMING``). Worker processes exit with their sweep, even a SIGKILLed one
(:func:`worker_init`).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from l0l1.experiments.spec import Task, as_sweep, build_problem, canonical
from l0l1.experiments.store import Store
from l0l1.validate import InputError

BACKENDS = ("serial", "processes", "dask")
DASK_MISSING = "backend: 'dask' needs the optional extra; install it: pip install 'l0l1[dask]'"
CALIBRATION_CALLS = 200_000
PREDICTION = (
    "Predicted, not measured. Iterations: the method's theory bound (T3; T5's K for SPIDER "
    "and SPIDER-clip) capped by max_iter, or max_iter where the theory gives none. Oracle "
    "calls: iterations x calls per iteration (n for an exact finite-sum gradient, batch for "
    "SGD; SPIDER: ceil(K/q) S1 + 2 S2 (K - ceil(K/q))), capped by max_calls. Seconds: the "
    "run's measured setup + calls x a cost per call calibrated once. An upper estimate: "
    "runs stop as soon as ||grad f|| <= eps."
)


class SweepError(RuntimeError):
    """A run of the sweep raised; the runs completed before it are stored."""


@dataclass(frozen=True)
class SweepReport:
    """What :func:`run_sweep` did: ``ran`` new runs, ``skipped`` already stored."""

    sweep: str
    total: int
    skipped: int
    ran: int
    seconds: float
    backend: str
    workers: int


def default_workers() -> int:
    """All cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_sweep(
    spec, store_path, *, backend: str = "processes", workers: int | None = None,
    scheduler: str | None = None, quiet: bool = False,
) -> SweepReport:  # fmt: skip
    """Run every task of ``spec`` (a Sweep, dict or TOML path) not yet in the store.

    ``scheduler`` is a Dask scheduler address (backend "dask"; without it a local
    cluster of ``workers`` processes is started). Killed and rerun, a sweep resumes.
    Scripts using processes must call it under ``if __name__ == "__main__":``.
    """
    if backend not in BACKENDS:
        raise InputError(f"backend: {backend!r} is unknown; allowed: {', '.join(BACKENDS)}")
    if scheduler is not None and backend != "dask":
        raise InputError(f"scheduler: {scheduler!r} needs backend 'dask'; got {backend!r}")
    if backend == "dask":
        _require_dask()
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers: {workers!r} is not allowed; allowed: an integer >= 1")
    sweep = as_sweep(spec)
    sweep.check()
    tasks = sweep.tasks()
    start = time.perf_counter()
    with Store(store_path) as store:
        done = store.keys()
        pending = [t for t in tasks if t.run_key not in done]
        bar = Progress(len(pending), quiet=quiet)
        run_all = {"serial": _serial, "processes": _processes, "dask": _dask}[backend]
        try:
            for record in run_all(pending, workers, scheduler) if pending else ():
                store.insert(record)
                bar.update()
        finally:
            bar.close()
    return SweepReport(
        sweep.name, len(tasks), len(tasks) - len(pending), len(pending),
        time.perf_counter() - start, backend, 1 if backend == "serial" else workers,
    )  # fmt: skip


def execute(task: Task) -> dict:
    """Run one task (in any process) and return its record: the task's inputs (x0
    resolved), the instance's ``n`` and ``dim``, ``RunResult.to_dict()`` (``problem`` ->
    ``instance``, ``noise_level`` -> ``oracle_level``), the l0l1 version, the wall time."""
    from l0l1 import __version__
    from l0l1.problems.catalog import default_x0
    from l0l1.runs import run

    problem = build_problem(task.problem, canonical(task.problem_params))
    x0 = default_x0(problem).tolist() if task.x0 is None else task.x0
    start = time.perf_counter()
    res = run(
        problem, task.method_entry, eps=task.eps, x0=x0, seed=task.seed, max_iter=task.max_iter,
        max_calls=task.max_calls, noise=task.noise, noise_level=task.noise_level,
        batch=task.batch, n0=task.n0, probe_every=task.probe_every,
        overrides=task.overrides or None, checkpoints=task.checkpoints,
    )  # fmt: skip
    wall = time.perf_counter() - start
    out = res.to_dict()
    out["instance"] = out.pop("problem")
    out["oracle_level"] = out.pop("noise_level")
    for key in ("method", "eps", "seed"):  # inputs echoed by the result
        out.pop(key)
    return {**task.inputs(), "x0": x0, "l0l1_version": __version__, "n": problem.n,
            "dim": problem.dim, **out, "wall_time": wall}  # fmt: skip


def warm() -> None:
    """Load the Numba kernels from the on-disk cache (compiling them once if absent)."""
    from l0l1.problems.catalog import make_problem
    from l0l1.runs import run

    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    run(prob, "clipped_gd", eps=1e-3, x0=[3.0], max_iter=2)
    run(prob, "spider", eps=0.5, x0=[3.0], max_iter=2, noise="bounded", noise_level=0.1)


def _result(task: Task, get):
    try:
        return get()
    except Exception as err:
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise SweepError(f"run {task.describe()} (task {task.index}) failed: {msg}") from err


def _serial(tasks, workers, scheduler):
    for task in tasks:
        yield _result(task, lambda task=task: execute(task))


def _pool_context():
    """(context, what a new worker runs first) for the worker processes.

    ``fork`` on Linux when this process runs a single thread: workers start with its
    imports, so a sweep pays them once (forking a multi-threaded process, e.g. a Jupyter
    kernel, can deadlock). Otherwise ``forkserver``, whose server loads the kernels once
    before forking workers, or ``spawn``, whose workers each load them."""
    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        import l0l1.methods.kernels  # imported once here, inherited by the workers
        import l0l1.runs  # noqa: F401

        return mp.get_context("fork"), None
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["l0l1.experiments._warmed"])
        return ctx, None
    return mp.get_context("spawn"), warm


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL = 1.0  # seconds between the watchdog's looks at the parent


def worker_init(parent: int | None, then=None) -> None:
    """Make a worker exit with the sweep that started it, then run ``then``.

    A worker whose sweep is killed (SIGKILL included) would otherwise run on as an orphan.
    On Linux the kernel sends the worker SIGKILL when its parent dies (prctl
    PR_SET_PDEATHSIG; the parent is the thread that forked it, here the sweep's calling
    thread or the forkserver, which exits with the sweep). Everywhere, a daemon thread
    also polls ``os.getppid()`` every second and exits the process when it changes (it
    runs between Python bytecodes: a compiled loop finishes its run first). ``parent``:
    the pid the worker should have as parent (None: not known, as under a forkserver).
    Nothing is lost: workers never write the store, and a rerun resumes.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    ppid = os.getppid()
    if parent is not None and ppid != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(ppid,), name="l0l1-parent", daemon=True).start()
    if then is not None:
        then()


def _watch_parent(ppid: int) -> None:
    while os.getppid() == ppid:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _processes(tasks, workers, scheduler):
    ctx, then = _pool_context()
    parent = None if ctx.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(
        min(workers, len(tasks)), mp_context=ctx, initializer=worker_init,
        initargs=(parent, then),
    )  # fmt: skip
    try:
        futures = {pool.submit(execute, t): t for t in tasks}
        for fut in as_completed(futures):
            yield _result(futures[fut], fut.result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _require_dask():
    try:
        import distributed
    except ImportError:
        raise InputError(DASK_MISSING) from None
    return distributed


def _dask(tasks, workers, scheduler):
    distributed = _require_dask()
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=min(workers, len(tasks)), threads_per_worker=1, dashboard_address=None
        )
    try:
        client = distributed.Client(scheduler or cluster, timeout="20s")
    except OSError as err:
        raise InputError(f"scheduler: {scheduler!r} cannot be reached ({err})") from None
    try:
        client.run(warm)
        by_key = {f"l0l1-{t.run_key}": t for t in tasks}
        futures = client.map(execute, tasks, key=list(by_key), pure=False)
        try:
            for fut in distributed.as_completed(futures):
                yield _result(by_key[fut.key], fut.result)
        finally:
            client.cancel(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class Progress:
    """A one-line progress bar with ETA on stderr; silent when quiet or not a TTY."""

    def __init__(self, total: int, *, quiet: bool = False):
        self.total, self.done = total, 0
        self.on = total > 0 and not quiet and sys.stderr.isatty()
        self.start = self.last = time.perf_counter()

    def update(self) -> None:
        self.done += 1
        now = time.perf_counter()
        if not self.on or (now - self.last < 0.2 and self.done < self.total):
            return
        self.last = now
        elapsed = now - self.start
        eta = elapsed / self.done * (self.total - self.done)
        fill = 30 * self.done // self.total
        sys.stderr.write(
            f"\r[{'#' * fill}{'.' * (30 - fill)}] {self.done}/{self.total} runs, "
            f"{_clock(elapsed)} elapsed, ETA {_clock(eta)} "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\n")


def _clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# --- dry run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A dry run: per task, the predicted iterations, oracle calls and seconds (see
    ``PREDICTION``), and whether the store already holds it."""

    sweep: str
    seconds_per_call: float
    rows: tuple[dict, ...]
    notes: tuple[str, ...] = ()

    @property
    def runs(self) -> int:
        return len(self.rows)

    def pending_seconds(self) -> float:
        """Predicted seconds of the tasks not yet stored, run one after another."""
        return sum(r["predicted_seconds"] for r in self.rows if not r["stored"])

    def text(self, workers: int = 1) -> str:
        """A human summary: one line per (problem, method, eps) group of seeds."""
        stored = sum(r["stored"] for r in self.rows)
        groups: dict = {}
        for r in self.rows:
            groups.setdefault(r["group"], []).append(r)
        table = [("tasks", "problem", "method", "eps", "iterations", "oracle calls", "seconds",
                  "basis")]  # fmt: skip
        for rows in groups.values():
            r = rows[0]
            span = f"#{r['index']}" + (f"-{rows[-1]['index']}" if len(rows) > 1 else "")
            table.append((
                span, r["problem_label"], r["method_label"], f"{r['eps']:.3g}",
                f"{max(x['predicted_iterations'] for x in rows):.4g}",
                f"{max(x['predicted_calls'] for x in rows):.4g}",
                f"{sum(x['predicted_seconds'] for x in rows):.3g}", r["basis"],
            ))  # fmt: skip
        widths = [max(len(row[i]) for row in table) for i in range(7)]
        lines = [
            f"dry run of sweep {self.sweep!r}: {self.runs} runs "
            f"({stored} already stored, {self.runs - stored} to run); per group of seeds: "
            "the largest iterations and calls, the summed seconds"
        ]
        for row in table:
            cells = [c.rjust(w) if i in (0, 3, 4, 5, 6) else c.ljust(w)
                     for i, (c, w) in enumerate(zip(row, widths, strict=False))]  # fmt: skip
            lines.append("  ".join([*cells, row[7]]))
        total = self.pending_seconds()
        lines.append(
            f"predicted time of the {self.runs - stored} runs to do: {total:.3g} s serial, "
            f"about {total / max(workers, 1):.3g} s on {workers} workers "
            f"(cost per oracle call {self.seconds_per_call:.3g} s)"
        )
        lines.append(PREDICTION)
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def plan(spec, store_path=None) -> Plan:
    """Predict the cost of a sweep without running it (each distinct schedule is set up
    once by a one-iteration run); tasks already in ``store_path`` are marked stored."""
    sweep = as_sweep(spec)
    sweep.check()
    stored: set[str] = set()
    if store_path is not None and os.path.exists(store_path):
        with Store(store_path) as store:
            stored = store.keys()
    warm()
    per_call = _calibrate()
    predictions: dict[str, tuple] = {}
    rows = []
    for t in sweep.tasks():
        inputs = t.inputs()
        for key in ("index", "run_key", "seed"):
            inputs.pop(key)
        group = canonical(inputs)
        if group not in predictions:
            predictions[group] = _predict(t, per_call)
        iters, calls, seconds, basis = predictions[group]
        rows.append({
            "index": t.index, "run_key": t.run_key, "group": group,
            "problem_label": t.problem_label, "method_label": t.method_label, "eps": t.eps,
            "seed": t.seed, "stored": t.run_key in stored, "predicted_iterations": iters,
            "predicted_calls": calls, "predicted_seconds": seconds, "basis": basis,
        })  # fmt: skip
    return Plan(sweep.name, per_call, tuple(rows), sweep.notes())


def _calibrate() -> float:
    """Seconds per oracle call: SGD on x^4 with a step too small to ever reach eps."""
    from l0l1.problems.catalog import make_problem
    from l0l1.runs import run

    prob = make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0)
    times = []
    for iters in (1, CALIBRATION_CALLS + 1):
        start = time.perf_counter()
        run(prob, "sgd", eps=1e-3, x0=[3.0], max_iter=iters, noise="bounded",
            overrides={"h": 1e-12})  # fmt: skip
        times.append(time.perf_counter() - start)
    return max(times[1] - times[0], 0.0) / CALIBRATION_CALLS


def _predict(t: Task, per_call: float) -> tuple[int, int, float, str]:
    """(iterations, oracle calls, seconds, basis) of a task, from a one-iteration run."""
    from l0l1 import schedules
    from l0l1 import theory as th
    from l0l1.methods.registry import get_method
    from l0l1.problems.catalog import default_x0
    from l0l1.runs import DEFAULT_MAX_ITER, SPIDER_CLIP_K_CAP, run

    problem = build_problem(t.problem, canonical(t.problem_params))
    x0 = default_x0(problem) if t.x0 is None else t.x0
    start = time.perf_counter()
    r = run(
        problem, t.method_entry, eps=t.eps, x0=x0, seed=t.seed, max_iter=1, noise=t.noise,
        noise_level=t.noise_level, batch=t.batch, n0=t.n0, probe_every=t.probe_every,
        overrides=t.overrides or None,
    )  # fmt: skip
    setup = max(time.perf_counter() - start - r.oracle_calls * per_call, 0.0)
    inputs = schedules.Inputs(L0=r.L0, L1=r.L1, Delta=r.Delta, M=r.M, eps=t.eps, n=problem.n,
                              n0=t.n0)  # fmt: skip
    spec = get_method(t.method_entry)
    K, basis = r.bound, r.bound_name
    if t.overrides:
        K, basis = None, "max_iter (parameters overridden: no bound)"
    elif t.method == "spider":
        K = schedules.evaluate(th.SPIDER_K, inputs, L=r.params["L"])
        basis = "F18 K = 4 L Delta n0 / eps^2 + 1"
    elif spec.budget is not None and K is None:
        K = spec.budget(inputs)
        basis = "T5 K = ceil(4 n0 L0 Delta / eps^2)"
    elif K is None:
        basis = "max_iter (no bound in the theory)"
    if K is not None and not math.isfinite(K):
        K = None
    budget = t.max_iter
    if budget is None:
        own = spec.budget is not None and not t.overrides and K is not None
        budget = int(min(K, SPIDER_CLIP_K_CAP)) if own else DEFAULT_MAX_ITER
    iters = budget if K is None else min(math.ceil(K), budget)
    if K is not None and iters < K:
        basis += ", capped by max_iter"
    if spec.family == "spider":
        q, S1, S2 = (int(r.params[k]) for k in ("q", "S1", "S2"))
        sizes = {"K": iters, "q": q, "S_1": problem.n or S1, "S_2": S2}  # exact refresh: n
        calls = int(schedules.evaluate(th.SPIDER_SFO_TOTAL, inputs, **sizes))
    else:
        calls = iters * (t.batch if spec.stochastic else max(problem.n, 1))
    if t.max_calls and calls > t.max_calls:
        calls, basis = t.max_calls, basis + ", calls capped by max_calls"
    return iters, calls, setup + calls * per_call, basis
