import secrets

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from learnpath.catalog import services as catalog
from learnpath.extensions import db
from learnpath.models import Attempt
from learnpath.progress import services as progress
from learnpath.quiz import bp, services


def _own_attempt(attempt_id: int) -> Attempt:
    """Another learner's attempt is indistinguishable from a missing one: 404, not 403."""
    return services.get_own_attempt(current_user.id, attempt_id) or abort(404)


def _form_responses(questions) -> dict:
    return {q.id: services.parse_form(q, request.form) for q in questions}


@bp.get("/lessons/<slug>/quiz")
def quiz(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    course = request.args.get("course")
    if not current_user.is_authenticated:
        seed = secrets.randbelow(2**31)
        questions = [services.present(q, seed) for q in services.active_questions(lesson)]
        return render_template("quiz/take.html", lesson=lesson, questions=questions, attempt=None, seed=seed,
                               draft={}, course=course)
    open_attempt = services.open_attempt(current_user.id, lesson)
    if open_attempt:
        return redirect(url_for("quiz.attempt", attempt_id=open_attempt.id, course=course))
    history = db.session.scalars(sa.select(Attempt).where(
        Attempt.user_id == current_user.id, Attempt.lesson_id == lesson.id, Attempt.status == "submitted"
    ).order_by(Attempt.submitted_at.desc())).all()
    latest = history[0] if history else None
    state = progress.lesson_states(current_user.id, [lesson.id]).get(lesson.id)
    return render_template("quiz/start.html", lesson=lesson, history=history, latest=latest, state=state,
                           pass_mark=progress.pass_mark(lesson.id), course=course)


@bp.post("/lessons/<slug>/attempts")
@login_required
def start(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    if not lesson.question_count:
        abort(404)
    attempt = services.start_attempt(current_user.id, lesson, only_missed=request.form.get("only_missed") == "1")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=request.form.get("course") or None))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    lesson = attempt.lesson
    course = request.args.get("course")
    if attempt.status == "submitted":
        return render_template("quiz/result.html", lesson=lesson, attempt=attempt,
                               result=services.stored_result(attempt), course=course, describe=services.describe,
                               describe_correct=services.describe_correct)
    questions = services.attempt_questions(attempt)
    draft = {int(qid): services.public_response(q, attempt.draft.get(str(q.id)))
             for q in questions for qid in [q.id] if str(q.id) in (attempt.draft or {})}
    return render_template("quiz/take.html", lesson=lesson, attempt=attempt, course=course, draft=draft,
                           questions=[services.present(q, attempt.seed) for q in questions], seed=attempt.seed)


@bp.post("/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    course = request.form.get("course") or None
    if attempt.status == "submitted":
        flash("This attempt was already submitted; here is its result.", "info")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))
    responses = _form_responses(services.attempt_questions(attempt))
    if request.form.get("action") == "save":
        services.save_draft(attempt, responses)
        flash("Answers saved. Come back to this quiz any time to finish it.", "success")
        return redirect(url_for("catalog.lesson", slug=attempt.lesson.slug, course=course))
    _, first = services.submit(attempt, responses)
    if not first:
        flash("This attempt was already submitted; here is its result.", "info")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))


@bp.post("/lessons/<slug>/quiz/try")
def try_quiz(slug: str):
    """A visitor's quiz: graded, shown, not saved."""
    lesson = catalog.get_lesson(slug) or abort(404)
    questions = services.active_questions(lesson)
    result = services.grade_responses(questions, _form_responses(questions), {}, progress.pass_mark(lesson.id))
    return render_template("quiz/result.html", lesson=lesson, attempt=None, result=result,
                           course=request.form.get("course") or None, describe=services.describe,
                           describe_correct=services.describe_correct)
