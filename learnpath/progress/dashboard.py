"""The dashboard's content, built from per-learner parts kept between views (issue 19).

The first view after an answer differs from the previous view only by what that answer touched:
one lesson's progress, today's activity, one new attempt, the cards and aggregates of a few topics.
Each worker keeps, per learner, what the last view computed (the *parts*: figures, card vectors,
rendered HTML) and recomputes only the parts whose figures moved:

- every view reads the learner's figures in four small statements (`_figures`, `_lesson_rows`,
  `_topic_rows`, `_enrollment_rows`): per-day activity totals and today's row, the count of
  submitted attempts, the cards due and the next due time, and the rows of lesson progress,
  topic aggregates and enrollments themselves (each at most one row per lesson, topic or course);
- a part is reused only if the figures it was computed from are equal to the ones just read, so a
  write made through any worker or server shows on the next view (nothing is trusted from local
  state alone), and figures are always read before the data they validate (a write landing in
  between leaves the kept part keyed by older figures, recomputed next time, never the reverse);
- topic recall decays with time, not writes: each topic keeps its cards' (stability, last review)
  and the mean recall is computed at view time, again only when the value shown (a whole percent)
  or the topic's level could have changed (see `_recall`);
- catalog facts (titles, slugs, which lessons a course or topic holds) are loaded once per worker
  and catalog version (`catalog_maps`).

A topic's cards change only together with its aggregate (`quiz.services.submit` and `review.review`
call `record_answers` and `record_answer_stats` for the same questions in one transaction), so
`topic_stat.answered` is the figure that says a topic's cards must be read again.
"""
from __future__ import annotations

import functools
import math
import operator
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, NamedTuple

import fsrs
import sqlalchemy as sa
from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from learnpath.extensions import db, prepared
from learnpath.models import (
    Answer, Attempt, Course, CourseLesson, DailyActivity, Enrollment, Lesson, LessonProgress, Question, ReviewCard, Topic,
    TopicStat, User, lesson_topic, question_topic,
)
from learnpath.models.progress import RECENT_RESULTS
from learnpath.pagecache import BoundedCache, catalog_version
from learnpath.progress import charts
from learnpath.progress.services import DEFAULT_PASS_MARK, CourseStats, Totals, streaks
from learnpath.review.services import FSRS_DECAY_PARAMETER, MASTERY_THRESHOLDS, NextAction, TopicMastery, level_for
from learnpath.timezones import local_date, local_day, next_midnight, zone

PARTS_BYTES = 16 * 2**20  # per worker, unless DASHBOARD_PARTS_BYTES says otherwise
TEMPLATE = "progress/_dashboard_parts.html"
NEVER = float("inf")
RECENT_ATTEMPTS = 30  # the score trend's; the table of recent attempts shows the first RECENT_SHOWN
RECENT_SHOWN = 8

# FSRS's forgetting curve, as review.retrievability computes it: R = (1 + K·Δt / S) ** DECAY, Δt in seconds.
DECAY = -fsrs.Scheduler().parameters[FSRS_DECAY_PARAMETER]
K = (0.9 ** (1 / DECAY) - 1) / 86400.0
# Cards answered from this many seconds before the newest one seen are read again: SQLite's julianday() keeps
# milliseconds. A server whose clock is behind by more costs a fallback read (see _read_cards), never a stale figure.
CARD_MARGIN = 0.002
RECALL_THRESHOLDS = sorted({t[3] for t in MASTERY_THRESHOLDS}, reverse=True)


def init_app(app: Flask) -> None:
    app.extensions["dashboard_parts"] = BoundedCache(app.config.get("DASHBOARD_PARTS_BYTES", PARTS_BYTES))
    app.extensions["dashboard_catalog"] = {}
    app.extensions["dashboard_urls"] = {}


# ---- catalog facts, once per catalog version -----------------------------------------------------

class LessonLink(NamedTuple):
    id: int
    slug: str
    title: str
    retired: bool


class CourseInfo(NamedTuple):
    id: int
    slug: str
    title: str
    pass_mark: int
    retired: bool


@dataclass(frozen=True)
class CatalogMaps:
    courses: dict[int, CourseInfo]
    lessons: dict[int, LessonLink]
    course_lessons: dict[int, tuple[int, ...]]  # active lessons in course order
    course_all_lessons: dict[int, tuple[int, ...]]  # every lesson linked, retired ones too
    lesson_courses: dict[int, tuple[int, ...]]
    topics: dict[int, tuple[str, str]]  # id -> (slug, title)
    topic_ids: dict[str, int]  # slug -> id
    topic_lessons: dict[int, tuple[int, ...]]  # active lessons covering the topic, by title (the database's collation)
    question_topics: dict[int, tuple[int, ...]]
    topic_questions: dict[int, tuple[int, ...]]
    retired_questions: bool  # some question is retired or sits in a retired lesson


def catalog_maps() -> CatalogMaps:
    version = catalog_version()
    kept: dict = current_app.extensions["dashboard_catalog"]
    maps = kept.get(version)
    if maps is None:
        maps = _load_catalog()
        kept.clear()
        kept[version] = maps
    return maps


