"""The learner's journey: enroll, read, quiz attempts, SQL runs."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from learnpath import serializers
from learnpath.api.base import BadRequest, area, json_body, login_required, string_field, too_many
from learnpath.api.catalog import course_or_404, lesson_or_404
from learnpath.catalog import services as catalog
from learnpath.errors import error_response
from learnpath.extensions import db
from learnpath.models import Attempt, Question
from learnpath.progress import services as progress
from learnpath.models._types import utcnow
from learnpath.quiz import review_policy, services as quiz
from learnpath.sqllab.engine import SqlError

bp = area("attempts")


@bp.post("/courses/<slug>/enrollment")
@login_required
def enroll(slug: str):
    course = course_or_404(slug)
    enrollment, created = progress.enroll(current_user.id, course)
    return jsonify(serializers.enrollment(enrollment, course)), 201 if created else 200


@bp.delete("/courses/<slug>/enrollment")
@login_required
def unenroll(slug: str):
    """Leave a course; the history (progress, answers, certificate) is kept. Leaving twice is a no-op."""
    course = course_or_404(slug)
    if progress.find_enrollment(current_user.id, course.id) is None:
        raise BadRequest(f"You are not enrolled in course {slug!r}.", 404)
    progress.unenroll(current_user.id, course.id)
    return jsonify(serializers.enrollment(progress.find_enrollment(current_user.id, course.id), course))


@bp.post("/lessons/<slug>/read")
@login_required
def read(slug: str):
    lesson = lesson_or_404(slug)
    row = progress.mark_read(current_user.id, lesson)
    return jsonify(lesson=lesson.slug, state=row.state, read_at=row.read_at.isoformat())


def attempt_payload(attempt: Attempt) -> dict[str, Any]:
    payload = serializers.attempt(attempt, attempt.lesson)
    payload["questions"] = [quiz.present(q, attempt.seed) for q in quiz.attempt_questions(attempt)]
    if attempt.status == "submitted":
        payload["result"] = quiz.result_payload(quiz.stored_result(attempt), result_visibility(attempt))
    return payload


def result_visibility(attempt: Attempt) -> review_policy.Visibility:
    return review_policy.for_learner(attempt.user_id, attempt.lesson_id, attempt.submitted_at, utcnow())


def own_attempt_or_404(attempt_id: int) -> Attempt:
    attempt = quiz.get_own_attempt(current_user.id, attempt_id)
    if attempt is None:
        raise BadRequest(f"No attempt {attempt_id}.", 404)
    return attempt


@bp.post("/lessons/<slug>/attempts")
@login_required
def start_attempt(slug: str):
    lesson = catalog.get_lesson(slug)
    if lesson is None or not lesson.question_count:
        return error_response(404, f"No quiz for lesson {slug!r}.")
    body = json_body(required=False)
    only_missed = body.get("only_missed", False)
    if not isinstance(only_missed, bool):
        raise BadRequest("'only_missed' must be true or false.")
    attempt, created = quiz.start_attempt(current_user.id, lesson, only_missed=only_missed)
    return jsonify(attempt_payload(attempt)), 201 if created else 200


@bp.get("/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    return jsonify(attempt_payload(own_attempt_or_404(attempt_id)))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = own_attempt_or_404(attempt_id)
    if attempt.status == "submitted":
        return jsonify(quiz.result_payload(quiz.stored_result(attempt), result_visibility(attempt))), 409
    body = json_body()
    answers = body.get("answers")
    if not isinstance(answers, dict):
        raise BadRequest("'answers' must be an object mapping question ids to answers.")
    asked = quiz.attempt_questions(attempt)
    questions = {str(q.id): q for q in asked}
    responses = {}
    for qid, value in answers.items():
        question = questions.get(str(qid))
        if question is None:
            raise BadRequest(f"answers.{qid}: not a question of this attempt.")
        try:
            responses[question.id] = quiz.parse_value(question, value, f"answers.{qid}")
        except quiz.AnswerError as exc:
            raise BadRequest(str(exc)) from None
    confidences = body.get("confidence", {})
    if not isinstance(confidences, dict) or not all(v in ("sure", "unsure") for v in confidences.values()):
        raise BadRequest("'confidence' must map question ids to \"sure\" or \"unsure\".")
    confidences = {q.id: confidences[key] for key, q in questions.items() if key in confidences}
    if quiz.runs_sql(asked) and (refusal := quiz.take_sql_run(learner_key())):
        return too_many(quiz.SQL_RUNS_REFUSED, refusal.retry_after)
    result, first = quiz.submit(attempt, responses, confidences, asked)
    return jsonify(quiz.result_payload(result, result_visibility(attempt))), 200 if first else 409


def learner_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


@bp.post("/questions/<int:question_id>/run")
def run_query(question_id: int):
    """Run a query on an SQL exercise's visible rows; nothing is graded or stored."""
    question = db.session.get(Question, question_id) if 0 < question_id <= quiz.MAX_ID else None
    if question is None or question.retired or question.kind != "sql":
        return error_response(404, f"No SQL exercise {question_id}.")
    sql = string_field(json_body(), "sql", max_len=quiz.MAX_SQL_CHARS)
    if refusal := quiz.take_sql_run(learner_key()):
        return too_many(quiz.SQL_RUNS_REFUSED, refusal.retry_after)
    try:
        return jsonify(quiz.run_query(question, sql))
    except SqlError as exc:
        return error_response(400, exc.message, kind=exc.kind)
