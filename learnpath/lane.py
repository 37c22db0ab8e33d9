"""The signed-in fast path: a learner's repeat view of a lesson or course page without Flask's full request.

A signed-in page costs Flask a session cookie to verify, a user to load as an ORM object, URL
matching, two rounds of hooks and a response object — more than the page's own work since the page
became a shared shell with the learner's parts spliced in (learnpath.pagecache.shell). So when Flask
has served such a page to a session, it leaves a *ticket*: what it learned from that session (the
user id, the session version it was valid for, its CSRF token). The next GET of a registered page
carrying the very same cookie header (and client address and user agent, which Flask-Login's session
protection looks at) is served here: the user's row is read again by one prepared statement — so a
log-out, a password change, a disabled account or a changed role or time zone takes effect at once —
and the page's handler splices that learner's parts into the ready shell.

Anything unusual goes through Flask, which then serves the request exactly as before: no ticket or an
old one (TICKET_TTL), a cookie that changed (a flash message, a new log-in), a catalog version not
checked within PAGE_CACHE_VERSION_TTL, a shell not rendered yet, a write the page would need (an
overdue course test to close), any query string but the page's own, any error (logged).

Tickets live in each worker's memory only and hold nothing the cookie does not already carry except
the user id; several servers each keep their own, and every check that matters reads the database.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from flask import Flask, g, request, session
from flask.ctx import RequestContext
from flask_login import current_user

from learnpath.extensions import db, prepared
from learnpath.models import User
from learnpath.pagecache import BoundedCache
from learnpath.security import policy_headers

TICKET_TTL = 300.0  # seconds a ticket is used before Flask looks at the session again
TICKET_BYTES = 4 * 2**20  # of tickets per worker (a few thousand sessions)
_ENVIRON_KEY = "learnpath.lane"


class NeedsFlask(Exception):
    """The page cannot be served on the fast path (e.g. it would have to write): Flask serves it."""


def not_rendered():
    """The render function of a shell on the fast path, which serves only shells Flask has rendered."""
    raise NeedsFlask("shell not rendered yet")


@dataclass(frozen=True)
class Ticket:
    user_id: int
    session_version: int
    csrf: str
    expires: float


@dataclass(frozen=True)
class Learner:
    """The signed-in user as the pages' parts read it (Flask-Login's `current_user`), from one row."""

    id: int
    name: str
    role: str
    time_zone: str | None
    session_version: int
    progress_version: int  # with created_at: the stamp of what learnpath.catalog.learner keeps per learner
    created_at: datetime
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"


# A page handler gets the path after its prefix and returns the page (UTF-8 HTML); NeedsFlask otherwise.
Handler = Callable[[str], bytes]
_handlers: dict[str, tuple[str, Handler]] = {}  # path prefix -> (endpoint, handler)
_exact: dict[str, tuple[str, Handler]] = {}  # path -> (endpoint, handler)


def page(prefix: str, endpoint: str, exact: bool = False):
    """Register `handler(rest_of_path)` for GETs under `prefix` (or of exactly that path, getting "")
    whose Flask view is `endpoint`."""
    def register(handler: Handler) -> Handler:
        (_exact if exact else _handlers)[prefix] = (endpoint, handler)
        return handler
    return register


# An API handler gets a database connection and the bearer token, and returns the response's (body,
# headers), or raises NeedsFlask.
ApiHandler = Callable[[sa.Connection, str], tuple[bytes, list]]
_apis: dict[str, ApiHandler] = {}  # exact path -> handler


def api(path: str):
    """Register `handler(conn, token)` for GETs of `path` with a bearer token, no cookie and no query string."""
    def register(handler: ApiHandler) -> ApiHandler:
        _apis[path] = handler
        return handler
    return register


def _find(path: str) -> tuple[str, Handler] | None:
    if path in _exact:
        return "", _exact[path][1]
    for prefix, (_, handler) in _handlers.items():
        if path.startswith(prefix) and len(path) > len(prefix):
            return path[len(prefix):], handler
    return None


@prepared
def _user_row(dialect: str):
    u = User.__table__.c
    return sa.select(u.id, u.name, u.role, u.time_zone, u.session_version, u.progress_version, u.created_at,
                     u.disabled_at).where(u.id == sa.bindparam("user_id"))


def _key(environ: dict) -> tuple:
    # Flask-Login's session protection hashes the client address and user agent: a ticket is for all of them.
    return (environ.get("HTTP_COOKIE"), environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
            environ.get("HTTP_USER_AGENT"))


class _LaneContext(RequestContext):
    """A request context with no session (the ticket stands for it) and no URL matching (the prefix did it)."""

    def match_request(self) -> None:
        return None


class _Lane:
    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.tickets = BoundedCache(TICKET_BYTES)
        self.headers = [("Vary", "Cookie"), *policy_headers(app).items()]
        self.endpoints = frozenset(endpoint for endpoint, _ in (*_handlers.values(), *_exact.values()))
        self._engine: sa.Engine | None = None
        self._engine_lock = threading.Lock()

    def engine(self) -> sa.Engine:
        """The fast path's reads go through an engine of their own: the same database, but autocommit and
        no ping or rollback around each use. The app's engine pings every connection it hands out and
        rolls it back when it comes back: two more round trips than a PostgreSQL read needs. A connection
        that broke meanwhile fails its query, which sends that request to Flask. Disposed with the app's."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    main = db.engine
                    if main.url.get_backend_name() == "sqlite" and main.url.database in (None, "", ":memory:"):
                        self._engine = main  # an in-memory database exists only behind the app's own pool
                    else:
                        engine = sa.create_engine(main.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
                        sa.event.listen(main, "engine_disposed", lambda _: engine.dispose())
                        self._engine = engine
        return self._engine

    def __call__(self, environ, start_response):
        cookie = environ.get("HTTP_COOKIE")
        if cookie and environ.get("REQUEST_METHOD") == "GET" and self.app.config["LEARNER_SHELLS"]:
            key = _key(environ)
            environ[_ENVIRON_KEY] = key
            found = _find(environ.get("PATH_INFO", ""))
            ticket = self.tickets.peek(key) if found is not None else None
            if ticket is not None and ticket.expires > time.monotonic():
                data = self._serve(environ, ticket, *found)
                if data is not None:
                    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", str(len(data))), *self.headers])
                    return [data]
        elif environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING") \
                and environ.get("PATH_INFO") in _apis:
            scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                found = self._serve_api(environ, token.strip(), _apis[environ["PATH_INFO"]])
                if found is not None:
                    body, headers = found
                    start_response("200 OK", [("Content-Length", str(len(body))), *headers])
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _serve_api(self, environ, token: str, handler: ApiHandler) -> tuple[bytes, list] | None:
        ctx = _LaneContext(self.app, environ, session=self.app.session_interface.make_null_session(self.app))
        ctx.push()
        try:
            with self.engine().connect() as conn:
                g.lane = True
                return handler(conn, token)
        except NeedsFlask:
            return None
        except Exception:
            self.app.logger.exception("API fast path failed for %s; Flask serves it", environ.get("PATH_INFO"))
            return None
        finally:
            ctx.pop()

    def _serve(self, environ, ticket: Ticket, rest: str, handler: Handler) -> bytes | None:
        """The page, or None when Flask must serve it (and then nothing here has written anything)."""
        ctx = _LaneContext(self.app, environ, session=self.app.session_interface.make_null_session(self.app))
        ctx.push()
        try:
            with self.engine().connect() as conn:  # a Core connection: no ORM session to set up and tear down
                row = conn.execute(_user_row(), {"user_id": ticket.user_id}).first()
                if row is None or row.disabled_at is not None or row.session_version != ticket.session_version:
                    self.tickets.put(_key(environ), None, 0)  # logged out everywhere, disabled or deleted
                    return None
                g._login_user = Learner(row.id, row.name, row.role, row.time_zone, row.session_version,
                                        row.progress_version, row.created_at)
                g.csrf_token = ticket.csrf  # what flask_wtf.csrf.generate_csrf returns within this request
                g.lane = True
                g.lane_connection = conn
                return handler(rest)
        except NeedsFlask:
            return None
        except Exception:  # the page is still served, by Flask, which reports its own errors
            self.app.logger.exception("signed-in fast path failed for %s; Flask serves it", environ.get("PATH_INFO"))
            return None
        finally:
            ctx.pop()

    def leave_ticket(self, response):
        """After Flask served a registered page to a session it did not change: a ticket for its next GETs."""
        key = request.environ.get(_ENVIRON_KEY)
        if (key is None or response.status_code != 200 or request.endpoint not in self.endpoints
                or session.modified or "_flashes" in session or "csrf_token" not in g
                or request.authorization is not None):
            return response
        user = current_user._get_current_object()
        if not getattr(user, "is_authenticated", False) or "_user_id" not in session:
            return response
        ttl = min(self.app.config.get("SIGNED_IN_TICKET_TTL", TICKET_TTL),
                  (self.app.config.get("WTF_CSRF_TIME_LIMIT") or float("inf")) / 2)
        self.tickets.put(key, Ticket(user.id, user.session_version, g.csrf_token, time.monotonic() + ttl), 256)
        return response


def lane_request() -> bool:
    """Whether this request is served by the fast path (which must not write)."""
    return g.get("lane", False)


def init_app(app: Flask) -> None:
    """Install the fast path (outside the visitors' page cache) when SIGNED_IN_FAST_PATH is on."""
    if not app.config.get("SIGNED_IN_FAST_PATH", True):
        return
    lane = _Lane(app, app.wsgi_app)
    app.wsgi_app = lane
    app.extensions["lane"] = lane
    app.after_request(lane.leave_ticket)