def _load_catalog() -> CatalogMaps:
    conn = db.session.connection()
    c, l, cl, t = Course.__table__.c, Lesson.__table__.c, CourseLesson.__table__.c, Topic.__table__.c
    courses = {r[0]: CourseInfo(*r) for r in conn.execute(sa.select(c.id, c.slug, c.title, c.pass_mark, c.retired))}
    lessons = {r[0]: LessonLink(*r) for r in conn.execute(sa.select(l.id, l.slug, l.title, l.retired))}
    course_lessons: dict[int, list[int]] = {}
    course_all: dict[int, list[int]] = {}
    lesson_courses: dict[int, list[int]] = {}
    for course_id, lesson_id in conn.execute(sa.select(cl.course_id, cl.lesson_id).order_by(cl.course_id, cl.position)):
        course_all.setdefault(course_id, []).append(lesson_id)
        lesson_courses.setdefault(lesson_id, []).append(course_id)
        if not lessons[lesson_id].retired:
            course_lessons.setdefault(course_id, []).append(lesson_id)
    topics = {r[0]: (r[1], r[2]) for r in conn.execute(sa.select(t.id, t.slug, t.title))}
    topic_lessons: dict[int, list[int]] = {}
    for topic_id, lesson_id in conn.execute(
            sa.select(lesson_topic.c.topic_id, l.id).join(Lesson.__table__, l.id == lesson_topic.c.lesson_id)
            .where(~l.retired).order_by(l.title)):
        topic_lessons.setdefault(topic_id, []).append(lesson_id)
    question_topics: dict[int, list[int]] = {}
    topic_questions: dict[int, list[int]] = {}
    for question_id, topic_id in conn.execute(sa.select(question_topic.c.question_id, question_topic.c.topic_id)):
        question_topics.setdefault(question_id, []).append(topic_id)
        topic_questions.setdefault(topic_id, []).append(question_id)
    q = Question.__table__.c
    retired = conn.execute(sa.select(sa.exists().where(
        q.lesson_id == l.id, sa.or_(q.retired, l.retired)))).scalar()
    freeze = lambda m: {k: tuple(v) for k, v in m.items()}  # noqa: E731
    return CatalogMaps(courses, lessons, freeze(course_lessons), freeze(course_all), freeze(lesson_courses), topics,
                       {slug: i for i, (slug, _) in topics.items()}, freeze(topic_lessons), freeze(question_topics),
                       freeze(topic_questions), bool(retired))


# ---- the statements a view runs -------------------------------------------------------------------

def _seconds(column, dialect: str):
    """A UTC timestamp column as seconds since the epoch (no datetime objects for card vectors)."""
    if dialect == "postgresql":
        return sa.cast(sa.func.extract("epoch", column), sa.Float)
    return (sa.func.julianday(column) - 2440587.5) * 86400.0


def _ordering(column, dialect: str):
    """A timestamp only compared with others: SQLite's stored text (fixed width, so it sorts as the time
    does) is not parsed into a datetime."""
    return sa.type_coerce(column, sa.String) if dialect == "sqlite" else column


@prepared
def _figures(dialect: str):
    uid, now = sa.bindparam("user_id"), sa.bindparam("now", type_=ReviewCard.due.type)
    da, a, rc = DailyActivity.__table__.c, Attempt.__table__.c, ReviewCard.__table__.c
    daily = sa.select(sa.func.count().label("days"), sa.func.coalesce(sa.func.sum(da.answered), 0).label("answered"),
                      sa.func.coalesce(sa.func.sum(da.correct), 0).label("correct"),
                      sa.func.max(da.day).label("last_day")).where(da.user_id == uid).subquery()
    newest = sa.select(da.answered, da.correct).where(da.user_id == uid).order_by(da.day.desc()).limit(1)
    return sa.select(
        daily.c.days, daily.c.answered, daily.c.correct, daily.c.last_day,
        newest.with_only_columns(da.answered).scalar_subquery(), newest.with_only_columns(da.correct).scalar_subquery(),
        # Every submit adds one; the list of recent attempts changes only with a submit.
        sa.select(sa.func.count(a.submitted_at)).where(a.user_id == uid).scalar_subquery(),
        sa.select(sa.func.count()).where(rc.user_id == uid, rc.due <= now).scalar_subquery(),
        sa.select(sa.func.min(rc.due)).where(rc.user_id == uid, rc.due > now).scalar_subquery(),
    )


@prepared
def _lesson_rows(dialect: str):
    lp = LessonProgress.__table__.c
    return sa.select(lp.lesson_id, lp.attempts_count, lp.best_percent, lp.read_at.is_not(None),
                     lp.passed_at.is_not(None), lp.completed_at.is_not(None), _ordering(lp.updated_at, dialect)
                     ).where(lp.user_id == sa.bindparam("user_id"))


def _learners(table: sa.Table, *names: str):
    """Columns of the learner's rows of a table keyed by user."""
    return sa.select(*(table.c[n] for n in names)).where(table.c.user_id == sa.bindparam("user_id"))


_topic_rows = prepared(lambda dialect: _learners(TopicStat.__table__, "topic_id", "answered", "recent"))
_daily_rows = prepared(lambda dialect: _learners(DailyActivity.__table__, "day", "answered", "correct"))


