"""What the admin console reads and does: learners (search, one learner's record, disable, reset
link, delete), per-course figures (funnel, medians, course-test pass rate), the content's state.

Every write takes the acting admin and records itself with `audit(...)` in the same transaction.
Reads are a fixed number of queries per page, aggregates in SQL (GROUP BY); medians through
learnpath.admin.medians (percentile_cont on PostgreSQL, Python over the grouped values on SQLite).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.accounts import services as accounts
from learnpath.admin import audit, items
from learnpath.admin.medians import median_of, read_median
from learnpath.extensions import db
from learnpath.models import (
    Answer, ApiToken, Attempt, AuditEntry, CatalogState, ContentImport, Course, CourseLesson, DailyActivity, Enrollment,
    Lesson, LessonProgress, Question, User,
)
from learnpath.models._types import UTCDateTime, utcnow
from learnpath.models.accounts import ROLES
from learnpath.progress import services as progress
from learnpath.timezones import local_day, zone

PER_PAGE = 25
SORTS = {
    "activity": "last activity, most recent first",
    "signed_up": "signed up, newest first",
    "email": "email, A to Z",
}
# Django admin's list_filter, for the two states an admin looks for.
SHOWS = {"all": "all accounts", "disabled": "disabled accounts", "admins": "admins"}
MAX_QUERY = 254
MAX_PAGE = 100_000  # far past any real page; keeps OFFSET arithmetic sane


class AdminError(ValueError):
    """A refused admin action or bad input; the message names the problem and is shown as is."""


# ---- learners: the list ----------------------------------------------------------------------------

def _last_activity(dialect: str):
    """A learner's last activity: the later of their latest answer (quiz or review) and their latest
    lesson-progress change (reading a lesson writes it), NULL if neither. Correlated per learner."""
    # An index seek per learner on answer(user_id, answered_at).
    answered = sa.select(sa.func.max(Answer.answered_at)).where(Answer.user_id == User.id).scalar_subquery()
    # coalesce(x, x): without it PostgreSQL answers max() by walking the updated_at index backwards
    # until it meets this learner's row (thousands of rows per learner); with it, it reads the
    # learner's few rows through the primary key (user_id, lesson_id).
    touched = sa.select(sa.func.max(sa.func.coalesce(LessonProgress.updated_at, LessonProgress.updated_at))).where(
        LessonProgress.user_id == User.id).scalar_subquery()
    if dialect == "postgresql":
        later = sa.func.greatest(answered, touched)  # GREATEST skips NULLs
    else:  # SQLite's two-argument max() is NULL when either is
        later = sa.func.max(sa.func.coalesce(answered, touched), sa.func.coalesce(touched, answered))
    return sa.type_coerce(later, UTCDateTime)


@dataclass
class LearnerRow:
    user: User
    last_activity: datetime | None


@dataclass
class LearnerPage:
    rows: list[LearnerRow]
    total: int
    page: int
    per_page: int
    q: str
    sort: str
    show: str = "all"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def listing_from(args) -> LearnerPage:
    """The learners' list asked for by query parameters (the console and the API alike); AdminError
    names a bad parameter."""
    return learners(*parse_listing(args.get("q"), args.get("sort"), args.get("page"), args.get("show")))


def parse_listing(q: str | None, sort: str | None, page: str | int | None,
                  show: str | None = None) -> tuple[str, str, int, str]:
    """Check the list's query parameters; AdminError names the bad one."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise AdminError(f"The search text is too long (at most {MAX_QUERY} characters).")
    sort = sort or "activity"
    if sort not in SORTS:
        raise AdminError(f"Unknown sort '{sort[:40]}': use one of {', '.join(SORTS)}.")
    show = show or "all"
    if show not in SHOWS:
        raise AdminError(f"Unknown filter show='{show[:40]}': use one of {', '.join(SHOWS)}.")
    if page in (None, ""):
        number = 1
    else:
        text = str(page)
        # isdigit() alone accepts '²' and other digits int() refuses; the length cap keeps int() cheap.
        if not (text.isascii() and text.isdigit() and len(text) <= 7) or not 1 <= int(text) <= MAX_PAGE:
            raise AdminError(f"'page' must be a whole number from 1 to {MAX_PAGE}.")
        number = int(text)
    return q, sort, number, show


