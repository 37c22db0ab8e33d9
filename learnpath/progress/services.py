"""Enrollment, lesson progress, course completion and the dashboard's aggregates.

Progress rows are written in the same transaction as the event that changes them (read, submit);
pages read them instead of recomputing from history. Aggregates are SQL GROUP BYs on indexed
columns, a fixed number of queries per page whatever the size of the history.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased, load_only

from learnpath.extensions import db
from learnpath.models import (
    Attempt, Course, CourseLesson, DailyActivity, Enrollment, Lesson, LessonProgress, Topic, TopicStat, question_topic,
)
from learnpath.models.progress import RECENT_RESULTS
from learnpath.models._types import utcnow

DEFAULT_PASS_MARK = 70


def pass_mark(lesson_id: int) -> int:
    """A lesson in several courses is held to the strictest of their pass marks."""
    mark = db.session.scalar(
        sa.select(sa.func.max(Course.pass_mark)).join(CourseLesson).where(
            CourseLesson.lesson_id == lesson_id, ~Course.retired)
    )
    return mark or DEFAULT_PASS_MARK


def _progress_row(user_id: int, lesson_id: int) -> LessonProgress:
    row = db.session.get(LessonProgress, (user_id, lesson_id))
    if row is None:
        row = LessonProgress(user_id=user_id, lesson_id=lesson_id, attempts_count=0)
        db.session.add(row)
        db.session.flush()
    return row


def touch_lesson(user_id: int, lesson_id: int) -> LessonProgress:
    """Note the learner is here now: feeds 'continue where you left off'."""
    row = _progress_row(user_id, lesson_id)
    row.updated_at = utcnow()
    return row


def enroll(user_id: int, course: Course) -> tuple[Enrollment, bool]:
    enrollment = db.session.scalar(sa.select(Enrollment).filter_by(user_id=user_id, course_id=course.id))
    if enrollment:
        return enrollment, False
    enrollment = Enrollment(user_id=user_id, course_id=course.id)
    db.session.add(enrollment)
    db.session.flush()
    _refresh_courses(user_id, [course.id], utcnow())  # lessons done before enrolling count
    db.session.commit()
    return enrollment, True


def mark_read(user_id: int, lesson: Lesson) -> LessonProgress:
    row = touch_lesson(user_id, lesson.id)
    now = utcnow()
    if row.read_at is None:
        row.read_at = now
    _refresh_lesson(user_id, lesson, row, now)
    db.session.commit()
    return row


def record_attempt(user_id: int, lesson: Lesson, percent: float, passed: bool, now: datetime) -> None:
    """Called inside the submit transaction."""
    _progress_row(user_id, lesson.id)
    values = {
        "attempts_count": LessonProgress.attempts_count + 1,
        "last_percent": percent,
        # Atomic max, so two attempts submitted at once cannot lose the better score.
        "best_percent": sa.case(
            (sa.or_(LessonProgress.best_percent.is_(None), LessonProgress.best_percent < percent), percent),
            else_=LessonProgress.best_percent,
        ),
        "updated_at": now,
    }
    if passed:
        values["passed_at"] = sa.func.coalesce(LessonProgress.passed_at, now)
    db.session.execute(
        sa.update(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id)
        .values(**values).execution_options(synchronize_session=False)
    )
    row = db.session.get(LessonProgress, (user_id, lesson.id))
    db.session.refresh(row)
    _refresh_lesson(user_id, lesson, row, now)


def _refresh_lesson(user_id: int, lesson: Lesson, row: LessonProgress, now: datetime) -> None:
    """A lesson is completed once it is read and its quiz passed (or it has no quiz)."""
    quiz_done = row.passed_at is not None or lesson.question_count == 0
    if row.completed_at is None and row.read_at is not None and quiz_done:
        row.completed_at = now
        db.session.flush()
        course_ids = db.session.scalars(sa.select(CourseLesson.course_id).where(CourseLesson.lesson_id == lesson.id))
        _refresh_courses(user_id, list(course_ids), now)


def _refresh_courses(user_id: int, course_ids: list[int], now: datetime) -> None:
    """Complete enrollments whose every active lesson is completed; issue the certificate."""
    if not course_ids:
        return
    stats = {s.course_id: s for s in course_stats(user_id, course_ids)}
    for enrollment in db.session.scalars(sa.select(Enrollment).where(
            Enrollment.user_id == user_id, Enrollment.course_id.in_(course_ids), Enrollment.completed_at.is_(None))):
        s = stats.get(enrollment.course_id)
        if s and s.total and s.completed == s.total:
            enrollment.completed_at = now
            enrollment.certificate_code = secrets.token_urlsafe(24)
            enrollment.certificate_percent = s.grade


@dataclass
class CourseStats:
    course_id: int
    total: int
    completed: int
    read: int
    quizzes_passed: int
    grade: float | None  # mean best score over the lessons attempted

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


def course_stats(user_id: int, course_ids: list[int]) -> list[CourseStats]:
    """One GROUP BY for any number of courses."""
    if not course_ids:
        return []
    lp = aliased(LessonProgress)
    rows = db.session.execute(
        sa.select(
            CourseLesson.course_id,
            sa.func.count(CourseLesson.lesson_id),
            sa.func.count(lp.completed_at),
            sa.func.count(lp.read_at),
            sa.func.count(lp.passed_at),
            sa.func.avg(lp.best_percent),
        )
        .join(Lesson, Lesson.id == CourseLesson.lesson_id)
        .outerjoin(lp, sa.and_(lp.lesson_id == CourseLesson.lesson_id, lp.user_id == user_id))
        .where(CourseLesson.course_id.in_(course_ids), ~Lesson.retired)
        .group_by(CourseLesson.course_id)
    ).all()
    return [CourseStats(r[0], r[1], r[2], r[3], r[4], round(r[5], 1) if r[5] is not None else None) for r in rows]


def lesson_states(user_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    rows = db.session.scalars(sa.select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(lesson_ids)))
    return {r.lesson_id: r for r in rows}


def next_lessons(user_id: int, course_ids: list[int]) -> dict[int, Lesson]:
    """For each course, its first active lesson the learner has not completed (one query)."""
    if not course_ids:
        return {}
    done = sa.select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None))
    first = (
        sa.select(CourseLesson.course_id, sa.func.min(CourseLesson.position).label("position"))
        .join(Lesson, Lesson.id == CourseLesson.lesson_id)
        .where(CourseLesson.course_id.in_(course_ids), ~Lesson.retired, CourseLesson.lesson_id.not_in(done))
        .group_by(CourseLesson.course_id).subquery()
    )
    rows = db.session.execute(
        sa.select(CourseLesson.course_id, Lesson)
        .join(first, sa.and_(first.c.course_id == CourseLesson.course_id, first.c.position == CourseLesson.position))
        .join(Lesson, Lesson.id == CourseLesson.lesson_id)
    ).all()
    return {course_id: lesson for course_id, lesson in rows}


def continue_where_left_off(user_id: int) -> tuple[Lesson, Course | None] | None:
    """The most recently touched lesson that is not completed, with an enrolled course holding it."""
    row = db.session.execute(
        sa.select(Lesson).join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_(None), ~Lesson.retired)
        .order_by(LessonProgress.updated_at.desc()).limit(1)
    ).scalar()
    if row is None:
        return None
    course = db.session.scalar(
        sa.select(Course).join(CourseLesson).join(Enrollment, Enrollment.course_id == Course.id)
        .where(CourseLesson.lesson_id == row.id, Enrollment.user_id == user_id).limit(1)
    )
    return row, course


# ---- answer aggregates -------------------------------------------------------------------------

def _insert(model):
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def _keep_last(text, n: int):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.right(text, n)
    return sa.func.substr(text, -n)


def record_answer_stats(user_id: int, outcomes: list[tuple[int, bool]], when: datetime) -> None:
    """Fold answers into the per-day and per-topic aggregates, in the caller's transaction.

    Upserts with increments (INSERT ... ON CONFLICT DO UPDATE), so concurrent submits by the
    same learner cannot lose a count.
    """
    if not outcomes:
        return
    day = when.astimezone(timezone.utc).date()
    correct = sum(1 for _, ok in outcomes if ok)
    stmt = _insert(DailyActivity).values(user_id=user_id, day=day, answered=len(outcomes), correct=correct)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={"answered": DailyActivity.answered + stmt.excluded.answered,
              "correct": DailyActivity.correct + stmt.excluded.correct},
    ))
    topics_of: dict[int, list[int]] = {}
    for question_id, topic_id in db.session.execute(
            sa.select(question_topic.c.question_id, question_topic.c.topic_id)
            .where(question_topic.c.question_id.in_({q for q, _ in outcomes}))):
        topics_of.setdefault(question_id, []).append(topic_id)
    per_topic: dict[int, list[bool]] = {}
    for question_id, ok in outcomes:
        for topic_id in topics_of.get(question_id, []):
            per_topic.setdefault(topic_id, []).append(ok)
    if not per_topic:
        return
    rows = [{"user_id": user_id, "topic_id": t, "answered": len(r), "correct": sum(r),
             "recent": "".join("1" if ok else "0" for ok in r)[-RECENT_RESULTS:]} for t, r in per_topic.items()]
    stmt = _insert(TopicStat).values(rows)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["user_id", "topic_id"],
        set_={"answered": TopicStat.answered + stmt.excluded.answered,
              "correct": TopicStat.correct + stmt.excluded.correct,
              "recent": _keep_last(TopicStat.recent + stmt.excluded.recent, RECENT_RESULTS)},
    ))


# ---- dashboard aggregates ----------------------------------------------------------------------

@dataclass
class Totals:
    lessons_completed: int
    quizzes_passed: int
    questions_answered: int
    correct_answers: int

    @property
    def accuracy(self) -> int | None:
        return round(100 * self.correct_answers / self.questions_answered) if self.questions_answered else None


def totals(user_id: int) -> Totals:
    completed, passed = db.session.execute(
        sa.select(sa.func.count(LessonProgress.completed_at), sa.func.count(LessonProgress.passed_at))
        .where(LessonProgress.user_id == user_id)
    ).one()
    answered, correct = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(DailyActivity.answered), 0),
                  sa.func.coalesce(sa.func.sum(DailyActivity.correct), 0))
        .where(DailyActivity.user_id == user_id)
    ).one()
    return Totals(completed, passed, int(answered), int(correct))


def score_trend(user_id: int, limit: int = 30) -> list[tuple[datetime, float, str]]:
    rows = db.session.execute(
        sa.select(Attempt.submitted_at, Attempt.percent, Lesson.title)
        .join(Lesson, Lesson.id == Attempt.lesson_id)
        .where(Attempt.user_id == user_id, Attempt.status == "submitted")
        .order_by(Attempt.submitted_at.desc()).limit(limit)
    ).all()
    return [(r[0], r[1], r[2]) for r in reversed(rows)]


def topic_accuracy(user_id: int, limit: int = 12) -> list[tuple[str, str, int, int]]:
    """(slug, title, answered, correct) per topic, most answered first."""
    rows = db.session.execute(
        sa.select(Topic.slug, Topic.title, TopicStat.answered, TopicStat.correct)
        .join(Topic, Topic.id == TopicStat.topic_id).where(TopicStat.user_id == user_id)
        .order_by(TopicStat.answered.desc(), Topic.slug).limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def activity_by_day(user_id: int, since: datetime) -> dict[date, int]:
    """Answers per UTC day since `since` (one row per day, however many answers)."""
    rows = db.session.execute(
        sa.select(DailyActivity.day, DailyActivity.answered)
        .where(DailyActivity.user_id == user_id, DailyActivity.day >= since.date())
    ).all()
    return {d: n for d, n in rows}


def active_days(user_id: int) -> list[date]:
    """Every UTC day with activity, oldest first, for streaks."""
    return list(db.session.scalars(
        sa.select(DailyActivity.day).where(DailyActivity.user_id == user_id, DailyActivity.answered > 0)
        .order_by(DailyActivity.day)))


def streaks(days: list[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive active days. Today may still be empty: a streak
    that ended yesterday is still current until today is over."""
    longest = run = 0
    previous = None
    for d in days:
        run = run + 1 if previous is not None and d - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = d
    current = 0
    if days and days[-1] >= today - timedelta(days=1):
        current = 1
        for a, b in zip(reversed(days[:-1]), reversed(days[1:])):
            if b - a != timedelta(days=1):
                break
            current += 1
    return current, longest


def recent_attempts(user_id: int, limit: int = 8) -> list[tuple[Attempt, Lesson]]:
    return [(a, l) for a, l in db.session.execute(
        sa.select(Attempt, Lesson).join(Lesson, Lesson.id == Attempt.lesson_id)
        .options(load_only(Lesson.slug, Lesson.title))
        .where(Attempt.user_id == user_id, Attempt.status == "submitted")
        .order_by(Attempt.submitted_at.desc()).limit(limit)
    ).all()]


def today_utc(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).date()
