"""SQLite results store: one row per run, keyed by its ``run_key`` (T6).

A row holds every input of the task and every output of ``RunResult.to_dict()``; the
trace goes to its own table as JSON text. The file is in WAL mode and each run is
inserted in one transaction, so a sweep killed at any point (SIGKILL included) leaves a
consistent file holding exactly the runs completed; rerunning skips them. Values are
stored as SQL numbers and text, or JSON text: never pickles. ``COLUMNS`` lists the
columns of table ``runs`` with their kind (text, text? = nullable text, int, real, bool,
json); ints and reals may be NULL (None), a real may be +-inf.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime

from l0l1.validate import InputError

SCHEMA_VERSION = 1

# (column, kind): inputs (the Task), then outputs (the problem instance's name, its
# finite-sum size n (0: not a finite sum) and dimension, then RunResult.to_dict() with
# "noise_level" renamed "oracle_level"), then timing.
COLUMNS = (
    ("run_key", "text"), ("sweep", "text"), ("l0l1_version", "text"), ("index", "int"),
    ("problem", "text"), ("problem_label", "text"), ("problem_params", "json"),
    ("x0", "json"), ("method", "text"), ("method_label", "text"), ("noise", "text?"),
    ("noise_level", "real"), ("batch", "int"), ("n0", "int"), ("probe_every", "int"),
    ("overrides", "json"), ("eps", "real"), ("seed", "int"), ("max_iter", "int"),
    ("max_calls", "int"), ("checkpoints", "int"),
    ("instance", "text"), ("n", "int"), ("dim", "int"), ("status", "text"),
    ("iterations", "int"),
    ("oracle_calls", "int"), ("oracle_calls_at_hit", "int"), ("hit_iteration", "int"),
    ("f_value", "real"), ("grad_norm", "real"), ("L0", "real"), ("L1", "real"),
    ("constants_certified", "bool"), ("constants_how", "text"), ("Delta", "real"),
    ("M", "real"), ("start_certified", "bool"), ("oracle", "text"), ("oracle_level", "real"),
    ("schedule", "text"), ("params", "json"), ("bound", "real"), ("bound_name", "text"),
    ("clipped_steps", "int"), ("clip_fraction", "real"), ("max_estimator_norm", "real"),
    ("assumptions", "json"), ("x", "json"),
    ("wall_time", "real"), ("created", "text"),
)  # fmt: skip
KINDS = dict(COLUMNS)
NAMES = tuple(KINDS)
TIMING = ("wall_time", "created")  # the only columns that differ between identical runs
_SQL_TYPE = {"text": "TEXT", "text?": "TEXT", "int": "INTEGER", "real": "REAL", "bool": "INTEGER",
             "json": "TEXT"}  # fmt: skip


class Store:
    """An open results store (created on first use). Use as a context manager."""

    def __init__(self, path):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, timeout=60)
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        if tables and version != SCHEMA_VERSION:
            self.conn.close()
            raise InputError(
                f"store: {self.path!r} has schema version {version}; allowed: {SCHEMA_VERSION}"
            )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        cols = ", ".join(f'"{n}" {_SQL_TYPE[k]}' for n, k in COLUMNS if n != "run_key")
        with self.conn:
            self.conn.execute(
                f"CREATE TABLE IF NOT EXISTS runs (run_key TEXT UNIQUE NOT NULL, {cols})"
            )
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS traces (run_key TEXT PRIMARY KEY, trace TEXT NOT NULL)"
            )
            self.conn.execute("CREATE INDEX IF NOT EXISTS runs_sweep ON runs (sweep)")
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(runs)")}
        if columns != set(NAMES):
            self.conn.close()
            raise InputError(
                f"store: {self.path!r} has other columns (another l0l1 version?); "
                "allowed: a store of this version, or a new file"
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def keys(self) -> set[str]:
        """The run keys stored (of every sweep)."""
        return {k for (k,) in self.conn.execute("SELECT run_key FROM runs")}

    def insert(self, record: dict) -> bool:
        """Store one run record (with its ``trace``) in one transaction; False if present."""
        record = dict(record)
        trace = record.pop("trace")
        record.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
        if set(record) != set(NAMES):
            extra, missing = set(record) - set(NAMES), set(NAMES) - set(record)
            raise ValueError(f"record: keys {sorted(extra)} unknown, {sorted(missing)} missing")
        row = [_to_sql(KINDS[n], record[n]) for n in NAMES]
        marks = ", ".join("?" * len(NAMES))
        names = ", ".join(f'"{n}"' for n in NAMES)
        with self.conn:
            cur = self.conn.execute(
                f"INSERT INTO runs ({names}) VALUES ({marks}) ON CONFLICT(run_key) DO NOTHING", row
            )
            if cur.rowcount == 0:
                return False
            self.conn.execute(
                "INSERT INTO traces VALUES (?, ?)", (record["run_key"], _dumps(trace))
            )
        return True

    def records(self, sweep: str | None = None, *, trace: bool = False) -> list[dict]:
        """Rows as dicts (JSON columns decoded), in sweep and task order."""
        names = ", ".join(f'r."{n}"' for n in NAMES)
        sql = f"SELECT {names}{', t.trace' if trace else ''} FROM runs r"
        sql += " LEFT JOIN traces t ON t.run_key = r.run_key" if trace else ""
        args: tuple = ()
        if sweep is not None:
            sql += " WHERE r.sweep = ?"
            args = (sweep,)
        out = []
        for row in self.conn.execute(sql + ' ORDER BY r.sweep, r."index"', args):
            rec = {n: _from_sql(KINDS[n], v) for n, v in zip(NAMES, row, strict=False)}
            if trace:
                rec["trace"] = json.loads(row[-1])
            out.append(rec)
        return out


def load_records(path, sweep: str | None = None, *, trace: bool = False) -> list[dict]:
    """The stored runs (of one sweep, or all) as dicts; ``trace=True`` adds the trace rows."""
    with Store(_existing(path)) as store:
        return store.records(sweep, trace=trace)


def load_dataframe(path, sweep: str | None = None, *, trace: bool = False):
    """:func:`load_records` as a pandas DataFrame (pandas is optional)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("load_dataframe needs pandas: pip install pandas") from None
    return pd.DataFrame.from_records(load_records(path, sweep, trace=trace))


