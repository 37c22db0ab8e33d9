"""`flask backup create PATH` and `flask backup restore PATH`: backups an operator can trust.

SQLite: `create` copies the live database with SQLite's online backup API
(`sqlite3.Connection.backup`) in one step, under one read transaction: in WAL mode writers carry
on meanwhile and the copy is the database as of one instant. The copy is checked
(`PRAGMA integrity_check`), written to PATH.partial and renamed, so PATH is never half a file.
Its schema revision is the `alembic_version` row inside it.

`restore` refuses a backup whose revision this code does not know (a newer schema: upgrade
learnpath first), copies the backup to a temporary file beside the database, brings an older
schema up to head there (`flask db upgrade`), then renames it over the database: the database is
either the old one or the restored one, never a mix. The app must be stopped (see its --help).

PostgreSQL: `pg_dump --format=custom --no-owner` and `pg_restore --clean --if-exists --no-owner
--single-transaction`, run when the client tools are installed, printed otherwise.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from learnpath import create_app  # create_app imports this module from inside the factory: no cycle
from learnpath.extensions import db

backup = AppGroup("backup", help="Back up the database to a file, or restore one (SQLite and PostgreSQL).")


class BackupError(click.ClickException):
    """A refusal with a message that says what to do; exit status 1, nothing changed."""


# ---- schema revisions ---------------------------------------------------------------------------

def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def head_revisions() -> set[str]:
    return set(_scripts().get_heads())


def check_revision(revision: str | None) -> bool:
    """True if the backup's schema is older than the code's (needs an upgrade), False if it is the
    head; raises BackupError for a schema this code does not know."""
    if revision is None:
        raise BackupError("The backup has no schema revision (no alembic_version row): "
                          "it is not a learnpath database.")
    heads = head_revisions()
    if revision in heads:
        return False
    known = {script.revision for script in _scripts().walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"The backup is at schema revision {revision}, which this version of learnpath does not know "
            f"(its newest is {', '.join(sorted(heads))}): it was made by a newer learnpath. Upgrade learnpath "
            "to that version or later, then restore it. Nothing was changed.")
    return True


# ---- SQLite -----------------------------------------------------------------------------------

def sqlite_path(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up or restore.")
    return Path(parsed.database)


def _revision_of(connection: sqlite3.Connection) -> str | None:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def _integrity(connection: sqlite3.Connection) -> str:
    return ", ".join(row[0] for row in connection.execute("PRAGMA integrity_check").fetchall())


def _sidecars(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _copy_sqlite(source: Path, target: Path) -> tuple[str | None, str]:
    """Copy `source` into the new file `target` with the online backup API; the copy is a plain
    rollback-journal database (one self-contained file). Returns (revision, integrity_check)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: every page in one step, so one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
        return _revision_of(dst), _integrity(dst)
    finally:
        dst.close()
        src.close()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def create_sqlite(source: Path, target: Path) -> tuple[str | None, int]:
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        revision, integrity = _copy_sqlite(source, partial)
        if integrity != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check ({integrity}); no backup was written.")
        _fsync(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return revision, target.stat().st_size


def _refuse_if_in_use(path: Path) -> None:
    """A database another process has open in a transaction, or whose WAL cannot be folded in, is in
    use. (An idle connection cannot be seen from here: that is why the app must be stopped.)"""
    if not path.exists():
        return
    connection = sqlite3.connect(path, timeout=1)
    try:
        busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        connection.execute("BEGIN EXCLUSIVE")
        connection.rollback()
    except sqlite3.OperationalError as exc:
        raise BackupError(f"The database {path} is in use ({exc}). Stop the app (web servers, job workers, "
                          "the scheduler) and try again. Nothing was changed.") from None
    finally:
        connection.close()
    wal = Path(f"{path}-wal")
    if busy or (wal.exists() and wal.stat().st_size > 0):
        raise BackupError(f"The database {path} is in use (its write-ahead log could not be folded in). Stop the "
                          "app (web servers, job workers, the scheduler) and try again. Nothing was changed.")


def _upgrade_file(path: Path) -> None:
    """`flask db upgrade` on another SQLite file, through an app of its own."""
    app = create_app({**{k: v for k, v in current_app.config.items() if k.isupper()},
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}, instance_path=current_app.instance_path)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def restore_sqlite(source: Path, target: Path) -> tuple[str, str]:
    """Returns (the backup's revision, the revision the database is at now)."""
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    if not target.parent.is_dir():
        raise BackupError(f"The database's folder {target.parent} does not exist.")
    check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        try:
            revision, integrity = _revision_of(check), _integrity(check)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database ({exc}).") from None
    finally:
        check.close()
    if integrity != "ok":
        raise BackupError(f"The backup {source} failed SQLite's integrity check ({integrity}); nothing was changed.")
    needs_upgrade = check_revision(revision)
    db.session.remove()
    db.engine.dispose()  # this command's own connections
    _refuse_if_in_use(target)
    staging = target.with_name(target.name + ".restoring")
    for leftover in (staging, *_sidecars(staging)):
        leftover.unlink(missing_ok=True)
    try:
        _copy_sqlite(source, staging)
        if needs_upgrade:
            _upgrade_file(staging)
        check = sqlite3.connect(staging)
        try:
            now_at = _revision_of(check)
        finally:
            check.close()
        _fsync(staging)
        for sidecar in _sidecars(target):  # empty after the checkpoint above; never to be read with the new file
            sidecar.unlink(missing_ok=True)
        os.replace(staging, target)
    finally:
        for leftover in (staging, *_sidecars(staging)):
            leftover.unlink(missing_ok=True)
    return revision, now_at


# ---- PostgreSQL -------------------------------------------------------------------------------

def _libpq_url(url: str) -> tuple[str, str, dict[str, str]]:
    """(the URL for pg_dump/pg_restore without its password, the same for printing, the environment
    carrying the password): a password on the command line would show in `ps` to every local user."""
    parsed = sa.engine.make_url(url).set(drivername="postgresql")
    env = {**os.environ, "PGPASSWORD": parsed.password} if parsed.password else dict(os.environ)
    bare = sa.engine.URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port,
                                parsed.database, parsed.query)
    return bare.render_as_string(hide_password=False), parsed.render_as_string(hide_password=True), env


