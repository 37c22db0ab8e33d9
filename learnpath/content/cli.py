"""`flask content validate PATH` and `flask content import PATH`."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack

content = AppGroup("content", help="Validate and import content packs (docs/content-format.md).")


def _load(path: str):
    # Parsed lessons and verified reference queries are remembered by content hash, so
    # re-validating or re-importing an unchanged pack skips the work (instance/pack-cache).
    cache = Path(current_app.instance_path) / "pack-cache.pickle"
    try:
        return load_pack(path, cache_path=cache)
    except PackError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}; nothing was changed.", err=True)
        sys.exit(1)


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
    started = time.perf_counter()
    pack = _load(path)
    report = import_pack(pack)
    click.echo(f"{path}: {report.summary()} ({time.perf_counter() - started:.2f}s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(content)
