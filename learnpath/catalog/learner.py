"""A signed-in learner's parts of the lesson and course pages, spliced into their shared shells.

The shells (learnpath.pagecache.shell) hold everything the pages show every learner alike; these
functions compute, per request, what is the learner's own: the nav's name and every CSRF token, flash
messages, the time-zone script, read/completed flags, enrollment and progress, the course test. They
render the same macros the templates use when a page is rendered whole, so both give the same HTML.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask import url_for, current_app, get_flashed_messages, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from learnpath import lane
from learnpath.extensions import db, prepared
from learnpath.pagecache import app_cache, catalog_version
from learnpath.models import Attempt, Course, Lesson
from learnpath.progress import services as progress
from learnpath.quiz import course_test, scopes


@dataclass(frozen=True)
class LessonRef:
    """What a link to a lesson needs; kept in a shell instead of an ORM object (which belongs to a session)."""

    id: int
    slug: str
    title: str


@dataclass(frozen=True)
class CourseRef:
    """A course as the course test's settings read it (quiz.scopes.test_settings), plus its link."""

    id: int
    slug: str
    title: str
    pass_mark: int
    test_settings: dict | None


@dataclass(frozen=True)
class CoursePage:
    course: CourseRef
    lessons: tuple[LessonRef, ...]  # the active lessons, in course order
    lesson_ids: list[int]
    test_pool: int  # the lessons' questions: the course test's size is capped by it
    badge_slots: tuple[tuple[int, str], ...]  # (lesson id, its badge's slot name), as the template names them

    @classmethod
    def of(cls, course: Course, lessons: list[Lesson]) -> CoursePage:
        refs = tuple(LessonRef(l.id, l.slug, l.title) for l in lessons)
        return cls(CourseRef(course.id, course.slug, course.title, course.pass_mark, course.test_settings),
                   refs, [l.id for l in refs], sum(l.question_count for l in lessons),
                   tuple((l.id, f"badge:{l.id}") for l in refs))


@dataclass(frozen=True)
class LessonPage:
    lesson_id: int
    slug: str
    course_slug: str | None  # the course the page's pager walks through
    courses: tuple[str, ...] = ()  # every course holding the lesson: the only ?course= values worth a shell


def _macros(template: str) -> Any:
    # The module of a macro-only template, made once per template by Jinja: the macros take
    # everything as arguments, so it needs no request context of its own.
    return current_app.jinja_env.get_template(template).module


def _badges() -> dict[str, bytes]:
    # A lesson's badge depends only on its state name: four strings, rendered (and encoded) once per worker.
    badges = current_app.extensions.get("learner_badges")
    if badges is None:
        lane.need_request()
        badge = _macros("_macros.html").state_badge
        badges = {name: str(badge(_State(name))).encode() for name in ("not started", "started", "read", "completed")}
        current_app.extensions["learner_badges"] = badges
    return badges


@dataclass(frozen=True)
class _State:
    state: str


FRAGMENT_BYTES = 4 * 2**20  # of rendered learner parts per worker
_CSRF_MARK = "\x00csrf\x00"  # rendered HTML never holds a NUL


def _fragment(key: tuple, render: Callable[[], Any], visit: lane.Visit) -> str:
    """A macro's HTML for `key` — everything the macro reads, with the catalog version and the learner's
    time zone (dates) added here — rendered once per worker with the CSRF token taken out, and the
    learner's own token put back on each use: a repeat view renders no template."""
    memo = app_cache("learner_fragments", FRAGMENT_BYTES)
    full = (key, catalog_version(), visit.user.time_zone)
    csrf = visit.csrf
    html = memo.get(full)
    if html is None:
        lane.need_request()
        html = str(render()).replace(csrf, _CSRF_MARK)
        memo.put(full, html, len(html) + 200)
    return html.replace(_CSRF_MARK, csrf)


KEPT_BYTES = 4 * 2**20  # of learners' progress rows per worker


def _kept(key: tuple, load: Callable[[], Any], size: int, user: Any) -> Any:
    """`load()`'s value for the signed-in learner and `key`, kept per worker while the learner's progress
    version — bumped in the transaction of every write that changes what these pages show — their account
    (created_at tells a new account from a deleted one whose id was handed out again) and the catalog
    version stay the same: a repeat view runs no query for it. The stamp is read before `load()`, so a
    write landing in between leaves a value newer than its stamp, never older."""
    stamp = (user.progress_version, user.created_at, catalog_version())
    memo = app_cache("learner_rows", KEPT_BYTES)
    full = (user.id, key)
    hit = memo.get(full)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = load()
    memo.put(full, (stamp, value), size)
    return value


def flask_visit() -> lane.Visit:
    """The visit of Flask's request: the signed-in user, their CSRF token and flash messages (taken)."""
    return lane.Visit(current_user._get_current_object(), generate_csrf(), url_for("admin.index"), request.path,
                      tuple(get_flashed_messages(with_categories=True)))


def _connection(visit: lane.Visit) -> sa.Connection:
    # The signed-in fast path (learnpath.lane) lends a plain Core connection: no ORM session to set up.
    return visit.conn or db.session.connection()


