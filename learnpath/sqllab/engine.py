"""Run a learner's SQL in a DuckDB sandbox and compare result sets.

Why DuckDB: it is embedded and in-process (no server to run), and it has everything the SQL
Mastery parts teach — FULL/RIGHT joins, window functions, ROLLUP/CUBE/GROUPING SETS and recursive
CTEs — where SQLite lacks GROUPING SETS. Its own configuration gives us the sandbox:

- each run opens its own connection to a dataset file, read-only (no INSERT/UPDATE/DDL can
  succeed), never the application database;
- `enable_external_access=false` refuses files, URLs, ATTACH, COPY, INSTALL/LOAD;
- `lock_configuration=true` refuses SET/PRAGMA changes; one thread and a memory cap;
- one statement, of type SELECT, checked by DuckDB's own parser before running;
- a timer calls `interrupt()` at the time limit, so the engine itself stops the query;
- at most ROW_LIMIT rows are fetched.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

MAX_SQL_CHARS = 20_000
TIME_LIMIT = 2.0
ROW_LIMIT = 1000
FLOAT_TOLERANCE = 1e-6
SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "threads": 1,
    "memory_limit": "256MB",
    "max_temp_directory_size": "0B",
    "lock_configuration": True,
}


class SqlError(Exception):
    """A query that could not run: `kind` is 'refused', 'error' or 'timeout'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool
    elapsed_ms: float


def check_statement(sql: str) -> str:
    """One SELECT statement, or a clear refusal."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlError("refused", "Write a query first.")
    if len(sql) > MAX_SQL_CHARS:
        raise SqlError("refused", f"The query is longer than {MAX_SQL_CHARS:,} characters.")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise SqlError("error", _clean(exc)) from None
    if len(statements) != 1:
        raise SqlError("refused", f"Run exactly one statement at a time (found {len(statements)}).")
    if statements[0].type != duckdb.StatementType.SELECT:
        kind = statements[0].type.name
        raise SqlError("refused", f"Only queries that read data (SELECT / WITH) can run here, not {kind}.")
    return sql


def _clean(exc: Exception) -> str:
    return str(exc).strip().split("\n\nLINE")[0] if str(exc).strip() else type(exc).__name__


def run(db_path: Path, sql: str, *, row_limit: int = ROW_LIMIT, time_limit: float = TIME_LIMIT) -> QueryResult:
    check_statement(sql)
    started = time.perf_counter()
    try:
        connection = duckdb.connect(str(db_path), read_only=True, config=SANDBOX_CONFIG)
    except duckdb.Error as exc:  # a broken dataset file is our problem, not the learner's
        raise RuntimeError(f"cannot open dataset {db_path}: {exc}") from exc
    timer = threading.Timer(time_limit, connection.interrupt)
    timer.start()
    try:
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchmany(row_limit + 1)
    except duckdb.InterruptException:
        raise SqlError("timeout", f"The query was stopped after {time_limit:g} s. Look for a missing join condition "
                                  "or a recursion without an end.") from None
    except duckdb.PermissionException:
        raise SqlError("refused", "This sandbox has no access to files, URLs or extensions.") from None
    except duckdb.Error as exc:
        if "configuration has been locked" in str(exc) or "read-only" in str(exc).lower():
            raise SqlError("refused", "This sandbox is read-only: settings and data cannot be changed.") from None
        raise SqlError("error", _clean(exc)) from None
    finally:
        timer.cancel()
        connection.close()
    return QueryResult(columns, [tuple(r) for r in rows[:row_limit]], len(rows) > row_limit,
                       round((time.perf_counter() - started) * 1000, 1))


# ---- comparing results -------------------------------------------------------------------------

def _normal(value: Any) -> Any:
    """Values compared across types the way a person would: 2 == 2.0, Decimal('2.50') == 2.5."""
    if isinstance(value, (bool, int)) or value is None:
        return value  # ints hash and compare equal to the floats they equal
    if isinstance(value, (float, decimal.Decimal)):
        number = float(value)
        return round(number, 6) if math.isfinite(number) else str(number)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(_normal(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _normal(v)) for k, v in value.items()))
    return str(value) if not isinstance(value, str) else value


def _row(row: tuple) -> tuple:
    return tuple(_normal(v) for v in row)


def _close(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > FLOAT_TOLERANCE * max(1.0, abs(x), abs(y)):
                return False
        elif x != y:
            return False
    return True


def format_row(row: tuple) -> str:
    return "(" + ", ".join("NULL" if v is None else repr(v) if isinstance(v, str) else str(v) for v in row) + ")"


def compare(expected: QueryResult, got: QueryResult, *, ordered: bool, match_columns: bool) -> str | None:
    """None when the results match; otherwise a learner-facing description of the first difference."""
    if len(got.columns) != len(expected.columns):
        return f"Your query returns {len(got.columns)} column(s); the task needs {len(expected.columns)}."
    if match_columns:
        want = [c.lower() for c in expected.columns]
        have = [c.lower() for c in got.columns]
        if want != have:
            return f"Column names differ: expected {', '.join(expected.columns)}; got {', '.join(got.columns)}."
    if got.truncated and not expected.truncated:
        return f"Your query returns more than {ROW_LIMIT} rows; the task needs {len(expected.rows)}."
    exp_rows = [_row(r) for r in expected.rows]
    got_rows = [_row(r) for r in got.rows]
    if len(got_rows) != len(exp_rows):
        detail = _multiset_detail(exp_rows, got_rows)
        return f"Wrong number of rows: expected {len(exp_rows)}, got {len(got_rows)}.{detail}"
    if ordered:
        for i, (e, g) in enumerate(zip(exp_rows, got_rows), start=1):
            if not _close(e, g):
                if _same_multiset(exp_rows, got_rows):
                    return f"The rows are right but not in the required order: row {i} should be {format_row(e)}, not {format_row(g)}."
                return f"Row {i} differs: expected {format_row(e)}, got {format_row(g)}."
        return None
    if _same_multiset(exp_rows, got_rows):
        return None
    return "Same number of rows, but the rows differ." + _multiset_detail(exp_rows, got_rows)


def _key(row: tuple) -> tuple:
    # Floats rounded so that tolerance-equal rows land in the same bucket.
    return tuple(round(v, 4) if isinstance(v, float) else v for v in row)


def _same_multiset(a: list[tuple], b: list[tuple]) -> bool:
    return Counter(map(_key, a)) == Counter(map(_key, b))


def _multiset_detail(expected: list[tuple], got: list[tuple]) -> str:
    exp, have = Counter(map(_key, expected)), Counter(map(_key, got))
    missing = list((exp - have).elements())
    extra = list((have - exp).elements())
    parts = []
    if missing:
        parts.append(f" Missing {len(missing)} row(s), e.g. {format_row(missing[0])}.")
    if extra:
        parts.append(f" {len(extra)} unexpected row(s), e.g. {format_row(extra[0])}.")
    return "".join(parts)