@prepared
def _enrollment_rows(dialect: str):
    e = Enrollment.__table__.c
    return (sa.select(e.course_id, e.completed_at, e.certificate_code, e.unenrolled_at.is_(None))
            .where(e.user_id == sa.bindparam("user_id")).order_by(e.enrolled_at, e.id))


@prepared
def _recent_rows(dialect: str):
    a = Attempt.__table__.c
    return (sa.select(a.id, a.submitted_at, a.percent, a.passed, a.lesson_id)
            .where(a.user_id == sa.bindparam("user_id"), a.status == "submitted", a.lesson_id.is_not(None))
            .order_by(a.submitted_at.desc(), a.id.desc()).limit(RECENT_ATTEMPTS))


@prepared
def _recent_since(dialect: str):
    """Every attempt submitted after a moment, lesson quizzes or not (what the count in `_figures` counts)."""
    a = Attempt.__table__.c
    return sa.select(a.id, a.submitted_at, a.percent, a.passed, a.lesson_id).where(
        a.user_id == sa.bindparam("user_id"), a.submitted_at > sa.bindparam("since", type_=Attempt.submitted_at.type))


def _cards(dialect: str):
    rc = ReviewCard.__table__.c
    return sa.select(rc.question_id, rc.reviews, rc.stability, _seconds(rc.last_review, dialect)).where(
        rc.user_id == sa.bindparam("user_id"))


@prepared
def _all_cards(dialect: str):
    return _cards(dialect)


@prepared
def _changed_cards(dialect: str):
    """The cards of the questions answered since a moment (a card changes only with an answer)."""
    an = Answer.__table__.c
    return _cards(dialect).where(ReviewCard.__table__.c.question_id.in_(
        sa.select(an.question_id).where(an.user_id == sa.bindparam("user_id"),
                                        an.answered_at >= sa.bindparam("since", type_=Answer.answered_at.type))))


@prepared
def _some_cards(dialect: str):
    # IN (subquery), not a join: SQLite would walk every card of the learner and probe the topics.
    qt = question_topic.c
    return _cards(dialect).where(ReviewCard.__table__.c.question_id.in_(
        sa.select(qt.question_id).where(qt.topic_id.in_(sa.bindparam("topic_ids", expanding=True)))))


@prepared
def _due_without_retired(dialect: str):
    rc, q, l = ReviewCard.__table__.c, Question.__table__.c, Lesson.__table__.c
    return (sa.select(sa.func.count()).select_from(ReviewCard.__table__)
            .join(Question.__table__, q.id == rc.question_id).join(Lesson.__table__, l.id == q.lesson_id)
            .where(rc.user_id == sa.bindparam("user_id"), rc.due <= sa.bindparam("now", type_=ReviewCard.due.type),
                   ~q.retired, ~l.retired))


# ---- per-learner parts ----------------------------------------------------------------------------

@dataclass
class _Topic:
    stat: tuple  # (answered, recent) as read
    recall: float | None = None
    recall_until: float = -NEVER  # epoch seconds: until then `recall` shows as it would if computed now
    mastery: TopicMastery | None = None
    shows: tuple = ()  # what its row shows (_shows)
    row: str = ""  # its row in the table of all topics
    order: tuple = ()  # its place in the ranking: (level's rank, recent accuracy, slug)


@dataclass
class _Heat:
    today: date
    heat: charts.Heatmap
    cells: list[str]
    frame: tuple[str, str] | None = None


@dataclass
class LearnerParts:
    """What the previous view of one learner computed, each piece with the figures it was computed from."""

    stamp: tuple  # (account creation time, time zone, catalog version): anything else starts afresh
    lock: threading.Lock = field(default_factory=threading.Lock)
    daily_figures: tuple | None = None
    daily: dict[date, tuple[int, int]] = field(default_factory=dict)
    active_days: list[date] = field(default_factory=list)
    streaks: tuple = ((), (0, 0))  # ((today, active days), (current, longest))
    heat: _Heat | None = None
    recent_figure: int | None = None
    recent: list = field(default_factory=list)
    recent_since: datetime | None = None  # the latest submit time read
    progress: dict | None = None  # lesson id -> its progress row, as the last view read them
    course_cards: dict[int, tuple] = field(default_factory=dict)  # course id -> (enrollment row, card HTML)
    topics: dict[int, _Topic] = field(default_factory=dict)
    topics_until: float = -NEVER  # the earliest `recall_until` of the topics
    ranked: tuple | None = None  # (TopicMastery ranked, the table's rows, slug -> what its row shows)
    cards: dict[int, tuple] = field(default_factory=dict)  # question id -> (reviews, stability, last review in epoch s)
    newest: float = 0.0  # the latest last review among them
    html: dict[Any, tuple[Any, str]] = field(default_factory=dict)  # part -> (what it shows, its HTML)

    def part(self, name: Any, model: Any, render: Callable[[], str]) -> str:
        """The HTML of a part, rendered again only when what it shows (`model`, compared by value) moved."""
        kept = self.html.get(name)
        if kept is not None and kept[0] == model:
            return kept[1]
        html = str(render())
        self.html[name] = (model, html)
        return html

    def size(self) -> int:
        """Roughly the bytes held: the HTML and the card vectors dominate."""
        return (sum(len(h) for _, h in self.html.values()) + 120 * len(self.cards) + 300 * len(self.topics)
                + 40 * len(self.daily) + (40 * len(self.heat.cells) if self.heat else 0) + 2000)


