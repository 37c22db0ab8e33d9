"""`flask backup create` / `restore` (SQLite): a consistent copy while another process writes, an
identical database after restoring, a newer schema refused, an older one upgraded, a database in
use left alone."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from learnpath import backup
from learnpath.extensions import db
from tests.conftest import PG_URL

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite backup test (the PostgreSQL ones are at the end)")

# Each transaction adds an audit row n and sets the "writer" throttle row's hits to n: in a
# consistent copy the two agree, whichever instant it captured.
WRITER = r"""
import sqlite3, sys, time
from pathlib import Path
path, stop = sys.argv[1], Path(sys.argv[2])
connection = sqlite3.connect(path, timeout=30, isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA busy_timeout=30000")
connection.execute("INSERT INTO throttle (key, hits, window_start) VALUES ('writer', 0, '2026-12-07 00:00:00')")
n = 0
while not stop.exists():
    n += 1
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO audit_entry (action, target, detail, created_at) VALUES ('write', ?, ?, "
                       "'2026-12-07 00:00:00')", (str(n), "x" * 200))
    connection.execute("UPDATE throttle SET hits = ? WHERE key = 'writer'", (n,))
    connection.execute("COMMIT")
print(n)
"""


def sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def table_rows(path: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: sorted(connection.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        connection.close()


def scalar(path: Path, sql: str):
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@sqlite_only
def test_backup_while_another_process_writes_then_restore_to_an_identical_database(
        app, runner, database_url, make_app, tmp_path):
    source = sqlite_file(database_url)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(source), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while scalar(source, "SELECT count(*) FROM audit_entry WHERE action = 'write'") < 200:
            assert time.monotonic() < deadline and writer.poll() is None, "the writer did not get going"
            time.sleep(0.05)
        copy = tmp_path / "backup.sqlite3"
        result = runner.invoke(args=["backup", "create", str(copy)])
        written_during = scalar(source, "SELECT count(*) FROM audit_entry WHERE action = 'write'")
        time.sleep(0.3)
    finally:
        stop.touch()
        total = int(writer.communicate(timeout=60)[0])
    assert result.exit_code == 0, result.output
    assert copy.stat().st_mode & 0o777 == 0o600  # every learner's data: readable by its owner only
    with app.app_context():
        head = ", ".join(sorted(backup.head_revisions()))
    assert result.output.startswith(f"Backup written to {copy}: schema revision {head}, ")
    assert scalar(copy, "PRAGMA integrity_check") == "ok"
    assert scalar(copy, "SELECT version_num FROM alembic_version") == head
    assert scalar(copy, "PRAGMA journal_mode") == "delete"  # one self-contained file
    in_copy = scalar(copy, "SELECT count(*) FROM audit_entry WHERE action = 'write'")
    assert 200 <= in_copy <= written_during < total  # the writer went on during and after the backup
    # one instant: the last audit row and the counter from the same transactions agree
    assert scalar(copy, "SELECT max(CAST(target AS INTEGER)) FROM audit_entry WHERE action = 'write'") == in_copy
    assert scalar(copy, "SELECT hits FROM throttle WHERE key = 'writer'") == in_copy

    restored_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    target_app = make_app(SQLALCHEMY_DATABASE_URI=restored_url)
    before = digest(copy)
    restore = target_app.test_cli_runner().invoke(args=["backup", "restore", str(copy)])
    assert restore.exit_code == 0, restore.output
    assert restore.output.strip() == f"Restored {copy} (schema revision {head}) into the database."
    restored = sqlite_file(restored_url)
    assert table_rows(restored) == table_rows(copy)
    assert sum(len(rows) for rows in table_rows(restored).values()) > in_copy
    assert digest(copy) == before  # the backup itself is untouched
    assert not list(tmp_path.glob("*.restoring*")) and not list(tmp_path.glob("*.partial"))
    assert scalar(restored, "PRAGMA integrity_check") == "ok"


@sqlite_only
def test_restore_refuses_a_backup_from_a_newer_schema(app, runner, database_url, tmp_path):
    copy = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "create", str(copy)]).exit_code == 0
    connection = sqlite3.connect(copy)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    target = sqlite_file(database_url)
    rows = table_rows(target)
    result = runner.invoke(args=["backup", "restore", str(copy)])
    assert result.exit_code == 1
    assert "schema revision 9999, which this version of learnpath does not know" in result.output
    assert "made by a newer learnpath" in result.output and "Nothing was changed." in result.output
    assert table_rows(target) == rows


@sqlite_only
def test_restore_upgrades_a_backup_from_an_older_schema(make_app, empty_database_url, tmp_path):
    old = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with old.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO \"user\" (id, email, name, password_hash, created_at, desired_retention, progress_version,"
                " session_version) VALUES (7, 'old@example.com', 'Old', 'x', '2026-01-01 00:00:00', 0.9, 0, 0)")
        db.engine.dispose()
    copy = tmp_path / "old-backup.sqlite3"
    created = old.test_cli_runner().invoke(args=["backup", "create", str(copy)])
    assert created.exit_code == 0 and "schema revision 0013," in created.output, created.output
    target_url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    target_app = make_app(SQLALCHEMY_DATABASE_URI=target_url)
    with target_app.app_context():
        head = ", ".join(sorted(backup.head_revisions()))
    result = target_app.test_cli_runner().invoke(args=["backup", "restore", str(copy)])
    assert result.exit_code == 0, result.output
    assert f"(schema revision 0013, upgraded to {head})" in result.output
    target = sqlite_file(target_url)
    assert scalar(target, "SELECT version_num FROM alembic_version") == head
    assert scalar(target, "SELECT email || ' ' || role FROM \"user\" WHERE id = 7") == "old@example.com learner"
    assert scalar(target, "SELECT count(*) FROM reminder_preference") == 0  # tables of later revisions exist
    assert scalar(copy, "SELECT version_num FROM alembic_version") == "0013"  # the backup is left as it was


@sqlite_only
def test_restore_refuses_a_database_in_use(app, runner, database_url, tmp_path):
    copy = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", "create", str(copy)]).exit_code == 0
    target = sqlite_file(database_url)
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO audit_entry (action, target, detail, created_at) VALUES ('x', '', '', '2026-01-01')")
    try:
        result = runner.invoke(args=["backup", "restore", str(copy)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert f"The database {target} is in use" in result.output and "Stop the app" in result.output


@sqlite_only
def test_create_refuses_to_overwrite_and_restore_refuses_what_is_not_a_backup(runner, tmp_path):
    existing = tmp_path / "exists.sqlite3"
    existing.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", "create", str(existing)])
    assert result.exit_code == 1 and "exists already" in result.output and existing.read_bytes() == b"keep me"
    assert runner.invoke(args=["backup", "create", str(tmp_path / "nowhere" / "b.sqlite3")]).output.strip() == \
        f"Error: The folder {tmp_path / 'nowhere'} does not exist."
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["backup", "restore", str(garbage)])
    assert result.exit_code == 1 and "is not a SQLite database" in result.output, result.output
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "missing.sqlite3")])
    assert result.exit_code == 1 and "There is no backup file at" in result.output


def test_restore_help_says_to_stop_the_app(runner):
    help_text = runner.invoke(args=["backup", "restore", "--help"]).output
    assert "STOP THE APP FIRST" in help_text and "flask jobs worker" in help_text


# ---- PostgreSQL: pg_dump / pg_restore --------------------------------------------------------------

def pg_rows(url: str) -> dict[str, list[tuple]]:
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            tables = connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").scalars().all()
            return {t: sorted(map(tuple, connection.exec_driver_sql(f'SELECT * FROM "{t}"').fetchall()), key=repr)
                    for t in tables}
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL or not shutil.which("pg_dump"), reason="needs LEARNPATH_TEST_DATABASE_URL and pg_dump")
def test_postgres_backup_and_restore_with_pg_dump(app, runner, database_url, make_app, empty_database_url, tmp_path):
    with app.app_context():
        db.session.execute(db.text("INSERT INTO audit_entry (action, target, detail, created_at) "
                                   "VALUES ('pg', 't', 'd', now())"))
        db.session.commit()
        head = ", ".join(sorted(backup.head_revisions()))
    archive = tmp_path / "learnpath.dump"
    created = runner.invoke(args=["backup", "create", str(archive)])
    assert created.exit_code == 0, created.output
    assert created.output.startswith(f"$ pg_dump --format=custom --no-owner --file={archive} postgresql://")
    assert f"schema revision {head}," in created.output
    assert backup.pg_revision(archive) == head
    assert archive.stat().st_mode & 0o777 == 0o600
    target = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "$ pg_restore --clean --if-exists --no-owner --single-transaction --dbname=" in restored.output
    assert pg_rows(empty_database_url) == pg_rows(database_url)


@pytest.mark.skipif(not PG_URL or not shutil.which("pg_dump"), reason="needs LEARNPATH_TEST_DATABASE_URL and pg_dump")
def test_postgres_restore_refuses_a_newer_schema(app, runner, database_url, tmp_path):
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '9999'"))
        db.session.commit()
    archive = tmp_path / "newer.dump"
    assert runner.invoke(args=["backup", "create", str(archive)]).exit_code == 0
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = :head"),
                           {"head": sorted(backup.head_revisions())[0]})
        db.session.commit()
    before = pg_rows(database_url)
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "schema revision 9999" in result.output
    assert pg_rows(database_url) == before


def test_the_postgres_password_goes_in_the_environment_not_the_command_line():
    """A password in pg_dump's arguments shows in `ps` to every local user; libpq reads PGPASSWORD."""
    command_url, shown, env = backup._libpq_url("postgresql+psycopg://learn:s3cret-pw@db.example:5432/learnpath")
    assert "s3cret-pw" not in command_url and "s3cret-pw" not in shown
    assert command_url == "postgresql://learn@db.example:5432/learnpath"
    assert env["PGPASSWORD"] == "s3cret-pw"
