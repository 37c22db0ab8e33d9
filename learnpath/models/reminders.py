"""Daily reminder mails: each learner's opt-in and preferences, and one claim per (learner, local day)."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow

DEFAULT_REMINDER_HOUR = 18  # early evening: time left to study before the day (and a streak) ends


class ReminderPreference(db.Model):
    """A learner's reminder settings; no row means reminders are off (the default)."""

    __tablename__ = "reminder_preference"
    __table_args__ = (sa.CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),)

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    enabled: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false(), index=True)
    # The hour of day (0-23) in the learner's own time zone from which the day's digest may go.
    hour: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=DEFAULT_REMINDER_HOUR,
                                            server_default=str(DEFAULT_REMINDER_HOUR))
    reviews_due: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    streak_at_risk: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderSent(db.Model):
    """The claim on one learner's digest for one local day, taken (INSERT … ON CONFLICT DO NOTHING)
    before the mail is sent: whoever inserts the row sends, everyone else does nothing."""

    __tablename__ = "reminder_sent"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    day: so.Mapped[date] = so.mapped_column(sa.Date)  # the learner's local date
    # "claimed" while sending, then "sent", or "nothing" when there was nothing to say that day
    # (kept, so the scheduler does not ask again every few minutes).
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16), default="claimed")
    claimed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