class Recent(NamedTuple):
    id: int
    submitted_at: datetime
    percent: float
    passed: bool
    title: str
    local: datetime  # submitted_at in the learner's time zone
    row: str  # its row in the table of recent attempts
    point: tuple  # what the score trend draws for it (charts.trend_figure's memo)


class CourseCard(NamedTuple):
    id: int
    slug: str
    title: str
    stats: CourseStats | None
    completed: str | None  # the completion date, in the learner's time zone
    certificate_code: str | None
    next_lesson: LessonLink | None


def render(user: User, now: datetime, conn: sa.Connection | None = None) -> tuple[str, datetime]:
    """The dashboard's content for `user` at `now`, and the first moment a figure in it changes without
    a write (midnight, a card falling due, a topic's recall moving). `conn`: the connection to read on
    (the signed-in fast path's, autocommit), else the session's. Each statement may see a newer database than
    the one before it: figures are read before what they validate (see the module's docstring)."""
    tz_name = user.time_zone
    stamp = (user.created_at, tz_name, catalog_version())
    if not current_app.config.get("DASHBOARD_PARTS", True):
        return _Builder(user, now, LearnerParts(stamp), conn).build()
    cache: BoundedCache = current_app.extensions["dashboard_parts"]
    parts = cache.get(user.id)
    if parts is None or parts.stamp != stamp:
        parts = LearnerParts(stamp)
    if not parts.lock.acquire(blocking=False):  # the same learner's other request is using them: start afresh
        return _Builder(user, now, LearnerParts(stamp), conn).build()
    try:
        result = _Builder(user, now, parts, conn).build()
    finally:
        parts.lock.release()
    cache.put(user.id, parts, parts.size())
    return result


