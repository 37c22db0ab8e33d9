"""Enrollment, lesson progress, course completion and the dashboard's aggregates.

Progress rows are written in the same transaction as the event that changes them (read, submit);
pages read them instead of recomputing from history. Aggregates are SQL GROUP BYs on indexed
columns, a fixed number of queries per page whatever the size of the history.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from learnpath.catalog.services import LESSON_LINK
from learnpath.extensions import db, dialect_insert, prepared
from learnpath.models import (
    Attempt, Course, CourseLesson, DailyActivity, Enrollment, Lesson, LessonProgress, Topic, TopicStat, User,
    question_topic,
)
from learnpath.models.progress import RECENT_RESULTS
from learnpath.defaults import DEFAULT_PASS_MARK
from learnpath.models._types import utcnow
from learnpath import statements
from learnpath.timezones import canonical_zone, local_day, zone


@prepared
def _pass_mark_query(dialect: str):
    return sa.select(sa.func.max(Course.pass_mark)).join(CourseLesson).where(
        CourseLesson.lesson_id == sa.bindparam("lesson_id"), ~Course.retired)


def pass_mark(lesson_id: int) -> int:
    """A lesson in several courses is held to the strictest of their pass marks."""
    return db.session.scalar(_pass_mark_query(), {"lesson_id": lesson_id}) or DEFAULT_PASS_MARK


def _progress_row(user_id: int, lesson_id: int) -> LessonProgress:
    row = db.session.get(LessonProgress, (user_id, lesson_id))
    if row is None:
        # INSERT … ON CONFLICT DO NOTHING: two requests creating the row at once both go on.
        db.session.execute(dialect_insert(LessonProgress.__table__).values(
            user_id=user_id, lesson_id=lesson_id, attempts_count=0, updated_at=utcnow()).on_conflict_do_nothing())
        row = db.session.get(LessonProgress, (user_id, lesson_id))
    return row


def bump_progress_version(user_id: int) -> str | None:
    """Mark the learner's cached dashboard stale, in the caller's transaction (see progress/cache.py).
    Returns the learner's time zone name, read by the same statement (the day of an answer is theirs).

    One UPDATE on the table, not the ORM object: a `User` already in the session keeps its
    loaded version, which is only ever compared with the next request's.
    """
    row = _BUMP_VERSION.first(db.session.connection(), {"user_id": user_id})
    return row.time_zone if row is not None else None


def _bump_version(dialect: str):
    users = User.__table__
    return sa.update(users).where(users.c.id == sa.bindparam("user_id")).values(
        progress_version=users.c.progress_version + 1).returning(users.c.time_zone)


_BUMP_VERSION = statements.Query(_bump_version)  # run by every write a learner's pages show


def set_time_zone(user_id: int, name: str, only_if_unknown: bool = False) -> bool:
    """Store the learner's time zone (a name `timezones.is_known_zone` accepts); True if it changed.
    `only_if_unknown`: the browser's guess never overrides a zone already set. One conditional
    UPDATE, so two tabs reporting at once cannot race; it bumps the progress version because the
    dashboard's days and times move with the zone (answers already recorded keep their day)."""
    name = canonical_zone(name)
    users = User.__table__
    query = sa.update(users).where(users.c.id == user_id).values(
        time_zone=name, progress_version=users.c.progress_version + 1)
    query = query.where(users.c.time_zone.is_(None)) if only_if_unknown else query.where(
        sa.or_(users.c.time_zone.is_(None), users.c.time_zone != name))
    changed = db.session.execute(query).rowcount == 1
    db.session.commit()
    return changed


def touch_lesson(user_id: int, lesson_id: int) -> LessonProgress:
    """Note the learner is here now: feeds 'continue where you left off'."""
    row = _progress_row(user_id, lesson_id)
    row.updated_at = utcnow()
    bump_progress_version(user_id)
    return row


def enroll(user_id: int, course: Course) -> tuple[Enrollment, bool]:
    """Enroll once: (enrollment, created). Concurrent enrolls create one row (ON CONFLICT); enrolling in a
    course left with `unenroll` makes that same enrollment active again (and counts as created)."""
    created = db.session.execute(dialect_insert(Enrollment.__table__).values(
        user_id=user_id, course_id=course.id, enrolled_at=utcnow()).on_conflict_do_nothing()
        .returning(Enrollment.id)).first() is not None
    if created:
        _refresh_courses(user_id, [course.id], utcnow())  # lessons done before enrolling count
        bump_progress_version(user_id)
    else:
        created = reenroll(user_id, course)
    db.session.commit()
    return db.session.scalar(sa.select(Enrollment).filter_by(user_id=user_id, course_id=course.id)), created


