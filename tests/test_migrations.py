"""Migrations upgrade from empty, match the models, and downgrade to empty (SQLite and PostgreSQL)."""
import logging

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from learnpath.extensions import db
from learnpath.search import is_search_object


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_check_downgrade(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
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


@pytest.mark.expect_server_error  # it logs an error on purpose
def test_a_migration_in_process_leaves_the_apps_logging_alone(make_app, empty_database_url, caplog):
    """alembic.ini's logging setup replaced the root handlers and disabled existing loggers: after one
    in-process upgrade, a test session lost the app's log records (and with them conftest's check that no
    test leaves a traceback in the server log), as would a process restoring a backup."""
    app = make_app()
    app.logger.info("the app's logger exists before the migration")
    other = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with other.app_context():
        upgrade()
    with caplog.at_level(logging.ERROR, logger="learnpath"):
        app.logger.error("still heard")
    assert [r.getMessage() for r in caplog.records] == ["still heard"]
    assert not logging.getLogger("learnpath").disabled


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_downgrade_keeps_learners_history(make_app, empty_database_url):
    """Downgrading past a migration that rebuilds `user` (0003 drops a column: SQLite batch mode copies
    the table and drops the old one) must not cascade-delete the learners' rows."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO \"user\" (id, email, name, password_hash, created_at, desired_retention, progress_version)"
                " VALUES (4242, 'keep@example.com', 'Keep', 'x', '2026-01-01 00:00:00', 0.9, 0)")
            connection.exec_driver_sql("INSERT INTO api_token (user_id, token_hash, created_at, expires_at) "
                                       "VALUES (4242, 'abc', '2026-01-01 00:00:00', '2026-02-01 00:00:00')")
        downgrade(revision="0002")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM api_token WHERE user_id = 4242").scalar() == 1
        upgrade()
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM api_token WHERE user_id = 4242").scalar() == 1
            connection.exec_driver_sql("DELETE FROM api_token WHERE user_id = 4242")
            connection.exec_driver_sql("DELETE FROM \"user\" WHERE id = 4242")


def test_0010_rewrites_lesson_search_text_and_reindexes(make_app, empty_database_url):
    """Lessons imported before 0010 had their search text glued together ("Raft Raft (Ongaro",
    "Build : implement"): the migration derives it again from the stored HTML, one line per block,
    and the search index (FTS5 rows / PostgreSQL's expression index) follows."""
    from learnpath import search

    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO lesson (id, slug, title, summary, body_md, body_html, toc_html, body_text, read_minutes, "
                "word_count, question_count, source_hash, source_path, retired) VALUES (1, 'raft', 'Consensus', 'Logs.', "
                "'', '<h2>Raft</h2><p>Raft (Ongaro, 2014). <strong>Build</strong>: implement it.</p>', '', "
                "'Raft Raft (Ongaro, 2014). Build : implement it.', 1, 8, 0, '', '', false)")
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("INSERT INTO lesson_fts (rowid, title, summary, body) "
                                           "SELECT id, title, summary, body_text FROM lesson")
        upgrade()
        assert db.session.execute(sa.text("SELECT body_text FROM lesson")).scalar() == \
            "Raft\nRaft (Ongaro, 2014). Build: implement it."
        hit = search.search(db.session, "build implement").hits[0]
        assert "<mark>Build</mark>: <mark>implement</mark> it." in hit.snippet_html
        db.session.remove()  # end the read transaction: PostgreSQL's DROP INDEX would wait for it
        downgrade(revision="0006")
        upgrade()


def test_0021_adds_answer_time_and_drops_it_on_downgrade(make_app, empty_database_url):
    """Answers from before 0021 keep a NULL time (never measured); downgrading drops the columns and
    keeps the rows."""
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0019")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO \"user\" (id, email, name, password_hash, created_at, desired_retention, progress_version,"
                " session_version, role) VALUES (4343, 'time@example.com', 'Time', 'x', '2026-01-01 00:00:00', 0.9, 0, 0,"
                " 'learner')")
            connection.exec_driver_sql(
                "INSERT INTO lesson (id, slug, title, summary, body_md, body_html, toc_html, body_text, read_minutes, "
                "word_count, question_count, source_hash, source_path, retired) VALUES (7, 'l', 'L', '', '', '', '', '',"
                " 1, 0, 1, '', '', false)")
            connection.exec_driver_sql(
                "INSERT INTO question (id, lesson_id, key, kind, position, prompt_html, spec, explanation_html, difficulty,"
                " revision, retired) VALUES (9, 7, 'q', 'single', 1, '', '{}', '', 1, 'r1', false)")
            connection.exec_driver_sql(
                "INSERT INTO answer (id, user_id, question_id, response, correct, points, revision, answered_at)"
                " VALUES (11, 4343, 9, '\"a\"', true, 1.0, 'r1', '2026-01-01 00:00:00')")
        upgrade(revision="0021")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("answer")}
        assert "time_ms" in columns and "times_ms" in {c["name"] for c in sa.inspect(db.engine).get_columns("attempt")}
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT time_ms FROM answer WHERE id = 11").scalar() is None
            connection.exec_driver_sql("UPDATE answer SET time_ms = 4000 WHERE id = 11")
        downgrade(revision="0019")
        assert "time_ms" not in {c["name"] for c in sa.inspect(db.engine).get_columns("answer")}
        assert "times_ms" not in {c["name"] for c in sa.inspect(db.engine).get_columns("attempt")}
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM answer WHERE id = 11").scalar() == 1
        upgrade()
        with db.engine.begin() as connection:
            assert connection.exec_driver_sql("SELECT time_ms FROM answer WHERE id = 11").scalar() is None
