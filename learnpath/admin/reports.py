"""Learners' problem reports on questions: filing (rate-limited, idempotent), the triage queue, closing.

A report carries the question's revision when filed. The same learner reporting the same revision
again while the first report is open keeps that one report: the partial unique index
uq_question_report_open and INSERT ... ON CONFLICT DO NOTHING decide, not a read before the write.
The content import closes open reports whose question it edits (content.importer).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath import throttle
from learnpath.admin import audit
from learnpath.extensions import db, dialect_insert
from learnpath.models import Answer, Question, QuestionReport
from learnpath.models._types import utcnow
from learnpath.models.reports import COMMENT_MAX, REPORT_REASONS, REPORT_STATUSES  # noqa: F401 (re-exported)

RATE_LIMIT = 10  # reports per learner ...
RATE_WINDOW = timedelta(hours=1)  # ... per hour
CLOSING = {"resolve": "resolved", "dismiss": "dismissed"}
NOTE_MAX = 2000
MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger one cannot exist (and must not reach the driver)


class ReportError(Exception):
    """Bad input, named: the field and what is wrong with it."""

    def __init__(self, field: str, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.field, self.message, self.status, self.retry_after = field, message, status, retry_after


@dataclass
class Filed:
    report: QuestionReport
    created: bool  # False: an open report of this learner on this revision already existed


def validate(reason: object, comment: object) -> tuple[str, str]:
    """(reason, comment) cleaned, or ReportError naming the problem."""
    if not isinstance(reason, str) or reason not in REPORT_REASONS:
        raise ReportError("reason", f"Choose a reason: one of {', '.join(REPORT_REASONS)}.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ReportError("comment", "The comment must be text.")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ReportError("comment", f"The comment must be at most {COMMENT_MAX} characters (it has {len(comment)}).")
    if reason == "other" and not comment:
        raise ReportError("comment", "Say what is wrong: a comment is required when the reason is “other”.")
    return reason, comment


def reportable(user_id: int, question_id: int) -> Question | None:
    """The question, if this learner has answered it (a quiz or a review): reports come after answering."""
    question = db.session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
    if question is None:
        return None
    answered = db.session.scalar(sa.select(Answer.id).where(
        Answer.user_id == user_id, Answer.question_id == question_id).limit(1))
    return question if answered is not None else None


def _insert(dialect: str):
    table = QuestionReport.__table__
    # The predicate is literal SQL: PostgreSQL matches a partial index only against the same
    # expression, never against a bound parameter.
    return dialect_insert(table, dialect).on_conflict_do_nothing(
        index_elements=["user_id", "question_id", "revision"], index_where=sa.text("status = 'open'"))


def file_report(user_id: int, question_id: int, reason: object, comment: object) -> Filed:
    """Validate, rate-limit and store one report (committed). ReportError on bad input, 404 or 429."""
    reason, comment = validate(reason, comment)
    question = reportable(user_id, question_id)
    if question is None:
        raise ReportError("question", f"No answered question {question_id}: you can report a question after answering it.", 404)
    refusal = throttle.allow(f"report:{user_id}", RATE_LIMIT, RATE_WINDOW)
    if refusal is not None:
        minutes = max(1, round(refusal.retry_after / 60))
        raise ReportError("reason", f"You have sent {RATE_LIMIT} reports in the last hour; try again in about "
                                    f"{minutes} minute{'s' if minutes != 1 else ''}.", 429, refusal.retry_after)
    revision = question.revision
    dialect = db.session.get_bind().dialect.name
    new_id = db.session.scalar(_insert(dialect).values(
        question_id=question.id, user_id=user_id, revision=revision, reason=reason, comment=comment,
        status="open", created_at=utcnow(), note="").returning(QuestionReport.id))
    db.session.commit()
    if new_id is not None:
        return Filed(db.session.get(QuestionReport, new_id), True)
    report = db.session.scalar(sa.select(QuestionReport).where(
        QuestionReport.user_id == user_id, QuestionReport.question_id == question.id,
        QuestionReport.revision == revision, QuestionReport.status == "open"))
    if report is None:  # closed in between by an admin or an import: show the newest one
        report = db.session.scalar(sa.select(QuestionReport).where(
            QuestionReport.user_id == user_id, QuestionReport.question_id == question.id)
            .order_by(QuestionReport.id.desc()).limit(1))
    return Filed(report, False)


def _with_question():
    return so.joinedload(QuestionReport.question).joinedload(Question.lesson)


def queue(status: str | None = None, limit: int = 200, question_id: int | None = None) -> list[QuestionReport]:
    """The triage queue: open reports first (oldest first, they have waited longest), then the rest, newest first."""
    query = sa.select(QuestionReport).options(_with_question(), so.joinedload(QuestionReport.user))
    if status:
        query = query.where(QuestionReport.status == status)
    if question_id is not None:
        query = query.where(QuestionReport.question_id == question_id)
    is_open = sa.case((QuestionReport.status == "open", 0), else_=1)
    oldest_open_first = sa.case((QuestionReport.status == "open", QuestionReport.id), else_=-QuestionReport.id)
    return list(db.session.scalars(query.order_by(is_open, oldest_open_first).limit(limit)).unique())


def counts() -> dict[str, int]:
    """Reports per status."""
    return {status: n for status, n in db.session.execute(
        sa.select(QuestionReport.status, sa.func.count()).group_by(QuestionReport.status))}


def open_counts(question_ids: list[int]) -> dict[int, int]:
    """Open reports per question (for the item-analysis list)."""
    if not question_ids:
        return {}
    return {qid: n for qid, n in db.session.execute(
        sa.select(QuestionReport.question_id, sa.func.count()).where(
            QuestionReport.status == "open", QuestionReport.question_id.in_(question_ids))
        .group_by(QuestionReport.question_id))}


def close(report_id: int, action: str, note: str, admin_id: int) -> QuestionReport | None:
    """Resolve or dismiss an open report with a note, audit-logged. None if it is not open (any more).

    One conditional UPDATE, so two admins closing at once record one decision.
    """
    status = CLOSING.get(action)
    if not 0 < report_id <= MAX_ID:
        return None
    if status is None:
        raise ReportError("action", "The action must be 'resolve' or 'dismiss'.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ReportError("note", f"The note must be at most {NOTE_MAX} characters.")
    closed = db.session.execute(
        sa.update(QuestionReport).where(QuestionReport.id == report_id, QuestionReport.status == "open")
        .values(status=status, note=note, closed_at=utcnow(), closed_by_id=admin_id)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not closed:
        db.session.rollback()
        return None
    report = db.session.get(QuestionReport, report_id, populate_existing=True)
    audit(f"report.{action}", f"report {report.id} on {report.question.lesson.slug}/{report.question.key}", note,
          actor_id=admin_id)
    db.session.commit()
    return report


def for_user(user_id: int) -> list[QuestionReport]:
    return list(db.session.scalars(
        sa.select(QuestionReport).options(_with_question()).where(QuestionReport.user_id == user_id)
        .order_by(QuestionReport.id.desc()).limit(100)).unique())


def to_dict(report: QuestionReport, admin: bool = False) -> dict:
    question = report.question
    data = {
        "id": report.id, "question_id": report.question_id, "question_key": question.key,
        "lesson": question.lesson.slug, "revision": report.revision, "current_revision": question.revision,
        "reason": report.reason, "comment": report.comment, "status": report.status,
        "created_at": report.created_at.isoformat(),
        "closed_at": report.closed_at.isoformat() if report.closed_at else None, "note": report.note,
    }
    if admin:
        data["user"] = {"id": report.user_id, "email": report.user.email}
        data["location"] = {"file": question.lesson.source_path, "line": question.source_line}
    return data

