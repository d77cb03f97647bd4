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

import contextlib
import csv
import json
import math
import os
import sqlite3
import urllib.parse
from datetime import UTC, datetime

from l0l1.validate import INT64_MAX, InputError, integer, show

SCHEMA_VERSION = 2  # 2: method_ref (a user method's entry point; method is its name) and
# value_calls (function-value calls, part of oracle_calls)

# (column, kind): inputs (the Task), then outputs (the problem instance's name, its
# finite-sum size n (0: not a finite sum) and dimension, then RunResult.to_dict() with
# "noise_level" renamed "oracle_level"), then timing.
COLUMNS = (
    ("run_key", "text"), ("sweep", "text"), ("l0l1_version", "text"), ("index", "int"),
    ("problem", "text"), ("problem_label", "text"), ("problem_params", "json"),
    ("x0", "json"), ("method", "text"), ("method_ref", "text?"), ("method_label", "text"),
    ("noise", "text?"),
    ("noise_level", "real"), ("batch", "int"), ("n0", "int"), ("probe_every", "int"),
    ("overrides", "json"), ("eps", "real"), ("seed", "int"), ("max_iter", "int"),
    ("max_calls", "int"), ("checkpoints", "int"),
    ("instance", "text"), ("n", "int"), ("dim", "int"), ("status", "text"),
    ("iterations", "int"),
    ("oracle_calls", "int"), ("oracle_calls_at_hit", "int"), ("value_calls", "int"),
    ("hit_iteration", "int"),
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


class StoreError(InputError):
    """The store cannot be used as asked (not a store, another schema, read-only, locked,
    full); one line naming the file. Records already stored are never touched by it."""


SQLITE_MAGIC = b"SQLite format 3\x00"
TIMEOUT_ENV = "L0L1_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 60.0  # seconds a writer waits for another one's lock
# SQLite result codes that describe the file or its environment, not our SQL:
_ENV_CODES = {3: "permission denied", 5: "locked by another process", 6: "locked",
              8: "read-only", 10: "disk I/O error", 11: "corrupt", 13: "full",
              14: "cannot be opened", 26: "not a database"}  # fmt: skip


def lock_timeout() -> float:
    """Seconds to wait for another writer's lock: $L0L1_STORE_TIMEOUT, default 60."""
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None:
        return DEFAULT_TIMEOUT
    try:
        val = float(raw)
    except ValueError:
        val = math.nan
    if not (math.isfinite(val) and val >= 0):
        raise StoreError(f"{TIMEOUT_ENV}: {raw!r} is not allowed; allowed: seconds >= 0")
    return val


class Store:
    """An open results store (created on first use). Use as a context manager.

    Opening never writes to an existing file: a new (or empty) file gets the tables, a
    store of this schema is used as it is, anything else is refused with a one-line
    :class:`StoreError` and left untouched (see docs/bad_input.md). ``readonly=True``
    opens for reading only (a read-only file or directory is fine). A writer waits
    ``timeout`` seconds (default :func:`lock_timeout`) for another writer's lock.
    """

    def __init__(self, path, *, readonly: bool = False, timeout: float | None = None):
        self.path = str(path)
        self.readonly = readonly
        self.timeout = lock_timeout() if timeout is None else float(timeout)
        _check_file(self.path, readonly)
        # An existing store we cannot write is opened read-only (nothing is created beside
        # it); check_writable() and insert() then refuse in one line.
        exists = os.path.exists(self.path) and os.path.getsize(self.path) > 0
        self.writable = not readonly and (not exists or _writable(self.path))
        self.conn = _connect(self.path, not self.writable, self.timeout)
        try:
            with self._errors("read"):
                tables = {
                    name
                    for (name,) in self.conn.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    )
                }
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if tables:
                self._check_ours(tables, version)
            elif not self.writable:
                raise StoreError(
                    f"store: {self.path!r} is empty (no runs table); allowed: a results store"
                )
            else:
                self._create()
        except BaseException:
            self.conn.close()
            raise

    def _check_ours(self, tables: set[str], version: int) -> None:
        if "runs" not in tables:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"store: {self.path!r} is an SQLite database but not an l0l1 results store "
                f"(tables: {shown}); allowed: an l0l1 store or a new file"
            )
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"store: {self.path!r} has store schema {version}, written by "
                f"{self._writers()}; this l0l1 ({_version()}) uses schema {SCHEMA_VERSION}; "
                f"allowed: a store of schema {SCHEMA_VERSION} (or that l0l1 version), or a new file"
            )
        with self._errors("read"):
            columns = {row[1] for row in self.conn.execute("PRAGMA table_info(runs)")}
        if columns != set(NAMES):
            raise StoreError(
                f"store: {self.path!r} has other columns (written by {self._writers()}); "
                "allowed: a store of this version, or a new file"
            )

    def _writers(self) -> str:
        """Which l0l1 versions wrote the rows (best effort: any schema that kept the column)."""
        try:
            found = [v for (v,) in self.conn.execute(
                'SELECT DISTINCT "l0l1_version" FROM runs ORDER BY 1 LIMIT 4')]  # fmt: skip
        except sqlite3.Error:
            found = []
        found = [str(v) for v in found if v is not None]
        return f"l0l1 {', '.join(found)}" if found else "an unknown l0l1 version (no runs)"

    def _create(self) -> None:
        """Tables of a new store, in one immediate transaction (two sweeps may race here)."""
        cols = ", ".join(f'"{n}" {_SQL_TYPE[k]}' for n, k in COLUMNS if n != "run_key")
        with self._errors("create"):
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(
                    f"CREATE TABLE IF NOT EXISTS runs (run_key TEXT UNIQUE NOT NULL, {cols})"
                )
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS traces "
                    "(run_key TEXT PRIMARY KEY, trace TEXT NOT NULL)"
                )
                self.conn.execute("CREATE INDEX IF NOT EXISTS runs_sweep ON runs (sweep)")
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def check_writable(self) -> None:
        """Take and release the write lock (waiting up to ``timeout``): a one-line
        StoreError now, rather than after the first run, for a read-only or locked store."""
        if self.readonly:
            raise StoreError(f"store: {self.path!r} was opened read-only; allowed: a writer")
        if not self.writable:
            raise _read_only_error(self.path)
        with self._errors("write"):
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # A no-op write: read-only files fail here, not at BEGIN.
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            finally:
                self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def _errors(self, action: str):
        """SQLite errors of the file or its environment as one-line StoreErrors; errors of
        our own SQL (SQLITE_ERROR and the like) stay tracebacks."""
        try:
            yield
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, action, err, self.timeout) from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def keys(self) -> set[str]:
        """The run keys stored (of every sweep)."""
        with self._errors("read"):
            return {k for (k,) in self.conn.execute("SELECT run_key FROM runs")}

    def insert(self, record: dict) -> bool:
        """Store one run record (with its ``trace``) in one transaction; False if present.

        The record is checked first (every column of ``COLUMNS`` but ``created``, which
        defaults to now, and ``trace``, a JSON-ready list): a one-line ValueError naming
        the first missing, unknown or unstorable field, and nothing is written."""
        row, trace = _row(record)
        if not self.writable:
            raise _read_only_error(self.path)
        marks = ", ".join("?" * len(NAMES))
        names = ", ".join(f'"{n}"' for n in NAMES)
        with self._errors("write"), self.conn:
            cur = self.conn.execute(
                f"INSERT INTO runs ({names}) VALUES ({marks}) ON CONFLICT(run_key) DO NOTHING", row
            )
            if cur.rowcount == 0:
                return False
            self.conn.execute("INSERT INTO traces VALUES (?, ?)", (row[0], trace))
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
        with self._errors("read"):
            rows = self.conn.execute(sql + ' ORDER BY r.sweep, r."index"', args).fetchall()
        for row in rows:
            rec = {n: _from_sql(KINDS[n], v) for n, v in zip(NAMES, row, strict=False)}
            if trace:
                rec["trace"] = json.loads(row[-1])
            out.append(rec)
        return out


