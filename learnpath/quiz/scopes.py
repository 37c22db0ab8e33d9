"""What differs between the scopes of an attempt: a lesson's quiz, a course's final test, a topic's practice.

Starting, presenting, saving, grading and the exactly-once submit are the same for every scope
(quiz.services); this module answers the few questions whose answer depends on the scope: the pass
mark, the deadline, what a result shows, and which progress a submit moves. Only a lesson attempt
moves lesson progress (best score, passed, completed); every answer of every scope feeds reviews,
topic mastery and daily activity.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from learnpath.defaults import DEFAULT_PASS_MARK
from learnpath.extensions import db
from learnpath.models import Attempt, Course, Lesson, Question
from learnpath.models._types import utcnow
from learnpath.progress import services as progress
from learnpath.quiz import catalog_cache, review_policy
from learnpath.quiz.review_policy import PARTS, Visibility

# A timed test's answers count when they arrive by the deadline plus this: the page submits at the
# deadline and the request takes a moment to arrive.
GRACE = timedelta(seconds=15)
DEFAULT_TEST_QUESTIONS = 20
PRACTICE_QUESTIONS = 10  # a topic's practice quiz


def now() -> datetime:
    """The clock every deadline is read against (tests replace it)."""
    return utcnow()


@dataclass(frozen=True)
class TestSettings:
    questions: int
    minutes: int | None  # None: no time limit
    pass_mark: int


def test_settings(course: Course) -> TestSettings:
    """A course's `test:` from the pack; unset keys take the defaults (20 questions, untimed, the course's pass mark)."""
    given: dict[str, Any] = course.test_settings or {}
    return TestSettings(given.get("questions", DEFAULT_TEST_QUESTIONS), given.get("minutes"),
                        given.get("pass_mark", course.pass_mark))


def deadline_for(course: Course, start: datetime) -> datetime | None:
    minutes = test_settings(course).minutes
    return start + timedelta(minutes=minutes) if minutes else None


def overdue(attempt: Attempt, at: datetime | None = None) -> bool:
    """True once a timed attempt's deadline and grace have passed: nothing sent now counts."""
    return attempt.deadline_at is not None and (at or now()) > attempt.deadline_at + GRACE


def counted_responses(attempt: Attempt, responses: dict[int, Any], at: datetime) -> dict[int, Any]:
    """What a submit grades: what was sent, or after the deadline only what was saved before it."""
    if not overdue(attempt, at):
        return responses
    return {int(qid): value for qid, value in (attempt.draft or {}).items()}


def pass_mark(attempt: Attempt) -> int:
    if attempt.scope == "course_test":
        return test_settings(db.session.get(Course, attempt.course_id)).pass_mark
    if attempt.scope == "topic":
        return DEFAULT_PASS_MARK
    lesson = catalog_cache.lesson(attempt.lesson_id)  # the same rule as progress.pass_mark, cached per catalog version
    return lesson.pass_mark if lesson is not None else DEFAULT_PASS_MARK


def record_submit(attempt: Attempt, lesson: Lesson | None, percent: float, passed: bool, at: datetime) -> None:
    """The progress a submit moves, in its transaction: a lesson's progress for a lesson attempt; the
    course (its certificate) for a passed course test; nothing more for a topic's practice."""
    if attempt.scope == "lesson":
        progress.record_attempt(attempt.user_id, lesson, percent, passed, at)
    elif attempt.scope == "course_test" and passed:
        progress.course_test_passed(attempt.user_id, attempt.course_id, at)


TEST_HELD_BACK = "The right answers and explanations of the course test are shown once you pass it."


def visibility(attempt: Attempt, at: datetime) -> Visibility:
    """What a learner may see of a submitted attempt's result.

    A course test holds back the right answers (and the explanations, which state them) until the
    learner has passed that course's test. A topic's practice shows what every lesson its questions
    come from shows (a course that holds back a lesson's answers holds them back here too)."""
    if attempt.scope == "course_test":
        if progress.passed_course_tests(attempt.user_id, [attempt.course_id]):
            return review_policy.EVERYTHING
        return Visibility(right_answer=False, explanation=False, note=TEST_HELD_BACK)
    if attempt.scope == "topic":
        lesson_ids = db.session.scalars(sa.select(Question.lesson_id).distinct().where(
            Question.id.in_(attempt.question_ids or [-1]))).all()
        return combine([review_policy.for_learner(attempt.user_id, lid, attempt.submitted_at, at)
                        for lid in sorted(lesson_ids)])
    return review_policy.for_learner(attempt.user_id, attempt.lesson_id, attempt.submitted_at, at)


def combine(shown: list[Visibility]) -> Visibility:
    """A part shows only when every visibility shows it; the notes are kept, once each."""
    if not shown:
        return review_policy.EVERYTHING
    parts = {part: all(getattr(v, part) for v in shown) for part in PARTS}
    note = " ".join(dict.fromkeys(v.note for v in shown if v.note))
    return Visibility(**parts, note=note)