def export_csv(path, csv_path, sweep: str | None = None) -> int:
    """Write the runs (without traces) to CSV: JSON columns as JSON text, None as empty.

    Returns the number of rows written; :func:`read_csv` reads the file back exactly.
    """
    records = load_records(path, sweep)
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(NAMES)
        for rec in records:
            writer.writerow([_to_csv(KINDS[n], rec[n]) for n in NAMES])
    return len(records)


def read_csv(csv_path) -> list[dict]:
    """Records from a CSV written by :func:`export_csv` (types restored from the schema)."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return [
            {n: _from_csv(KINDS[n], v) for n, v in zip(header, row, strict=True)} for row in reader
        ]


def _existing(path) -> str:
    import os

    if not os.path.exists(path):
        raise InputError(f"store: {str(path)!r} does not exist; allowed: a results store")
    return str(path)


def _dumps(obj) -> str:
    return json.dumps(obj, allow_nan=False)


def _to_sql(kind: str, v):
    if v is None:
        return None
    if kind == "json":
        return _dumps(v)
    if kind == "real":  # RunResult.to_dict() spells infinities as strings
        return float(v)
    if kind == "bool":
        return int(bool(v))
    return v


def _from_sql(kind: str, v):
    if kind == "json":
        return json.loads(v)
    if kind == "bool" and v is not None:
        return bool(v)
    return v


def _to_csv(kind: str, v) -> str:
    if kind == "json":
        return _dumps(v)
    return "" if v is None else repr(v) if kind == "real" else str(v)


def _from_csv(kind: str, s: str):
    if kind == "json":
        return json.loads(s)
    if kind == "text":
        return s
    if s == "":
        return None
    if kind == "int":
        return int(s)
    if kind == "real":
        return float(s)
    if kind == "bool":
        return s == "True"
    return s
