"""The course test behind the certificate: `questions` drawn across the course's lessons (unseen
first, spread over the lessons), optionally timed, with the right answers held back until passed.

Rules (docs/content-format.md, `test:`): the test opens once every lesson of the course is completed;
retakes are unlimited, each a fresh draw that prefers questions not yet seen; a timed test's deadline
is enforced by the server (quiz.scopes); the certificate needs every lesson and a passed test.
Starting, saving and submitting are quiz.services' own, with scope "course_test".
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Attempt, Course, CourseLesson, Enrollment, Lesson, Question
from learnpath.progress import services as progress
from learnpath.quiz import pools, scopes, services
from learnpath.quiz.scopes import TestSettings


class Locked(Exception):
    """The test cannot start yet: the message says why."""


def pool(course: Course) -> list[Question]:
    """Every active question of the course's active lessons, in course order."""
    return list(db.session.scalars(
        sa.select(Question).join(Lesson, Lesson.id == Question.lesson_id)
        .join(CourseLesson, CourseLesson.lesson_id == Lesson.id)
        .where(CourseLesson.course_id == course.id, ~Lesson.retired, ~Question.retired)
        .order_by(CourseLesson.position, Question.position)))


def pool_size(course: Course) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Question.id)).join(Lesson, Lesson.id == Question.lesson_id)
        .join(CourseLesson, CourseLesson.lesson_id == Lesson.id)
        .where(CourseLesson.course_id == course.id, ~Lesson.retired, ~Question.retired)) or 0


@dataclass
class TestState:
    """Where a learner stands with a course's test, for the course page and the API."""

    settings: TestSettings
    size: int  # questions one test asks (the setting, or the whole pool when it is smaller)
    lessons_left: int  # lessons still to complete before the test opens
    open: Attempt | None
    best_passed: float | None  # the best passing score; None: not passed yet
    last: Attempt | None  # the latest submitted test

    @property
    def available(self) -> bool:
        return self.size > 0 and self.lessons_left == 0

    @property
    def status(self) -> str:
        if self.size == 0:
            return "none"
        if self.best_passed is not None:
            return "passed"
        if self.open is not None:
            return "in progress"
        return "available" if self.available else "locked"


def state(user_id: int | None, course: Course, stats: progress.CourseStats | None = None,
          pool: int | None = None) -> TestState:
    """The learner's (or a visitor's: None) test state. A page that has the course's stats and pool size
    (its lessons' question counts) passes them: then one query, for the learner's tests."""
    settings = scopes.test_settings(course)
    size = min(settings.questions, pool_size(course) if pool is None else pool)
    if user_id is None:
        return TestState(settings, size, -1, None, None, None)
    if stats is None:
        found = progress.course_stats(user_id, [course.id])
        stats = found[0] if found else None
    left = stats.total - stats.completed if stats else 0
    best = (sa.select(sa.func.max(Attempt.percent)).where(
        Attempt.user_id == user_id, Attempt.scope == "course_test", Attempt.course_id == course.id,
        Attempt.status == "submitted", Attempt.passed.is_(True)).scalar_subquery())
    # The open test (at most one) first, then the latest submitted one: one query for both and the best pass.
    rows = db.session.execute(
        sa.select(Attempt, best).where(Attempt.user_id == user_id, Attempt.scope == "course_test",
                                       Attempt.course_id == course.id)
        .order_by((Attempt.status == "in_progress").desc(), Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(2)).all()
    open_test = next((a for a, _ in rows if a.status == "in_progress"), None)
    if open_test is not None and close_if_overdue(open_test):
        return state(user_id, course, stats, pool)
    last = next((a for a, _ in rows if a.status == "submitted"), None)
    return TestState(settings, size, left, open_test, rows[0][1] if rows else None, last)


def start(user_id: int, course: Course) -> tuple[Attempt, bool]:
    """Resume the open test, or start one once every lesson is completed: (attempt, created).
    Two requests at once start one test (uq_attempt_open_course_test)."""
    existing = services.open_scoped(user_id, "course_test", course.id)
    if existing is not None and not close_if_overdue(existing):
        return existing, False
    found = state(user_id, course)
    if found.size == 0:
        raise Locked("This course has no questions, so it has no test.")
    if found.lessons_left:
        raise Locked(f"Complete every lesson first: {found.lessons_left} to go.")
    questions = pool(course)
    seed = secrets.randbelow(2**31)
    seen = pools.history(user_id, [q.id for q in questions])
    ids = [q.id for q in pools.draw_spread(questions, found.settings.questions, seed, seen)]
    _ensure_enrolled(user_id, course)  # the certificate is issued on an enrollment
    inserted = services.insert_open(Attempt(
        user_id=user_id, scope="course_test", course_id=course.id, seed=seed, question_ids=ids, carried={},
        draft={}, deadline_at=scopes.deadline_for(course, scopes.now()),
    ))
    if inserted is None:
        return start(user_id, course)
    if inserted[1]:
        progress.bump_progress_version(user_id)  # the course page shows the open test (catalog.learner keeps it)
    db.session.commit()
    return inserted


def _ensure_enrolled(user_id: int, course: Course) -> None:
    active = db.session.scalar(sa.select(Enrollment.id).where(
        Enrollment.user_id == user_id, Enrollment.course_id == course.id, Enrollment.unenrolled_at.is_(None)))
    if active is None:
        progress.enroll(user_id, course)


def close_if_overdue(attempt: Attempt) -> bool:
    """An open attempt past its deadline (and grace) is submitted with what was saved before it, when
    it is next touched (page, API, course page). True if it is (now) closed."""
    if attempt.status != "in_progress" or not scopes.overdue(attempt):
        return False
    services.submit(attempt, {})  # submit() grades the saved draft, not this, once overdue
    db.session.refresh(attempt)
    return True
