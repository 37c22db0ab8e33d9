"""Learners' problem reports on questions ("this key is wrong", "unclear", ...)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow

REPORT_REASONS = {
    "wrong_key": "The marked answer is wrong",
    "unclear": "The question is unclear",
    "typo": "Typo or formatting",
    "outdated": "Outdated",
    "other": "Something else",
}
# open -> resolved / dismissed by an admin (with a note), or "edited": closed by the import that
# changed the question's revision.
REPORT_STATUSES = ("open", "resolved", "dismissed", "edited")
COMMENT_MAX = 1000


def _open_only() -> dict:
    where = sa.text("status = 'open'")
    return {"sqlite_where": where, "postgresql_where": where}


class QuestionReport(db.Model):
    __tablename__ = "question_report"
    __table_args__ = (
        # One open report per learner and question revision: a double click, two tabs or a retry
        # keep the first (INSERT ... ON CONFLICT DO NOTHING against this index).
        sa.Index("uq_question_report_open", "user_id", "question_id", "revision", unique=True, **_open_only()),
        sa.Index("ix_question_report_status_created", "status", "created_at"),
        sa.CheckConstraint("reason IN ('wrong_key', 'unclear', 'typo', 'outdated', 'other')", name="reason"),
        sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed', 'edited')", name="status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The question's revision when reported: an import that changes it closes the report.
    revision: so.Mapped[str] = so.mapped_column(sa.String(16))
    reason: so.Mapped[str] = so.mapped_column(sa.String(16))
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="open", server_default="open")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # the admin's (or the import's) word on closing

    question = so.relationship("Question")
    user = so.relationship("User", foreign_keys=[user_id])

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)
