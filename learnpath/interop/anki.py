"""A learner's review cards as an Anki deck (.apkg, built with genanki).

One note per review card: the front is the question (prompt and its options, in a fixed shuffled order so
an ordering question never shows its answer), the back the learner's answer history, the right answer and
the explanation - each only where the course's review policy already shows it to this learner. Tags name
the lesson's courses and the question's topics.

Re-importing a later export updates the same notes: the deck and model ids are constants, and each note's
GUID is derived from (this instance, lesson slug, question key) - the question's identity in the pack, not a
row id - so it survives re-imports of the pack. The instance is named by its issuer public key
(learnpath.interop.credentials), which is stable for an instance and differs between instances.
"""
from __future__ import annotations

import html
import os
import random
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import genanki
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Course, CourseLesson, Lesson, Question, ReviewCard
from learnpath.quiz import kinds, review_policy, variants

MODEL_ID = 1718203921  # constants: a re-import into Anki finds the same note type and deck
DECK_ID = 2059347112
DECK_NAME = "learnpath review"
FIELDS = ["Question", "History", "Answer", "Explanation", "Source"]
MODEL = genanki.Model(
    MODEL_ID, "learnpath question",
    fields=[{"name": name} for name in FIELDS],
    templates=[{
        "name": "Card 1",
        "qfmt": "{{Question}}",
        "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<div class=explanation>{{Explanation}}</div>"
                "<div class=history>{{History}}</div><div class=source>{{Source}}</div>",
    }],
    css=".card{font-family:sans-serif;font-size:18px;text-align:left}.history,.source{color:#666;font-size:14px;"
        "margin-top:1em}pre{white-space:pre-wrap}.explanation{margin-top:1em}",
)


@dataclass(frozen=True)
class History:
    answers: int
    right: int
    last_at: datetime | None
    last_correct: bool | None


