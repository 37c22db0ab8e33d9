"""Whole-page cache for catalog pages seen by visitors, with explicit invalidation.

A request without any cookie is anonymous and has no session: its home, course, lesson,
path, topic and search pages are the same for everyone until the catalog changes. They are
rendered once per worker and served from memory, with an ETag so browsers revalidate with a
304. Every import that changes something writes a new catalog version (CatalogState); a worker
looks at it at most once a second (PAGE_CACHE_VERSION_TTL) and drops its pages when it moves.
Anything personal (any cookie, so a session, a flash message or a logged-in user) bypasses it.

A signed-in learner's lesson and course pages use the same idea one level down (`shell`): the
page is rendered once per worker and catalog version with markers (`slot`) where something
personal goes, and each request splices in the learner's parts (name, CSRF token, flashes,
read/completed flags, enrollment, the course test), computed by a few small queries. Nothing
personal is ever stored: a shell is rendered with markers instead of the learner's values.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable, Mapping

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, make_response, request, session
from markupsafe import Markup

from learnpath.extensions import db
from learnpath.models import CatalogState
from learnpath.security import policy_headers

MAX_BYTES = 16 * 2**20  # of HTML per worker (about 250 lesson pages)
SHELL_BYTES = 16 * 2**20  # of signed-in page shells per worker


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


def app_cache(name: str, max_bytes: int) -> BoundedCache:
    """The current app's BoundedCache called `name`, made at first use: per app, so per worker (and never
    shared by two apps in one process, as tests make them)."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, BoundedCache(max_bytes))
    return cache


@dataclass
class _PageCache:
    pages: BoundedCache = field(default_factory=lambda: BoundedCache(MAX_BYTES))
    shells: BoundedCache = field(default_factory=lambda: BoundedCache(SHELL_BYTES))
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
    """The catalog version, read from the database at most once per PAGE_CACHE_VERSION_TTL, and kept
    for the rest of the request (a page and its caches see one version)."""
    if "catalog_version" in g:
        return g.catalog_version
    state = _state()
    now = time.monotonic()
    if now - state.checked >= current_app.config.get("PAGE_CACHE_VERSION_TTL", 1.0):
        value = db.session.scalar(sa.select(CatalogState.version).where(CatalogState.id == 1))
        with state.lock:
            if value != state.version:
                state.pages.clear()
                state.shells.clear()
            state.version, state.checked = value, now
    g.catalog_version = state.version
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


# A marker no content can contain by accident or design: the nonce is random per process.
_NONCE = secrets.token_hex(8)
_SLOT = re.compile(f"<!--slot:{_NONCE}:([^>]*)-->")


def slot(name: str) -> Markup:
    """Where a shell's personal part `name` goes (templates call it when `slot` is defined)."""
    return Markup(f"<!--slot:{_NONCE}:{name}-->")


@dataclass(frozen=True)
class Shell:
    # UTF-8 text, slot name, text, slot name, …, text. Bytes: a lesson page is ~100 KB, and encoding it
    # on every view cost more than filling its slots; only the (small) personal parts are encoded.
    parts: tuple[bytes | str, ...]
    meta: Any  # what the view needs to compute the personal parts (ids, slugs: never ORM objects)

    @classmethod
    def of(cls, html: str, meta: Any) -> Shell:
        pieces = _SLOT.split(html)
        return cls(tuple(p.encode() if i % 2 == 0 else p for i, p in enumerate(pieces)), meta)

    def fill(self, values: Mapping[str, str | bytes]) -> bytes:
        """The page (UTF-8) with each slot replaced by `values[name]` (already escaped HTML, or its UTF-8)."""
        parts = self.parts
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            value = values[parts[i]]
            out.append(value if isinstance(value, bytes) else value.encode())
            out.append(parts[i + 1])
        return b"".join(out)


def shell(key: tuple, render: Callable[[], tuple[str, Any]]) -> Shell:
    """The shell for `key` under the current catalog version, rendering it (`render()` → (html, meta))
    on a miss; kept per worker like the visitors' pages and dropped with them when the catalog moves."""
    state = _state()
    full = (key, catalog_version())
    hit = state.shells.get(full)
    if hit is None:
        html, meta = render()
        hit = Shell.of(html, meta)
        state.shells.put(full, hit, len(html))
    return hit
