"""Sweeps: TOML-declared grids of runs, a resumable SQLite store, and parallel backends (T6).

    >>> from l0l1.experiments import load_records, plan, run_sweep
    >>> run_sweep("examples/sweep_online.toml", "results.sqlite",
    ...           backend="processes")  # doctest: +SKIP
    >>> rows = load_records("results.sqlite", sweep="online")  # doctest: +SKIP

Modules: ``spec`` (format and validation), ``store`` (SQLite), ``runner`` (backends and
the dry-run prediction), ``cli_sweep`` (``l0l1 sweep``). Importing this package is cheap.
"""

__all__ = ["Sweep", "export_csv", "load_dataframe", "load_records", "load_spec", "plan",
           "record_run", "run_sweep"]  # fmt: skip
_HOME = {
    "Sweep": "spec", "load_spec": "spec", "run_sweep": "runner", "plan": "runner",
    "load_records": "store", "load_dataframe": "store", "export_csv": "store",
    "record_run": "record",
}  # fmt: skip


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"l0l1.experiments.{_HOME[name]}"), name)
