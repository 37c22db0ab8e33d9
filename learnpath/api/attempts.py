"""The learner's journey: enroll, read, quiz attempts and their drafts, SQL and Go runs."""
from __future__ import annotations

import dataclasses
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user

from learnpath import serializers
from learnpath.api.base import (
    BadRequest, area, json_body, login_required, refused, signed_in_learner, string_field, too_many, unauthorized,
)
from learnpath.api.catalog import course_or_404, lesson_or_404
from learnpath.catalog import services as catalog
from learnpath.errors import error_response
from learnpath.extensions import db
from learnpath.golab import lab as golab
from learnpath.models import Attempt, Question
from learnpath.progress import services as progress
from learnpath.models._types import utcnow
from learnpath.quiz import course_test, drafts, paging, practice, review_policy, scopes, services as quiz
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
    """The attempt, its questions (whitelisted) with their page and position, and the saved draft."""
    course_test.close_if_overdue(attempt)  # a timed test past its deadline closes with what was saved
    questions = quiz.attempt_questions(attempt)
    size = paging.page_size(len(attempt.question_ids), attempt.lesson.per_page if attempt.lesson_id else None)
    places = paging.places([q.id for q in questions], size)
    open_ = attempt.status == "in_progress"
    draft, notes = (attempt.draft or {}) if open_ else {}, attempt.notes or {}
    times = quiz.saved_times(attempt) if open_ else {}
    payload = serializers.attempt(attempt)
    payload["page_size"], payload["page_count"] = size, paging.page_count(len(questions), size)
    payload["questions"] = [
        {**quiz.present(q, attempt.seed), "page": places[q.id].page, "position": places[q.id].position,
         "number": places[q.id].number, "flagged": bool((notes.get(str(q.id)) or {}).get("flagged")),
         "saved_answer": quiz.public_response(q, draft.get(str(q.id))), "saved_time_ms": times.get(q.id)}
        for q in questions]
    if attempt.status == "submitted":
        payload["result"] = quiz.result_payload(quiz.stored_result(attempt), result_visibility(attempt))
    return payload


def result_visibility(attempt: Attempt | quiz.AttemptRow) -> review_policy.Visibility:
    return scopes.visibility(attempt, utcnow())


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


@bp.post("/courses/<slug>/test")
@login_required
def start_course_test(slug: str):
    """Start the course test (or return the open one); 409 while lessons remain."""
    course = course_or_404(slug)
    try:
        attempt, created = course_test.start(current_user.id, course)
    except course_test.Locked as exc:
        return error_response(409, str(exc))
    return jsonify(attempt_payload(attempt)), 201 if created else 200


@bp.post("/topics/<slug>/practice")
@login_required
def practise_topic(slug: str):
    """Start a practice quiz of a topic's questions across lessons (or return the open one)."""
    topic = practice.topic_by_slug(slug)
    started = practice.start(current_user.id, topic) if topic is not None else None
    if started is None:
        return error_response(404, f"No topic {slug[:64]!r} with questions to practise.")
    attempt, created = started
    return jsonify(attempt_payload(attempt)), 201 if created else 200


