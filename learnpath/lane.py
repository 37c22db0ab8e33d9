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

What Flask would do around it is left out, because on this path it costs more than the page: there is
no request context (handlers get a `Visit`: the learner, their CSRF token, the path), only the app's;
the user's row is read by one statement compiled once per dialect and run on the driver's cursor
(learnpath.statements), on a connection each worker thread keeps open across requests.

Anything unusual goes through Flask, which then serves the request exactly as before: no ticket or an
old one (TICKET_TTL), a cookie that changed (a flash message, a new log-in), a catalog version not
checked within PAGE_CACHE_VERSION_TTL, a shell not rendered yet, a write the page would need (an
overdue course test to close), any query string but the page's own, any error (logged).

Tickets live in each worker's memory only and hold nothing the cookie does not already carry except
the user id; several servers each keep their own, and every check that matters reads the database.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask.ctx import RequestContext
from flask_login import current_user

from learnpath.extensions import db
from learnpath.models import User
from learnpath.pagecache import BoundedCache
from learnpath.security import policy_headers
from learnpath.statements import Query

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
    admin_href: str  # the admin console's URL (Flask builds it: the app may sit under a script root)
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


@dataclass(frozen=True)
class Visit:
    """Who asks for a page, as its personal parts read them: made from Flask's request (`user` the User)
    or on the fast path (`user` its Learner, `conn` the thread's connection; no flash messages there,
    since a flash changes the cookie)."""

    user: Any  # id, name, role, time_zone, progress_version, created_at
    csrf: str
    admin_href: str
    path: str
    flashes: tuple = ()
    conn: sa.Connection | None = None
    query: str = ""  # the query string, on the fast path (whose handlers accept only their page's own)
    environ: dict | None = None  # the fast path's WSGI environ

    @property
    def fast(self) -> bool:
        """Served by the fast path, which must not write."""
        return self.conn is not None


# A page handler gets the visit and the path after its prefix, and returns the page (UTF-8 HTML); or
# raises NeedsFlask.
Handler = Callable[[Visit, str], bytes]
_handlers: dict[str, tuple[str, Handler]] = {}  # path prefix -> (endpoint, handler)
_exact: dict[str, tuple[str, Handler]] = {}  # path -> (endpoint, handler)


