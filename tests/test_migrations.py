"""Migrations upgrade from empty, match the models, and downgrade to empty (SQLite and PostgreSQL)."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from learnpath.extensions import db
from learnpath.search import is_search_object


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_check_downgrade(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        assert {"lesson", "question", "attempt", "answer", "user"} <= _tables()
        # models and migrations agree (what `flask db check` does), ignoring the search objects
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "render_as_batch": True,
                "include_object": lambda *args: not is_search_object(*args),
            })
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert not {t for t in _tables() if not t.startswith("lesson_fts")}
        assert "lesson_fts" not in _tables()
        upgrade()
        assert "lesson" in _tables()


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
