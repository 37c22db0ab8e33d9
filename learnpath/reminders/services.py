"""Reminder digests: who is due, what the mail says, and sending it at most once per (learner, local day).

The scheduler (learnpath/jobs/scheduler.py, `flask jobs scheduler`) calls `enqueue_due` every few minutes; each learner whose
chosen hour has come in their own time zone, and who has no `reminder_sent` row for their local
date, gets a job `send_digest(user_id, day)` with the id `digest-<user>-<day>`. The job claims
the day by inserting that row before it sends, so duplicated or retried jobs send one mail.
"""
from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_mail import Message
from itsdangerous import BadSignature, URLSafeSerializer

from learnpath import jobs, mail
from learnpath.extensions import db, dialect_insert, prepared
from learnpath.models import ReminderPreference, ReminderSent, User
from learnpath.models._types import utcnow
from learnpath.models.reminders import DEFAULT_REMINDER_HOUR
from learnpath.progress.services import daily_activity, streaks
from learnpath.review.services import due_count
from learnpath.timezones import local_day, zone

# The time estimate counts 30 seconds a review card: one question recalled and answered again,
# the length of a short practice question. "12 reviews due, about 6 minutes".
SECONDS_PER_REVIEW = 30
DIGEST_JOB = "learnpath.reminders.services.send_digest"


# ---- preferences -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preferences:
    enabled: bool = False
    hour: int = DEFAULT_REMINDER_HOUR
    reviews_due: bool = True
    streak_at_risk: bool = True


def preferences(user_id: int) -> Preferences:
    row = db.session.get(ReminderPreference, user_id)
    if row is None:
        return Preferences()
    return Preferences(row.enabled, row.hour, row.reviews_due, row.streak_at_risk)


@prepared
def _preference_upsert(dialect: str):
    stmt = dialect_insert(ReminderPreference.__table__, dialect)
    return stmt.on_conflict_do_update(index_elements=["user_id"], set_={
        name: stmt.excluded[name] for name in ("enabled", "hour", "reviews_due", "streak_at_risk", "updated_at")})


def save_preferences(user_id: int, prefs: Preferences) -> None:
    """One upsert: two tabs saving at once leave one row with the last values."""
    db.session.execute(_preference_upsert(), {
        "user_id": user_id, "enabled": prefs.enabled, "hour": prefs.hour, "reviews_due": prefs.reviews_due,
        "streak_at_risk": prefs.streak_at_risk, "updated_at": utcnow()})
    db.session.commit()


def unsubscribe(user_id: int) -> None:
    """Reminders off; the other choices are kept for when the learner turns them on again."""
    db.session.execute(sa.update(ReminderPreference).where(ReminderPreference.user_id == user_id)
                       .values(enabled=False, updated_at=utcnow()))
    db.session.commit()


# ---- one-click unsubscribe links ---------------------------------------------------------------
# Signed, salted, and without expiry: a link in a months-old mail must still stop the mails
# (RFC 8058 expects the URL to keep working). It only ever turns reminders off.

def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="learnpath-unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    return _unsubscribe_serializer().dumps({"u": user_id})