def _time(value) -> datetime | None:
    """A time read through a CASE or MAX: SQLite hands back text or a naive datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def learners(q: str = "", sort: str = "activity", page: int = 1, show: str = "all", per_page: int = PER_PAGE) -> LearnerPage:
    """A page of accounts matching `q` (in email or name, any case) and `show`, sorted; two queries (count, page)."""
    last = _last_activity(db.session.get_bind().dialect.name).label("last_activity")
    where = []
    if q:
        needle = q.lower()
        where.append(sa.or_(sa.func.lower(User.email).contains(needle, autoescape=True),
                            sa.func.lower(User.name).contains(needle, autoescape=True)))
    if show == "disabled":
        where.append(User.disabled_at.is_not(None))
    elif show == "admins":
        where.append(User.role == "admin")
    total = db.session.scalar(sa.select(sa.func.count(User.id)).where(*where))
    order = {
        # By the label: the database sorts on the column it computed, not on a second copy of it.
        "activity": (last.desc().nulls_last(), User.id.desc()),
        "signed_up": (User.created_at.desc(), User.id.desc()),
        "email": (User.email, User.id),
    }[sort]
    rows = db.session.execute(
        sa.select(User, last).where(*where).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return LearnerPage([LearnerRow(user, _time(when)) for user, when in rows], total or 0, page, per_page, q, sort, show)


# ---- learners: one record ----------------------------------------------------------------------------

@dataclass
class CourseLine:
    course: Course
    enrollment: Enrollment
    stats: progress.CourseStats | None

    @property
    def percent(self) -> int:
        return self.stats.percent if self.stats else 0


@dataclass
class LearnerRecord:
    user: User
    courses: list[CourseLine]
    attempts: list[sa.Row]  # (id, scope, started_at, submitted_at, percent, passed, title)
    current_streak: int
    longest_streak: int
    last_activity: datetime | None
    answered: int
    correct: int
    active_tokens: int
    today: date


RECENT_ATTEMPTS = 20


def learner(user_id: int) -> LearnerRecord | None:
    """One learner's enrollments with progress, recent attempts, streak and last activity (7 queries)."""
    row = db.session.execute(
        sa.select(User, _last_activity(db.session.get_bind().dialect.name)).where(User.id == user_id)).first()
    if row is None:
        return None
    user, last = row
    enrollments = db.session.execute(
        sa.select(Enrollment, Course).join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user_id).order_by(Enrollment.enrolled_at, Enrollment.id)
    ).all()
    stats = {s.course_id: s for s in progress.course_stats(user_id, [c.id for _, c in enrollments])}
    lesson = so.aliased(Lesson)
    attempts = db.session.execute(
        sa.select(Attempt.id, Attempt.scope, Attempt.started_at, Attempt.submitted_at, Attempt.percent, Attempt.passed,
                  sa.func.coalesce(lesson.title, Course.title, "topic practice").label("title"))
        .outerjoin(lesson, lesson.id == Attempt.lesson_id).outerjoin(Course, Course.id == Attempt.course_id)
        .where(Attempt.user_id == user_id).order_by(Attempt.started_at.desc(), Attempt.id.desc()).limit(RECENT_ATTEMPTS)
    ).all()
    days = db.session.execute(
        sa.select(DailyActivity.day, DailyActivity.answered, DailyActivity.correct)
        .where(DailyActivity.user_id == user_id, DailyActivity.answered > 0).order_by(DailyActivity.day)
    ).all()
    today = local_day(utcnow(), zone(user.time_zone))
    current, longest = progress.streaks([d.day for d in days], today)
    tokens = db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.user_id == user_id, ApiToken.expires_at > utcnow()))
    return LearnerRecord(
        user=user, courses=[CourseLine(c, e, stats.get(c.id)) for e, c in enrollments], attempts=attempts,
        current_streak=current, longest_streak=longest, last_activity=_time(last),
        answered=sum(d.answered for d in days), correct=sum(d.correct for d in days), active_tokens=tokens or 0,
        today=today)


def _refuse_self(admin: User, target: User, what: str) -> None:
    if admin.id == target.id:
        raise AdminError(f"You cannot {what} your own account: ask another admin.")


