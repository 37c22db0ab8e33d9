import re
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from learnpath.catalog import services as catalog
from learnpath.extensions import limiter
from learnpath.models import Attempt
from learnpath.progress import services as progress
from learnpath.models._types import utcnow
from learnpath.quiz import pools, review_policy, services
from learnpath.sqllab.engine import SqlError

bp = Blueprint("quiz", __name__)
bp.add_app_template_filter(services.format_score, "score")
bp.add_app_template_filter(services.format_credit, "credit")
SEED_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only: '²'.isdigit() is True, int('²') fails


def _own_attempt(attempt_id: int) -> Attempt:
    """Another learner's attempt is indistinguishable from a missing one: 404, not 403."""
    return services.get_own_attempt(current_user.id, attempt_id) or abort(404)


def _render_take(lesson, questions, *, attempt, seed, values, course, runs=None, errors=None):
    """The quiz form pre-filled from `values` (posted fields), SQL run results and answer errors by question id."""
    return render_template("quiz/take.html", lesson=lesson, attempt=attempt, course=course, values=values, seed=seed,
                           questions=[services.present(q, seed) for q in questions], runs=runs or {},
                           errors=errors or {}, previews=services.dataset_previews(questions))


def _refuse_malformed(lesson, questions, errors, *, attempt, seed, course):
    """A malformed answer: the quiz again, as the learner filled it in, the problem at its question; nothing recorded."""
    return _render_take(lesson, questions, attempt=attempt, seed=seed, values=request.form, course=course,
                        errors=errors), 400


def _form_seed() -> int:
    """The visitor form's shuffle and draw seed; a form without one (an old page) draws with 0."""
    seed = request.form.get("seed", "0")
    if not SEED_RE.fullmatch(seed) or int(seed) >= 2**31:
        abort(400, "seed: a whole number from 0 to 2147483647 (reload the quiz).")
    return int(seed)


def _visitor_questions(lesson, seed: int) -> list:
    """A visitor's draw: from the seed alone (no history), so the form's seed gives the same questions back."""
    return pools.draw_for(None, services.active_questions(lesson), lesson.draw, seed)


def learner_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _run_requested(questions, responses) -> dict | None:
    """A 'Run' button (works without JavaScript): run that question's query on the visible rows."""
    action = request.form.get("action", "")
    if not action.startswith("run-"):
        return None
    question = next((q for q in questions if f"run-{q.id}" == action and q.kind == "sql"), None)
    if question is None:
        abort(400)
    if refusal := services.take_sql_run(learner_key()):
        return {question.id: {"error": f"{services.SQL_RUNS_REFUSED} (about {refusal.retry_after} s)"}}
    try:
        return {question.id: services.run_query(question, responses.get(question.id) or "")}
    except SqlError as exc:
        return {question.id: {"error": exc.message}}


@bp.get("/lessons/<slug>/quiz")
def quiz(slug: str):
    lesson = catalog.get_lesson(slug) or abort(404)
    course = request.args.get("course")
    if not current_user.is_authenticated:
        seed = secrets.randbelow(2**31)
        return _render_take(lesson, _visitor_questions(lesson, seed), attempt=None, seed=seed, values=MultiDict(),
                            course=course)
    open_attempt = services.open_attempt(current_user.id, lesson)
    if open_attempt:
        return redirect(url_for("quiz.attempt", attempt_id=open_attempt.id, course=course))
    history = services.submitted_attempts(current_user.id, lesson.id)
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
    attempt, _ = services.start_attempt(current_user.id, lesson, only_missed=request.form.get("only_missed") == "1")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=request.form.get("course") or None))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    lesson = attempt.lesson
    course = request.args.get("course")
    if attempt.status == "submitted":
        show = review_policy.for_learner(current_user.id, lesson.id, attempt.submitted_at, utcnow())
        return render_template("quiz/result.html", lesson=lesson, attempt=attempt, show=show,
                               result=services.stored_result(attempt), course=course, describe=services.describe,
                               describe_correct=services.describe_correct)
    questions = services.attempt_questions(attempt)
    saved = {q.id: (attempt.draft or {}).get(str(q.id)) for q in questions}
    return _render_take(lesson, questions, attempt=attempt, seed=attempt.seed,
                        values=services.form_values(questions, saved), course=course)


@bp.post("/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    course = request.form.get("course") or None
    if attempt.status == "submitted":
        flash("This attempt was already submitted; here is its result.", "info")
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))
    questions = services.attempt_questions(attempt)
    responses, errors = services.parse_forms(questions, request.form)
    if errors:
        return _refuse_malformed(attempt.lesson, questions, errors, attempt=attempt, seed=attempt.seed, course=course)
    runs = _run_requested(questions, responses)
    if runs is not None:
        services.save_draft(attempt, responses)
        return _render_take(attempt.lesson, questions, attempt=attempt, seed=attempt.seed, values=request.form,
                            course=course, runs=runs)
    if request.form.get("action") == "save":
        services.save_draft(attempt, responses)
        flash("Answers saved. Come back to this quiz any time to finish it.", "success")
        return redirect(url_for("catalog.lesson", slug=attempt.lesson.slug, course=course))
    if services.runs_sql(questions) and (refusal := services.take_sql_run(learner_key())):
        services.save_draft(attempt, responses)
        flash(f"{services.SQL_RUNS_REFUSED} Your answers are saved; submit again in about {refusal.retry_after} s.", "error")
        return _render_take(attempt.lesson, questions, attempt=attempt, seed=attempt.seed, values=request.form,
                            course=course), 429
    _, first = services.submit(attempt, responses, services.parse_confidences(questions, request.form), questions)
    if not first:
        flash("This attempt was already submitted; here is its result.", "info")
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, course=course))


@bp.post("/lessons/<slug>/quiz/try")
@limiter.limit("30 per minute")
def try_quiz(slug: str):
    """A visitor's quiz: graded, shown without the right answers, not saved."""
    lesson = catalog.get_lesson(slug) or abort(404)
    seed = _form_seed()
    questions = _visitor_questions(lesson, seed)
    course = request.form.get("course") or None
    responses, errors = services.parse_forms(questions, request.form)
    if errors:
        return _refuse_malformed(lesson, questions, errors, attempt=None, seed=seed, course=course)
    runs = _run_requested(questions, responses)
    if runs is not None:
        return _render_take(lesson, questions, attempt=None, seed=seed, values=request.form, course=course,
                            runs=runs)
    if services.runs_sql(questions) and (refusal := services.take_sql_run(learner_key())):
        abort(429)
    result = services.grade_responses(questions, responses, {}, progress.pass_mark(lesson.id))
    return render_template("quiz/result.html", lesson=lesson, attempt=None, result=result,
                           show=review_policy.for_visitor(lesson.id), course=course, describe=services.describe,
                           describe_correct=services.describe_correct)