def reenroll(user_id: int, course: Course) -> bool:
    """Come back to a course left with `unenroll`: the same enrollment (date, completion, certificate)
    becomes active again. One conditional UPDATE; True if this call did it."""
    changed = db.session.execute(
        sa.update(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course.id,
                                    Enrollment.unenrolled_at.is_not(None))
        .values(unenrolled_at=None).execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        _refresh_courses(user_id, [course.id], utcnow())  # lessons completed while away count
        bump_progress_version(user_id)
    db.session.commit()
    return bool(changed)


def find_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    """The learner's enrollment in a course, active or left (None if they never enrolled)."""
    return db.session.scalar(sa.select(Enrollment).filter_by(user_id=user_id, course_id=course_id))


def unenroll(user_id: int, course_id: int) -> bool:
    """Leave a course. Only the enrollment is marked: attempts, answers, lesson progress and the
    certificate stay, and enrolling again restores the course as it was. One conditional UPDATE, so
    two at once, or one racing an enroll, cannot conflict; True if this call did it."""
    changed = db.session.execute(
        sa.update(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id,
                                    Enrollment.unenrolled_at.is_(None))
        .values(unenrolled_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        bump_progress_version(user_id)
    db.session.commit()
    return bool(changed)


@prepared
def _active_enrollments_query(dialect: str):
    return (sa.select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
            .where(Enrollment.user_id == sa.bindparam("user_id"), Enrollment.unenrolled_at.is_(None), ~Course.retired)
            .order_by(Enrollment.enrolled_at))


def active_enrollments(user_id: int) -> list[tuple[Enrollment, Course]]:
    """The learner's enrollments in active courses they have not left, in enrollment order."""
    return [tuple(row) for row in db.session.execute(_active_enrollments_query(), {"user_id": user_id})]


@dataclass
class CourseState:
    """Where a learner stands in one course, for its page: which button to show and where it leads."""

    state: str  # "not enrolled", "not started", "in progress" or "completed"
    enrollment: Enrollment | None  # the active enrollment
    stats: CourseStats | None
    lesson: Lesson | None  # where Start / Continue / Review leads
    left_before: bool = False  # enrolled once and left: enrolling again restores the course

    @property
    def action(self) -> str:
        return {"not enrolled": "Start", "not started": "Start", "in progress": "Continue",
                "completed": "Review"}[self.state]


def course_state(user_id: int, course: Course, first_lesson: Lesson | None) -> CourseState:
    enrollment = db.session.scalar(sa.select(Enrollment).filter_by(user_id=user_id, course_id=course.id))
    found = course_stats(user_id, [course.id])
    stats = found[0] if found else None
    if enrollment is None or enrollment.unenrolled_at is not None:
        return CourseState("not enrolled", None, stats, first_lesson, left_before=enrollment is not None)
    if enrollment.completed_at is not None or (stats and stats.total and stats.completed == stats.total):
        return CourseState("completed", enrollment, stats, first_lesson)
    lesson = next_lessons(user_id, [course.id]).get(course.id) or first_lesson
    touched = stats is not None and (stats.read or stats.completed or stats.quizzes_passed)
    return CourseState("in progress" if touched else "not started", enrollment, stats, lesson)


def mark_read(user_id: int, lesson: Lesson) -> LessonProgress:
    row = touch_lesson(user_id, lesson.id)
    now = utcnow()
    if row.read_at is None:
        row.read_at = now
    _refresh_lesson(user_id, lesson, row, now)
    db.session.commit()
    return row


def _attempt_upsert(dialect: str):
    lp = LessonProgress.__table__.c
    stmt = dialect_insert(LessonProgress.__table__, dialect)
    new = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"],
        set_={
            "attempts_count": lp.attempts_count + 1,
            "last_percent": new.last_percent,
            # Atomic max, so two attempts submitted at once cannot lose the better score.
            "best_percent": sa.case((sa.or_(lp.best_percent.is_(None), lp.best_percent < new.best_percent),
                                     new.best_percent), else_=lp.best_percent),
            "passed_at": sa.func.coalesce(lp.passed_at, new.passed_at),
            "updated_at": new.updated_at,
        },
    ).returning(lp.read_at, lp.passed_at, lp.completed_at)


_ATTEMPT_UPSERT = statements.Query(_attempt_upsert, (
    "user_id", "lesson_id", "attempts_count", "last_percent", "best_percent", "passed_at", "updated_at"))


def record_attempt(user_id: int, lesson: Lesson, percent: float, passed: bool, now: datetime) -> None:
    """Called inside the submit transaction: one upsert, and the lesson's completion when it is due."""
    state = _ATTEMPT_UPSERT.first(db.session.connection(), {
        "user_id": user_id, "lesson_id": lesson.id, "attempts_count": 1, "last_percent": percent,
        "best_percent": percent, "passed_at": now if passed else None, "updated_at": now,
    })
    _refresh_lesson(user_id, lesson, state, now)


def _refresh_lesson(user_id: int, lesson: Lesson, state, now: datetime) -> None:
    """A lesson is completed once it is read and its quiz passed (or it has no quiz).

    `state` is the learner's progress on it: a `LessonProgress` or a row with the same columns."""
    quiz_done = state.passed_at is not None or lesson.question_count == 0
    if state.completed_at is None and state.read_at is not None and quiz_done:
        db.session.execute(sa.update(LessonProgress).where(
            LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id).values(completed_at=now))
        course_ids = db.session.scalars(sa.select(CourseLesson.course_id).where(CourseLesson.lesson_id == lesson.id))
        _refresh_courses(user_id, list(course_ids), now)


def _refresh_courses(user_id: int, course_ids: list[int], now: datetime) -> list[int]:
    """Complete enrollments whose every active lesson is completed and whose course test is passed
    (a course without questions has no test); issue the certificate, with the test's best score.
    Certificates issued before the course test existed are never touched (completed_at is set).

    Each is one conditional UPDATE (… WHERE completed_at IS NULL): two submits finishing a course at
    once (two tabs, a retried request) issue one certificate, and the code a learner was shown stays
    valid. Returns the ids of the courses this call completed."""
    if not course_ids:
        return []
    stats = {s.course_id: s for s in course_stats(user_id, course_ids)}
    due = [s.course_id for s in stats.values() if s.total and s.completed == s.total]
    if not due:
        return []
    tests = passed_course_tests(user_id, due)
    untested = set(due) - set(tests) - courses_with_questions(due)
    completed = []
    for course_id in sorted(set(tests) | untested):
        changed = db.session.execute(
            sa.update(Enrollment)
            .where(Enrollment.user_id == user_id, Enrollment.course_id == course_id,
                   Enrollment.completed_at.is_(None), Enrollment.unenrolled_at.is_(None))
            .values(completed_at=now, certificate_code=secrets.token_urlsafe(24),
                    certificate_percent=tests.get(course_id, stats[course_id].grade))
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if changed:
            completed.append(course_id)
    return completed


def course_test_passed(user_id: int, course_id: int, now: datetime) -> None:
    """Called in the submit transaction of a passed course test: the certificate, if the lessons are done."""
    _refresh_courses(user_id, [course_id], now)
    bump_progress_version(user_id)


def passed_course_tests(user_id: int, course_ids: list[int]) -> dict[int, float]:
    """Course id -> the learner's best passing score in its course test, for the courses whose test they passed."""
    if not course_ids:
        return {}
    return dict(db.session.execute(
        sa.select(Attempt.course_id, sa.func.max(Attempt.percent))
        .where(Attempt.user_id == user_id, Attempt.scope == "course_test", Attempt.course_id.in_(course_ids),
               Attempt.status == "submitted", Attempt.passed.is_(True))
        .group_by(Attempt.course_id)).all())


def courses_with_questions(course_ids: list[int]) -> set[int]:
    """The courses among these whose active lessons ask at least one question: they have a course test."""
    return set(db.session.scalars(
        sa.select(CourseLesson.course_id).distinct().join(Lesson, Lesson.id == CourseLesson.lesson_id)
        .where(CourseLesson.course_id.in_(course_ids), ~Lesson.retired, Lesson.question_count > 0)))


@dataclass(frozen=True)
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


@prepared
def _course_stats_query(dialect: str):
    lp = LessonProgress  # not aliased(): a new alias per call would miss SQLAlchemy's compiled-statement cache
    return (
        sa.select(
            CourseLesson.course_id,
            sa.func.count(CourseLesson.lesson_id),
            sa.func.count(lp.completed_at),
            sa.func.count(lp.read_at),
            sa.func.count(lp.passed_at),
            sa.func.avg(lp.best_percent),
        )
        .join(Lesson, Lesson.id == CourseLesson.lesson_id)
        .outerjoin(lp, sa.and_(lp.lesson_id == CourseLesson.lesson_id, lp.user_id == sa.bindparam("user_id")))
        .where(CourseLesson.course_id.in_(sa.bindparam("course_ids", expanding=True)), ~Lesson.retired)
        .group_by(CourseLesson.course_id)
    )


def course_stats(user_id: int, course_ids: list[int]) -> list[CourseStats]:
    """One GROUP BY for any number of courses (a prepared statement: building it cost more than running it)."""
    if not course_ids:
        return []
    rows = db.session.connection().execute(_course_stats_query(), {"user_id": user_id, "course_ids": course_ids})
    return [CourseStats(r[0], r[1], r[2], r[3], r[4], round(r[5], 1) if r[5] is not None else None) for r in rows]


def lesson_states(user_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    if not lesson_ids:
        return {}
    rows = db.session.scalars(sa.select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id.in_(lesson_ids)))
    return {r.lesson_id: r for r in rows}


@dataclass(frozen=True, slots=True)
class LessonMark:
    """A learner's progress on one lesson as a plain row (the signed-in catalog pages: no ORM object)."""

    lesson_id: int
    read_at: datetime | None
    best_percent: float | None
    attempts_count: int
    passed_at: datetime | None
    completed_at: datetime | None

    state = LessonProgress.state  # the same rule as the ORM row's


@prepared
def _marks_query(dialect: str):
    lp = LessonProgress.__table__.c
    return sa.select(lp.lesson_id, lp.read_at, lp.best_percent, lp.attempts_count, lp.passed_at,
                     lp.completed_at).where(lp.user_id == sa.bindparam("user_id"),
                                            lp.lesson_id.in_(sa.bindparam("lesson_ids", expanding=True)))


def lesson_marks(user_id: int, lesson_ids: list[int], conn: sa.Connection | None = None) -> dict[int, LessonMark]:
    """The learner's progress rows on these lessons: one prepared statement, no ORM objects."""
    if not lesson_ids:
        return {}
    rows = (conn or db.session.connection()).execute(_marks_query(), {"user_id": user_id, "lesson_ids": lesson_ids})
    return {row[0]: LessonMark(*row) for row in rows}


@prepared
def _course_marks_query(dialect: str):
    lp, cl = LessonProgress.__table__.c, CourseLesson.__table__.c
    in_course = sa.select(cl.lesson_id).where(cl.course_id == sa.bindparam("course_id")).scalar_subquery()
    return sa.select(lp.lesson_id, lp.read_at, lp.best_percent, lp.attempts_count, lp.passed_at,
                     lp.completed_at).where(lp.user_id == sa.bindparam("user_id"), lp.lesson_id.in_(in_course))


def course_marks(user_id: int, course_id: int, conn: sa.Connection | None = None) -> dict[int, LessonMark]:
    """The learner's progress rows on a course's lessons (retired ones too: callers look up the lessons they
    show). The course as a subquery rather than its lesson ids: binding 44 ids cost more than the query."""
    rows = (conn or db.session.connection()).execute(_course_marks_query(), {"user_id": user_id, "course_id": course_id})
    return {row[0]: LessonMark(*row) for row in rows}


@prepared
def _enrollment_query(dialect: str):
    e = Enrollment.__table__.c
    return sa.select(e.id, e.completed_at, e.certificate_code, e.unenrolled_at).where(
        e.user_id == sa.bindparam("user_id"), e.course_id == sa.bindparam("course_id"))


def course_enrollment(user_id: int, course_id: int, conn: sa.Connection | None = None) -> sa.Row | None:
    """The learner's enrollment in the course as a row (id, completed_at, certificate_code, unenrolled_at)."""
    return (conn or db.session.connection()).execute(
        _enrollment_query(), {"user_id": user_id, "course_id": course_id}).first()


def course_state_from_marks(course_id: int, lessons: list, marks: dict[int, LessonMark],
                            enrollment: sa.Row | None) -> CourseState:
    """`course_state` for a signed-in course page from what it has already loaded: the course's active
    lessons in order (anything with id, slug and title), the learner's marks on them and their enrollment
    (`course_enrollment`). The stats and the next lesson are counted here, as course_stats and
    next_lessons count them in SQL."""
    stats = None
    if lessons:
        rows = [marks[l.id] for l in lessons if l.id in marks]
        best = [m.best_percent for m in rows if m.best_percent is not None]
        stats = CourseStats(course_id, len(lessons), sum(m.completed_at is not None for m in rows),
                            sum(m.read_at is not None for m in rows), sum(m.passed_at is not None for m in rows),
                            round(sum(best) / len(best), 1) if best else None)
    first = lessons[0] if lessons else None
    if enrollment is None or enrollment.unenrolled_at is not None:
        return CourseState("not enrolled", None, stats, first, left_before=enrollment is not None)
    if enrollment.completed_at is not None or (stats and stats.total and stats.completed == stats.total):
        return CourseState("completed", enrollment, stats, first)
    lesson = next((l for l in lessons if l.id not in marks or marks[l.id].completed_at is None), None) or first
    touched = stats is not None and (stats.read or stats.completed or stats.quizzes_passed)
    return CourseState("in progress" if touched else "not started", enrollment, stats, lesson)


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
        .join(Lesson, Lesson.id == CourseLesson.lesson_id).options(LESSON_LINK)
    ).all()
    return {course_id: lesson for course_id, lesson in rows}


def continue_where_left_off(user_id: int) -> tuple[Lesson, Course | None] | None:
    """The most recently touched lesson that is not completed, with an enrolled course holding it."""
    row = db.session.execute(
        sa.select(Lesson).join(LessonProgress, LessonProgress.lesson_id == Lesson.id).options(LESSON_LINK)
        .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_(None), ~Lesson.retired)
        .order_by(LessonProgress.updated_at.desc()).limit(1)
    ).scalar()
    if row is None:
        return None
    course = db.session.scalar(
        sa.select(Course).join(CourseLesson).join(Enrollment, Enrollment.course_id == Course.id)
        .options(load_only(Course.slug)).where(CourseLesson.lesson_id == row.id, Enrollment.user_id == user_id,
                                                Enrollment.unenrolled_at.is_(None)).limit(1)
    )
    return row, course


# ---- answer aggregates -------------------------------------------------------------------------

@prepared
def _topics_query(dialect: str):
    return sa.select(question_topic.c.question_id, question_topic.c.topic_id).where(
        question_topic.c.question_id.in_(sa.bindparam("ids", expanding=True)))


def topics_of(question_ids: list[int]) -> dict[int, list[int]]:
    """Question id -> its topic ids."""
    out: dict[int, list[int]] = {}
    for question_id, topic_id in db.session.execute(_topics_query(), {"ids": question_ids}):
        out.setdefault(question_id, []).append(topic_id)
    return out


def _build_daily_upsert(dialect: str):
    stmt = dialect_insert(DailyActivity.__table__, dialect)
    daily = DailyActivity.__table__.c
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "day"],
        set_={"answered": daily.answered + stmt.excluded.answered, "correct": daily.correct + stmt.excluded.correct},
    )


