"""JSON API under /api/v1: read-only catalog, plus the learner journey with bearer-token auth.

State-changing requests need either a bearer token, or the browser session plus the CSRF
token in an X-CSRFToken header. Unauthenticated POSTs (register, token) must be JSON, which a
cross-site HTML form cannot send.
"""
from __future__ import annotations

from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request, url_for
from flask_login import current_user

from learnpath import search as search_engine
from learnpath.accounts import services as accounts
from learnpath.catalog import services as catalog
from learnpath.errors import error_response
from learnpath.extensions import csrf, db, limiter
from learnpath.models import Attempt, Course, Enrollment
from learnpath.progress import services as progress
from learnpath.quiz import services as quiz

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _course_or_404(slug: str):
    course = catalog.get_course(slug)
    if course is None:
        raise BadRequest(f"No course {slug!r}.", 404)
    return course


def _lesson_or_404(slug: str):
    lesson = catalog.get_lesson(slug)
    if lesson is None:
        raise BadRequest(f"No lesson {slug!r}.", 404)
    return lesson


@bp.errorhandler(BadRequest)
def bad_request(exc: BadRequest):
    return error_response(exc.status, exc.message)


@bp.before_request
def guard_writes():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if accounts.bearer_token(request):
        return None
    if current_user.is_authenticated:
        csrf.protect()  # session-authenticated write from the browser: same rules as a form
        return None
    if not request.is_json:
        return error_response(415, "Send a JSON body with Content-Type: application/json.")
    return None


def json_body(required: bool = True) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not required and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def string_field(body: dict, name: str, max_len: int = 254, min_len: int = 1) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{name}' is required and must be a non-empty string.")
    if len(value) > max_len or len(value.strip()) < min_len:
        raise BadRequest(f"'{name}' must be {min_len}-{max_len} characters.")
    return value


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            resp = error_response(401, "Authentication required: send 'Authorization: Bearer <token>'.")
            resp[0].headers["WWW-Authenticate"] = "Bearer"
            return resp
        return view(*args, **kwargs)
    return wrapper


# ---- catalog -----------------------------------------------------------------------------------

@bp.get("/courses")
def courses():
    return jsonify(courses=[
        {"slug": s.course.slug, "title": s.course.title, "summary": s.course.summary, "track": track.slug,
         "lesson_count": s.lesson_count}
        for track, summaries in catalog.course_summaries() for s in summaries
    ])


@bp.get("/courses/<slug>")
def course(slug: str):
    course = _course_or_404(slug)
    return jsonify(
        slug=course.slug, title=course.title, summary=course.summary, track=course.track.slug,
        pass_mark=course.pass_mark,
        lessons=[{"position": pos, "slug": l.slug, "title": l.title, "read_minutes": l.read_minutes,
                  "question_count": l.question_count} for pos, l in catalog.syllabus(course)],
    )


