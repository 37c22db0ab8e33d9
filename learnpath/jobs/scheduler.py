"""The one scheduler: every few minutes, enqueue the digests that have fallen due.

Only one scheduler may enqueue at a time: it holds a Redis lock (SET NX PX, renewed every tick,
expiring after LOCK_TTL_TICKS ticks so a crashed scheduler is replaced). A second one started by
mistake logs that it is idling and keeps trying the lock, taking over if the first stops. Even
if two did enqueue, the per-(learner, day) claim in the database keeps it to one mail.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from typing import Callable

from flask import Flask
from redis import Redis

from learnpath.extensions import db
from learnpath.models._types import utcnow
from learnpath.reminders import services as reminders

log = logging.getLogger(__name__)
LOCK_KEY = "learnpath:scheduler:lock"
LOCK_TTL_TICKS = 3

# Renew only a lock we still hold (its value is our token): a plain PEXPIRE could extend a lock
# another scheduler took after ours expired.
_RENEW = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
end
return 0
"""


class SchedulerLock:
    def __init__(self, redis: Redis, ttl_ms: int, key: str = LOCK_KEY):
        self.redis = redis
        self.ttl_ms = max(1000, int(ttl_ms))
        self.key = key
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    def acquire_or_renew(self) -> bool:
        if self._renew(keys=[self.key], args=[self.token, self.ttl_ms]):
            return True
        return bool(self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def holder(self) -> str | None:
        value = self.redis.get(self.key)
        return value.decode() if value else None

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.token])


def run(app: Flask, interval_seconds: float, ticks: int | None = None,
        sleep: Callable[[float], None] = time.sleep) -> None:
    """Tick every `interval_seconds` (forever, or `ticks` times). Needs an app context."""
    lock = None
    if app.config.get("REDIS_URL"):
        lock = SchedulerLock(Redis.from_url(app.config["REDIS_URL"]), LOCK_TTL_TICKS * interval_seconds * 1000)
        log.info("scheduler %s: every %.0f s, lock %s", lock.token, interval_seconds, LOCK_KEY)
    else:
        log.warning("REDIS_URL is not set: this scheduler runs the jobs itself, and nothing stops a second "
                    "scheduler (the per-day claim still keeps it to one mail per learner and day)")
    leading = None
    done = 0
    try:
        while ticks is None or done < ticks:
            held = lock.acquire_or_renew() if lock else True
            if held != leading and lock:
                if held:
                    log.info("scheduler %s: holding the lock; enqueueing due digests", lock.token)
                else:
                    log.warning("scheduler %s: another scheduler (%s) holds the lock; this one idles "
                                "(only one scheduler should run)", lock.token, lock.holder())
                leading = held
            if held:
                try:
                    if lock:
                        count = reminders.enqueue_due(utcnow(), app=app)
                        log.info("scheduler tick: %d digest job(s) enqueued", count)
                    else:
                        log.info("scheduler tick: %s", reminders.run_due(utcnow()) or "nothing due")
                except Exception:  # noqa: BLE001 - a database or Redis hiccup must not stop the scheduler
                    log.exception("scheduler tick failed; trying again next tick")
                finally:
                    db.session.remove()  # no transaction (nor SQLite snapshot) held between ticks
            done += 1
            if ticks is None or done < ticks:
                sleep(interval_seconds)
    finally:
        if lock:
            lock.release()
