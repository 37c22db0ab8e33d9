"""Hot write statements compiled once per dialect and run on the DBAPI cursor of the session's connection.

A quiz submit writes a dozen rows of answers, review cards and topic aggregates. Through
`Connection.execute`, SQLAlchemy builds an execution context per statement (its parameters
re-derived from the compiled form, every value passed through its type, result metadata set up):
it cost more CPU than SQLite spends running the statement. Here a statement is compiled once per
dialect into its SQL text, the order of its parameters and the dialect's bind processors (JSON,
UTC datetimes, PostgreSQL's casts), and each call only converts the values and hands them to the
driver: one `execute` for a row or a list of rows (many VALUES groups; on PostgreSQL one JSON document,
see `_recordset`). The statements are the same Core constructs (upserts keep their `ON CONFLICT`, so
uniqueness stays the database's job), in the session's transaction; cursor events still fire, so
statement counts (tests/test_query_budget.py) see them. `Query` does the same for a statement that
returns rows (a read the signed-in fast path, learnpath.lane, runs on every request; the submit's
attempt, progress upsert, version bump and review cards): rows come back as named tuples, each value
through the dialect's result processor (SQLite's datetimes are text), as `Connection.execute` would give them.
"""
from __future__ import annotations

import json
import re
from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from learnpath.extensions import db

_PARAM = re.compile(r"%\((\w+)\)s")  # a named (pyformat) parameter, as psycopg takes them
MAX_ROWS = 200  # rows per multi-row INSERT (a quiz asks far fewer); more go through executemany


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # every parameter, in the order a positional driver takes them
    positional: bool
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, the dialect's bind processor)
    constants: dict[str, Any]  # parameters whose value the statement carries (e.g. a literal in a WHERE)
    values: Callable[[dict], tuple]  # a row's values in `names` order (C speed)
    row_group: tuple[int, int] | None  # where an INSERT's "(…)" of values is in `sql`, for named parameters
    group_names: frozenset[str]  # the parameters inside that group (one per row)
    many_sql: dict[int, str]  # named parameters: the INSERT with that many rows of values, made on first use
    recordset: tuple[str, tuple] | None  # PostgreSQL: the INSERT of a JSON document; (name, JSON?, Python types) per column


# A column type and the Python types whose JSON text it reads back as the same value (a float in an
# INTEGER column, a bool in a FLOAT one, … is sent the ordinary way instead). Boolean before Integer: bool is an int.
_JSON_FORMS: tuple[tuple[type, frozenset[type]], ...] = (
    (sa.Boolean, frozenset({bool})), (sa.Integer, frozenset({int})), (sa.Float, frozenset({float, int})),
    (sa.String, frozenset({str})), (sa.DateTime, frozenset({datetime})), (sa.Date, frozenset({date})),
)