def _build_topic_upsert(dialect: str):
    stmt = dialect_insert(TopicStat.__table__, dialect)
    stat = TopicStat.__table__.c
    keep_last = sa.func.right if dialect == "postgresql" else (lambda text, n: sa.func.substr(text, -n))
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "topic_id"],
        set_={"answered": stat.answered + stmt.excluded.answered,
              "correct": stat.correct + stmt.excluded.correct,
              "recent": keep_last(stat.recent + stmt.excluded.recent, RECENT_RESULTS)},
    )


_daily_upsert = statements.Statement(_build_daily_upsert, ("user_id", "day", "answered", "correct"))
_topic_upsert = statements.Statement(_build_topic_upsert, ("user_id", "topic_id", "answered", "correct", "recent"))


def record_answer_stats(user_id: int, outcomes: list[tuple[int, bool]], when: datetime,
                        topics: dict[int, list[int]] | None = None) -> None:
    """Fold answers into the per-day and per-topic aggregates, in the caller's transaction.

    Upserts with increments (INSERT ... ON CONFLICT DO UPDATE), so concurrent submits by the
    same learner cannot lose a count. `topics` (from `topics_of`) may be looked up by the caller
    before its write transaction starts.
    """
    # A submit or a review changes what the learner's dashboard shows; the same UPDATE says which
    # calendar the answers fall on: the learner's local day at answer time.
    zone_name = bump_progress_version(user_id)
    if not outcomes:
        return
    day = local_day(when, zone(zone_name))
    correct = sum(1 for _, ok in outcomes if ok)
    _daily_upsert.execute({"user_id": user_id, "day": day, "answered": len(outcomes), "correct": correct})
    if topics is None:
        topics = topics_of([q for q, _ in outcomes])
    per_topic: dict[int, list[bool]] = {}
    for question_id, ok in outcomes:
        for topic_id in topics.get(question_id, []):
            per_topic.setdefault(topic_id, []).append(ok)
    if per_topic:
        _topic_upsert.execute([
            {"user_id": user_id, "topic_id": t, "answered": len(r), "correct": sum(r),
             "recent": "".join("1" if ok else "0" for ok in r)[-RECENT_RESULTS:]} for t, r in per_topic.items()])


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