def load_records(path, sweep: str | None = None, *, trace: bool = False) -> list[dict]:
    """The stored runs (of one sweep, or all) as dicts; ``trace=True`` adds the trace rows."""
    with Store(_existing(path), readonly=True) as store:
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
    check_csv_target(csv_path, path)
    records = load_records(path, sweep)
    try:
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(NAMES)
            for rec in records:
                writer.writerow([_to_csv(KINDS[n], rec[n]) for n in NAMES])
    except OSError as err:
        raise StoreError(
            f"export_csv: {str(csv_path)!r} cannot be written ({err.strerror or err}); "
            "allowed: a writable file path"
        ) from None
    return len(records)


def check_csv_target(csv_path, store_path) -> None:
    """Refuse a CSV path that is the store itself, a directory or in a missing directory
    (before anything runs: an export must never overwrite the results)."""
    csv_path, field = str(csv_path), "export_csv"
    same = os.path.exists(csv_path) and os.path.exists(store_path)
    if same and os.path.samefile(csv_path, store_path):
        raise StoreError(f"{field}: {csv_path!r} is the store itself; allowed: another file name")
    if os.path.isdir(csv_path):
        raise StoreError(f"{field}: {csv_path!r} is a directory; allowed: a file path")
    parent = os.path.dirname(os.path.abspath(csv_path))
    if not os.path.isdir(parent):
        raise StoreError(
            f"{field}: {csv_path!r} is in a directory that does not exist; allowed: a path in "
            "an existing directory"
        )


