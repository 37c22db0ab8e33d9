"""Whole-page cache for catalog pages seen by visitors, with explicit invalidation.

A request without any cookie is anonymous and has no session: its home, course, lesson,
path, topic and search pages are the same for everyone until the catalog changes. They are
rendered once per worker and served from memory, with an ETag so browsers revalidate with a
304. Every import that changes something writes a new catalog version (CatalogState); a worker
looks at it at most once a second (PAGE_CACHE_VERSION_TTL) and drops its pages when it moves.
Anything personal (any cookie, so a session, a flash message or a logged-in user) bypasses it.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, make_response, request, session

from learnpath.extensions import db

MAX_PAGES = 256  # about 15 MB of HTML per worker at most


@dataclass
class _PageCache:
    pages: OrderedDict = field(default_factory=OrderedDict)
    version: str | None = None
    checked: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions["pagecache"] = _PageCache()


def _state() -> _PageCache:
    return current_app.extensions["pagecache"]


def catalog_version() -> str | None:
    state = _state()
    now = time.monotonic()
    if now - state.checked >= current_app.config.get("PAGE_CACHE_VERSION_TTL", 1.0):
        from learnpath.models import CatalogState

        value = db.session.scalar(sa.select(CatalogState.version).where(CatalogState.id == 1))
        with state.lock:
            if value != state.version:
                state.pages.clear()
            state.version, state.checked = value, now
    return state.version


def cached_page(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.cookies or not current_app.config.get("PAGE_CACHE", True):
            return view(*args, **kwargs)
        state = _state()
        key = (request.full_path, catalog_version())
        with state.lock:
            hit = state.pages.get(key)
            if hit is not None:
                state.pages.move_to_end(key)
        if hit is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified or response.direct_passthrough:
                return response
            body = response.get_data()
            hit = (body, response.mimetype, hashlib.sha256(body).hexdigest()[:20])
            with state.lock:
                state.pages[key] = hit
                while len(state.pages) > MAX_PAGES:
                    state.pages.popitem(last=False)
        body, mimetype, etag = hit
        response = make_response(body)
        response.mimetype = mimetype
        response.set_etag(etag)
        response.headers["Cache-Control"] = "no-cache"  # may be stored, but revalidated each time
        response.vary.add("Cookie")
        return response.make_conditional(request)
    return wrapper