def user_for_unsubscribe_token(token: str) -> int | None:
    """The account a link was made for, or None when the token was altered or cut short."""
    try:
        user_id = int(_unsubscribe_serializer().loads(token)["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return user_id if 0 < user_id <= 2**63 - 1 else None


def public_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, built without a request: PUBLIC_URL is where learners reach the site."""
    base = urlsplit(current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


# ---- the digest --------------------------------------------------------------------------------

def review_minutes(due: int) -> int:
    return max(1, math.ceil(due * SECONDS_PER_REVIEW / 60)) if due else 0


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Digest:
    due: int             # review cards due now (0 when the learner does not want that line)
    minutes: int
    streak: int          # the current streak when it is at risk today, else 0

    @property
    def reviews_line(self) -> str:
        return f"{plural(self.due, 'review')} due, about {plural(self.minutes, 'minute')}" if self.due else ""

    @property
    def streak_line(self) -> str:
        if not self.streak:
            return ""
        return f"Your {self.streak}-day streak ends at midnight unless you study today."

    @property
    def subject(self) -> str:
        return self.reviews_line or f"Keep your {self.streak}-day streak going"


def build_digest(prefs: Preferences, due: int, streak: int, studied_today: bool) -> Digest | None:
    """What the day's mail says; None when there is nothing to say (then nothing is sent)."""
    due = due if prefs.reviews_due else 0
    at_risk = streak if prefs.streak_at_risk and streak > 0 and not studied_today else 0
    if not due and not at_risk:
        return None
    return Digest(due=due, minutes=review_minutes(due), streak=at_risk)


def digest_for(user: User, prefs: Preferences, now: datetime, day: date) -> Digest | None:
    active_days = list(daily_activity(user.id))
    current, _ = streaks(active_days, day)
    return build_digest(prefs, due_count(user.id, now), current, day in active_days)


def digest_message(user: User, digest: Digest) -> Message:
    token = unsubscribe_token(user.id)
    links = {"review": public_url("review.index"), "account": public_url("accounts.account") + "#reminders",
             "unsubscribe": public_url("reminders.unsubscribe", token=token)}
    context = {"user": user, "digest": digest, "links": links}
    return Message(
        digest.subject, recipients=[user.email], sender=current_app.config["MAIL_DEFAULT_SENDER"],
        body=render_template("mail/digest.txt", **context), html=render_template("mail/digest.html", **context),
        # RFC 8058: a mail client may offer "unsubscribe" and POST "List-Unsubscribe=One-Click" here.
        extra_headers={"List-Unsubscribe": f"<{links['unsubscribe']}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def deliver(message: Message) -> None:
    """Send now, raising if it fails (unlike mail.send, which hands SMTP to a thread that only logs):
    the job must know, to release its claim and be retried."""
    app = current_app._get_current_object()
    if app.config.get("MAIL_SERVER"):
        mail.mail.send(message)
        return
    folder = mail.outbox_path(app)
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(folder) / f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
    path.write_bytes(message.as_bytes())
    app.logger.info("MAIL_SERVER is not set: reminder to %s written to %s", message.recipients[0], path)


# ---- sending once per (learner, local day) -----------------------------------------------------

@prepared
def _claim(dialect: str):
    stmt = dialect_insert(ReminderSent.__table__, dialect)
    return stmt.on_conflict_do_nothing(index_elements=["user_id", "day"]).returning(ReminderSent.__table__.c.id)


def claim(user_id: int, day: date) -> bool:
    """Take the day's claim: True for exactly one caller, however many jobs race (the unique
    constraint decides, on SQLite and PostgreSQL alike); committed at once, before any mail."""
    claimed = db.session.execute(_claim(), {"user_id": user_id, "day": day, "outcome": "claimed",
                                            "claimed_at": utcnow(), "sent_at": None}).scalar()
    db.session.commit()
    return claimed is not None  # RETURNING gives a row only when this INSERT wrote one


def release(user_id: int, day: date) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(ReminderSent).where(ReminderSent.user_id == user_id, ReminderSent.day == day,
                                                     ReminderSent.outcome == "claimed"))
    db.session.commit()


def _finish(user_id: int, day: date, outcome: str) -> None:
    db.session.execute(sa.update(ReminderSent).where(ReminderSent.user_id == user_id, ReminderSent.day == day)
                       .values(outcome=outcome, sent_at=utcnow() if outcome == "sent" else None))
    db.session.commit()


def send_digest(user_id: int, day: str) -> str:
    """The job: the learner's digest for their local date `day` (ISO), at most once.

    Claim first, then send. If sending raises, the claim is deleted and the error re-raised, so
    RQ's retry (or the next scheduler tick) can send. The trade-off: if the process dies between
    the claim and the send (killed, power lost) the claim stays and that day's mail is lost; we
    prefer a missed reminder to a learner getting the same mail twice. A crash after the send but
    before the row says "sent" leaves it "claimed", which also never sends again.
    Returns what happened ("sent", "nothing", "duplicate", "off", "stale"), for logs and tests.
    """
    local_date = date.fromisoformat(day)
    user = db.session.get(User, user_id)
    prefs = preferences(user_id)
    if user is None or user.disabled_at is not None or not prefs.enabled:
        return "off"
    now = utcnow()
    if local_day(now, zone(user.time_zone)) != local_date:
        return "stale"  # ran after the learner's day ended: yesterday's reminder is no use today
    if not claim(user_id, local_date):
        return "duplicate"
    try:
        digest = digest_for(user, prefs, now, local_date)
        if digest is None:
            _finish(user_id, local_date, "nothing")
            return "nothing"
        deliver(digest_message(user, digest))
    except BaseException:
        release(user_id, local_date)
        raise
    _finish(user_id, local_date, "sent")
    return "sent"


# ---- the scheduler's tick ----------------------------------------------------------------------

def due_learners(now: datetime) -> list[tuple[int, date]]:
    """(learner, local date) for every opted-in learner whose hour has come today in their zone and
    who has no claim for that date yet. Two queries, whatever the number of learners.

    "Has come" (local hour >= chosen hour), not "is now": a tick that falls in a skipped hour (a
    DST change), or a scheduler that was down for a while, still sends later that day.
    """
    rows = db.session.execute(
        sa.select(ReminderPreference.user_id, ReminderPreference.hour, User.time_zone)
        .join(User, User.id == ReminderPreference.user_id)
        .where(ReminderPreference.enabled, User.disabled_at.is_(None))).all()
    candidates: dict[int, date] = {}
    for user_id, hour, zone_name in rows:
        local = now.astimezone(zone(zone_name))
        if local.hour >= hour:
            candidates[user_id] = local.date()
    if not candidates:
        return []
    # Local dates differ by at most a day or two around the world: filter on those, not on ids.
    claimed = {(row.user_id, row.day) for row in db.session.execute(
        sa.select(ReminderSent.user_id, ReminderSent.day).where(ReminderSent.day.in_(set(candidates.values()))))}
    return sorted((u, d) for u, d in candidates.items() if (u, d) not in claimed)


CLAIMS_KEPT_DAYS = 14


def prune_claims(now: datetime) -> int:
    """Forget claims older than two weeks (one row per learner per day adds up); a claim only
    matters on its own day, give or take the time zones."""
    cutoff = now.date() - timedelta(days=CLAIMS_KEPT_DAYS)
    deleted = db.session.execute(sa.delete(ReminderSent).where(ReminderSent.day < cutoff)).rowcount
    db.session.commit()
    return deleted


def digest_job_id(user_id: int, day: date) -> str:
    # RQ accepts letters, digits, "_" and "-" in ids: digest-<user>-<YYYY-MM-DD>.
    return f"digest-{user_id}-{day.isoformat()}"


def enqueue_due(now: datetime, app: Flask | None = None) -> int:
    """One scheduler tick: a digest job per due learner. Returns how many were enqueued (duplicates
    of jobs still kept by the queue are dropped and not counted)."""
    prune_claims(now)
    count = 0
    for user_id, day in due_learners(now):
        if jobs.enqueue(DIGEST_JOB, user_id, day.isoformat(), job_id=digest_job_id(user_id, day), app=app):
            count += 1
    return count


def run_due(now: datetime) -> dict[str, int]:
    """One tick run here and now, each job in turn (`flask jobs run-due`, for cron without Redis)."""
    prune_claims(now)
    outcomes: dict[str, int] = {}
    for user_id, day in due_learners(now):
        try:
            outcome = send_digest(user_id, day.isoformat())
        except Exception:  # noqa: BLE001 - one learner's failed mail must not stop the others'
            current_app.logger.exception("reminder for learner %s on %s failed; the next tick tries again", user_id, day)
            outcome = "failed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