class _Builder:
    def __init__(self, user: User, now: datetime, parts: LearnerParts, conn: sa.Connection | None = None):
        self.uid, self.now, self.parts = user.id, now, parts
        self.tz = zone(user.time_zone)
        self.maps = catalog_maps()
        self.macros = current_app.jinja_env.get_template(TEMPLATE).module
        self.urls = _Urls()
        self.conn = conn if conn is not None else db.session.connection()
        self.enrollments: tuple = ()
        self._mine: set[int] | None = None

    def build(self) -> tuple[str, datetime]:
        p, uid, conn, now = self.parts, self.uid, self.conn, self.now
        # Figures first, the data they validate after (see the module's docstring).
        figures = conn.execute(_figures(), {"user_id": uid, "now": now}).one()
        # Plain tuples: one fetchall each, and compared with the kept ones in C (a Row compares in Python).
        lesson_rows = list(map(tuple, conn.execute(_lesson_rows(), {"user_id": uid}).all()))
        topic_rows = conn.execute(_topic_rows(), {"user_id": uid}).all()
        enrollment_rows = list(map(tuple, conn.execute(_enrollment_rows(), {"user_id": uid}).all()))
        days, answered, correct, last_day, newest_answered, newest_correct, submitted, due, next_due = figures
        if self.maps.retired_questions:
            due = conn.execute(_due_without_retired(), {"user_id": uid, "now": now}).scalar()
        today = local_day(now, self.tz)

        self._daily((days, answered, correct, last_day, newest_answered, newest_correct))
        active = (today, tuple(p.active_days))
        if p.streaks[0] != active:  # a walk over every active day: only when a day or the set of them moved
            p.streaks = (active, streaks(p.active_days, today))
        current_streak, longest_streak = p.streaks[1]
        self._recent(submitted)
        mastery, recall_until = self._mastery(topic_rows)
        self.enrollments = enrollment_rows
        progress = {r[0]: r for r in lesson_rows}
        enrolled = [(row, self.maps.courses[row[0]]) for row in enrollment_rows
                    if row[3] and not self.maps.courses[row[0]].retired]
        pass_marks = Counter(c.pass_mark for _, c in enrolled)
        pass_mark = pass_marks.most_common(1)[0][0] if pass_marks else DEFAULT_PASS_MARK

        m = self.macros
        totals = Totals(sum(1 for r in lesson_rows if r[5]), sum(1 for r in lesson_rows if r[4]), int(answered),
                        int(correct))
        weakest = [t for t in mastery if t.level != "mastered"][:5]
        next_action = self._what_next(due, progress, enrolled, mastery)
        resume = self._resume(progress)
        html = [
            p.part("next", (next_action, resume), lambda: m.next_part(next_action, resume)),
            p.part("totals", (totals, current_streak, longest_streak),
                   lambda: m.totals_part(totals, current_streak, longest_streak)),
            self._courses(enrolled, progress),
            p.part("trend", (tuple(r.id for r in p.recent), pass_mark, tuple(sorted(pass_marks))),
                   lambda: self._trend(pass_mark, sorted(pass_marks))),
            self._topics(mastery, weakest, due, progress),
            self._activity(today, current_streak, longest_streak),
            p.part("recent", tuple(r.id for r in p.recent[:RECENT_SHOWN]),
                   lambda: m.recent_part([Markup(r.row) for r in p.recent[:RECENT_SHOWN]])),
        ]
        midnight = next_midnight(now, self.tz)
        until = min(midnight, next_due or midnight)
        if recall_until < until.timestamp():
            until = datetime.fromtimestamp(recall_until, timezone.utc)
        return "\n".join(html), until

    # -- activity: per-day rows, streaks, the calendar ---------------------------------------------
    def _daily(self, figures: tuple) -> None:
        p = self.parts
        if figures == p.daily_figures:
            return
        days, answered, correct, last_day, newest_answered, newest_correct = figures
        old = p.daily_figures
        # Rows only ever grow (upserts add to them): if the sums of every row but the newest are what they
        # were, only the newest row changed or was added, and the figures hold its values.
        if old is not None and last_day is not None and (
                (days == old[0] and last_day == old[3]
                 and answered - newest_answered == old[1] - old[4] and correct - newest_correct == old[2] - old[5])
                or (days == old[0] + 1 and old[3] is not None and last_day > old[3]
                    and answered - newest_answered == old[1] and correct - newest_correct == old[2])):
            was = p.daily.get(last_day, (0, 0))[0]
            p.daily[last_day] = (newest_answered, newest_correct)
            if newest_answered > 0 and was == 0:
                p.active_days = sorted([*p.active_days, last_day])
            if p.heat is not None and was != newest_answered:
                index = charts.heat_set(p.heat.heat, last_day, newest_answered)
                if index is not None:
                    p.heat.cells[index] = charts.heat_cell_svg(p.heat.heat.cells[index])
                    p.heat.frame = None
        else:
            p.daily = {d: (a, c) for d, a, c in self.conn.execute(_daily_rows(), {"user_id": self.uid})}
            p.active_days = sorted(d for d, (a, _) in p.daily.items() if a > 0)
            p.heat = None
        p.daily_figures = figures

    def _activity(self, today: date, current_streak: int, longest_streak: int) -> str:
        p = self.parts
        if p.heat is None or p.heat.today != today:
            heat = charts.heatmap({d: a for d, (a, _) in p.daily.items() if a > 0}, today)
            p.heat = _Heat(today, heat, [charts.heat_cell_svg(c) for c in heat.cells])
        heat = p.heat.heat
        answers = sum(m.answers for m in heat.by_month)
        active = sum(m.active_days for m in heat.by_month)
        model = (today, tuple((m.answers, m.active_days) for m in heat.by_month), current_streak, longest_streak,
                 p.daily_figures)

        def draw():
            if p.heat.frame is None:
                p.heat.frame = charts.heatmap_svg_frame(heat, f"Activity calendar, one square a day: {answers} answers on "
                                                              f"{active} days in the last 365 days")
            svg = p.heat.frame[0] + "".join(p.heat.cells) + p.heat.frame[1]
            return _activity_html(answers, active, current_streak, longest_streak, svg, heat.by_month)
        return p.part("activity", model, draw)

    # -- attempts: the score trend and the recent attempts table -----------------------------------
    def _recent(self, submitted: int) -> None:
        """The latest attempts, read again only when the count of submitted attempts moved: then only the
        attempts submitted after the newest one seen are read, if they are as many as the count grew by
        (attempts do not change once submitted); otherwise (a server's clock behind, a first view) all."""
        p = self.parts
        if submitted == p.recent_figure:
            return
        if p.recent_figure is not None and p.recent_since is not None and submitted > p.recent_figure:
            rows = self.conn.execute(_recent_since(), {"user_id": self.uid, "since": p.recent_since}).all()
            if len(rows) == submitted - p.recent_figure:
                new = [self._attempt(*row) for row in rows if row[4] is not None]
                p.recent = sorted([*new, *p.recent], key=_newest_first)[:RECENT_ATTEMPTS]
                p.recent_since = max(row[1] for row in rows)
                p.recent_figure = submitted
                return
        p.recent = [self._attempt(*row) for row in self.conn.execute(_recent_rows(), {"user_id": self.uid})]
        p.recent_since = p.recent[0].submitted_at if p.recent else None
        p.recent_figure = submitted

    def _attempt(self, attempt_id: int, at: datetime, percent: float, passed: bool, lesson_id: int) -> Recent:
        title, local = self.maps.lessons[lesson_id].title, at.astimezone(self.tz)
        passed = bool(passed)
        row = (f'<tr><td><a href="{self.urls.attempt}{attempt_id}">{escape(title)}</a></td>\n        <td>'
               f'{charts.whole_percent(percent)}% {"✓ passed" if passed else "✗"}</td><td>'
               f'{escape(f"{local:%d %b %Y %H:%M} {local.tzname()}")}</td></tr>')
        return Recent(attempt_id, at, percent, passed, title, local, row, charts.trend_point(f"{local:%d %b %Y}", title, percent, passed))

    def _trend(self, pass_mark: int, pass_marks: list[int]) -> str:
        recent = self.parts.recent
        chart = charts.trend([(r.local, r.percent, r.title, r.passed) for r in reversed(recent)], pass_mark,
                             [r.point[2] for r in reversed(recent)])
        figure = charts.trend_figure(chart, pass_marks, [r.point for r in reversed(recent)]) if chart else None
        return self.macros.trend_part(chart, figure)

    # -- topics: mastery and recall ---------------------------------------------------------------
    def _mastery(self, topic_rows) -> tuple[list[TopicMastery], float]:
        """Topic mastery, ranked, and until when nothing shown from it can change. Only the topics whose
        aggregate moved, or whose recall may have reached another shown value, are computed again; the
        ranking and the table's rows are joined again only when one of them shows something else."""
        p, topics = self.parts, self.maps.topics
        seen = {}
        stale = []
        for topic_id, answered, recent in topic_rows:
            if topic_id not in topics:
                continue
            seen[topic_id] = (answered, recent)
            kept = p.topics.get(topic_id)
            if kept is None or kept.stat != (answered, recent):
                stale.append(topic_id)
        moved = len(seen) != len(p.topics)
        if moved:
            for topic_id in [t for t in p.topics if t not in seen]:
                del p.topics[topic_id]
        if stale:
            self._read_cards(stale, seen)
            for topic_id in stale:
                p.topics[topic_id] = _Topic(seen[topic_id])
        now = self.now.timestamp()
        if stale or now >= p.topics_until:
            until = NEVER
            cards, questions = p.cards, self.maps.topic_questions
            for topic_id, t in p.topics.items():
                if now >= t.recall_until:
                    recall, t.recall_until = _recall(cards, questions.get(topic_id, ()), now)
                    answered, recent = t.stat
                    right = recent.count("1")
                    accuracy = right / len(recent) if recent else None
                    slug, title = topics[topic_id]
                    t.mastery = TopicMastery(slug, title, level_for(answered, accuracy, recall), answered, accuracy,
                                             recall, len(recent), right)
                    t.order = (t.mastery.rank, accuracy or 0, slug)
                    shows = _shows(t.mastery)
                    if shows != t.shows:
                        t.shows, t.row = shows, self._topic_row(t.mastery, shows)
                    moved = True  # the list returned holds the new figures (what next reads them)
                if t.recall_until < until:
                    until = t.recall_until
            p.topics_until = until
        if moved or p.ranked is None:
            ranked = sorted(p.topics.values(), key=_BY_ORDER)
            p.ranked = ([t.mastery for t in ranked], Markup("".join(t.row for t in ranked)),
                        {t.mastery.slug: t.shows for t in ranked})
        mastery, self.rows, self.shows = p.ranked
        return mastery, p.topics_until

    def _topic_row(self, m: TopicMastery, shows: tuple) -> str:
        """A row of the table of all topics (what `topic_row` in the template would write, without a macro
        call per row: up to a hundred rows change together when time moves recall)."""
        recall = shows[6]
        return (f'<tr><td><a href="{self.urls.topic}{escape(m.slug)}">{escape(m.title)}</a></td><td class="level">'
                f'{escape(m.level)}</td><td>{m.recent_right} of {m.recent_answers}</td><td>'
                f'{"–" if recall is None else f"{recall}%"}</td><td>{m.answered}</td></tr>')

    def _read_cards(self, stale: list[int], seen: dict[int, tuple]) -> None:
        """Bring the card vectors of the topics whose aggregates moved up to date.

        Only the cards answered lately are read (through the answers' index), and each topic checks that
        what was read explains its aggregate: every answer adds one to its card's review count and to
        `answered` of each of the question's topics, so the reviews added over a topic's cards must equal
        what its `answered` grew by. A topic they do not explain (a clock behind another server's by more
        than the margin, an answer recorded with an earlier time) has all its cards read again."""
        p, uid = self.parts, self.uid
        if not p.cards:
            p.cards = {q: (n, s, lr) for q, n, s, lr in self.conn.execute(_all_cards(), {"user_id": uid})}
            p.newest = max((c[2] for c in p.cards.values() if c[2] is not None), default=0.0)
            return
        since = datetime.fromtimestamp(max(p.newest - CARD_MARGIN, 0), timezone.utc)
        changed = self.conn.execute(_changed_cards(), {"user_id": uid, "since": since}).all()
        added = dict.fromkeys(stale, 0)
        question_topics = self.maps.question_topics
        for q, n, s, lr in changed:
            before = p.cards.get(q)
            grew = n - (before[0] if before else 0)
            if grew:
                for topic_id in question_topics.get(q, ()):
                    if topic_id in added:
                        added[topic_id] += grew
            p.cards[q] = (n, s, lr)
            if lr is not None and lr > p.newest:
                p.newest = lr
        unexplained = [t for t in stale if added[t] != seen[t][0] - (p.topics[t].stat[0] if t in p.topics else 0)]
        if unexplained:
            for q, n, s, lr in self.conn.execute(_some_cards(), {"user_id": uid, "topic_ids": unexplained}):
                p.cards[q] = (n, s, lr)
                if lr is not None and lr > p.newest:
                    p.newest = lr

    def _topics(self, mastery: list[TopicMastery], weakest: list[TopicMastery], due: int, progress: dict) -> str:
        p, m = self.parts, self.macros
        rows = self.rows
        items = []
        for t in weakest:
            covering = tuple(self._lessons_for(t.slug, progress)[:3])
            items.append(Markup(p.part(("weak", t.slug), (self.shows[t.slug], covering),
                                       lambda t=t, c=covering: m.weak_topic(t, c))))
        return p.part("topics", (len(mastery), due, rows, tuple(items)),
                      lambda: m.topics_part(len(mastery), due, items, rows, RECENT_RESULTS))

    def _lessons_for(self, slug: str, progress: dict) -> list[tuple[LessonLink, bool]]:
        """The lessons covering a topic: those in a course the learner enrolled in (ever) first, then
        the ones not completed yet, then by title (as review.lessons_for_topics orders them)."""
        topic_id = self.maps.topic_ids.get(slug)
        mine = self._enrolled_lessons()
        ranked = []
        for lesson_id in self.maps.topic_lessons.get(topic_id, ()):
            row = progress.get(lesson_id)
            ranked.append((lesson_id not in mine, bool(row and row[5]), self.maps.lessons[lesson_id]))
        ranked.sort(key=lambda r: (r[0], r[1]))  # stable: title order within
        return [(lesson, not other) for other, _, lesson in ranked]

    def _enrolled_lessons(self) -> set[int]:
        if self._mine is None:  # every enrollment, left ones too (as review._in_enrolled_course)
            self._mine = {l for row in self.enrollments for l in self.maps.course_all_lessons.get(row[0], ())}
        return self._mine

    # -- courses, what next, continue ---------------------------------------------------------------
    def _next_lesson(self, course_id: int, progress: dict) -> LessonLink | None:
        for lesson_id in self.maps.course_lessons.get(course_id, ()):
            row = progress.get(lesson_id)
            if not (row and row[5]):
                return self.maps.lessons[lesson_id]
        return None

    def _stats(self, course_id: int, progress: dict) -> CourseStats | None:
        lesson_ids = self.maps.course_lessons.get(course_id)
        if not lesson_ids:
            return None
        rows = [progress[l] for l in lesson_ids if l in progress]
        best = [r[2] for r in rows if r[2] is not None]
        return CourseStats(course_id, len(lesson_ids), sum(1 for r in rows if r[5]), sum(1 for r in rows if r[3]),
                           sum(1 for r in rows if r[4]), round(sum(best) / len(best), 1) if best else None)

    def _courses(self, enrolled: list, progress: dict) -> str:
        """The course cards. A card shows its enrollment row and the progress of the course's lessons only:
        it is kept while both are what they were (an answer moves one lesson's row, so one or two cards)."""
        p, m = self.parts, self.macros
        old, touched = p.progress, None
        if old is not None:
            moved = [l for l, r in progress.items() if old.get(l) != r]
            moved.extend(l for l in old if l not in progress)
            lesson_courses = self.maps.lesson_courses
            touched = {c for l in moved for c in lesson_courses.get(l, ())}
        p.progress = progress
        cards = []
        # Only the cards shown now are kept: a course left (or retired) misses the lessons' changes meanwhile.
        kept_cards, p.course_cards = p.course_cards, {}
        for row, course in enrolled:
            kept = kept_cards.get(course.id)
            if kept is not None and touched is not None and course.id not in touched and kept[0] == row:
                p.course_cards[course.id] = kept
                cards.append(kept[1])
                continue
            completed = local_date(row[1], self.tz) if row[1] else None
            card = CourseCard(course.id, course.slug, course.title, self._stats(course.id, progress), completed, row[2],
                              None if completed else self._next_lesson(course.id, progress))
            html = Markup(p.part(("course", course.id), card, lambda c=card: m.course_card(c)))
            p.course_cards[course.id] = (row, html)
            cards.append(html)
        return p.part("courses", tuple(cards), lambda: m.courses_part(cards))

    def _resume(self, progress: dict) -> tuple[LessonLink, str | None] | None:
        """'Continue where you left off': the latest lesson touched and not completed, with an enrolled
        course holding it."""
        open_rows = [r for r in progress.values() if not r[5] and not self.maps.lessons[r[0]].retired]
        if not open_rows:
            return None
        latest = max(open_rows, key=lambda r: (r[6], r[0]))[0]
        holding = set(self.maps.lesson_courses.get(latest, ()))
        course_ids = sorted(row[0] for row in self.enrollments if row[3] and row[0] in holding)
        return self.maps.lessons[latest], (self.maps.courses[course_ids[0]].slug if course_ids else None)

    def _what_next(self, due: int, progress: dict, enrolled: list, mastery: list[TopicMastery]) -> NextAction:
        """As review.what_next decides, from what this view has already read."""
        if due:
            return NextAction("review", f"Review {due} due question{'s' if due != 1 else ''}", "review.index", {},
                              "These are the questions you are about to forget: reviewing them today keeps them "
                              "for weeks, waiting makes them harder to recall.")
        working = []
        for row, course in enrolled:
            if row[1] is not None or not self.maps.course_all_lessons.get(course.id):
                continue
            touched = [progress[l][6] for l in self.maps.course_all_lessons.get(course.id, ()) if l in progress]
            working.append((max(touched) if touched else None, course))
        if working:
            latest = max((t for t, _ in working if t is not None), default=None)
            course = min((c for t, c in working if t == latest), key=lambda c: c.id)
            lesson = self._next_lesson(course.id, progress)
            if lesson is not None:
                return NextAction("lesson", lesson.title, "catalog.lesson", {"slug": lesson.slug, "course": course.slug},
                                  f"The next lesson of {course.title}, the course you are working on.")
        weak = next((t for t in mastery if t.level in ("attempted", "familiar")), None)
        if weak is not None:
            covering = self._lessons_for(weak.slug, progress)
            if covering:
                lesson = covering[0][0]
                accuracy = f"{round(100 * (weak.accuracy or 0))}% of recent answers right"
                return NextAction("topic", lesson.title, "catalog.lesson", {"slug": lesson.slug},
                                  f"{weak.title} is your weakest topic ({weak.level}, {accuracy}); this lesson covers it.")
        return NextAction("explore", "Pick a learning path", "paths.index", {},
                          "Nothing is due and no course is in progress: a path orders courses so each builds on the last.")


