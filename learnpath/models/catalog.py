"""The catalog: tracks -> courses -> lessons (many-to-many, ordered) -> questions, and shared topics.

Rows are never deleted by an import: whatever leaves the content pack is marked retired,
so learners' history keeps resolving.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.defaults import DEFAULT_PASS_MARK
from learnpath.extensions import db

lesson_topic = sa.Table(
    "lesson_topic",
    db.metadata,
    sa.Column("lesson_id", sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True),
)

question_topic = sa.Table(
    "question_topic",
    db.metadata,
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Topic(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(120))


class Track(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    position: so.Mapped[int] = so.mapped_column(default=0)
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    courses: so.Mapped[list[Course]] = so.relationship(back_populates="track", order_by="Course.position")


class Course(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    category: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    track_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("track.id"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    pass_mark: so.Mapped[int] = so.mapped_column(default=DEFAULT_PASS_MARK)
    # What a learner sees after submitting, per part (see quiz.review_policy); NULL: everything at once.
    review_policy: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    # The final test behind the certificate: {questions, minutes, pass_mark} (see quiz.course_test);
    # NULL: the defaults.
    test_settings: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    track: so.Mapped[Track] = so.relationship(back_populates="courses")
    entries: so.Mapped[list[CourseLesson]] = so.relationship(
        back_populates="course", order_by="CourseLesson.position", cascade="all, delete-orphan"
    )
    # Shown on the course page as advice, never enforced.
    prerequisites: so.Mapped[list[Course]] = so.relationship(
        secondary="course_prerequisite",
        primaryjoin="Course.id == course_prerequisite.c.course_id",
        secondaryjoin="Course.id == course_prerequisite.c.prerequisite_id",
        order_by="Course.slug",
    )


class CourseLesson(db.Model):
    """A lesson's place in one course; the same lesson may sit in several courses."""

    __tablename__ = "course_lesson"
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    lesson_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: so.Mapped[int]

    course: so.Mapped[Course] = so.relationship(back_populates="entries")
    lesson: so.Mapped[Lesson] = so.relationship(back_populates="entries")


class Lesson(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_md: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Rendered once at import (Markdown -> highlighted, sanitized HTML), never per request.
    body_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    toc_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    body_text: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # plain text for search
    read_minutes: so.Mapped[int] = so.mapped_column(default=1)
    word_count: so.Mapped[int] = so.mapped_column(default=0)
    question_count: so.Mapped[int] = so.mapped_column(default=0)  # active questions, kept by the import
    draw: so.Mapped[int | None]  # questions per attempt, drawn from the pool; NULL: all of them
    # Questions per quiz page: NULL is the default (quiz.paging.DEFAULT_PER_PAGE), 0 all on one page.
    per_page: so.Mapped[int | None]
    source_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    source_path: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    entries: so.Mapped[list[CourseLesson]] = so.relationship(back_populates="lesson")
    topics: so.Mapped[list[Topic]] = so.relationship(secondary=lesson_topic, order_by="Topic.slug")
    questions: so.Mapped[list[Question]] = so.relationship(back_populates="lesson", order_by="Question.position")


class Question(db.Model):
    __table_args__ = (sa.UniqueConstraint("lesson_id", "key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lesson.id"), index=True)
    # Identity written in the content file: an edited question keeps its key and its history.
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    position: so.Mapped[int] = so.mapped_column(default=0)
    prompt_html: so.Mapped[str] = so.mapped_column(sa.Text)
    # Graded parts (choices with correctness, accepted answers, numeric answer, item order).
    # Server-side only: the browser gets a whitelisted view built by quiz.services.
    spec: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    explanation_html: so.Mapped[str] = so.mapped_column(sa.Text)
    difficulty: so.Mapped[int] = so.mapped_column(default=2)
    # Hash of the graded parts: answers record it so history stays interpretable after edits.
    revision: so.Mapped[str] = so.mapped_column(sa.String(16))
    # Line of the question's entry in its lesson file (Lesson.source_path), so item analysis can
    # point the author at it; NULL until the lesson is imported again after migration 0019.
    source_line: so.Mapped[int | None]
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    lesson: so.Mapped[Lesson] = so.relationship(back_populates="questions")
    topics: so.Mapped[list[Topic]] = so.relationship(secondary=question_topic, order_by="Topic.slug")


class Dataset(db.Model):
    """A sample database for SQL exercises: the rows learners see and a hidden second set."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    version: so.Mapped[str] = so.mapped_column(sa.String(16))
    schema_sql: so.Mapped[str] = so.mapped_column(sa.Text)
    data_sql: so.Mapped[str] = so.mapped_column(sa.Text)
    hidden_sql: so.Mapped[str] = so.mapped_column(sa.Text)
    # Tables, columns and a few rows, rendered at import and shown beside each exercise.
    preview_html: so.Mapped[str] = so.mapped_column(sa.Text, default="")


class CatalogState(db.Model):
    """One row whose version changes with every import that changes something.

    Workers compare it (at most once a second) to drop cached catalog pages: explicit,
    cross-process invalidation without a shared cache server.
    """

    __tablename__ = "catalog_state"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version: so.Mapped[str] = so.mapped_column(sa.String(32))
