"""Grading in the app: a kind's pure grader (learnpath.quiz.kinds) with this app's sandbox runner.

Kinds whose grading executes code name a runner (`Kind.runner`); each app registers its own
(`register_runner`, e.g. the SQL dataset store in sqllab.init_app), so nothing is shared between
apps through module globals. No database access here: a runner that needs data brings its own.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from learnpath.quiz.kinds import REGISTRY, Grade, correct_response  # noqa: F401  (re-exported)

RUNNERS = "learnpath.runners"  # key in app.extensions


def register_runner(app: Flask, name: str, runner: Any) -> None:
    app.extensions.setdefault(RUNNERS, {})[name] = runner


def runner_for(kind: str, app: Flask | None = None) -> Any:
    """The sandbox the kind's grading needs in this app, or None for kinds that need none."""
    needed = REGISTRY[kind].runner
    if needed is None:
        return None
    runners = (app or current_app).extensions.get(RUNNERS, {})
    if needed not in runners:
        raise LookupError(f"no {needed!r} runner registered in this app (kind {kind!r})")
    return runners[needed]


def grade(kind: str, spec: dict[str, Any], response: Any, runner: Any = None) -> Grade:
    """Grade one response; the runner defaults to the current app's for the kind."""
    return REGISTRY[kind].grade(spec, response, runner if runner is not None else runner_for(kind))
