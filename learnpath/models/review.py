"""Spaced review: one FSRS card per (learner, question), and learning paths across courses."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow


class ReviewCard(db.Model):
    """The learner's memory of one question, scheduled by FSRS (py-fsrs's Card, persisted)."""

    __tablename__ = "review_card"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "question_id"),
        sa.Index("ix_review_card_user_due", "user_id", "due"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id"), index=True)
    state: so.Mapped[int] = so.mapped_column(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: so.Mapped[int | None]
    stability: so.Mapped[float | None]
    difficulty: so.Mapped[float | None]
    due: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_review: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_rating: so.Mapped[int | None]
    reviews: so.Mapped[int] = so.mapped_column(default=0)
    lapses: so.Mapped[int] = so.mapped_column(default=0)

    question = so.relationship("Question")


class Path(db.Model):
    """An ordered sequence of courses (a roadmap), defined in the content pack."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(default=0)
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    steps: so.Mapped[list[PathCourse]] = so.relationship(
        back_populates="path", order_by="PathCourse.position", cascade="all, delete-orphan")


class PathCourse(db.Model):
    __tablename__ = "path_course"
    path_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("path.id", ondelete="CASCADE"), primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: so.Mapped[int]

    path: so.Mapped[Path] = so.relationship(back_populates="steps")
    course = so.relationship("Course")


course_prerequisite = sa.Table(
    "course_prerequisite",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("prerequisite_id", sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True, index=True),
)
