"""Spaced review (FSRS), topic mastery and the dashboard's "what next".

Every answered question becomes (or updates) the learner's review card, scheduled by py-fsrs:
wrong -> Again, right -> Good; a learner who says they were unsure of a right answer gets Hard
(a sure-but-wrong answer is Again like any wrong one). Mastery levels combine recent accuracy
with FSRS retrievability, so a level decays when the learner is predicted to have forgotten.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

import fsrs
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from learnpath.catalog.services import LESSON_LINK
from learnpath import statements
from learnpath.extensions import db, dialect_insert
from learnpath.models import (
    Answer, Course, CourseLesson, Enrollment, Lesson, LessonProgress, Question, ReviewCard, Topic, TopicStat, User,
    lesson_topic, question_topic,
)
from learnpath.progress.services import bump_progress_version, next_lessons, record_answer_stats
from learnpath.quiz import variants
from learnpath.quiz.grading import Grade, grade

CONFIDENCE = ("sure", "unsure")
LEVELS = ("not started", "attempted", "familiar", "proficient", "mastered")
# What a topic needs for each level above "attempted", strongest first: at least this many answers,
# this accuracy over the latest answers, and this mean predicted recall of its cards.
MASTERY_THRESHOLDS = (
    ("mastered", 8, 0.9, 0.9),
    ("proficient", 5, 0.75, 0.8),
    ("familiar", 1, 0.6, 0.6),
)
# Index of w20 in py-fsrs's Scheduler.parameters (FSRS-6): the forgetting curve's decay.
FSRS_DECAY_PARAMETER = 20


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def rating(correct: bool, confidence: str | None) -> fsrs.Rating:
    if not correct:
        return fsrs.Rating.Again
    return fsrs.Rating.Hard if confidence == "unsure" else fsrs.Rating.Good


def scheduler(desired_retention: float) -> fsrs.Scheduler:
    return fsrs.Scheduler(desired_retention=desired_retention,
                          enable_fuzzing=current_app.config.get("FSRS_FUZZING", True))


def to_fsrs(row) -> fsrs.Card:
    """A stored card (a `ReviewCard`, or a row with its columns) as py-fsrs's Card."""
    return fsrs.Card(card_id=row.id or 0, state=fsrs.State(row.state), step=row.step, stability=row.stability,
                     difficulty=row.difficulty, due=row.due, last_review=row.last_review)


_CARD_STATE = ("state", "step", "stability", "difficulty", "due", "last_review", "last_rating", "reviews", "lapses")


def _cards_query(dialect: str, question_ids: list):
    card = ReviewCard.__table__.c
    return sa.select(card.question_id, card.id, *(card[name] for name in _CARD_STATE)).where(
        card.user_id == sa.bindparam("user_id"), card.question_id.in_(question_ids))


_CARDS = statements.InQuery("question_id", _cards_query)  # the learner's cards of these questions


def _build_card_upsert(dialect: str):
    stmt = dialect_insert(ReviewCard.__table__, dialect)
    return stmt.on_conflict_do_update(index_elements=["user_id", "question_id"],
                                      set_={name: stmt.excluded[name] for name in _CARD_STATE})


_card_upsert = statements.Statement(_build_card_upsert, ("user_id", "question_id", *_CARD_STATE))


def record_answers(user_id: int, outcomes: Iterable[tuple[int, bool, str | None]], when: datetime,
                   desired_retention: float) -> None:
    """Create or update the learner's cards for (question_id, correct, confidence) outcomes.

    Runs inside the caller's transaction (quiz submit or review): one SELECT for the cards there
    are, py-fsrs for each outcome, then one upsert over all of them.
    """
    outcomes = list(outcomes)
    if not outcomes:
        return
    conn = db.session.connection()  # Core statements: the ORM's execution layer costs more than they do
    cards = {row.question_id: row for row in _CARDS.all(conn, {"user_id": user_id}, [q for q, _, _ in outcomes])}
    fsrs_scheduler = scheduler(desired_retention)
    rows = []
    for question_id, correct, confidence in outcomes:
        stored = cards.get(question_id)
        before = to_fsrs(stored) if stored else fsrs.Card(card_id=0, state=fsrs.State.Learning, step=0, due=when)
        rated = rating(correct, confidence)
        card, _ = fsrs_scheduler.review_card(before, rated, review_datetime=when)
        rows.append({
            "user_id": user_id, "question_id": question_id, "state": int(card.state), "step": card.step,
            "stability": card.stability, "difficulty": card.difficulty, "due": card.due, "last_review": when,
            "last_rating": int(rated), "reviews": (stored.reviews if stored else 0) + 1,
            "lapses": (stored.lapses if stored else 0) + (rated == fsrs.Rating.Again),
        })
    _card_upsert.execute(rows)


