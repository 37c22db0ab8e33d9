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
from flask import Flask, Response, current_app, make_response, request, session

from learnpath.extensions import db
from learnpath.models import CatalogState
from learnpath.security import policy_headers

MAX_BYTES = 16 * 2**20  # of HTML per worker (about 250 lesson pages)


class BoundedCache:
    """A least-recently-used map bounded by the total size of its values, shared by a worker's threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self._items: OrderedDict = OrderedDict()  # key -> (value, size)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def peek(self, key):
        """The value, without the lock or marking it used: one dict read, for the WSGI fast path."""
        item = self._items.get(key)
        return item[0] if item is not None else None

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._items[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:  # a value bigger than the bound is dropped at once
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.size = 0


@dataclass
class _PageCache:
    pages: BoundedCache = field(default_factory=lambda: BoundedCache(MAX_BYTES))
    version: str | None = None
    checked: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions["pagecache"] = _PageCache()
    app.wsgi_app = _FastPath(app, app.wsgi_app)


def _key(environ: dict, version: str | None) -> tuple:
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), version)


class _FastPath:
    """Serve a cached visitor page straight from WSGI, before Flask builds a request.

    Only a cookie-less GET whose page is cached under a version checked less than
    PAGE_CACHE_VERSION_TTL ago; anything else (a miss, a stale version) goes through Flask,
    which refreshes the version and fills the cache.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.policy = list(policy_headers(app).items())

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and not environ.get("HTTP_COOKIE") \
                and self.app.config.get("PAGE_CACHE", True):
            state: _PageCache = self.app.extensions["pagecache"]
            fresh = time.monotonic() - state.checked < self.app.config.get("PAGE_CACHE_VERSION_TTL", 1.0)
            hit = state.pages.peek(_key(environ, state.version)) if fresh else None
            if hit is not None:
                body, mimetype, etag = hit
                headers = [("ETag", f'"{etag}"'), ("Cache-Control", "no-cache"), ("Vary", "Cookie"), *self.policy]
                if f'"{etag}"' in environ.get("HTTP_IF_NONE_MATCH", ""):
                    start_response("304 NOT MODIFIED", headers)
                    return []
                start_response("200 OK", [("Content-Type", f"{mimetype}; charset=utf-8"),
                                          ("Content-Length", str(len(body))), *headers])
                return [body]
        return self.wsgi_app(environ, start_response)


def _state() -> _PageCache:
    return current_app.extensions["pagecache"]


def catalog_version() -> str | None:
    state = _state()
    now = time.monotonic()
    if now - state.checked >= current_app.config.get("PAGE_CACHE_VERSION_TTL", 1.0):
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
        key = _key(request.environ, catalog_version())
        hit = state.pages.get(key)
        if hit is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified or response.direct_passthrough:
                return response
            body = response.get_data()
            hit = (body, response.mimetype, hashlib.sha256(body).hexdigest()[:20])
            state.pages.put(key, hit, len(body))
        body, mimetype, etag = hit
        headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache", "Vary": "Cookie"}  # stored, revalidated each time
        if etag in request.if_none_match:
            return Response(status=304, headers=headers)
        return Response(body, mimetype=mimetype, headers=headers)
    return wrapper