def _json_time(value: Any) -> str:
    """A naive time or a date in `json.dumps` as PostgreSQL reads it; anything else has no JSON form here."""
    if isinstance(value, datetime) and value.tzinfo is None or isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class Statement:
    """`build(dialect_name)` -> a Core statement without RETURNING; `columns`: for an INSERT, the columns
    given (as for `Connection.execute(insert, rows)`); every other parameter is a named `bindparam`."""

    def __init__(self, build: Callable[[str], sa.Executable], columns: Sequence[str] | None = None):
        self.build, self.columns = build, list(columns) if columns is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.build(dialect.name).compile(dialect=dialect, column_keys=self.columns, for_executemany=True)
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup) if positional else tuple(compiled.binds)
        # SQLAlchemy's own per-dialect processors for this compiled statement (what an execution context applies)
        processors = compiled._bind_processors
        constants = {name: bind.value for name, bind in compiled.binds.items()
                     if not bind.required and bind.callable is None}
        sql = compiled.string
        group = recordset = None
        if not positional and compiled.isinsert:
            start = sql.index(" VALUES (") + len(" VALUES ")
            end = sql.index(")", start)
            while sql.count("(", start, end + 1) != sql.count(")", start, end + 1):
                end = sql.index(")", end + 1)
            group = (start, end + 1)
            if dialect.name == "postgresql":
                recordset = self._recordset(dialect, compiled, sql, group)
        return _Compiled(sql, names, positional,
                         tuple((i, processors[n]) for i, n in enumerate(names) if n in processors), constants,
                         itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],), group,
                         frozenset(_PARAM.findall(sql[group[0]:group[1]])) if group else frozenset(), {}, recordset)

    @staticmethod
    def _recordset(dialect: Dialect, compiled, sql: str, group: tuple[int, int]) -> tuple[str, tuple]:
        """PostgreSQL: the INSERT with its rows as one JSON document (`SELECT … FROM json_to_recordset(%(rows__)s)`).
        A statement of many VALUES groups has a parameter per value, and psycopg parses a statement of more
        than 50 parameters again on every call (its cache of converted queries stops there); one array per
        column (unnest) still has psycopg dump every value in Python. One JSON text made by `json.dumps`
        cost a fifth of the first and a third of the second. A JSON column's value travels as its JSON text
        (a string, cast back), so a JSON null stays a JSON null and the text stored is the one psycopg sends."""
        columns, fields = [], []
        for name in _PARAM.findall(sql[group[0]:group[1]]):
            type_ = compiled.binds[name].type
            impl = type_.dialect_impl(dialect)
            while isinstance(impl, sa.TypeDecorator):  # e.g. UTC times: what the driver gets is the inner type's
                impl = impl.impl
            is_json = isinstance(impl, sa.JSON)
            fields.append(f"{name} {'text' if is_json else dialect.type_compiler_instance.process(type_)}")
            # the Python types whose JSON form the column's type reads as the driver would send them
            expected = next((kinds for base, kinds in _JSON_FORMS if isinstance(impl, base)), None)
            columns.append((name, is_json, expected))
        values = ", ".join(f"r.{name}::json" if is_json else f"r.{name}" for name, is_json, _ in columns)
        return (sql[:group[0] - len("VALUES ")]
                + f"SELECT {values} FROM json_to_recordset(%(rows__)s::json) AS r({', '.join(fields)})"
                + sql[group[1]:], tuple(columns))

    @staticmethod
    def _document(compiled: _Compiled, rows: list[dict]) -> dict | None:
        """The parameters of `_recordset`'s statement: the rows as one JSON text, and those outside the rows.
        None when a value has no exact JSON form (a NaN, a time with a zone, another type): then the rows go
        as VALUES groups."""
        from psycopg.types.json import Json  # here: importing psycopg costs a SQLite-only worker ~8 MB

        columns = compiled.recordset[1]
        records = []
        for row in rows:
            record = {}
            for name, is_json, expected in columns:
                value = row[name]
                if value is not None:
                    if is_json:  # psycopg's Json wrapper (SQLAlchemy's JSON bind processor)
                        if type(value) is not Json:
                            return None
                        value = (value.dumps or json.dumps)(value.obj)
                    elif expected is None or type(value) not in expected:
                        return None
                record[name] = value
            records.append(record)
        try:
            document = json.dumps(records, allow_nan=False, default=_json_time)
        except (TypeError, ValueError):
            return None
        params = {name: value for name, value in rows[0].items() if name not in compiled.group_names}
        params["rows__"] = document
        return params

    @staticmethod
    def _multirow(compiled: _Compiled, rows: list[dict]) -> tuple[str, dict]:
        """An INSERT of many rows as one statement of many VALUES groups (as SQLAlchemy's "insertmanyvalues"
        does): psycopg's executemany costs far more CPU per row. Each row's parameters get a suffix."""
        start, end = compiled.row_group
        sql = compiled.many_sql.get(len(rows))
        if sql is None:
            group = compiled.sql[start:end]
            groups = ", ".join(_PARAM.sub(lambda m, i=i: f"%({m.group(1)}__{i})s", group) for i in range(len(rows)))
            sql = compiled.many_sql.setdefault(len(rows), compiled.sql[:start] + groups + compiled.sql[end:])
        group_names = compiled.group_names
        params = {}
        for i, row in enumerate(rows):
            for name, value in row.items():
                params[f"{name}__{i}" if name in group_names else name] = value
        return sql, params

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def execute(self, params: dict[str, Any] | list[dict[str, Any]]) -> int:
        """Run with one row of values (execute) or a list of them (executemany); returns the rowcount."""
        conn = db.session.connection()
        compiled = self._compiled_for(conn.dialect)
        many = isinstance(params, list)
        rows = self._bind_rows(compiled, params if many else [params])
        if not rows:
            return 0
        sql, parameters = compiled.sql, rows if many else rows[0]
        if many and compiled.recordset is not None and len(rows) > 1 and (document := self._document(compiled, rows)):
            sql, parameters, many = compiled.recordset[0], document, False
        elif many and compiled.row_group is not None and 1 < len(rows) <= MAX_ROWS:
            (sql, parameters), many = self._multirow(compiled, rows), False
        cursor = self._run(conn, sql, parameters, many)
        count = cursor.rowcount
        cursor.close()
        return count

    @staticmethod
    def _run(conn: sa.Connection, sql: str, parameters, many: bool):
        """The driver's cursor after running `sql`; errors raised as SQLAlchemy raises them."""
        dialect = conn.dialect
        cursor = conn.connection.dbapi_connection.cursor()
        events = conn._has_events or conn.engine._has_events
        if events:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, parameters, None, many)
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
        except dialect.loaded_dbapi.Error as exc:  # raised as SQLAlchemy raises it (IntegrityError, …)
            cursor.close()
            raise sa.exc.DBAPIError.instance(sql, parameters, exc, dialect.loaded_dbapi.Error,
                                             dialect=dialect) from exc
        if events:
            conn.dispatch.after_cursor_execute(conn, cursor, sql, parameters, None, many)
        return cursor

    @staticmethod
    def _bind_rows(compiled: _Compiled, rows: list[dict[str, Any]]) -> list[tuple | dict]:
        """`_bind` for each row; a value that is the very object the previous row had in its place (the
        submit's time, a None) is not converted again: the processors are pure functions of the value."""
        constants, processors, positional, names = compiled.constants, compiled.processors, compiled.positional, compiled.names
        previous: dict[int, tuple[Any, Any]] = {}
        bound = []
        for row in rows:
            values = list(compiled.values({**constants, **row} if constants else row))  # KeyError: a value is missing
            for i, process in processors:  # None too: a JSON column stores it as null, as SQLAlchemy does
                value = values[i]
                seen = previous.get(i)
                if seen is not None and seen[0] is value:
                    values[i] = seen[1]
                else:
                    values[i] = converted = process(value)
                    previous[i] = (value, converted)
            bound.append(tuple(values) if positional else dict(zip(names, values)))
        return bound

    @classmethod
    def _bind(cls, compiled: _Compiled, row: dict[str, Any]) -> tuple | dict:
        return cls._bind_rows(compiled, [row])[0]