def due_query(user_id: int, now: datetime):
    return (sa.select(ReviewCard).join(Question, Question.id == ReviewCard.question_id)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .where(ReviewCard.user_id == user_id, ReviewCard.due <= now, ~Question.retired, ~Lesson.retired))


def _count_due(user_id: int, now: datetime):
    return sa.select(sa.func.count()).select_from(due_query(user_id, now).subquery())


def due_count(user_id: int, now: datetime) -> int:
    return db.session.scalar(_count_due(user_id, now))


def due_summary(user_id: int, now: datetime) -> tuple[int, datetime | None]:
    """(cards due now, the next time one falls due): one statement, two index searches.

    The next due time skips the joins that hide retired questions: at worst a cached dashboard
    is refreshed once for nothing, and it stays a lookup on `ix_review_card_user_due`.
    """
    next_due = sa.select(sa.func.min(ReviewCard.due)).where(ReviewCard.user_id == user_id, ReviewCard.due > now)
    count, later = db.session.execute(
        sa.select(_count_due(user_id, now).scalar_subquery(), next_due.scalar_subquery())).one()
    return count, later


def due_cards(user_id: int, now: datetime, limit: int = 50) -> list[ReviewCard]:
    """Most overdue first: the order FSRS's due dates give."""
    return list(db.session.scalars(
        due_query(user_id, now).options(so.joinedload(ReviewCard.question).joinedload(Question.lesson))
        .order_by(ReviewCard.due, ReviewCard.id).limit(limit)))


def own_card(user_id: int, card_id: int) -> ReviewCard | None:
    if not 0 < card_id <= 2**31 - 1:
        return None
    card = db.session.get(ReviewCard, card_id)
    return card if card is not None and card.user_id == user_id else None


def next_due(user_id: int) -> datetime | None:
    """When the learner's next card falls due (for the 'all done' page)."""
    return db.session.scalar(sa.select(sa.func.min(ReviewCard.due)).where(ReviewCard.user_id == user_id))


def set_desired_retention(user: User, retention: float) -> None:
    user.desired_retention = retention
    bump_progress_version(user.id)
    db.session.commit()


def own_card_for_question(user_id: int, question_id: int) -> ReviewCard | None:
    return db.session.scalar(sa.select(ReviewCard).where(ReviewCard.user_id == user_id,
                                                         ReviewCard.question_id == question_id))


@dataclass(frozen=True)
class ReviewOutcome:
    answer: Answer | None  # the stored answer: this request's, or the one that beat it
    recorded: bool  # False when the card had been reviewed since it was shown (a double post)
    next_due: datetime