def common_parts(visit: lane.Visit) -> dict[str, str]:
    """The parts of base.html that are the learner's: name, CSRF token, time-zone script, flashes."""
    user, csrf = visit.user, visit.csrf
    macros = _macros("_macros.html")
    return {
        "name": str(escape(user.name)),
        # Role-dependent: a shell rendered while an admin was signed in must not show the link to learners.
        "admin": f'<li><a href="{escape(visit.admin_href)}">Admin</a></li>' if user.role == "admin" else "",
        "csrf": str(escape(csrf)),
        "head": _fragment(("timezone_script",), lambda: macros.timezone_script(csrf), visit)
        if user.time_zone is None else "",
        "flashes": str(macros.flash_messages(list(visit.flashes))) if visit.flashes else "",
    }


def lesson_parts(page: LessonPage, visit: lane.Visit) -> dict[str, str]:
    uid = visit.user.id
    state = _kept(("lesson", page.lesson_id),
                  lambda: progress.lesson_marks(uid, [page.lesson_id], _connection(visit)).get(page.lesson_id), 300,
                  visit.user)
    macros = _macros("catalog/_learner.html")
    parts = common_parts(visit)
    parts["lesson_state"] = _fragment(("lesson_state", state), lambda: macros.lesson_state(state), visit)
    parts["mark_read"] = _fragment(("mark_read", page.slug, page.course_slug, state),
                                   lambda: macros.mark_read(page.slug, page.course_slug, state), visit)
    return parts


@prepared
def _course_tests_query(dialect: str):
    a = Attempt.__table__.c
    mine = sa.and_(a.user_id == sa.bindparam("user_id"), a.scope == "course_test",
                   a.course_id == sa.bindparam("course_id"))
    best = sa.select(sa.func.max(a.percent)).where(mine, a.status == "submitted", a.passed.is_(True))
    return (sa.select(a.id, a.status, a.deadline_at, a.percent, best.scalar_subquery().label("best")).where(mine)
            .order_by((a.status == "in_progress").desc(), a.submitted_at.desc(), a.id.desc()).limit(2))


def _course_tests(user_id: int, course_id: int, conn: sa.Connection) -> list[sa.Row]:
    return conn.execute(_course_tests_query(), {"user_id": user_id, "course_id": course_id}).all()


def _test_state(visit: lane.Visit, page: CoursePage, stats: progress.CourseStats | None,
                rows: list[sa.Row]) -> course_test.TestState:
    """course_test.state for the course page, from `_course_tests`' rows (the same query: the open test,
    then the latest submitted one, with the best pass). An open test past its deadline is closed by
    course_test.state, which this then defers to."""
    open_test = next((r for r in rows if r.status == "in_progress"), None)
    if open_test is not None and scopes.overdue(open_test):  # type: ignore[arg-type]
        if visit.fast:  # closing it is a write: Flask's request does it
            raise lane.NeedsFlask("overdue course test")
        return course_test.state(visit.user.id, page.course, stats, page.test_pool)  # type: ignore[arg-type]
    settings = scopes.test_settings(page.course)  # type: ignore[arg-type]
    last = next((r for r in rows if r.status == "submitted"), None)
    return course_test.TestState(settings, min(settings.questions, page.test_pool),
                                 stats.total - stats.completed if stats else 0, open_test,  # type: ignore[arg-type]
                                 rows[0].best if rows else None, last)  # type: ignore[arg-type]


def _row(row) -> tuple | None:
    return tuple(row) if row is not None else None


def course_parts(page: CoursePage, visit: lane.Visit) -> dict[str, str | bytes]:
    uid = visit.user.id
    def load():
        conn = _connection(visit)
        return (progress.course_marks(uid, page.course.id, conn), progress.course_enrollment(uid, page.course.id, conn),
                _course_tests(uid, page.course.id, conn) if page.test_pool else [])
    marks, enrollment_row, tests = _kept(("course", page.course.id), load, 400 + 150 * len(page.lesson_ids),
                                         visit.user)
    where = progress.course_state_from_marks(page.course.id, list(page.lessons), marks, enrollment_row)
    parts = common_parts(visit)
    enrollment = _row(where.enrollment)
    key = ("course_status", page.course.id, where.state, enrollment, where.stats, where.lesson, where.left_before)
    parts["course_status"] = _fragment(
        key, lambda: _macros("catalog/_learner.html").course_status(page.course, where), visit)
    if page.test_pool:  # otherwise the course has no test and the section is not shown
        test = _test_state(visit, page, where.stats, tests)
        path = visit.path
        render = lambda: _macros("quiz/_course_test.html").course_test(test, page.course, where, True, path)  # noqa: E731
        if not all(r is None or isinstance(r, sa.Row) for r in (test.open, test.last)):
            lane.need_request()
            parts["course_test"] = str(render())  # a test closed just now (ORM rows): not worth keeping
        else:
            key = ("course_test", page.course.id, test.settings, test.size, test.lessons_left, _row(test.open),
                   test.best_passed, _row(test.last), enrollment, path)
            parts["course_test"] = _fragment(key, render, visit)
    else:
        parts["course_test"] = ""
    badges = _badges()
    not_started = badges["not started"]
    for lesson_id, name in page.badge_slots:
        mark = marks.get(lesson_id)
        parts[name] = badges[mark.state] if mark is not None else not_started
    return parts