def _run_or_print(command: list[str], shown: list[str], env: dict[str, str] | None = None) -> None:
    click.echo("$ " + " ".join(shown))
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed here (Debian: apt-get install postgresql-client). "
                          "Run the command above where it is.")
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")


@contextmanager
def _private_files():
    """Files created meanwhile are readable by their owner only: a backup holds every learner's data,
    password hashes and token hashes."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def pg_revision(path: Path) -> str | None:
    """The alembic_version row inside a custom-format dump (pg_restore prints its COPY data)."""
    if shutil.which("pg_restore") is None:
        return None
    result = subprocess.run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump custom-format archive: {result.stderr.strip()[-500:]}")
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)\n\\\.$", result.stdout,
                      re.MULTILINE | re.DOTALL)
    rows = match.group(1).splitlines() if match else []
    return rows[0].strip() if len(rows) == 1 else None


# ---- commands ---------------------------------------------------------------------------------

@backup.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def create(path: Path, force: bool) -> None:
    """Back up the database to PATH while the app keeps serving.

    SQLite: a consistent copy made with SQLite's online backup API (safe during writes).
    PostgreSQL: pg_dump --format=custom --no-owner.
    """
    if path.exists() and not force:
        raise BackupError(f"{path} exists already; choose another name or pass --force to replace it.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    started = time.perf_counter()
    source = sqlite_path(url)
    if source is None:
        real, shown, env = _libpq_url(url)
        with _private_files():
            _run_or_print(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", real],
                          ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", shown], env)
        revision, size = pg_revision(path), path.stat().st_size
    else:
        with _private_files():
            revision, size = create_sqlite(source, path)
    os.chmod(path, 0o600)
    click.echo(f"Backup written to {path}: schema revision {revision}, {size:,} bytes, "
               f"{time.perf_counter() - started:.2f} s.")


@backup.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore(path: Path) -> None:
    """Replace the database with the backup at PATH. STOP THE APP FIRST.

    Every web server, `flask jobs worker` and `flask jobs scheduler` must be stopped: the
    database is replaced under them (SQLite: the file is renamed over; a process still holding it
    open would go on using the old one; an open transaction makes the command refuse).

    Refuses a backup from a newer learnpath (an unknown schema revision); an older backup is
    brought up to this version's schema (flask db upgrade) before it replaces the database.
    SQLite: restored into a temporary file and renamed, so a failure leaves the database as it
    was. PostgreSQL: pg_restore --clean --if-exists --no-owner --single-transaction, then upgrade.
    """
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    target = sqlite_path(url)
    if target is None:
        if not path.is_file():
            raise BackupError(f"There is no backup file at {path}.")
        revision = pg_revision(path)
        check_revision(revision)
        real, shown, env = _libpq_url(url)
        db.session.remove()
        db.engine.dispose()
        flags = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run_or_print(["pg_restore", *flags, f"--dbname={real}", str(path)],
                      ["pg_restore", *flags, f"--dbname={shown}", str(path)], env)
        upgrade()
        now_at = ", ".join(sorted(head_revisions()))
    else:
        revision, now_at = restore_sqlite(path, target)
    migrated = f", upgraded to {now_at}" if now_at != revision else ""
    click.echo(f"Restored {path} (schema revision {revision}{migrated}) into the database.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