class _Urls:
    """Base URLs the parts join with slugs or ids: built once per worker and script root (the only part of the
    request a path-only url_for reads), looked up once per view."""

    @functools.cached_property
    def topic(self) -> str:
        return self._base("topic", lambda: url_for("catalog.topic", slug=""))

    @functools.cached_property
    def attempt(self) -> str:
        return self._base("attempt", lambda: url_for("quiz.attempt", attempt_id=0)[:-1])

    @staticmethod
    def _base(name: str, build: Callable[[], str]) -> str:
        kept: dict = current_app.extensions["dashboard_urls"]
        key = (name, request.script_root)
        url = kept.get(key)
        if url is None:
            url = kept[key] = build()
        return url


_HEAT_LEGEND = "".join(f'<span class="legend-item"><span class="swatch heat-{level}" aria-hidden="true"></span> {escape(meaning)}'
                       f'</span>' for level, meaning in charts.heat_legend())


def _activity_html(answers: int, active: int, current: int, longest: int, svg: str, by_month: list) -> str:
    """The activity part: drawn again after every answer (today's square and its month move), so written here
    rather than by a macro. `svg`: the calendar, already HTML."""
    s = lambda n: "" if n == 1 else "s"  # noqa: E731
    months = "".join(f"<tr><td>{escape(m.label)}</td><td>{m.active_days}</td><td>{m.answers}</td></tr>"
                     for m in reversed(by_month))
    return (f'<section aria-labelledby="heat-h">\n  <h2 id="heat-h">Activity</h2>\n  <p>{answers} answer{s(answers)} on '
            f'{active} day{s(active)} in the last year · current streak {current} day{s(current)}, longest {longest}.'
            f'</p>\n  <div class="heatmap-scroll" tabindex="0" role="region" aria-label="Activity calendar (scrolls sideways'
            f' on small screens)">{svg}</div>\n  <p class="legend"><span class="legend-title">Answers a day:</span>\n    '
            f'{_HEAT_LEGEND}</p>\n  <details><summary>Activity by month as a table</summary>\n    <table><thead><tr>'
            f'<th scope="col">Month</th><th scope="col">Days active</th><th scope="col">Answers</th></tr></thead><tbody>'
            f'\n    {months}\n    </tbody></table>\n  </details>\n</section>')