@prepared
def _totals_query(dialect: str):
    uid = sa.bindparam("user_id")
    lp, da = LessonProgress, DailyActivity
    return sa.select(
        sa.select(sa.func.count(lp.completed_at)).where(lp.user_id == uid).scalar_subquery(),
        sa.select(sa.func.count(lp.passed_at)).where(lp.user_id == uid).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(da.answered), 0)).where(da.user_id == uid).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(da.correct), 0)).where(da.user_id == uid).scalar_subquery(),
    )


def totals(user_id: int) -> Totals:
    """One prepared statement of four index-range aggregates."""
    completed, passed, answered, correct = db.session.connection().execute(
        _totals_query(), {"user_id": user_id}).one()
    return Totals(completed, passed, int(answered), int(correct))


def recent_results(user_id: int, limit: int = 30) -> list[sa.Row]:
    """The latest submitted attempts, newest first: (id, submitted_at, percent, passed, title).
    One query serves both the score trend and the recent-attempts table."""
    return db.session.execute(
        sa.select(Attempt.id, Attempt.submitted_at, Attempt.percent, Attempt.passed, Lesson.title)
        .join(Lesson, Lesson.id == Attempt.lesson_id)
        .where(Attempt.user_id == user_id, Attempt.status == "submitted")
        .order_by(Attempt.submitted_at.desc()).limit(limit)
    ).all()


