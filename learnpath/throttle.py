"""Counters shared by every worker and server: failed log-ins, reset mails, SQL runs.

A counter is a row per key in the application database, so two gunicorn workers (or two app
servers) see the same figures, unlike a limiter's per-process memory. Each write is one
INSERT … ON CONFLICT, so concurrent hits never lose a count.

Two shapes:
- `allow(key, limit, window)`: a fixed window, e.g. 60 SQL runs per minute per learner.
- failures with a growing lock-out (OWASP ASVS 2.2.1): after `limit` failures within the window
  the key is refused for `LOCKOUT_BASE`, doubling with every further failure, up to `LOCKOUT_MAX`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from learnpath.extensions import db, dialect_insert, prepared
from learnpath.models import Throttle
from learnpath.models._types import utcnow

LOCKOUT_BASE = timedelta(minutes=1)
LOCKOUT_MAX = timedelta(hours=1)


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds


@prepared
def _hit(dialect: str):
    t = Throttle.__table__.c
    stmt = dialect_insert(Throttle.__table__, dialect)
    fresh = t.window_start < sa.bindparam("window_open")
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "hits": sa.case((fresh, 1), else_=t.hits + 1),
            "window_start": sa.case((fresh, stmt.excluded.window_start), else_=t.window_start),
        },
    ).returning(t.hits, t.window_start, t.locked_until)


def _count(key: str, window: timedelta, now: datetime) -> tuple[int, datetime, datetime | None]:
    row = db.session.execute(_hit(), {"key": key, "hits": 1, "window_start": now, "locked_until": None,
                                      "window_open": now - window}).one()
    return row.hits, row.window_start, row.locked_until


def allow(key: str, limit: int, window: timedelta) -> Refusal | None:
    """Count one hit (committed at once); a Refusal once `limit` hits fall in the current window."""
    now = utcnow()
    hits, started, _ = _count(key, window, now)
    db.session.commit()
    if hits > limit:
        return Refusal(max(1, int((started + window - now).total_seconds()) + 1))
    return None


def locked(keys: list[str]) -> Refusal | None:
    """Is any of these keys locked out now? (Read only: a locked key is not counted again.)"""
    now = utcnow()
    until = db.session.scalar(sa.select(sa.func.max(Throttle.locked_until)).where(Throttle.key.in_(keys)))
    if until is not None and until > now:
        return Refusal(max(1, int((until - now).total_seconds()) + 1))
    return None


def fail(keys: list[str], limit: int, window: timedelta) -> None:
    """Record one failure against each key; lock a key out once it passes `limit` in the window."""
    now = utcnow()
    for key in keys:
        hits, _, _ = _count(key, window, now)
        if hits >= limit:
            lockout = min(LOCKOUT_BASE * 2 ** min(hits - limit, 10), LOCKOUT_MAX)
            db.session.execute(sa.update(Throttle).where(Throttle.key == key).values(locked_until=now + lockout))
    db.session.commit()


def clear(key: str) -> None:
    db.session.execute(sa.delete(Throttle).where(Throttle.key == key))
    db.session.commit()