@bp.get("/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    return jsonify(attempt_payload(own_attempt_or_404(attempt_id)))


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    # The learner, the attempt as plain rows and the questions from the worker's catalog cache: no ORM objects here.
    learner = signed_in_learner()
    if learner is None:
        return unauthorized()
    attempt = quiz.own_attempt_row(learner.id, attempt_id)
    if attempt is None:
        raise BadRequest(f"No attempt {attempt_id}.", 404)
    if attempt.status == "in_progress" and scopes.overdue(attempt):
        # past the deadline: closed with what was saved; this is a repeat
        course_test.close_if_overdue(quiz.get_own_attempt(learner.id, attempt_id))
        attempt = quiz.own_attempt_row(learner.id, attempt_id)
    if attempt.status == "submitted":
        return jsonify(quiz.result_payload(quiz.stored_result(attempt), result_visibility(attempt))), 409
    body = json_body()
    asked = quiz.cached_questions(attempt)
    questions = {str(q.id): q for q in asked}
    # What the body leaves out is graded as saved (a draft saved page by page), like the quiz page.
    responses = {**quiz.saved_responses(attempt, asked), **_answers(body, questions, required=True)}
    confidences = {**quiz.saved_confidences(attempt), **_confidences(body, questions)}
    times = quiz.times_to_record(attempt, _times(body, questions))
    key = learner_key(learner.id)
    if quiz.runs_sql(asked) and (refusal := quiz.take_sql_run(key)):
        return too_many(quiz.SQL_RUNS_REFUSED, refusal.retry_after)
    if go_refused := quiz.go_refusal(asked, responses, key):
        return refused(go_refused)
    try:
        result, first = quiz.submit(attempt, responses, confidences, asked, times, learner.desired_retention)
    except golab.GoLabUnavailable as exc:  # raised while grading, before anything was written
        db.session.rollback()
        return error_response(503, str(exc))
    submitted = dataclasses.replace(attempt, status="submitted", submitted_at=result.submitted_at)
    return jsonify(quiz.result_payload(result, result_visibility(submitted))), 200 if first else 409


@bp.post("/attempts/<int:attempt_id>")
@login_required
def save(attempt_id: int):
    """Save a draft (e.g. one page): the answers, flags and confidences of the questions named; the
    others keep what was saved. An answer of null clears it. Nothing is graded."""
    attempt = own_attempt_or_404(attempt_id)
    if attempt.status == "submitted":
        return error_response(409, "This attempt was already submitted.")
    body = json_body()
    questions = {str(q.id): q for q in quiz.attempt_questions(attempt)}
    responses = _answers(body, questions, required=False)
    confidences = _confidences(body, questions)
    flags = body.get("flags", {})
    if not isinstance(flags, dict) or not all(isinstance(v, bool) for v in flags.values()):
        raise BadRequest("'flags' must map question ids to true or false.")
    unknown = next((key for key in [*flags, *body.get("confidence", {})] if str(key) not in questions), None)
    if unknown is not None:
        raise BadRequest(f"{unknown}: not a question of this attempt.")
    saved = attempt.notes or {}
    noted = {int(key) for key in [*flags, *body.get("confidence", {})]}
    notes = {}
    for qid in noted:  # a question's notes are stored whole: keep the half not sent
        before = saved.get(str(qid)) or {}
        flagged = flags.get(str(qid), before.get("flagged", False))
        notes[qid] = drafts.note(bool(flagged), confidences.get(qid, before.get("confidence")))
    quiz.save_draft(attempt, responses, notes, _times(body, questions))
    return jsonify(attempt_payload(quiz.get_own_attempt(current_user.id, attempt_id)))


def _answers(body: dict[str, Any], questions: dict[str, Question], required: bool) -> dict[int, Any]:
    answers = body.get("answers", None if required else {})
    if not isinstance(answers, dict):
        raise BadRequest("'answers' must be an object mapping question ids to answers.")
    responses = {}
    for qid, value in answers.items():
        question = questions.get(str(qid))
        if question is None:
            raise BadRequest(f"answers.{qid}: not a question of this attempt.")
        try:
            responses[question.id] = quiz.parse_value(question, value, f"answers.{qid}")
        except quiz.AnswerError as exc:
            raise BadRequest(str(exc)) from None
    return responses


def _confidences(body: dict[str, Any], questions: dict[str, Question]) -> dict[int, str]:
    confidences = body.get("confidence", {})
    if not isinstance(confidences, dict) or not all(v in ("sure", "unsure") for v in confidences.values()):
        raise BadRequest("'confidence' must map question ids to \"sure\" or \"unsure\".")
    return {q.id: confidences[key] for key, q in questions.items() if key in confidences}


def _times(body: dict[str, Any], questions: dict[str, Question]) -> dict[int, int]:
    """`time_ms`: each question's time on screen so far (a total, not an increment), whole milliseconds;
    over 30 minutes is stored as 30 minutes (an idle client); a fraction, a negative or a string is a 400."""
    try:
        return quiz.parse_api_times(body.get("time_ms"), {key: q.id for key, q in questions.items()})
    except quiz.AnswerError as exc:
        raise BadRequest(str(exc)) from None


def learner_key(user_id: int | None = None) -> str:
    """The key of a learner's run quotas: `user_id` when the caller knows who it is, else the current user's."""
    if user_id is not None:
        return f"user:{user_id}"
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


def _exercise(question_id: int) -> Question | None:
    question = db.session.get(Question, question_id) if 0 < question_id <= quiz.MAX_ID else None
    return None if question is None or question.retired or question.kind not in ("sql", "go") else question


@bp.post("/questions/<int:question_id>/run")
def run_query(question_id: int):
    """Run a query on an SQL exercise's visible rows, or a Go exercise's visible tests; nothing is graded or stored."""
    question = _exercise(question_id)
    if question is None:
        return error_response(404, f"No SQL or Go exercise {question_id}.")
    if question.kind == "go":
        return _run_go(question)
    sql = string_field(json_body(), "sql", max_len=quiz.MAX_SQL_CHARS)
    if refusal := quiz.take_sql_run(learner_key()):
        return too_many(quiz.SQL_RUNS_REFUSED, refusal.retry_after)
    try:
        return jsonify(quiz.run_query(question, sql))
    except SqlError as exc:
        return error_response(400, exc.message, kind=exc.kind)


RUN_WAIT_DEFAULT, RUN_WAIT_MAX = 10.0, 25.0


def _wait_seconds(value: Any) -> float:
    if value is None:
        return RUN_WAIT_DEFAULT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= RUN_WAIT_MAX:
        raise BadRequest(f"'wait' must be a number of seconds from 0 to {RUN_WAIT_MAX:g}.")
    return float(value)


def _run_reply(question: Question, token: str, state: dict[str, Any] | None):
    if state is None:
        return error_response(404, "No such run (it is another learner's, or older than 10 minutes).")
    if state["status"] in ("queued", "running"):
        return jsonify(**state, poll=url_for("api.attempts.go_run_state", question_id=question.id, token=token)), 202
    if state["status"] == "refused":
        return error_response(400, state["message"])
    return jsonify(state)


def _run_go(question: Question):
    """Enqueue a Run of the visible tests; answer with the result when it is there within `wait` seconds,
    else 202 with the queue position and the URL to poll."""
    body = json_body()
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        raise BadRequest("'code' is required: the Go source of solution.go.")
    try:
        code = quiz.parse_value(question, code, "code") or question.spec["starter"]
    except quiz.AnswerError as exc:
        raise BadRequest(str(exc)) from None
    wait = _wait_seconds(body.get("wait"))
    if go_refused := quiz.go_refusal([question], {question.id: code}, learner_key()):
        return refused(go_refused)
    try:
        token = golab.start_run(question.spec, code, question.id, learner_key())
        return _run_reply(question, token, golab.run_status(token, question.id, learner_key(), wait))
    except golab.GoLabUnavailable as exc:
        return error_response(503, str(exc))


@bp.get("/questions/<int:question_id>/run/<token>")
def go_run_state(question_id: int, token: str):
    """A Go Run's state, for the learner who started it: 202 while queued/running, then the result."""
    question = _exercise(question_id)
    if question is None or question.kind != "go":
        return error_response(404, f"No Go exercise {question_id}.")
    wait = request.args.get("wait", "0")
    try:
        seconds = float(wait) if len(wait) < 8 else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= RUN_WAIT_MAX:
        raise BadRequest(f"'wait' must be a number of seconds from 0 to {RUN_WAIT_MAX:g}.")
    try:
        return _run_reply(question, token, golab.run_status(token, question.id, learner_key(), seconds))
    except golab.GoLabUnavailable as exc:
        return error_response(503, str(exc))