def read_csv(csv_path) -> list[dict]:
    """Records from a CSV written by :func:`export_csv` (types restored from the schema)."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return [
            {n: _from_csv(KINDS[n], v) for n, v in zip(header, row, strict=True)} for row in reader
        ]


def _existing(path) -> str:
    if not os.path.exists(path):
        raise StoreError(f"store: {str(path)!r} does not exist; allowed: a results store")
    return str(path)


def _check_file(path: str, readonly: bool) -> None:
    """What can be said before SQLite opens the file (so a foreign file is never touched)."""
    if os.path.isdir(path):
        raise StoreError(f"store: {path!r} is a directory; allowed: a results store file")
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if readonly:
            raise StoreError(f"store: {path!r} does not exist; allowed: a results store")
        if not os.path.isdir(parent):
            raise StoreError(
                f"store: {path!r} is in a directory that does not exist; allowed: a path in "
                "an existing directory"
            )
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as err:
        raise StoreError(
            f"store: {path!r} cannot be read ({err.strerror or err}); allowed: a readable "
            "results store"
        ) from None
    if head and head != SQLITE_MAGIC:
        shown = head.decode("utf-8", "replace").splitlines()[0][:16] if head.strip() else ""
        raise StoreError(
            f"store: {path!r} is not an SQLite file (it starts with {shown!r}); allowed: an "
            "l0l1 results store or a new file"
        )


def _writable(path: str) -> bool:
    """Whether an existing store can be written: the file, and its directory unless the
    -wal and -shm files SQLite keeps beside it exist already."""
    folder = os.path.dirname(os.path.abspath(path))
    sidecars = all(os.path.exists(path + ext) for ext in ("-wal", "-shm"))
    return os.access(path, os.W_OK) and (sidecars or os.access(folder, os.W_OK))


def _read_only_error(path: str) -> StoreError:
    folder = os.path.dirname(os.path.abspath(path))
    where = "" if not os.access(path, os.W_OK) else f" (its directory {folder!r} is)"
    return StoreError(
        f"store: {path!r} is read-only{where}; allowed: a writable file in a writable "
        "directory (records already stored are intact and can be read)"
    )


def check_new_path(path) -> None:
    """Refuse, before anything runs, a store path that cannot become a new store."""
    _check_file(str(path), False)
    parent = os.path.dirname(os.path.abspath(str(path)))
    if not os.path.exists(path) and not os.access(parent, os.W_OK):
        raise StoreError(
            f"store: {str(path)!r} cannot be created (directory {parent!r} is read-only); "
            "allowed: a path in a writable directory"
        )


def _connect(path: str, readonly: bool, timeout: float) -> sqlite3.Connection:
    """A connection: read-write-create, or read-only (immutable when even the WAL index
    cannot be created, as in a read-only directory)."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if not readonly:
            return sqlite3.connect(uri + "?mode=rwc", uri=True, timeout=timeout)
        if os.access(path, os.W_OK) and os.access(folder, os.W_OK):
            # Readers that may write close the WAL cleanly (no -wal/-shm files left behind);
            # only a read-only file or directory needs SQLite's read-only mode.
            return sqlite3.connect(uri + "?mode=rw", uri=True, timeout=timeout)
        wal = path + "-wal"
        if not os.path.exists(wal) or os.path.getsize(wal) == 0:
            # Read-only and fully checkpointed (no writer has it open): read it as immutable,
            # which creates no -wal/-shm files beside it.
            return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, timeout=timeout)
        conn = sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as err:
            conn.close()
            if os.access(folder, os.W_OK) or (err.sqlite_errorcode & 0xFF not in (8, 14)):
                raise
            return sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, timeout=timeout)
    except sqlite3.DatabaseError as err:
        raise _store_error(path, "open", err, timeout) from None


