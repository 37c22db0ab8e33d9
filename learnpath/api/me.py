"""The signed-in learner: progress, mastery, spaced review, API tokens."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from learnpath import lane, serializers
from learnpath.accounts import services as accounts
from learnpath.api.auth import token_payload
from learnpath.api.base import BadRequest, area, json_body, login_required, refused, too_many
from learnpath.errors import error_response
from learnpath.golab import lab as golab
from learnpath.interop import services as interop
from learnpath.models import ApiToken
from learnpath.pagecache import BoundedCache, app_cache, catalog_version
from learnpath.progress import services as progress
from learnpath.quiz import review_policy, services as quiz
from learnpath.review import services as review

bp = area("me")


@bp.get("/me/tokens")
@login_required
def tokens():
    return jsonify(tokens=[token_payload(row) for row in accounts.list_tokens(current_user)])


@bp.delete("/me/tokens/<int:token_id>")
@login_required
def revoke_token(token_id: int):
    if not accounts.revoke_token(current_user, token_id):
        raise BadRequest(f"No token {token_id}.", 404)
    return "", 204


@bp.get("/me/reviews/due")
@login_required
def reviews_due():
    now = review.now_utc()
    cards = review.due_cards(current_user.id, now, limit=100)
    return jsonify(due=review.due_count(current_user.id, now), cards=[
        {"card_id": card.id, "due": card.due.isoformat(), "lesson": card.question.lesson.slug,
         "question": quiz.present(review.shown_question(card), card.id)} for card in cards
    ])


@bp.post("/reviews/<int:card_id>")
@login_required
def review_card(card_id: int):
    card = review.own_card(current_user.id, card_id)
    if card is None:
        raise BadRequest(f"No review card {card_id}.", 404)
    body = json_body()
    if "answer" not in body:
        raise BadRequest("'answer' is required.")
    confidence = body.get("confidence")
    if confidence is not None and confidence not in review.CONFIDENCE:
        raise BadRequest("'confidence' must be \"sure\" or \"unsure\".")
    question = review.shown_question(card)  # the variant GET /me/reviews/due showed
    try:
        response = quiz.parse_value(question, body["answer"], "answer")
    except quiz.AnswerError as exc:
        raise BadRequest(str(exc)) from None
    if question.kind == "sql" and (refusal := quiz.take_sql_run(f"user:{current_user.id}")):
        return too_many(quiz.SQL_RUNS_REFUSED, refusal.retry_after)
    graded = None
    if refusal := quiz.go_refusal([question], {question.id: response}, f"user:{current_user.id}"):
        return refused(refusal)
    if question.kind == "go" and response is not None:  # graded before the card is claimed: a run takes seconds
        try:
            graded = quiz.grade(question, response)
        except golab.GoLabUnavailable as exc:
            return error_response(503, str(exc))
    outcome = review.review(current_user, card, response, confidence, seen_reviews=card.reviews, graded=graded)
    if not outcome.recorded:
        return error_response(409, f"Card {card.id} was reviewed by another request meanwhile; this answer was not recorded.")
    answer = outcome.answer
    show = review_policy.for_learner(current_user.id, question.lesson_id, answer.answered_at, review.now_utc())
    item = quiz.graded_item(question, answer.response, answer.correct, answer.points, answer.feedback, show)
    return jsonify(card_id=card.id, **item, next_due=outcome.next_due.isoformat(), review=show.as_dict())


@bp.get("/me/anki.apkg")
@login_required
def anki_deck():
    """The learner's review cards as an Anki package (genanki); stable note GUIDs, so a re-import updates."""
    return interop.anki_download(current_user.id)


@bp.get("/me/mastery")
@login_required
def mastery():
    topics = review.topic_mastery(current_user.id, review.now_utc(), current_user.desired_retention)
    return jsonify(topics=[
        {"topic": m.slug, "title": m.title, "level": m.level, "answered": m.answered,
         "accuracy": round(m.accuracy, 4) if m.accuracy is not None else None,
         "retrievability": round(m.retrievability, 4) if m.retrievability is not None else None}
        for m in topics
    ])


PROGRESS_BYTES = 4 * 2**20  # of learners' progress responses kept per worker
_UNKEPT_HEADERS = frozenset({"Content-Length", "Date", "Set-Cookie"})


def _progress_stamp(user_id: int, progress_version: int, created_at) -> tuple:
    # Every write that changes these figures bumps the progress version (progress.bump_progress_version);
    # created_at tells a new account from a deleted one whose id was handed out again.
    return user_id, progress_version, created_at, catalog_version()


@bp.get("/me/progress")
@login_required
def my_progress():
    uid = current_user.id
    stamp = _progress_stamp(uid, current_user.progress_version, current_user.created_at)  # before reading
    enrolled = [course for _, course in progress.active_enrollments(uid)]
    stats = {s.course_id: s for s in progress.course_stats(uid, [c.id for c in enrolled])}
    totals = progress.totals(uid)
    response = jsonify(courses=[serializers.course_progress(c, stats.get(c.id)) for c in enrolled], totals={
        "lessons_completed": totals.lessons_completed, "quizzes_passed": totals.quizzes_passed,
        "questions_answered": totals.questions_answered, "correct_answers": totals.correct_answers,
        "accuracy": totals.accuracy,
    })
    token = accounts.bearer_token(request)
    if token and "lane" in current_app.extensions and not request.cookies:  # what the fast path serves
        _kept_progress().put(ApiToken.digest(token), (stamp, response), 2048)
    return response


def _kept_progress() -> BoundedCache:
    return app_cache("progress_responses", PROGRESS_BYTES)


@lane.api("/api/v1/me/progress")
def _fast_progress(conn, token: str) -> tuple[bytes, list]:
    """A repeat GET with the same token while nothing it shows has changed: the response Flask made last
    time. Kept by token digest, so a token seen for the first time costs the fast path no query."""
    digest = ApiToken.digest(token)
    hit = _kept_progress().get(digest)
    if hit is None:
        raise lane.NeedsFlask("not kept")
    owner = accounts.token_owner(conn, digest)  # alive, its owner not disabled, and their version now
    if owner is None or hit[0] != _progress_stamp(owner.id, owner.progress_version, owner.created_at):
        raise lane.NeedsFlask("stale")
    response = hit[1]
    return response.get_data(), [(k, v) for k, v in response.headers.items() if k not in _UNKEPT_HEADERS]