def review(user: User, card: ReviewCard, response: Any, confidence: str | None, seen_reviews: int,
           when: datetime | None = None, graded: Grade | None = None) -> ReviewOutcome:
    """Grade a review answer exactly as the quiz does, keep the answer, reschedule the card.

    `seen_reviews` is the card's review count when it was shown. Claiming the card with a
    conditional UPDATE on that count makes a second post of the same review (a double click, a
    retried request, a second tab) record nothing: it finds the count moved on. `graded`: the response's
    grade when the caller graded it first (a Go run takes seconds: not while holding the claim's write lock).
    """
    when = when or now_utc()
    question = shown_question(card, seen_reviews)  # the variant that was on screen
    claimed = db.session.execute(
        sa.update(ReviewCard).where(ReviewCard.id == card.id, ReviewCard.reviews == seen_reviews)
        .values(last_review=ReviewCard.last_review).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(card)
        return ReviewOutcome(latest_review_answer(user.id, question.id), False, card.due)
    if graded is not None:
        result = graded
    else:
        result = grade(question.kind, question.spec, response) if response is not None else Grade(False, 0.0)
    answer = Answer(attempt_id=None, user_id=user.id, question_id=question.id, response=response,
                    correct=result.correct, points=result.points, revision=question.revision,
                    feedback=result.feedback or None, confidence=confidence, answered_at=when,
                    variant=variants.values_of(question))
    db.session.add(answer)
    record_answers(user.id, [(question.id, result.correct, confidence)], when, user.desired_retention)
    record_answer_stats(user.id, [(question.id, result.correct)], when)
    db.session.commit()
    db.session.refresh(card)
    return ReviewOutcome(answer, True, card.due)


def shown_question(card: ReviewCard, reviews: int | None = None) -> Any:
    """The card's question as shown when it has had `reviews` reviews (default: now): a calculated
    question draws fresh values for each review, and keeps them while that review is on screen."""
    return variants.bind(card.question, variants.review_seed(card.id, card.reviews if reviews is None else reviews))


def latest_review_answer(user_id: int, question_id: int) -> Answer | None:
    return db.session.scalar(sa.select(Answer).where(
        Answer.user_id == user_id, Answer.question_id == question_id, Answer.attempt_id.is_(None)
    ).order_by(Answer.id.desc()).limit(1))


def own_review_answer(user_id: int, answer_id: int) -> Answer | None:
    """A review answer of this learner (another learner's is indistinguishable from none)."""
    return db.session.scalar(sa.select(Answer).where(
        Answer.id == answer_id, Answer.user_id == user_id, Answer.attempt_id.is_(None)))


# ---- mastery -----------------------------------------------------------------------------------

@dataclass
class TopicMastery:
    slug: str
    title: str
    level: str
    answered: int
    accuracy: float | None  # over the latest RECENT_ANSWERS answers
    retrievability: float | None  # mean predicted recall of the topic's cards, now
    recent_answers: int = 0  # how many answers `accuracy` is over
    recent_right: int = 0

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    @property
    def next_step(self) -> str | None:
        """What the next level asks that this topic lacks, in words ("answer 3 more questions, ...")."""
        if self.level == "mastered":
            return None
        name, min_answered, min_accuracy, min_recall = next(r for r in reversed(MASTERY_THRESHOLDS) if LEVELS.index(r[0]) > self.rank)
        needs = []
        if self.answered < min_answered:
            more = min_answered - self.answered
            needs.append(f"answer {more} more question{'s' if more != 1 else ''}")
        if (self.accuracy or 0.0) < min_accuracy:
            needs.append(f"get {round(100 * min_accuracy)}% of recent answers right")
        if (self.retrievability if self.retrievability is not None else 0.0) < min_recall:
            needs.append(f"keep memory at {round(100 * min_recall)}% or more (review questions when they fall due)")
        return f"To reach {name}: " + ", ".join(needs) + "." if needs else None


def level_for(answered: int, accuracy: float | None, retrievability: float | None) -> str:
    if not answered:
        return "not started"
    acc, r = accuracy or 0.0, retrievability if retrievability is not None else 0.0
    for level, fewest_answers, lowest_accuracy, lowest_recall in MASTERY_THRESHOLDS:
        if answered >= fewest_answers and acc >= lowest_accuracy and r >= lowest_recall:
            return level
    return "attempted"


def retrievability(stability: float, elapsed_days: float, decay: float) -> float:
    """FSRS's forgetting curve: predicted recall after `elapsed_days` for a card of `stability`."""
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * max(elapsed_days, 0.0) / stability) ** decay


def _days_since(column, now: datetime):
    """Elapsed days computed by the database: no datetime parsing per card in Python."""
    naive = now.astimezone(timezone.utc).replace(tzinfo=None)
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", sa.literal(naive, sa.DateTime) - column) / 86400.0
    return sa.func.julianday(sa.literal(naive.isoformat(sep=" "))) - sa.func.julianday(column)


def topic_mastery(user_id: int, now: datetime, desired_retention: float = 0.9) -> list[TopicMastery]:
    """Every topic the learner has answered, weakest first. Two small queries whatever the history:
    the per-topic aggregates kept at each answer, and the learner's cards (bounded by the catalog)."""
    stats = db.session.execute(
        sa.select(TopicStat.topic_id, Topic.slug, Topic.title, TopicStat.answered, TopicStat.recent)
        .join(Topic, Topic.id == TopicStat.topic_id).where(TopicStat.user_id == user_id)
    ).all()
    if not stats:
        return []
    # The mean of FSRS's forgetting curve over the topic's cards, computed by the database
    # (same formula as `retrievability`, checked against py-fsrs by the tests).
    decay = -fsrs.Scheduler().parameters[FSRS_DECAY_PARAMETER]
    factor = 0.9 ** (1 / decay) - 1
    elapsed = _days_since(ReviewCard.last_review, now)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    clamped = sa.func.max(elapsed, 0.0) if sqlite else sa.func.greatest(elapsed, 0.0)
    curve = sa.func.power(1.0 + factor * clamped / ReviewCard.stability, decay)
    recall = dict(db.session.execute(
        sa.select(question_topic.c.topic_id, sa.func.avg(curve))
        .join(question_topic, question_topic.c.question_id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, ReviewCard.last_review.is_not(None), ReviewCard.stability > 0)
        .group_by(question_topic.c.topic_id)
    ).all())
    out = []
    for topic_id, slug, title, answered, recent in stats:
        r = float(recall[topic_id]) if recall.get(topic_id) is not None else None
        acc = recent.count("1") / len(recent) if recent else None
        out.append(TopicMastery(slug, title, level_for(answered, acc, r), answered, acc, r, len(recent), recent.count("1")))
    return sorted(out, key=lambda m: (m.rank, m.accuracy or 0, m.slug))


