"""Each learner's rendered dashboard, kept in the worker's memory and invalidated explicitly.

Only the body is kept (the page around it carries flash messages and the logout form's CSRF
token). A body is served again while nothing it shows can have changed:
- the learner's progress version is the one it was rendered under: every write that changes the
  dashboard bumps `user.progress_version` in its own transaction (`services.bump_progress_version`),
  and `current_user` is loaded for every request anyway, so the check costs no query;
- so is the catalog version (an import that changes lessons or courses), which the page cache
  checks at most once a second;
- the clock has not reached the moment the renderer said its figures change (midnight, the next
  review card falling due), nor MAX_AGE after rendering.
A worker keeps at most DASHBOARD_CACHE_BYTES of bodies, dropping the least recently viewed first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask, current_app
from markupsafe import Markup

from learnpath.models import User
from learnpath.pagecache import BoundedCache, catalog_version

# Predicted recall (topic mastery) decays continuously: a body shows it as of at most this long ago.
MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class _Entry:
    stamp: tuple
    valid_until: datetime
    body: bytes  # UTF-8: half the memory of the str (one '✓' makes Python store 2 bytes a character)


def init_app(app: Flask) -> None:
    app.extensions["dashboard_cache"] = BoundedCache(app.config["DASHBOARD_CACHE_BYTES"])


def _stamp(user: User) -> tuple:
    # created_at tells a new account from a deleted one whose id SQLite handed out again.
    return user.progress_version, catalog_version(), user.created_at


def has_body(app: Flask, user_id: int) -> bool:
    """Whether a body of the learner's is kept at all (valid or not): no query, for the fast path."""
    return app.config["DASHBOARD_CACHE"] and app.extensions["dashboard_cache"].peek(user_id) is not None


def kept_body(user, now: datetime) -> bytes | None:
    """The learner's body (UTF-8) if one is kept and still shows the truth; `user` is anything with the
    User's id, progress_version and created_at (the signed-in fast path's Learner too)."""
    if not current_app.config["DASHBOARD_CACHE"]:
        return None
    entry = current_app.extensions["dashboard_cache"].get(user.id)
    if entry is not None and entry.stamp == _stamp(user) and now < entry.valid_until:
        return entry.body
    return None


def dashboard_body(user: User, now: datetime, render: Callable[[], tuple[str, datetime]]) -> Markup:
    """The learner's cached body, or `render()`'s (body, moment its figures change) kept for next time."""
    if not current_app.config["DASHBOARD_CACHE"]:
        return Markup(render()[0])
    cache: BoundedCache = current_app.extensions["dashboard_cache"]
    # Taken before rendering: a write that lands meanwhile leaves a body at least as new as its stamp.
    stamp = _stamp(user)
    kept = kept_body(user, now)
    if kept is not None:
        return Markup(kept.decode())
    body, changes_at = render()
    encoded = body.encode()
    cache.put(user.id, _Entry(stamp, min(changes_at, now + MAX_AGE), encoded), len(encoded))
    return Markup(body)