@bp.get("/lessons/<slug>")
def lesson(slug: str):
    lesson = _lesson_or_404(slug)
    return jsonify(
        slug=lesson.slug, title=lesson.title, summary=lesson.summary, read_minutes=lesson.read_minutes,
        topics=[t.slug for t in lesson.topics], body_html=lesson.body_html, toc_html=lesson.toc_html,
        question_count=lesson.question_count, courses=[c.slug for c in catalog.lesson_courses(lesson)],
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "")
    if len(query) > search_engine.MAX_QUERY_CHARS:
        raise BadRequest(f"'q' must be at most {search_engine.MAX_QUERY_CHARS} characters.")
    try:
        page = search_engine.page_number(request.args.get("page"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    found = search_engine.search(db.session, query, page)
    return jsonify(query=query, page=page, per_page=found.per_page, total=found.total, results=[
        {"slug": h.slug, "title": h.title, "summary": h.summary, "snippet_html": h.snippet_html,
         "url": url_for("catalog.lesson", slug=h.slug), "rank": round(h.rank, 6),
         "courses": [{"slug": c.slug, "title": c.title} for c in h.courses]} for h in found.hits
    ])


# ---- accounts ----------------------------------------------------------------------------------

@bp.post("/auth/register")
@limiter.limit(accounts.auth_rate_limit)
def register():
    body = json_body()
    email = string_field(body, "email")
    if "@" not in email or email.startswith("@") or email.endswith("@") or any(c.isspace() for c in email.strip()):
        raise BadRequest("'email' must be an email address.")
    password = string_field(body, "password", max_len=200, min_len=10)
    name = string_field(body, "name", max_len=100)
    try:
        user = accounts.register(email, password, name)
    except accounts.AccountError:
        return error_response(409, "An account with this email cannot be created. If it is yours, request a token.")
    return jsonify(id=user.id, email=user.email, name=user.name), 201


@bp.post("/auth/token")
@limiter.limit(accounts.auth_rate_limit)
def token():
    body = json_body()
    user = accounts.authenticate(string_field(body, "email"), string_field(body, "password", max_len=200))
    if user is None:
        return error_response(401, "Email or password is incorrect.")
    return jsonify(token=accounts.issue_token(user), token_type="Bearer"), 201


# ---- learner journey ---------------------------------------------------------------------------

@bp.post("/courses/<slug>/enrollment")
@login_required
def enroll(slug: str):
    course = _course_or_404(slug)
    enrollment, created = progress.enroll(current_user.id, course)
    return jsonify(course=course.slug, enrolled_at=enrollment.enrolled_at.isoformat()), 201 if created else 200


@bp.post("/lessons/<slug>/read")
@login_required
def read(slug: str):
    lesson = _lesson_or_404(slug)
    row = progress.mark_read(current_user.id, lesson)
    return jsonify(lesson=lesson.slug, state=row.state, read_at=row.read_at.isoformat())


def attempt_payload(attempt: Attempt) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "attempt_id": attempt.id, "lesson": attempt.lesson.slug, "status": attempt.status,
        "started_at": attempt.started_at.isoformat(),
        "questions": [quiz.present(q, attempt.seed) for q in quiz.attempt_questions(attempt)],
    }
    if attempt.status == "submitted":
        payload["submitted_at"] = attempt.submitted_at.isoformat()
        payload["result"] = quiz.result_payload(quiz.stored_result(attempt))
    return payload


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
    resumed = quiz.open_attempt(current_user.id, lesson) is not None
    attempt = quiz.start_attempt(current_user.id, lesson, only_missed=only_missed)
    return jsonify(attempt_payload(attempt)), 200 if resumed else 201


@bp.get("/attempts/<int:attempt_id>")
@login_required
def get_attempt(attempt_id: int):
    attempt = quiz.get_own_attempt(current_user.id, attempt_id)
    if attempt is None:
        return error_response(404, f"No attempt {attempt_id}.")
    return jsonify(attempt_payload(attempt))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = quiz.get_own_attempt(current_user.id, attempt_id)
    if attempt is None:
        return error_response(404, f"No attempt {attempt_id}.")
    if attempt.status == "submitted":
        return jsonify(quiz.result_payload(quiz.stored_result(attempt))), 409
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
    result, first = quiz.submit(attempt, responses, confidences, asked)
    return jsonify(quiz.result_payload(result)), 200 if first else 409


def _learner_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{request.remote_addr}"


@bp.post("/questions/<int:question_id>/run")
@limiter.limit(lambda: current_app.config["RATELIMIT_SQL_RUN"], key_func=_learner_key)
def run_query(question_id: int):
    """Run a query on an SQL exercise's visible rows; nothing is graded or stored."""
    from learnpath.models import Question
    from learnpath.sqllab.engine import SqlError

    question = db.session.get(Question, question_id) if 0 < question_id <= quiz.MAX_ID else None
    if question is None or question.retired or question.kind != "sql":
        return error_response(404, f"No SQL exercise {question_id}.")
    sql = string_field(json_body(), "sql", max_len=quiz.MAX_SQL_CHARS)
    try:
        return jsonify(quiz.run_query(question, sql))
    except SqlError as exc:
        return error_response(400, exc.message, kind=exc.kind)


# ---- spaced review and mastery -----------------------------------------------------------------

@bp.get("/me/reviews/due")
@login_required
def reviews_due():
    from learnpath.review import services as review

    now = review.now_utc()
    cards = review.due_cards(current_user.id, now, limit=100)
    return jsonify(due=review.due_count(current_user.id, now), cards=[
        {"card_id": card.id, "due": card.due.isoformat(), "lesson": card.question.lesson.slug,
         "question": quiz.present(card.question, card.id)} for card in cards
    ])


@bp.post("/reviews/<int:card_id>")
@login_required
def review_card(card_id: int):
    from learnpath.review import services as review

    card = review.own_card(current_user.id, card_id)
    if card is None:
        return error_response(404, f"No review card {card_id}.")
    body = json_body()
    if "answer" not in body:
        raise BadRequest("'answer' is required.")
    confidence = body.get("confidence")
    if confidence is not None and confidence not in review.CONFIDENCE:
        raise BadRequest("'confidence' must be \"sure\" or \"unsure\".")
    question = card.question
    try:
        response = quiz.parse_value(question, body["answer"], "answer")
    except quiz.AnswerError as exc:
        raise BadRequest(str(exc)) from None
    result, next_due = review.review(current_user, card, response, confidence)
    from learnpath.quiz.grading import correct_response

    return jsonify(
        card_id=card.id, correct=result.correct, points=result.points, feedback=result.feedback,
        answer=quiz.public_response(question, response),
        correct_answer=quiz.public_response(question, correct_response(question.kind, question.spec)),
        explanation_html=question.explanation_html, next_due=next_due.isoformat(),
    )


@bp.get("/me/mastery")
@login_required
def mastery():
    from learnpath.review import services as review

    topics = review.topic_mastery(current_user.id, review.now_utc(), current_user.desired_retention)
    return jsonify(topics=[
        {"topic": m.slug, "title": m.title, "level": m.level, "answered": m.answered,
         "accuracy": round(m.accuracy, 4) if m.accuracy is not None else None,
         "retrievability": round(m.retrievability, 4) if m.retrievability is not None else None}
        for m in topics
    ])


@bp.get("/me/progress")
@login_required
def my_progress():
    uid = current_user.id
    enrolled = db.session.scalars(
        sa.select(Course).join(Enrollment, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == uid, Enrollment.unenrolled_at.is_(None), ~Course.retired)
        .order_by(Enrollment.enrolled_at)
    ).all()
    stats = {s.course_id: s for s in progress.course_stats(uid, [c.id for c in enrolled])}
    totals = progress.totals(uid)
    courses_out = []
    for c in enrolled:
        s = stats.get(c.id)
        courses_out.append({
            "slug": c.slug, "title": c.title, "lessons_total": s.total if s else 0,
            "lessons_completed": s.completed if s else 0, "lessons_read": s.read if s else 0,
            "quizzes_passed": s.quizzes_passed if s else 0, "percent": s.percent if s else 0,
            "grade": s.grade if s else None,
        })
    return jsonify(courses=courses_out, totals={
        "lessons_completed": totals.lessons_completed, "quizzes_passed": totals.quizzes_passed,
        "questions_answered": totals.questions_answered, "correct_answers": totals.correct_answers,
        "accuracy": totals.accuracy,
    })
