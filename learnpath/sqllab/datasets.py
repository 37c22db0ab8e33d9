"""Dataset files for the sandbox, one store per app, built on first use from the SQL stored at import
(read through the source that the package's init_app gives the store).

Each (dataset, version, variant) becomes a DuckDB file under the app's instance folder
(instance/sqllab/) that queries open read-only. A file is named by the dataset version it was
built from, and it is built only from that version's SQL: a question names the version it was
imported against, so neither Run nor grading can read a stale file. The file is written to a
temporary name and renamed into place, so concurrent workers never see half a database.
"""
from __future__ import annotations

import functools
import html
import os
import tempfile
from pathlib import Path
from typing import Callable

import duckdb
from flask import current_app

from learnpath.sqllab import engine

VARIANTS = ("visible", "hidden")
SqlSource = Callable[[str, str, str], str]  # (dataset, version, variant) -> schema + rows SQL
EXTENSION_KEY = "learnpath.sqllab"


class DatasetChanged(LookupError):
    """The dataset in the database is not the version a question names (an import is under way)."""


def build(target: Path, *scripts: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)  # DuckDB wants to create the file itself
    try:
        connection = duckdb.connect(tmp)
        for script in scripts:
            connection.execute(script)
        connection.close()
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)


class DatasetStore:
    """One app's dataset files and reference results: the SQL kind's sandbox runner.

    Caches live on the store (one per app), keyed by dataset version: a new version is a new key.
    """

    def __init__(self, directory: Path, source: SqlSource):
        self.directory, self.source = directory, source
        self._path = functools.lru_cache(maxsize=64)(self._build_path)
        self._reference = functools.lru_cache(maxsize=512)(self._run_reference)

    def _build_path(self, name: str, version: str, variant: str) -> Path:
        target = self.directory / f"{name}-{version}-{variant}.duckdb"
        if not target.exists():
            build(target, self.source(name, version, variant))
        return target

    def path(self, name: str, version: str, variant: str = "visible") -> Path:
        if variant not in VARIANTS:
            raise ValueError(f"unknown dataset variant {variant!r}")
        return self._path(name, version, variant)

    def run(self, dataset: str, version: str, sql: str, variant: str = "visible") -> engine.QueryResult:
        return engine.run(self.path(dataset, version, variant), sql)

    def _run_reference(self, name: str, version: str, sql: str, variant: str) -> engine.QueryResult:
        return engine.run(self.path(name, version, variant), sql, time_limit=10.0)

    def reference(self, dataset: str, version: str, sql: str, variant: str) -> engine.QueryResult:
        """The reference query's result, computed once per store (it cannot change for a version)."""
        return self._reference(dataset, version, sql, variant)


def store(app=None) -> DatasetStore:
    """The dataset store of `app` (default: the current app)."""
    return (current_app if app is None else app).extensions[EXTENSION_KEY]


def preview_html(schema_sql: str, data_sql: str, sample_rows: int = 3) -> str:
    """Tables with their columns and first rows, as an HTML fragment (escaped)."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(schema_sql)
        connection.execute(data_sql)
        tables = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name").fetchall()]
        parts = []
        for table in tables:
            columns = connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall()
            count = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            rows = connection.execute(f'SELECT * FROM "{table}" LIMIT {sample_rows}').fetchall()
            head = "".join(f'<th scope="col">{html.escape(c)}<br><span class="meta">{html.escape(t.lower())}</span></th>' for c, t in columns)
            body = "".join("<tr>" + "".join(f"<td>{'NULL' if v is None else html.escape(str(v))}</td>" for v in row) + "</tr>"
                           for row in rows)
            parts.append(f'<table class="sample"><caption>{html.escape(table)} <span class="meta">({count} rows)</span></caption>'
                         f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        return "".join(parts)
    finally:
        connection.close()
