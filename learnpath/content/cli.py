"""`flask content validate|import PATH`, and question banks in and out: `import-gift`, `export-gift`,
`import-aiken` (learnpath.interop)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from learnpath.content.importer import import_pack
from learnpath.content.pack import SLUG_RE, PackError, load_pack
from learnpath.extensions import db
from learnpath.models import CatalogState, ContentImport
from learnpath.models._types import utcnow
from learnpath.models.imports import PROBLEMS_KEPT
from learnpath.interop import aiken, gift
from learnpath.interop.packwrite import ImportRefused, append

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


# ---- Moodle question banks (learnpath.interop) ---------------------------------------------------

def _pack_option(function):
    return click.option("--pack", "pack_dir", type=click.Path(file_okay=False), default=None,
                        help="The content pack (default: the app's CONTENT_PACK, i.e. seeds/).")(function)


def _pack_dir(pack_dir: str | None) -> Path:
    return Path(pack_dir or current_app.config.get("CONTENT_PACK") or "seeds")


def _refuse(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{len(problems)} problem(s); nothing was written.", err=True)
    sys.exit(1)


def _import_bank(file: str, lesson: str, pack_dir: str | None, difficulty: int, reader) -> None:
    """Shared by import-gift and import-aiken: read, map to pack questions, validate with the pack, write."""
    path = Path(file)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse([f"{file}:1: not valid UTF-8 ({exc.reason} at byte {exc.start})"])
    if not SLUG_RE.match(lesson):
        _refuse([f"--lesson {lesson!r}: a lesson slug is lowercase words joined by '-'"])
    root = _pack_dir(pack_dir)
    if not (root / "lessons").is_dir():
        _refuse([f"{root}: not a content pack (no lessons/ folder)"])
    try:
        target, questions, warnings = append(root, lesson, lambda target: reader(text, path.name, target, difficulty),
                                             cache_path=Path(current_app.instance_path) / "pack-cache.pickle")
    except ImportRefused as exc:
        _refuse(exc.problems)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{file}: {len(questions)} question(s) added to {target.path} "
               f"({', '.join(q['id'] for q in questions)})")


def _read_gift(text, name, target, difficulty):
    try:
        parsed = gift.parse(text, name)
    except gift.GiftError as exc:
        raise ImportRefused(exc.problems) from None
    used = set(target.keys)
    questions = [gift.to_pack(q, used, target.topics, difficulty, target.vocabulary) for q in parsed.questions]
    return questions, parsed.warnings


def _read_aiken(text, name, target, difficulty):
    try:
        parsed = aiken.parse(text, name)
    except aiken.AikenError as exc:
        raise ImportRefused(exc.problems) from None
    used = set(target.keys)
    return [aiken.to_pack(q, used, target.topics, difficulty) for q in parsed], []


def _bank_import_command(name: str, source: str, reader) -> click.Command:
    """`flask content import-gift|import-aiken FILE --lesson SLUG`: the same command over another reader."""

    def command(file: str, lesson: str, pack_dir: str | None, difficulty: int) -> None:
        _import_bank(file, lesson, pack_dir, difficulty, reader)

    command.__doc__ = f"Append the questions of a Moodle {source} FILE to a lesson of the pack (all or nothing)."
    for option in reversed((
        content.command(name), with_appcontext,
        click.argument("file", type=click.Path(exists=True, dir_okay=False)),
        click.option("--lesson", required=True, help="Slug of the lesson whose questions are appended to."),
        _pack_option,
        click.option("--difficulty", type=click.IntRange(1, 3), default=1, show_default=True,
                     help=f"Difficulty of questions that do not say ({source} has no such field)."),
    )):
        command = option(command)
    return command


import_gift = _bank_import_command("import-gift", "GIFT", _read_gift)
import_aiken = _bank_import_command("import-aiken", "Aiken", _read_aiken)


@content.command("export-gift")
@with_appcontext
@click.argument("slug", required=False)
@click.option("--course", help="Export every lesson of this course instead of one lesson.")
@_pack_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here (default: stdout).")
def export_gift(slug: str | None, course: str | None, pack_dir: str | None, output: str | None) -> None:
    """Write a lesson's (SLUG) or a course's (--course) questions as Moodle GIFT."""
    if bool(slug) == bool(course):
        click.echo("Give a lesson SLUG or --course SLUG (one of them).", err=True)
        sys.exit(2)
    root = _pack_dir(pack_dir)
    pack = _load(str(root))
    if course:
        found = next((c for c in pack.courses if c.slug == course), None)
        if found is None:
            click.echo(f"No course {course!r} in {root}.", err=True)
            sys.exit(1)
        lessons, heading = [pack.lessons[s] for s in found.lessons], f"Course: {found.title}"
    else:
        if slug not in pack.lessons:
            click.echo(f"No lesson {slug!r} in {root}.", err=True)
            sys.exit(1)
        lessons, heading = [pack.lessons[slug]], f"Lesson: {pack.lessons[slug].title}"
    text, written, skipped = gift.export_lessons(lessons, heading)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    click.echo(f"{written} question(s) exported, {skipped} skipped (no GIFT form)", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(content)