def page(prefix: str, endpoint: str, exact: bool = False):
    """Register `handler(visit, rest_of_path)` for GETs under `prefix` (or of exactly that path, getting "")
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


def _user_row(dialect: str):
    u = User.__table__.c
    return sa.select(u.id, u.name, u.role, u.time_zone, u.session_version, u.progress_version, u.created_at,
                     u.disabled_at).where(u.id == sa.bindparam("user_id"))


_USER = Query(_user_row)


def _key(environ: dict) -> tuple:
    # Flask-Login's session protection hashes the client address and user agent: a ticket is for all of them.
    return (environ.get("HTTP_COOKIE"), environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
            environ.get("HTTP_USER_AGENT"))


class _Lane:
    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.tickets = BoundedCache(TICKET_BYTES)
        self.headers = [("Vary", "Cookie"), *policy_headers(app).items()]
        self.endpoints = frozenset(endpoint for endpoint, _ in (*_handlers.values(), *_exact.values()))
        self._engine: sa.Engine | None = None
        self._engine_lock = threading.Lock()
        self._local = threading.local()  # .conn: this thread's connection, .stamp: (process id, generation)
        self._generation = 0  # moved when the engine is disposed: every thread's connection is then old
        self._held: list[sa.Connection] = []  # every thread's, to close on disposal

    def engine(self) -> sa.Engine:
        """The fast path's reads go through an engine of their own: the same database, but autocommit and
        no ping or rollback around each use. The app's engine pings every connection it hands out and
        rolls it back when it comes back: two more round trips than a PostgreSQL read needs. Each worker
        thread keeps one of its connections (`connection`); one that broke meanwhile fails its query,
        which sends that request to Flask and the next one to a new connection. Disposed with the app's."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    main = db.engine
                    if main.url.get_backend_name() == "sqlite" and main.url.database in (None, "", ":memory:"):
                        self._engine = main  # an in-memory database exists only behind the app's own pool
                    else:
                        # pool_size=0: no limit, as each thread of a worker keeps one connection
                        engine = sa.create_engine(main.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None,
                                                  pool_size=0)
                        sa.event.listen(main, "engine_disposed", lambda _: self._dispose(engine))
                        self._engine = engine
        return self._engine

    def _dispose(self, engine: sa.Engine) -> None:
        with self._engine_lock:
            self._generation += 1
            held, self._held = self._held, []
        for conn in held:  # checked out for good: Engine.dispose() would leave them open
            try:
                conn.invalidate()
            except Exception:  # already broken or closed: nothing left to release
                pass
        engine.dispose()

    def connection(self) -> sa.Connection:
        """This thread's connection for the fast path's reads, kept open across requests (a checkout
        from the pool costs more CPU than the read). Autocommit: it holds no snapshot between reads."""
        engine = self.engine()
        local = self._local
        stamp = (os.getpid(), self._generation)
        conn = getattr(local, "conn", None)
        if conn is None or local.stamp != stamp:
            conn = engine.connect()
            local.conn, local.stamp = conn, stamp
            with self._engine_lock:
                self._held.append(conn)
        return conn

    def _forget_connection(self) -> None:
        """After an error: the thread's connection may be broken; the next request opens another."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._engine_lock:
                if conn in self._held:
                    self._held.remove(conn)
            try:
                conn.invalidate()
            except Exception:
                pass

    def _with_connection(self, use: Callable[[sa.Connection], Any]) -> Any:
        if self.engine() is db.engine:  # an in-memory SQLite database: borrow the app's pool per request
            with self.engine().connect() as conn:
                return use(conn)
        conn = self.connection()
        try:
            return use(conn)
        finally:
            if conn.in_transaction():  # Connection.execute began one (autocommit: nothing to commit)
                conn.rollback()

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
        return self._run(environ, lambda conn: handler(conn, token), "API fast path")

    def _serve(self, environ, ticket: Ticket, rest: str, handler: Handler) -> bytes | None:
        """The page, or None when Flask must serve it (and then nothing here has written anything)."""
        def page(conn: sa.Connection) -> bytes | None:
            row = _USER.first(conn, {"user_id": ticket.user_id})
            if row is None or row.disabled_at is not None or row.session_version != ticket.session_version:
                self.tickets.put(_key(environ), None, 0)  # logged out everywhere, disabled or deleted
                return None
            learner = Learner(row.id, row.name, row.role, row.time_zone, row.session_version,
                              row.progress_version, row.created_at)
            visit = Visit(learner, ticket.csrf, ticket.admin_href, environ.get("PATH_INFO", ""), conn=conn,
                          query=environ.get("QUERY_STRING", ""), environ=environ)
            g.lane = visit
            return handler(visit, rest)
        return self._run(environ, page, "signed-in fast path")

    def _run(self, environ, serve: Callable[[sa.Connection], Any], what: str) -> Any:
        """`serve(conn)` within the app's context, or None when Flask must serve the request."""
        ctx = self.app.app_context()
        ctx.push()
        try:
            return self._with_connection(serve)
        except NeedsFlask:
            return None
        except Exception:  # the request is still served, by Flask, which reports its own errors
            self._forget_connection()
            self.app.logger.exception("%s failed for %s; Flask serves it", what, environ.get("PATH_INFO"))
            return None
        finally:
            request_ctx = g.pop("lane_request_context", None)
            if request_ctx is not None:
                request_ctx.pop()
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
        self.tickets.put(key, Ticket(user.id, user.session_version, g.csrf_token, url_for("admin.index"),
                                     time.monotonic() + ttl), 256)
        return response


class _LaneContext(RequestContext):
    """A request context with no session (the ticket stands for it) and no URL matching (the prefix did it)."""

    def match_request(self) -> None:
        return None


def need_request() -> None:
    """Call before rendering a template: on the fast path, which runs in the app's context only, this
    pushes a request context (once per request) for what templates read — url_for, current_user, the
    CSRF token. A repeat view renders nothing, so it rarely pays for one."""
    visit = g.get("lane")
    if visit is None or has_request_context():
        return
    app = current_app._get_current_object()
    ctx = _LaneContext(app, visit.environ, session=app.session_interface.make_null_session(app))
    ctx.push()  # within the app context already pushed: it shares its `g`
    g.lane_request_context = ctx
    g._login_user = visit.user  # Flask-Login's current_user
    g.csrf_token = visit.csrf  # what flask_wtf.csrf.generate_csrf returns within this request


def init_app(app: Flask) -> None:
    """Install the fast path (outside the visitors' page cache) when SIGNED_IN_FAST_PATH is on."""
    if not app.config.get("SIGNED_IN_FAST_PATH", True):
        return
    lane = _Lane(app, app.wsgi_app)
    app.wsgi_app = lane
    app.extensions["lane"] = lane
    app.after_request(lane.leave_ticket)
