"""Dataset files for the sandbox, built on first use from the SQL stored at import.

Each (dataset, version, variant) becomes a DuckDB file under instance/sqllab/ that queries open
read-only. The file is written to a temporary name and renamed into place, so concurrent
workers never see half a database.
"""
from __future__ import annotations

import functools
import html
import os
import tempfile
from pathlib import Path
import duckdb

from learnpath.sqllab import engine

VARIANTS = ("visible", "hidden")
_directory: Path | None = None
_app = None


def configure(directory: Path, app) -> None:
    global _directory, _app
    _directory, _app = directory, app


def _sql_for(name: str, variant: str) -> tuple[str, str]:
    from learnpath.extensions import db
    from learnpath.models import Dataset
    import sqlalchemy as sa

    def load():
        row = db.session.scalar(sa.select(Dataset).where(Dataset.name == name))
        if row is None:
            raise LookupError(f"no dataset {name!r}; import the content pack")
        return row.version, row.schema_sql + "\n" + (row.data_sql if variant == "visible" else row.hidden_sql)

    from flask import has_app_context
    if has_app_context() or _app is None:
        return load()
    with _app.app_context():
        return load()


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


@functools.lru_cache(maxsize=64)
def _path(name: str, version: str, variant: str) -> Path:
    assert _directory is not None, "sqllab.init_app was not called"
    target = _directory / f"{name}-{version}-{variant}.duckdb"
    if not target.exists():
        _, script = _sql_for(name, variant)
        build(target, script)
    return target


def path(name: str, version: str, variant: str = "visible") -> Path:
    return _path(name, version, variant)


@functools.lru_cache(maxsize=512)
def reference_result(name: str, version: str, variant: str, reference: str) -> engine.QueryResult:
    """The reference query's result, computed once per process (it cannot change for a version)."""
    return engine.run(path(name, version, variant), reference, time_limit=10.0)


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