@dataclass(frozen=True)
class _Reader:
    row: Callable[[tuple], tuple]  # a driver's row -> the named tuple, values processed
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


class Query(Statement):
    """A SELECT (or a write with RETURNING) run like `Statement`: `build(dialect_name)` -> the statement,
    every parameter a named `bindparam` (`columns`: an INSERT's columns given, as for `Statement`).
    `first(conn, params)` -> the first row as a named tuple (by the columns' labels), or None; `all` -> every row."""

    def __init__(self, build: Callable[[str], sa.Executable], columns: Sequence[str] | None = None):
        super().__init__(build, columns)
        self._readers: dict[str, _Reader] = {}

    def _reader(self, dialect: Dialect, description: Sequence[tuple]) -> _Reader:
        reader = self._readers.get(dialect.name)
        if reader is None:
            compiled = self.build(dialect.name).compile(dialect=dialect)
            columns = compiled._result_columns  # (key, name, objects, type) per column, as the result metadata reads them
            make = namedtuple("Row", [c[0] for c in columns])._make  # type: ignore[misc]
            # the driver's type of each column, as the result metadata passes it (psycopg's numerics depend on it)
            processors = tuple((i, p) for i, c in enumerate(columns)
                               if (p := c[3]._cached_result_processor(dialect, description[i][1])) is not None)
            reader = self._readers[dialect.name] = _Reader(make, processors)
        return reader

    def first(self, conn: sa.Connection, params: dict[str, Any]) -> tuple | None:
        rows = self._fetch(conn, params, one=True)
        return rows[0] if rows else None

    def all(self, conn: sa.Connection, params: dict[str, Any]) -> list[tuple]:
        return self._fetch(conn, params, one=False)

    def _fetch(self, conn: sa.Connection, params: dict[str, Any], one: bool) -> list[tuple]:
        compiled = self._compiled_for(conn.dialect)
        cursor = self._run(conn, compiled.sql, self._bind(compiled, params), False)
        try:
            # every row of a write's RETURNING is read: the driver may finish the statement only then
            found = cursor.fetchall() if not one or not compiled.sql.startswith("SELECT") else cursor.fetchmany(1)
            reader = self._readers.get(conn.dialect.name) or self._reader(conn.dialect, cursor.description)
        finally:
            cursor.close()
        if reader.processors:
            rows = []
            for row in found:
                row = list(row)
                for i, process in reader.processors:
                    row[i] = process(row[i])
                rows.append(reader.row(row))
            return rows
        return [reader.row(row) for row in found]


class InQuery:
    """A `Query` with one list parameter, for an `IN (…)`: `build(dialect_name, binds)` gets one named
    `bindparam` per value (`<name>_0`, `<name>_1`, …) and each length gets its own compiled statement (an
    expanding parameter would be rendered per call). Lists longer than MAX_ROWS are refused."""

    def __init__(self, name: str, build: Callable[[str, list], sa.Executable]):
        self.name, self.build = name, build
        self._queries: dict[int, Query] = {}

    def _query(self, count: int) -> Query:
        query = self._queries.get(count)
        if query is None:
            if not 0 < count <= MAX_ROWS:
                raise ValueError(f"{count} values for {self.name!r}: 1 to {MAX_ROWS}")
            names = [f"{self.name}_{i}" for i in range(count)]
            query = self._queries.setdefault(count, Query(
                lambda dialect: self.build(dialect, [sa.bindparam(n) for n in names])))
        return query

    def all(self, conn: sa.Connection, params: dict[str, Any], values: Sequence[Any]) -> list[tuple]:
        """Every row for `params` with the list parameter set to `values` (none: no statement)."""
        if not values:
            return []
        name = self.name
        return self._query(len(values)).all(conn, {**params, **{f"{name}_{i}": v for i, v in enumerate(values)}})
