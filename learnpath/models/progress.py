"""A learner's history: enrollments, per-lesson progress, quiz attempts and every answer given.

Answer rows are the raw material of the dashboard and of later review scheduling: one row per
answered question, never aggregated away.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow

RECENT_RESULTS = 20  # topic mastery looks at the learner's latest answers per topic


def user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("user.id", ondelete="CASCADE")


class Enrollment(db.Model):
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(user_fk(), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id"), index=True)
    enrolled_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Unguessable, shareable certificate URL; set when the course is completed.
    certificate_code: so.Mapped[str | None] = so.mapped_column(sa.String(43), unique=True)
    certificate_percent: so.Mapped[float | None]
    # A revoked certificate still resolves (its verification page says "revoked"); it is never deleted.
    certificate_revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Set when the learner leaves the course; the row stays (certificate, completion) and enrolling
    # again clears it. Lists of "my courses" read active enrollments only.
    unenrolled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    course = so.relationship("Course")
    user = so.relationship("User")


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    user_id: so.Mapped[int] = so.mapped_column(user_fk(), primary_key=True)
    lesson_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lesson.id"), primary_key=True, index=True)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    best_percent: so.Mapped[float | None]
    last_percent: so.Mapped[float | None]
    attempts_count: so.Mapped[int] = so.mapped_column(default=0)
    passed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def state(self) -> str:
        if self.completed_at:
            return "completed"
        if self.read_at or self.attempts_count:
            return "read" if self.read_at else "started"
        return "not started"


def _open_only(scope: str) -> dict[str, Any]:
    """The partial-index condition: open attempts of one scope."""
    where = sa.text(f"status = 'in_progress' AND scope = '{scope}'")
    return {"sqlite_where": where, "postgresql_where": where}


# What an attempt covers: one lesson's quiz, a course's final test, or a topic's practice across lessons.
SCOPES = ("lesson", "course_test", "topic")


class Attempt(db.Model):
    __table_args__ = (
        sa.Index("ix_attempt_user_lesson", "user_id", "lesson_id"),
        sa.Index("ix_attempt_user_course", "user_id", "course_id"),
        # The dashboard's latest attempts: read in order and stop, rather than sort them all.
        sa.Index("ix_attempt_user_submitted", "user_id", "submitted_at"),
        # At most one open attempt per learner and scope (lesson, course test, topic): two tabs or a
        # double click starting at once get the same one.
        sa.Index("uq_attempt_open", "user_id", "lesson_id", unique=True, **_open_only("lesson")),
        sa.Index("uq_attempt_open_course_test", "user_id", "course_id", unique=True, **_open_only("course_test")),
        sa.Index("uq_attempt_open_topic", "user_id", "topic_id", unique=True, **_open_only("topic")),
        # Exactly the target its scope names is set.
        sa.CheckConstraint(
            "(scope = 'lesson' AND lesson_id IS NOT NULL AND course_id IS NULL AND topic_id IS NULL)"
            " OR (scope = 'course_test' AND course_id IS NOT NULL AND lesson_id IS NULL AND topic_id IS NULL)"
            " OR (scope = 'topic' AND topic_id IS NOT NULL AND lesson_id IS NULL AND course_id IS NULL)",
            name="scope"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(user_fk())
    scope: so.Mapped[str] = so.mapped_column(sa.String(12), default="lesson", server_default="lesson")
    lesson_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lesson.id"), index=True)
    course_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("course.id"))
    topic_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("topic.id"), index=True)
    # A timed course test: answers that arrive after it (and a short grace) are not counted.
    deadline_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="in_progress")
    seed: so.Mapped[int]
    # The questions asked, in order; a "retake missed" attempt asks a subset and carries the
    # points of the rest over from the attempt it was made from.
    question_ids: so.Mapped[list[int]] = so.mapped_column(sa.JSON)
    carried: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    retake_of_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="SET NULL"))
    draft: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Per question id, what the learner marked besides the answer while paging through:
    # {"flagged": true, "confidence": "sure"}. Saved with the draft, page by page.
    notes: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON, default=dict)
    # Per question id, the milliseconds it has been on screen so far (measured by the quiz page's
    # script, saved with every page); copied to Answer.time_ms at submit. NULL/absent: not measured.
    times_ms: so.Mapped[dict[str, int] | None] = so.mapped_column(sa.JSON, default=dict)
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    score: so.Mapped[float | None]
    max_score: so.Mapped[float | None]
    percent: so.Mapped[float | None]
    passed: so.Mapped[bool | None]

    lesson = so.relationship("Lesson")
    course = so.relationship("Course")
    topic = so.relationship("Topic")
    answers: so.Mapped[list[Answer]] = so.relationship(back_populates="attempt", order_by="Answer.id")


class Answer(db.Model):
    __table_args__ = (
        sa.Index("ix_answer_user_answered", "user_id", "answered_at"),
        sa.Index("ix_answer_user_question", "user_id", "question_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # NULL for answers given in a spaced review rather than in a quiz attempt.
    attempt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(user_fk())
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id"), index=True)
    response: so.Mapped[Any] = so.mapped_column(sa.JSON, nullable=True)
    correct: so.Mapped[bool]
    points: so.Mapped[float]
    revision: so.Mapped[str] = so.mapped_column(sa.String(16))
    # What the grader said beyond right/wrong (e.g. how a SQL result differs); empty for most kinds.
    feedback: so.Mapped[str | None] = so.mapped_column(sa.Text)
    confidence: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # 'sure' / 'unsure' when the learner said
    # The values a calculated question was asked with (learnpath.quiz.variants); NULL for other kinds.
    variant: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    # Milliseconds the question was on screen in its quiz (item analysis' median time); NULL when not
    # measured: no JavaScript, an API client that sent none, a review, or an answer from before 0021.
    time_ms: so.Mapped[int | None]
    answered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    attempt: so.Mapped[Attempt | None] = so.relationship(back_populates="answers")
    question = so.relationship("Question")


class DailyActivity(db.Model):
    """Answers per learner per local day (the learner's time zone at answer time), kept by every submit
    and review (heatmap, streaks, totals).

    The dashboard reads at most one row per day instead of scanning every answer.
    """

    __tablename__ = "daily_activity"
    user_id: so.Mapped[int] = so.mapped_column(user_fk(), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    answered: so.Mapped[int] = so.mapped_column(default=0)
    correct: so.Mapped[int] = so.mapped_column(default=0)


class TopicStat(db.Model):
    """Per learner and topic: counts and the latest results ('1' right, '0' wrong, newest last)."""

    __tablename__ = "topic_stat"
    user_id: so.Mapped[int] = so.mapped_column(user_fk(), primary_key=True)
    topic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True)
    answered: so.Mapped[int] = so.mapped_column(default=0)
    correct: so.Mapped[int] = so.mapped_column(default=0)
    recent: so.Mapped[str] = so.mapped_column(sa.String(RECENT_RESULTS), default="")