def _safe_tag(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_:" else "_" for ch in text)


def _front(question) -> str:
    kind = kinds.get(question.kind)
    rng = random.Random(f"anki:{question.lesson.slug}:{question.key}")  # fixed per question: a stable note
    shown = kind.present(question.spec, lambda key: key, rng)
    options = shown.get("choices") or shown.get("items") or []
    parts = [question.prompt_html]
    if options:
        tag = "ol" if question.kind == "ordering" else "ul"
        parts.append(f"<{tag}>" + "".join(f"<li>{o['text']}</li>" for o in options) + f"</{tag}>")
    if question.kind == "multiple":
        parts.append("<p><i>Select all that apply.</i></p>")
    elif question.kind == "ordering":
        parts.append("<p><i>Put these in order.</i></p>")
    elif question.kind == "true_false":
        parts.append("<p><i>True or false?</i></p>")
    return "".join(parts)


def _right_answer(question) -> str:
    shown = kinds.get(question.kind).describe_correct(question.spec)
    if shown.get("withheld"):
        return "<p>Your code is graded by tests; no reference solution is shown.</p>"
    if shown.get("undefined"):
        return ""
    if "options" in shown:
        tag = "ol" if question.kind == "ordering" else "ul"
        return f"<p><b>Right answer:</b></p><{tag}>" + "".join(f"<li>{o or '(removed)'}</li>" for o in shown["options"]) + f"</{tag}>"
    if "value" in shown:
        return f"<p><b>Right answer:</b> {'True' if shown['value'] else 'False'}</p>"
    if "typed" in shown:
        also = shown.get("also") or []
        extra = f" (also accepted: {', '.join(html.escape(a) for a in also)})" if also else ""
        return f"<p><b>Right answer:</b> <code>{html.escape(shown['typed'])}</code>{extra}</p>"
    if "number" in shown:
        within = f" ± {shown['tolerance']}" if shown.get("tolerance") else ""
        unit = f" {html.escape(shown['unit'])}" if shown.get("unit") else ""
        return f"<p><b>Right answer:</b> {shown['number']}{within}{unit}</p>"
    if "code" in shown:
        return f"<p><b>Reference:</b></p><pre><code>{html.escape(shown['code'] or '')}</code></pre>"
    return ""


def _history_text(history: History | None) -> str:
    if history is None or not history.answers:
        return "Not answered yet."
    last = ""
    if history.last_at is not None:
        last = f"; last on {history.last_at:%Y-%m-%d}" + (
            "" if history.last_correct is None else f" ({'right' if history.last_correct else 'wrong'})")
    return f"Answered {history.answers} time{'s' if history.answers != 1 else ''}, {history.right} right{last}."


def note_guid(instance: str, lesson_slug: str, question_key: str) -> str:
    return genanki.guid_for("learnpath", instance, lesson_slug, question_key)


def build(user_id: int, instance: str, now: datetime) -> tuple[bytes, int]:
    """The .apkg of this learner's review cards (only theirs) and how many notes it holds."""
    cards = db.session.scalars(
        sa.select(ReviewCard).where(ReviewCard.user_id == user_id)
        .join(Question, Question.id == ReviewCard.question_id).join(Lesson, Lesson.id == Question.lesson_id)
        .options(sa.orm.joinedload(ReviewCard.question).options(
            sa.orm.joinedload(Question.lesson), sa.orm.selectinload(Question.topics)))
        .order_by(Lesson.slug, Question.position, Question.id)
    ).unique().all()
    question_ids = [card.question_id for card in cards]
    lesson_ids = {card.question.lesson_id for card in cards}
    histories: dict[int, History] = {}
    if question_ids:
        rows = db.session.execute(
            sa.select(Answer.question_id, sa.func.count(), sa.func.sum(sa.case((Answer.correct, 1), else_=0)),
                      sa.func.max(Answer.answered_at))
            .where(Answer.user_id == user_id, Answer.question_id.in_(question_ids))
            .group_by(Answer.question_id))
        last = dict(db.session.execute(  # the correctness of each question's latest answer
            sa.select(Answer.question_id, Answer.correct).where(
                Answer.user_id == user_id, Answer.question_id.in_(question_ids),
                Answer.id.in_(sa.select(sa.func.max(Answer.id)).where(
                    Answer.user_id == user_id, Answer.question_id.in_(question_ids)).group_by(Answer.question_id)))
        ).all())
        for question_id, count, right, last_at in rows:
            histories[question_id] = History(count, int(right or 0), last_at, last.get(question_id))
    courses: dict[int, list[str]] = defaultdict(list)
    if lesson_ids:
        for lesson_id, slug in db.session.execute(
                sa.select(CourseLesson.lesson_id, Course.slug).join(Course, Course.id == CourseLesson.course_id)
                .where(CourseLesson.lesson_id.in_(lesson_ids), ~Course.retired).order_by(Course.slug)):
            courses[lesson_id].append(slug)
    visibility: dict[tuple[int, datetime | None], review_policy.Visibility] = {}
    deck = genanki.Deck(DECK_ID, DECK_NAME, description="Your learnpath review questions.")
    deck.add_model(MODEL)  # also in an empty export: the note type is there for the next one
    for card in cards:
        question = variants.reference(card.question)  # the reference numbers: a stable note
        lesson = question.lesson
        history = histories.get(question.id)
        # An "after N hours" release counts from each answer's own time: one decision per (lesson, time).
        answered_at = history.last_at if history else None
        if (lesson.id, answered_at) not in visibility:
            visibility[lesson.id, answered_at] = review_policy.for_learner(user_id, lesson.id, answered_at, now)
        shown = visibility[lesson.id, answered_at]
        answer = _right_answer(question) if shown.right_answer else f"<p><i>{html.escape(shown.note)}</i></p>"
        explanation = question.explanation_html if shown.explanation else ""
        tags = [f"learnpath::course::{_safe_tag(slug)}" for slug in courses.get(lesson.id, [])]
        tags += [f"learnpath::topic::{_safe_tag(topic.slug)}" for topic in question.topics]
        tags.append(f"learnpath::lesson::{_safe_tag(lesson.slug)}")
        deck.add_note(genanki.Note(
            model=MODEL, fields=[_front(question), html.escape(_history_text(history)), answer, explanation,
                                 html.escape(lesson.title)],
            guid=note_guid(instance, lesson.slug, question.key), tags=tags))
    fd, path = tempfile.mkstemp(suffix=".apkg")
    os.close(fd)
    try:
        genanki.Package(deck).write_to_file(path)
        with open(path, "rb") as handle:
            return handle.read(), len(cards)
    finally:
        os.unlink(path)