def topic_accuracy(user_id: int, limit: int = 12) -> list[tuple[str, str, int, int]]:
    """(slug, title, answered, correct) per topic, most answered first."""
    rows = db.session.execute(
        sa.select(Topic.slug, Topic.title, TopicStat.answered, TopicStat.correct)
        .join(Topic, Topic.id == TopicStat.topic_id).where(TopicStat.user_id == user_id)
        .order_by(TopicStat.answered.desc(), Topic.slug).limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def daily_activity(user_id: int) -> dict[date, int]:
    """Answers per active day (the learner's local days), oldest first: one row per day however many answers, and one
    query for both the streaks (every day) and the heat map (the last year of them)."""
    return dict(db.session.execute(
        sa.select(DailyActivity.day, DailyActivity.answered)
        .where(DailyActivity.user_id == user_id, DailyActivity.answered > 0).order_by(DailyActivity.day)
    ).all())


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


# ---- certificates: public verification ----------------------------------------------------------

CERTIFICATE_ID_MAX = 64  # issued ids are 32 characters; anything much longer is not one


@dataclass(frozen=True)
class Certificate:
    """What anyone holding a certificate's verification id may check."""

    verification_id: str
    learner: str
    course_slug: str
    course_title: str
    completed_at: datetime
    percent: float | None  # the course test's best passing score (older certificates: the lessons' mean best)
    revoked_at: datetime | None
    tested: bool = False  # issued after passing the course test (certificates from before it are not)

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "valid"


def find_certificate(verification_id: str) -> Certificate | None:
    if not verification_id or len(verification_id) > CERTIFICATE_ID_MAX:
        return None
    tested = sa.exists().where(
        Attempt.user_id == Enrollment.user_id, Attempt.course_id == Enrollment.course_id,
        Attempt.scope == "course_test", Attempt.passed.is_(True), Attempt.submitted_at <= Enrollment.completed_at)
    row = db.session.execute(
        sa.select(Enrollment.certificate_code, User.name, Course.slug, Course.title, Enrollment.completed_at,
                  Enrollment.certificate_percent, Enrollment.certificate_revoked_at, tested)
        .join(Course, Course.id == Enrollment.course_id).join(User, User.id == Enrollment.user_id)
        .where(Enrollment.certificate_code == verification_id)
    ).first()
    return Certificate(*row) if row else None


def revoke_certificate(verification_id: str, when: datetime) -> bool:
    """Mark a certificate revoked (it keeps resolving, as revoked). False if no such valid certificate."""
    revoked = db.session.execute(sa.update(Enrollment).where(
        Enrollment.certificate_code == verification_id, Enrollment.certificate_revoked_at.is_(None),
    ).values(certificate_revoked_at=when)).rowcount == 1
    db.session.commit()
    return revoked