def topic_mastery_of(user: User, slug: str, now: datetime | None = None) -> TopicMastery | None:
    """The learner's mastery of one topic (None before their first answer on it)."""
    return next((m for m in topic_mastery(user.id, now or now_utc(), user.desired_retention) if m.slug == slug), None)


def _in_enrolled_course(user_id: int):
    """True for a lesson that sits in one of the learner's courses (a correlated EXISTS)."""
    return sa.exists().where(CourseLesson.lesson_id == Lesson.id, Enrollment.course_id == CourseLesson.course_id,
                             Enrollment.user_id == user_id)


def lessons_for_topics(topic_slugs: list[str], user_id: int) -> dict[str, list[tuple[Lesson, bool]]]:
    """The lessons covering each topic, each with whether it sits in one of the learner's courses:
    those first, then the ones not completed yet, so a SQL learner is sent to SQL lessons rather than
    to whichever course of the catalog also tags the topic."""
    if not topic_slugs:
        return {}
    in_my_courses = _in_enrolled_course(user_id)
    completed = sa.exists().where(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id,
                                  LessonProgress.completed_at.is_not(None))
    rows = db.session.execute(
        sa.select(Topic.slug, Lesson, in_my_courses).join(lesson_topic, lesson_topic.c.topic_id == Topic.id)
        .join(Lesson, Lesson.id == lesson_topic.c.lesson_id).options(LESSON_LINK)
        .where(Topic.slug.in_(topic_slugs), ~Lesson.retired)
        .order_by(in_my_courses.desc(), completed.asc(), Lesson.title)
    ).all()
    out: dict[str, list[tuple[Lesson, bool]]] = {}
    for slug, lesson, mine in rows:
        out.setdefault(slug, []).append((lesson, bool(mine)))
    return out


# ---- what next ---------------------------------------------------------------------------------

@dataclass
class NextAction:
    kind: str  # review | lesson | topic | explore
    title: str
    endpoint: str
    params: dict
    reason: str


def what_next(user: User, now: datetime, mastery: list[TopicMastery] | None = None,
              due: int | None = None) -> NextAction:
    """`mastery` and `due` (the due count) may be passed by a caller that has them already."""
    due = due if due is not None else due_count(user.id, now)
    if due:
        return NextAction("review", f"Review {due} due question{'s' if due != 1 else ''}", "review.index", {},
                          "These are the questions you are about to forget: reviewing them today keeps them "
                          "for weeks, waiting makes them harder to recall.")
    course_row = db.session.execute(
        sa.select(Course, sa.func.max(LessonProgress.updated_at).label("touched"))
        .join(Enrollment, sa.and_(Enrollment.course_id == Course.id, Enrollment.user_id == user.id))
        .join(CourseLesson, CourseLesson.course_id == Course.id)
        .outerjoin(LessonProgress, sa.and_(LessonProgress.lesson_id == CourseLesson.lesson_id,
                                           LessonProgress.user_id == user.id))
        .where(Enrollment.completed_at.is_(None), Enrollment.unenrolled_at.is_(None), ~Course.retired)
        .group_by(Course.id).order_by(sa.func.max(LessonProgress.updated_at).desc().nulls_last(), Course.id).limit(1)
    ).first()
    if course_row is not None:
        course = course_row[0]
        lesson = next_lessons(user.id, [course.id]).get(course.id)
        if lesson is not None:
            return NextAction("lesson", lesson.title, "catalog.lesson", {"slug": lesson.slug, "course": course.slug},
                              f"The next lesson of {course.title}, the course you are working on.")
    mastery = mastery if mastery is not None else topic_mastery(user.id, now, user.desired_retention)
    weak = next((m for m in mastery if m.level in ("attempted", "familiar")), None)
    if weak is not None:
        lesson = db.session.scalar(
            sa.select(Lesson).join(lesson_topic, lesson_topic.c.lesson_id == Lesson.id).options(LESSON_LINK)
            .join(Topic, Topic.id == lesson_topic.c.topic_id)
            .outerjoin(LessonProgress, sa.and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user.id))
            .where(Topic.slug == weak.slug, ~Lesson.retired)
            .order_by(_in_enrolled_course(user.id).desc(), LessonProgress.completed_at.is_not(None), Lesson.title).limit(1)
        )
        if lesson is not None:
            accuracy = f"{round(100 * (weak.accuracy or 0))}% of recent answers right"
            return NextAction("topic", lesson.title, "catalog.lesson", {"slug": lesson.slug},
                              f"{weak.title} is your weakest topic ({weak.level}, {accuracy}); this lesson covers it.")
    return NextAction("explore", "Pick a learning path", "paths.index", {},
                      "Nothing is due and no course is in progress: a path orders courses so each builds on the last.")
