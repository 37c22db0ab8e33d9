"""The catalog rows a quiz submit reads, kept per worker and catalog version instead of loaded per request.

A submit needs its questions (kind, spec, revision, prompt and explanation, topics) and its lesson's
metadata (question count, pass mark, courses, their review policies). None of it is personal and it
changes only with an import, which moves the catalog version (`pagecache.catalog_version`, read at
most once per PAGE_CACHE_VERSION_TTL); a new version empties this cache. Entries are plain frozen
rows shared by every request of the worker: nothing here is an ORM object, and nothing may mutate them.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from learnpath.defaults import DEFAULT_PASS_MARK
from learnpath.extensions import db, prepared
from learnpath.models import Course, CourseLesson, Lesson, Question, question_topic
from learnpath.pagecache import BoundedCache, catalog_version

MAX_BYTES = 12 * 2**20  # per worker; the whole shipped catalog's questions are ~6 MB


@dataclass(frozen=True, slots=True)
class CachedQuestion:
    """A question as grading and results read it: the attributes of `Question` they use."""

    id: int
    lesson_id: int
    kind: str
    spec: dict[str, Any]
    revision: str
    prompt_html: str
    explanation_html: str
    retired: bool
    topic_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LessonMeta:
    """What recording a lesson attempt and showing its result read of the lesson."""

    id: int
    question_count: int
    pass_mark: int  # the strictest of its active courses' (DEFAULT_PASS_MARK without one)
    course_ids: tuple[int, ...]  # every course holding it, retired ones too (completion checks them)
    policies: tuple[dict, ...]  # its active courses' non-empty review policies


class _Cache:
    def __init__(self) -> None:
        self.version: object = object()  # matches no real version: the first use resets
        self.questions = BoundedCache(MAX_BYTES)
        self.lessons: dict[int, LessonMeta] = {}
        self.lock = threading.Lock()

    def current(self) -> _Cache:
        version = catalog_version()
        if version != self.version:
            with self.lock:
                if version != self.version:
                    self.questions.clear()
                    self.lessons = {}
                    self.version = version
        return self


def _cache() -> _Cache:
    cache = current_app.extensions.get("quiz.catalog_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("quiz.catalog_cache", _Cache())
    return cache.current()


@prepared
def _questions_query(dialect: str):
    q = Question.__table__.c
    return sa.select(q.id, q.lesson_id, q.kind, q.spec, q.revision, q.prompt_html, q.explanation_html,
                     q.retired).where(q.id.in_(sa.bindparam("ids", expanding=True)))


@prepared
def _topics_query(dialect: str):
    return sa.select(question_topic.c.question_id, question_topic.c.topic_id).where(
        question_topic.c.question_id.in_(sa.bindparam("ids", expanding=True)))


def questions(ids: list[int]) -> dict[int, CachedQuestion]:
    """Question id -> its cached row, for those of `ids` that exist (two statements when any is not cached)."""
    cache = _cache().questions
    found: dict[int, CachedQuestion] = {}
    missing = []
    for qid in ids:
        hit = cache.get(qid)
        if hit is None:
            missing.append(qid)
        else:
            found[qid] = hit
    if missing:
        conn = db.session.connection()
        topics: dict[int, list[int]] = {}
        for question_id, topic_id in conn.execute(_topics_query(), {"ids": missing}):
            topics.setdefault(question_id, []).append(topic_id)
        for row in conn.execute(_questions_query(), {"ids": missing}):
            question = CachedQuestion(*row, topic_ids=tuple(topics.get(row.id, ())))
            size = len(question.prompt_html) + len(question.explanation_html) + len(json.dumps(question.spec)) + 200
            cache.put(question.id, question, size)
            found[question.id] = question
    return found


@prepared
def _lesson_query(dialect: str):
    return sa.select(Lesson.__table__.c.question_count).where(Lesson.__table__.c.id == sa.bindparam("lesson_id"))


@prepared
def _lesson_courses_query(dialect: str):
    return (sa.select(Course.__table__.c.id, Course.__table__.c.retired, Course.__table__.c.pass_mark,
                      Course.__table__.c.review_policy)
            .join(CourseLesson.__table__, CourseLesson.__table__.c.course_id == Course.__table__.c.id)
            .where(CourseLesson.__table__.c.lesson_id == sa.bindparam("lesson_id"))
            .order_by(Course.__table__.c.id))


def lesson(lesson_id: int) -> LessonMeta | None:
    """The lesson's metadata (None if there is no such lesson): two statements the first time per version."""
    cache = _cache()
    meta = cache.lessons.get(lesson_id)
    if meta is None:
        conn = db.session.connection()
        count = conn.execute(_lesson_query(), {"lesson_id": lesson_id}).scalar()
        if count is None:
            return None
        courses = conn.execute(_lesson_courses_query(), {"lesson_id": lesson_id}).all()
        active = [c for c in courses if not c.retired]
        meta = LessonMeta(lesson_id, count, max((c.pass_mark for c in active), default=None) or DEFAULT_PASS_MARK,
                          tuple(c.id for c in courses), tuple(c.review_policy for c in active if c.review_policy))
        cache.lessons[lesson_id] = meta  # one small row per lesson: the catalog bounds it
    return meta