def _shows(m: TopicMastery) -> tuple:
    """What a topic's row shows: recall as a whole percent (the exact value moves every second)."""
    recall = None if m.retrievability is None else round(100 * m.retrievability)
    return m.slug, m.title, m.level, m.answered, m.recent_right, m.recent_answers, recall, m.next_step


def _newest_first(r: Recent) -> tuple:
    return -r.submitted_at.timestamp(), -r.id


_BY_ORDER = operator.attrgetter("order")  # a topic's place in the ranking (_Topic.order)


def _recall(cards: dict[int, tuple], question_ids: tuple[int, ...], now: float) -> tuple[float | None, float]:
    """(mean predicted recall now of the cards of these questions that were reviewed, until when nothing
    shown from it can change).

    Shown are the recall as a whole percent and the levels it allows (MASTERY_THRESHOLDS). Each card's
    curve decreases and is convex in time, so their mean falls at most as fast as it falls now: it
    cannot reach the next value that changes what is shown before (recall - that value) / speed.
    A card reviewed "in the future" (a clock behind another server's) counts as 1 until then.
    """
    total = slope = 0.0
    until = NEVER
    n = 0
    get = cards.get
    for q in question_ids:
        card = get(q)
        if card is None:
            continue
        _, stability, last_review = card
        if not (stability or 0) > 0 or last_review is None:
            continue
        n += 1
        elapsed = now - last_review
        if elapsed <= 0:
            total += 1.0
            until = min(until, last_review)
            continue
        base = 1.0 + K * elapsed / stability
        value = base ** DECAY
        total += value
        slope += value / (base * stability)
    if not n:
        return None, NEVER
    recall = total / n
    speed = -DECAY * K * slope / n  # how fast the mean falls now, per second
    shown = round(100 * recall)
    boundary = (shown - 0.5) / 100
    for threshold in RECALL_THRESHOLDS:
        if recall >= threshold:
            boundary = max(boundary, threshold)
            break
    if speed > 0:
        until = min(until, now + max(0.0, (recall - boundary) / speed) * 0.999)
    return recall, until
