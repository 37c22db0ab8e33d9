"""Catalog reads: tracks and courses with their counts, a course's syllabus, a lesson in context."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import load_only, selectinload

from learnpath import search as search_engine
from learnpath.extensions import db
from learnpath.models import Course, CourseLesson, Lesson, Question, Topic, Track, lesson_topic, question_topic


@dataclass
class CourseSummary:
    course: Course
    lesson_count: int
    minutes: int
    question_count: int


SYLLABUS_COLUMNS = load_only(Lesson.id, Lesson.slug, Lesson.title, Lesson.summary, Lesson.read_minutes,
                             Lesson.question_count, Lesson.retired)
# A link to a lesson needs these; the bodies (~40 KB a lesson) stay in the database.
LESSON_LINK = load_only(Lesson.id, Lesson.slug, Lesson.title)


def course_summaries() -> list[tuple[Track, list[CourseSummary]]]:
    """Every active track with its active courses and their totals: two queries."""
    counts = {
        row.course_id: row for row in db.session.execute(
            sa.select(
                CourseLesson.course_id, sa.func.count().label("lessons"),
                sa.func.sum(Lesson.read_minutes).label("minutes"),
                sa.func.sum(Lesson.question_count).label("questions"),
            ).join(Lesson, Lesson.id == CourseLesson.lesson_id).where(~Lesson.retired).group_by(CourseLesson.course_id)
        )
    }
    tracks = db.session.scalars(
        sa.select(Track).where(~Track.retired).order_by(Track.position).options(selectinload(Track.courses))
    ).all()
    out = []
    for track in tracks:
        summaries = []
        for course in track.courses:
            if course.retired:
                continue
            c = counts.get(course.id)
            summaries.append(CourseSummary(course, c.lessons if c else 0, (c.minutes or 0) if c else 0,
                                           (c.questions or 0) if c else 0))
        if summaries:
            out.append((track, summaries))
    return out


def get_course(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug, ~Course.retired))


def syllabus(course: Course) -> list[tuple[int, Lesson]]:
    """(position, lesson) in course order, numbered 1.. over the active lessons."""
    rows = db.session.scalars(
        sa.select(Lesson).join(CourseLesson, CourseLesson.lesson_id == Lesson.id)
        .where(CourseLesson.course_id == course.id, ~Lesson.retired).order_by(CourseLesson.position)
        .options(SYLLABUS_COLUMNS)  # titles and counts only: the bodies are ~40 KB a lesson
    ).all()
    return list(enumerate(rows, start=1))


def first_lesson(course: Course) -> Lesson | None:
    return db.session.scalar(
        sa.select(Lesson).join(CourseLesson, CourseLesson.lesson_id == Lesson.id)
        .where(CourseLesson.course_id == course.id, ~Lesson.retired).order_by(CourseLesson.position).limit(1)
        .options(LESSON_LINK)
    )


def get_lesson(slug: str) -> Lesson | None:
    return db.session.scalar(sa.select(Lesson).where(Lesson.slug == slug, ~Lesson.retired))


def lesson_courses(lesson: Lesson) -> list[Course]:
    return list(db.session.scalars(
        sa.select(Course).join(CourseLesson).where(CourseLesson.lesson_id == lesson.id, ~Course.retired)
        .order_by(Course.position)
    ))


@dataclass
class LessonContext:
    course: Course | None
    position: int | None
    total: int
    previous: Lesson | None
    next: Lesson | None


def lesson_context(lesson: Lesson, courses: list[Course], course_slug: str | None) -> LessonContext:
    """Previous/next within the course the learner came from (or the lesson's first course)."""
    course = next((c for c in courses if c.slug == course_slug), courses[0] if courses else None)
    if course is None:
        return LessonContext(None, None, 0, None, None)
    rows = syllabus(course)
    ids = [l.id for _, l in rows]
    i = ids.index(lesson.id)
    return LessonContext(
        course, i + 1, len(ids),
        rows[i - 1][1] if i > 0 else None,
        rows[i + 1][1] if i + 1 < len(rows) else None,
    )


@dataclass
class TopicPage:
    topic: Topic
    lessons: list[Lesson]
    questions: list[tuple[Question, Lesson]]  # in lesson-title order, each with its lesson


def topic_page(slug: str) -> TopicPage | None:
    """A topic with its active lessons and questions: three queries."""
    topic = db.session.scalar(sa.select(Topic).where(Topic.slug == slug))
    if topic is None:
        return None
    lessons = db.session.scalars(
        sa.select(Lesson).join(lesson_topic, lesson_topic.c.lesson_id == Lesson.id)
        .where(lesson_topic.c.topic_id == topic.id, ~Lesson.retired).order_by(Lesson.title)).all()
    questions = db.session.execute(
        sa.select(Question, Lesson).join(question_topic, question_topic.c.question_id == Question.id)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(question_topic.c.topic_id == topic.id, ~Question.retired, ~Lesson.retired)
        .order_by(Lesson.title, Question.position)).all()
    return TopicPage(topic, list(lessons), [tuple(row) for row in questions])


def search(query: str, page: int = 1) -> search_engine.SearchPage:
    """Lessons matching `query` (docs: learnpath.search), one page of them with the total."""
    return search_engine.search(db.session, query, page)