def _store_error(path: str, action: str, err: sqlite3.DatabaseError, timeout: float):
    code = getattr(err, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary not in _ENV_CODES:
        return err  # our own SQL went wrong: keep the traceback
    what = _ENV_CODES[primary]
    if primary in (5, 6):
        return StoreError(
            f"store: {path!r} is locked by another process (waited {timeout:g} s to {action}); "
            f"allowed: a store no other program is writing, or a longer wait (${TIMEOUT_ENV})"
        )
    if primary in (3, 8, 14) and action != "read":
        return StoreError(
            f"store: {path!r} is read-only or its directory is ({err}); allowed: a writable "
            "file in a writable directory (records already stored are intact)"
        )
    if primary in (10, 13):
        return StoreError(
            f"store: {path!r} could not {action}: {what} ({err}); allowed: free disk space "
            "or another --store (records already stored are intact; rerun to resume)"
        )
    return StoreError(
        f"store: {path!r} {what if primary != 26 else 'is not an SQLite database'} ({err}); "
        "allowed: an l0l1 results store or a new file"
    )


def _version() -> str:
    from l0l1 import __version__

    return __version__


def _row(record) -> tuple[list, str]:
    """The SQL values of a record's columns and its trace as JSON text (see Store.insert)."""
    if not isinstance(record, dict):
        raise InputError(f"record: {type(record).__name__} given; allowed: a dict")
    record = {"created": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    allowed = f"the {len(NAMES)} columns of l0l1.experiments.store.COLUMNS and trace"
    for name in (*NAMES, "trace"):
        if name not in record:
            raise InputError(f"record: {name!r} is missing; allowed: {allowed}")
    for name in record:
        if name not in KINDS and name != "trace":
            raise InputError(f"record: {name!r} is unknown; allowed: {allowed}")
    if not isinstance(record["run_key"], str) or not record["run_key"]:
        raise InputError(f"record: run_key {record['run_key']!r}; allowed: a non-empty string")
    row = []
    for name in (*NAMES, "trace"):
        kind, value = KINDS.get(name, "json"), record[name]
        try:
            if kind.startswith("text") and not isinstance(value, str | None):
                raise TypeError
            if kind == "json" and value is None:
                raise TypeError
            if kind == "int" and value is not None:
                value = int(integer(name, value, -INT64_MAX - 1))
            row.append(_to_sql(kind, value) if name != "trace" else _dumps(value))
        except (TypeError, ValueError, OverflowError):
            raise InputError(
                f"record: {name} = {show(record[name])} cannot be stored; allowed: {kind} "
                "(JSON-ready lists and dicts of finite numbers for json)"
            ) from None
    return row[:-1], row[-1]


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
