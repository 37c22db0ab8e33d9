"""`flask content validate PATH` and `flask content import PATH`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import CatalogState, ContentImport
from learnpath.models._types import utcnow
from learnpath.models.imports import PROBLEMS_KEPT

content = AppGroup("content", help="Validate and import content packs (docs/content-format.md).")


def _load(path: str, record_refusal: bool = False):
    # Parsed lessons and verified reference queries are remembered by content hash, so
    # re-validating or re-importing an unchanged pack skips the work (instance/pack-cache).
    cache = Path(current_app.instance_path) / "pack-cache.pickle"
    started = utcnow()
    try:
        return load_pack(path, cache_path=cache)
    except PackError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}; nothing was changed.", err=True)
        if record_refusal:
            _record(path, started, "refused", problems=[str(p) for p in exc.problems])
        sys.exit(1)


def _record(path: str, started, status: str, summary: str = "", problems: list[str] | None = None) -> None:
    """Note the run for the admin console's content page, in its own transaction (a refused
    import rolled its own back)."""
    problems = problems or []
    try:
        state = db.session.get(CatalogState, 1)
        db.session.add(ContentImport(
            started_at=started, finished_at=utcnow(), source=str(path)[:500], status=status, summary=summary,
            problems=problems[:PROBLEMS_KEPT], problem_count=len(problems),
            catalog_version=state.version if state else None))
        db.session.commit()
    except SQLAlchemyError as exc:  # e.g. a database not migrated yet: the import's outcome stands
        db.session.rollback()
        click.echo(f"Note: this import could not be recorded for the admin console ({exc.__class__.__name__}); "
                   "run `flask db upgrade`.", err=True)


@content.command("validate")
@with_appcontext
@click.argument("path", type=click.Path())
def validate(path: str) -> None:
    """Report every problem in the pack at PATH, with file and line. Changes nothing."""
    pack = _load(path)
    questions = sum(len(lesson.questions) for lesson in pack.lessons.values())
    click.echo(f"{path}: OK - {len(pack.tracks)} tracks, {len(pack.courses)} courses, "
               f"{len(pack.lessons)} lessons, {questions} questions")


@content.command("import")
@with_appcontext
@click.argument("path", type=click.Path())
def import_(path: str) -> None:
    """Import the pack at PATH in one transaction (all or nothing)."""
    started, started_at = time.perf_counter(), utcnow()
    pack = _load(path, record_refusal=True)
    try:
        report = import_pack(pack)
    except Exception as exc:  # rolled back already: record why, then fail as before
        _record(path, started_at, "refused", problems=[f"the import failed: {exc}"])
        raise
    _record(path, started_at, "imported", summary=report.summary())
    click.echo(f"{path}: {report.summary()} ({time.perf_counter() - started:.2f}s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(content)
