from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from learnpath.golab import lab as golab
from learnpath.quiz import review_policy, services as quiz
from learnpath.quiz.grading import Grade
from learnpath.review import services
from learnpath.review.forms import RetentionForm

bp = Blueprint("review", __name__)

SESSION_KEY = "review_session"


@bp.get("/review")
@login_required
def index():
    now = services.now_utc()
    cards = services.due_cards(current_user.id, now, limit=1)
    tally = session.get(SESSION_KEY, {"done": 0, "correct": 0})
    if not cards:
        session.pop(SESSION_KEY, None)
        return render_template("review/done.html", tally=tally, upcoming=services.next_due(current_user.id))
    card = cards[0]
    question = services.shown_question(card)
    return render_template(
        "review/card.html", card=card, question=quiz.present(question, card.id), lesson=question.lesson,
        due=services.due_count(current_user.id, now), tally=tally,
        previews=quiz.dataset_previews([question]), values=MultiDict(), runs={},
    )


@bp.post("/review/<int:card_id>")
@login_required
def answer(card_id: int):
    card = services.own_card(current_user.id, card_id) or abort(404)
    seen = request.form.get("seen", "")
    seen_reviews = int(seen) if seen.isascii() and seen.isdigit() and len(seen) < 10 else card.reviews
    question = services.shown_question(card, seen_reviews)
    try:
        response = quiz.parse_form(question, request.form)
    except quiz.AnswerError as exc:  # the card again, as filled in, with the problem: nothing recorded
        return _card_again(card, exc.problem), 400
    confidence = request.form.get("confidence") if request.form.get("confidence") in services.CONFIDENCE else None
    if question.kind == "sql" and (refusal := quiz.take_sql_run(f"user:{current_user.id}")):
        flash(f"{quiz.SQL_RUNS_REFUSED} (about {refusal.retry_after} s)", "error")
        return redirect(url_for("review.index"))
    if refused := quiz.go_refusal([question], {question.id: response}, f"user:{current_user.id}"):
        return _card_again(card, refused.message), refused.status
    graded = None
    if question.kind == "go" and response is not None:
        try:  # graded before the card is claimed: a Go run takes seconds
            graded = quiz.grade(question, response)
        except golab.GoLabUnavailable as exc:
            return _card_again(card, str(exc)), 503
    outcome = services.review(current_user, card, response, confidence, seen_reviews, graded=graded)
    if outcome.recorded:
        tally = session.get(SESSION_KEY, {"done": 0, "correct": 0})
        session[SESSION_KEY] = {"done": tally["done"] + 1, "correct": tally["correct"] + int(outcome.answer.correct)}
    elif outcome.answer is None:
        return redirect(url_for("review.index"))
    # Post/redirect/get: reloading the result page shows the stored answer, it records nothing.
    return redirect(url_for("review.answer_result", answer_id=outcome.answer.id))


def _card_again(card, problem: str):
    """The card again, as filled in, with the problem shown at the question: nothing recorded."""
    question = card.question
    return render_template(
        "review/card.html", card=card, question=quiz.present(question, card.id), lesson=question.lesson,
        due=services.due_count(current_user.id, services.now_utc()),
        tally=session.get(SESSION_KEY, {"done": 0, "correct": 0}),
        previews=quiz.dataset_previews([question]), values=request.form, runs={}, error=problem,
    )


@bp.get("/review/answers/<int:answer_id>")
@login_required
def answer_result(answer_id: int):
    stored = services.own_review_answer(current_user.id, answer_id) or abort(404)
    question = quiz.bind_stored(stored.question, stored.variant, None)  # the values that were asked
    card = services.own_card_for_question(current_user.id, question.id) or abort(404)
    result = Grade(stored.correct, stored.points, stored.feedback or "")
    return render_template(
        "review/result.html", card=card, question=question, lesson=question.lesson, result=result,
        response=stored.response, next_due=card.due, tally=session.get(SESSION_KEY, {"done": 0, "correct": 0}),
        describe=quiz.describe, describe_correct=quiz.describe_correct,
        show=review_policy.for_learner(current_user.id, question.lesson_id, stored.answered_at, services.now_utc()),
        due=services.due_count(current_user.id, services.now_utc()),
    )


@bp.route("/review/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = RetentionForm(desired_retention=Decimal(round(current_user.desired_retention * 100)))
    if form.validate_on_submit():
        services.set_desired_retention(current_user, float(form.desired_retention.data) / 100)
        flash("Desired retention saved; it applies from your next review.", "success")
        return redirect(url_for("review.index"))
    return render_template("review/settings.html", form=form)
