"""learnpath.statements: a many-row INSERT stores what `Connection.execute` would store, whichever form it is
sent in (on PostgreSQL one JSON document, or VALUES groups when a value has no exact JSON form; on SQLite
VALUES groups), and `Query`/`InQuery` read rows as `Connection.execute` reads them."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from learnpath import statements
from learnpath.extensions import db
from learnpath.models._types import UTCDateTime

metadata = sa.MetaData()
probe = sa.Table(
    "statement_probe", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("flag", sa.Boolean), sa.Column("ratio", sa.Float),
    sa.Column("code", sa.String(8)), sa.Column("note", sa.Text), sa.Column("data", sa.JSON),
    sa.Column("at", UTCDateTime), sa.Column("day", sa.Date),
)
COLUMNS = [c.name for c in probe.columns]
ROWS = [
    {"id": 1, "flag": True, "ratio": 0.1 + 0.2, "code": "é\"'\\", "note": None, "data": None,
     "at": datetime(2026, 12, 7, 14, 0, 0, 123456), "day": date(2026, 12, 7)},
    {"id": 2, "flag": False, "ratio": 1e-300, "code": "", "note": "line\nbreak \u2028 ☃", "data": {"a": [1, 2.5, None]},
     "at": datetime(2026, 1, 1), "day": None},
    {"id": 3, "flag": None, "ratio": 3, "code": None, "note": "x", "data": ["k1", "k2"], "at": None, "day": date(1999, 12, 31)},
]
_insert = statements.Statement(lambda dialect: sa.insert(probe), COLUMNS)


@pytest.fixture
def table(app):
    with app.app_context():
        metadata.create_all(db.engine)
        try:
            yield
        finally:
            db.session.rollback()
            metadata.drop_all(db.engine)


def _stored():
    return [tuple(row) for row in db.session.execute(
        sa.select(*probe.columns, sa.cast(probe.c.data, sa.Text)).order_by(probe.c.id))]


def _reference(rows):
    db.session.execute(sa.delete(probe))
    db.session.execute(sa.insert(probe), rows)
    return _stored()


@pytest.mark.parametrize("rows", [ROWS, ROWS[:2], [{**ROWS[0], "ratio": float("nan")}, ROWS[1]],
                                  [{**ROWS[0], "id": 7}, {**ROWS[2], "ratio": 2.0}]])
def test_a_many_row_insert_stores_what_sqlalchemy_stores(app, table, rows):
    with app.app_context():
        expected = _reference(rows)
        db.session.execute(sa.delete(probe))
        assert _insert.execute(rows) == len(rows)
        stored = _stored()
        if any(r["ratio"] != r["ratio"] for r in rows):  # NaN: equal by its text
            assert [repr(r) for r in stored] == [repr(r) for r in expected]
        else:
            assert stored == expected
        assert stored[0][-1] == expected[0][-1]  # the JSON text itself (a JSON null is 'null', not NULL)


def test_postgresql_sends_the_rows_as_one_json_document(app, table):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        compiled = _insert._compiled_for(db.engine.dialect)
        bound = _insert._bind_rows(compiled, ROWS)
        assert _insert._document(compiled, bound) is not None
        assert _insert._document(compiled, _insert._bind_rows(compiled, [{**ROWS[0], "ratio": float("inf")}, ROWS[1]])) is None
        assert _insert._document(compiled, _insert._bind_rows(compiled, [{**ROWS[0], "id": 1.0}, ROWS[1]])) is None


def test_queries_read_rows_as_connection_execute_does(app, table):
    query = statements.InQuery("id", lambda dialect, ids: sa.select(probe).where(probe.c.id.in_(ids)).order_by(probe.c.id))
    one = statements.Query(lambda dialect: sa.select(probe).where(probe.c.id == sa.bindparam("id")))
    with app.app_context():
        _reference(ROWS)
        conn = db.session.connection()
        expected = [tuple(r) for r in conn.execute(sa.select(probe).order_by(probe.c.id))]
        assert [tuple(r) for r in query.all(conn, {}, [3, 1, 2])] == expected
        assert [tuple(r) for r in query.all(conn, {}, [2])] == expected[1:2]
        assert query.all(conn, {}, []) == []
        assert tuple(one.first(conn, {"id": 2})) == expected[1] and one.first(conn, {"id": 9}) is None
        assert one.first(conn, {"id": 1}).ratio == pytest.approx(0.3)


def test_a_sqlite_worker_does_not_load_the_postgresql_driver(tmp_path):
    """psycopg's Json is needed only for a PostgreSQL INSERT: importing it with the app would cost every
    SQLite worker ~8 MB (bench/results.md's memory target)."""
    import subprocess
    import sys
    code = ("import sys, learnpath.statements; from learnpath import create_app; "
            f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db', 'SECRET_KEY': 'x'}}, "
            f"instance_path='{tmp_path}'); print(sorted(m for m in sys.modules if m.startswith('psycopg')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