def set_disabled(admin: User | None, target: User, disabled: bool) -> bool:
    """Disable (or enable) an account with one conditional UPDATE; True if this call changed it.

    Disabling moves the session version and deletes the API tokens, so every session, remember
    cookie and token ends at once (the loaders also refuse a disabled account). Two admins
    pressing the button together make one change and one audit entry.
    """
    if admin is not None:
        _refuse_self(admin, target, "disable" if disabled else "enable")
    statement = sa.update(User).where(User.id == target.id)
    if disabled:
        statement = statement.where(User.disabled_at.is_(None)).values(
            disabled_at=utcnow(), session_version=User.session_version + 1)
    else:
        statement = statement.where(User.disabled_at.is_not(None)).values(disabled_at=None)
    changed = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount > 0
    if changed:
        if disabled:
            db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == target.id))
        audit("disable" if disabled else "enable", target.email, actor_id=admin.id if admin else None)
    db.session.commit()
    db.session.refresh(target)
    return changed


def set_role(admin: User | None, target: User, role: str) -> bool:
    """Make the account an admin or a learner; True if the role changed. An admin cannot demote themself."""
    if role not in ROLES:
        raise AdminError(f"Unknown role '{role[:40]}': use {' or '.join(ROLES)}.")
    if admin is not None and role != "admin":
        _refuse_self(admin, target, "demote")
    changed = db.session.execute(
        sa.update(User).where(User.id == target.id, User.role != role).values(role=role)
        .execution_options(synchronize_session=False)).rowcount > 0
    if changed:
        audit("set-role", target.email, role, actor_id=admin.id if admin else None)
    db.session.commit()
    db.session.refresh(target)
    return changed


def send_reset_link(admin: User, target: User) -> None:
    """Mail the learner a password-reset link (the same mail as "forgot password")."""
    accounts.send_reset_link(target)
    audit("send-reset-link", target.email, actor_id=admin.id)
    db.session.commit()


def delete_learner(admin: User, target: User, typed: str) -> None:
    """Delete the account and its history; `typed` must repeat its email (any case, spaces trimmed)."""
    _refuse_self(admin, target, "delete")
    if accounts.normalize_email(typed or "") != target.email:
        raise AdminError(f"Type the account's email address ({target.email}) to confirm the deletion.")
    audit("delete", target.email, f"account {target.id}", actor_id=admin.id)
    accounts.delete_account(target)  # commits, with the audit entry, in one transaction


# ---- courses ------------------------------------------------------------------------------------------

@dataclass
class CourseLineup:
    course: Course
    enrolled: int  # active enrollments
    left: int
    completed: int
    lessons: int


def courses() -> list[CourseLineup]:
    """Every course with its enrollment counts (two queries)."""
    counts = {row.course_id: row for row in db.session.execute(
        sa.select(Enrollment.course_id,
                  sa.func.count(Enrollment.id).filter(Enrollment.unenrolled_at.is_(None)).label("enrolled"),
                  sa.func.count(Enrollment.unenrolled_at).label("left"),
                  sa.func.count(Enrollment.completed_at).label("completed"))
        .group_by(Enrollment.course_id))}
    lessons = sa.select(sa.func.count(CourseLesson.lesson_id)).join(Lesson, Lesson.id == CourseLesson.lesson_id).where(
        CourseLesson.course_id == Course.id, ~Lesson.retired).scalar_subquery()
    rows = db.session.execute(sa.select(Course, lessons).order_by(Course.retired, Course.title)).all()
    return [CourseLineup(c, counts[c.id].enrolled if c.id in counts else 0, counts[c.id].left if c.id in counts else 0,
                         counts[c.id].completed if c.id in counts else 0, n) for c, n in rows]


@dataclass
class LessonFigures:
    lesson: Lesson
    position: int
    completed: int  # enrolled learners who completed the lesson
    scored: int  # enrolled learners with a best score
    median_best: float | None  # percent
    times: items.QuizTimes  # over enrolled learners' first attempts, as the item analysis counts them


@dataclass
class CourseReport:
    course: Course
    enrolled: int  # learners with an enrollment, active or left
    active: int
    completed: int
    lessons: list[LessonFigures] = field(default_factory=list)
    test_takers: int = 0
    test_passers: int = 0
    test_attempts: int = 0

    @property
    def pass_rate(self) -> float | None:
        return self.test_passers / self.test_takers if self.test_takers else None


