"""Each learner's rendered dashboard, kept in the worker's memory and invalidated explicitly.

Only the body is kept (the page around it carries flash messages and the logout form's CSRF
token). A body is served again while nothing it shows can have changed:
- the learner's progress version is the one it was rendered under: every write that changes the
  dashboard bumps `user.progress_version` in its own transaction (`services.bump_progress_version`),
  and `current_user` is loaded for every request anyway, so the check costs no query;
- so is the catalog version (an import that changes lessons or courses), which the page cache
  checks at most once a second;
- the clock has not reached the moment the renderer said its figures change (midnight, the next
  review card falling due, a topic's predicted recall moving to another whole percent or level:
  see progress/dashboard.py).
A worker keeps at most DASHBOARD_CACHE_BYTES of bodies, dropping the least recently viewed first.
When the body must be rendered again, progress/dashboard.py still reuses the parts of it that the
change did not touch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask import Flask, current_app

from learnpath.models import User
from learnpath.pagecache import BoundedCache, catalog_version
from learnpath.progress import dashboard as parts


@dataclass(frozen=True)
class _Entry:
    stamp: tuple
    valid_until: datetime
    body: bytes  # UTF-8: half the memory of the str (one '✓' makes Python store 2 bytes a character)


def init_app(app: Flask) -> None:
    app.extensions["dashboard_cache"] = BoundedCache(app.config["DASHBOARD_CACHE_BYTES"])
    parts.init_app(app)


def _stamp(user: User) -> tuple:
    # created_at tells a new account from a deleted one whose id SQLite handed out again.
    return user.progress_version, catalog_version(), user.created_at


def dashboard_body(user, now: datetime, render: Callable[[], tuple[str, datetime]]) -> bytes:
    """The learner's kept body (UTF-8), or `render()`'s (body, moment its figures change) kept for next
    time. `user`: anything with the User's id, progress_version and created_at (the signed-in fast path's
    Learner too)."""
    if not current_app.config["DASHBOARD_CACHE"]:
        return render()[0].encode()
    cache: BoundedCache = current_app.extensions["dashboard_cache"]
    # Taken before rendering: a write that lands meanwhile leaves a body at least as new as its stamp.
    stamp = _stamp(user)
    entry = cache.get(user.id)
    if entry is not None and entry.stamp == stamp and now < entry.valid_until:
        return entry.body
    body, changes_at = render()
    encoded = body.encode()
    cache.put(user.id, _Entry(stamp, changes_at, encoded), len(encoded))
    return encoded