def course_report(course: Course) -> CourseReport:
    """Funnel, medians and course-test figures for one course, over the learners enrolled in it
    (active or left): five queries whatever the course's size."""
    enrolled_users = sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)
    counts = db.session.execute(
        sa.select(sa.func.count(Enrollment.id), sa.func.count(Enrollment.id).filter(Enrollment.unenrolled_at.is_(None)),
                  sa.func.count(Enrollment.completed_at)).where(Enrollment.course_id == course.id)).one()
    entries = db.session.execute(
        sa.select(CourseLesson.position, Lesson).join(Lesson, Lesson.id == CourseLesson.lesson_id)
        .where(CourseLesson.course_id == course.id, ~Lesson.retired).order_by(CourseLesson.position)).all()
    lesson_ids = [lesson.id for _, lesson in entries]

    # Completions and best scores: one GROUP BY over lesson_progress.
    progress_of = LessonProgress.lesson_id.in_(lesson_ids), LessonProgress.user_id.in_(enrolled_users)
    rows = db.session.execute(
        sa.select(LessonProgress.lesson_id, sa.func.count(LessonProgress.completed_at),
                  sa.func.count(LessonProgress.best_percent), median_of(LessonProgress.best_percent))
        .where(*progress_of).group_by(LessonProgress.lesson_id)).all()
    completed = {r[0]: (r[1], r[2], read_median(r[3])) for r in rows}

    # Time per lesson: over enrolled learners' first attempts, the attempts the item analysis reads, so
    # a quiz's median here and its questions' medians there describe the same attempts.
    times = items.quiz_times(lesson_ids, enrolled_users)

    report = CourseReport(course, counts[0], counts[1], counts[2])
    for position, lesson in entries:
        done, scored, median_best = completed.get(lesson.id, (0, 0, None))
        report.lessons.append(LessonFigures(lesson, position, done, scored, median_best,
                                            times.get(lesson.id, items.QuizTimes())))

    # The course test: learners who took it (submitted), who passed at least once, attempts.
    test = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Attempt.user_id)),
                  sa.func.count(sa.distinct(sa.case((Attempt.passed.is_(True), Attempt.user_id)))),
                  sa.func.count(Attempt.id))
        .where(Attempt.scope == "course_test", Attempt.course_id == course.id, Attempt.status == "submitted")).one()
    report.test_takers, report.test_passers, report.test_attempts = test
    return report


# ---- content -------------------------------------------------------------------------------------------

@dataclass
class ContentState:
    version: str | None
    last: ContentImport | None  # the latest run, whatever its outcome
    last_imported: ContentImport | None  # the latest run that changed (or confirmed) the catalog
    courses: int
    lessons: int
    questions: int
    retired_questions: int


def content_state() -> ContentState:
    """The catalog version and the latest import runs (four queries)."""
    version = db.session.scalar(sa.select(CatalogState.version).where(CatalogState.id == 1))
    runs = db.session.scalars(sa.select(ContentImport).order_by(ContentImport.finished_at.desc(), ContentImport.id.desc())
                              .limit(1)).all()
    last = runs[0] if runs else None
    last_imported = last if last is None or last.status == "imported" else db.session.scalar(
        sa.select(ContentImport).where(ContentImport.status == "imported")
        .order_by(ContentImport.finished_at.desc(), ContentImport.id.desc()).limit(1))
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count(Course.id)).where(~Course.retired).scalar_subquery(),
        sa.select(sa.func.count(Lesson.id)).where(~Lesson.retired).scalar_subquery(),
        sa.select(sa.func.count(Question.id)).where(~Question.retired).scalar_subquery(),
        sa.select(sa.func.count(Question.id)).where(Question.retired).scalar_subquery(),
    )).one()
    return ContentState(version, last, last_imported, *counts)


# ---- the index -----------------------------------------------------------------------------------------

@dataclass
class Overview:
    learners: int
    admins: int
    disabled: int
    courses: int
    audit: list[sa.Row]  # (AuditEntry, actor email or None)


RECENT_AUDIT = 20


def overview() -> Overview:
    """Counts and the latest admin actions with who did them (two queries)."""
    counts = db.session.execute(sa.select(
        sa.func.count(User.id).filter(User.role == "learner"), sa.func.count(User.id).filter(User.role == "admin"),
        sa.func.count(User.disabled_at), sa.select(sa.func.count(Course.id)).where(~Course.retired).scalar_subquery(),
    )).one()
    entries = db.session.execute(
        sa.select(AuditEntry, User.email).outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc()).limit(RECENT_AUDIT)).all()
    return Overview(*counts, audit=entries)
