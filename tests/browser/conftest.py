"""Real-browser fixtures: the app served by werkzeug in a background thread on a fresh SQLite
database (fixture pack imported, CSRF on), and Playwright driving Debian's chromium.

Run with `pytest -m browser` (the default run deselects these tests). Nothing here downloads a
browser: pytest-playwright is pointed at /usr/bin/chromium (or $LEARNPATH_CHROMIUM).
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler, make_server

from learnpath import create_app
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from tests.browser.helpers import AXE_JS, REPO_ROOT

FIXTURE_PACK = REPO_ROOT / "tests" / "fixtures" / "pack"
CHROMIUM = Path(os.environ.get("LEARNPATH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
# expect() retries until this timeout: generous for a loaded CI runner, never a fixed sleep.
expect.set_options(timeout=10_000)


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr for every request the browser makes."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class LiveServer:
    url: str
    app: object
    errors: list[BaseException] = field(default_factory=list)


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 and a free port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="learnpath-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def app_with_pack(database: Path, pack: Path, secret: str = "browser-test-secret"):
    """The real app (CSRF on, no rate limits) on its own migrated SQLite database with `pack` imported."""
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False, "SECRET_KEY": secret, "SERVER_NAME": None,
    }, instance_path=str(database.parent / "instance"))
    with app.app_context():
        upgrade()
        import_pack(load_pack(pack))
        db.session.remove()
    return app


@contextmanager
def served_pack(database: Path, pack: Path, secret: str) -> Iterator[str]:
    """`app_with_pack` served on a free port for a module's tests; yields the base URL."""
    app = app_with_pack(database, pack, secret)
    with serving(app) as url:
        yield url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class ConsoleWatch:
    """What the `page` fixture (and watched_page) do with console errors. A test may allow() one exact, expected
    message by a regex over "console.error: <text> (<url>)"; it then lands in `tolerated` (for the
    test to assert on) instead of failing the test. Nothing is allowed unless a test asks."""
    allowed: list[re.Pattern] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))


@contextmanager
def watched_page(browser, browser_context_args, base_url: str, console: ConsoleWatch | None = None) -> Iterator:
    """A page in a new context on `base_url`; any console error or page error fails the test, but
    for the messages `console` (see ConsoleWatch) allows, which land in its `tolerated`."""
    context = browser.new_context(**{**browser_context_args, "base_url": base_url})
    page = context.new_page()
    problems: list[str] = []
    console = console or ConsoleWatch()

    def on_console(msg) -> None:
        if msg.type == "error":
            entry = f"console.{msg.type}: {msg.text} ({msg.location.get('url') or ''})"
            allowed = any(pattern.fullmatch(entry) for pattern in console.allowed)
            (console.tolerated if allowed else problems).append(entry)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield page
    context.close()
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app on 127.0.0.1 and a free port, on its own migrated SQLite database."""
    app = app_with_pack(tmp_path_factory.mktemp("browser-db") / "browser.sqlite3", FIXTURE_PACK)

    with serving(app) as url:
        live = LiveServer(url=url, app=app)

        def record(sender, exception, **extra):
            live.errors.append(exception)

        got_request_exception.connect(record, app)
        yield live
    got_request_exception.disconnect(record, app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_errors(live_server):
    """Any unhandled exception in the app during a browser test fails that test."""
    live_server.errors.clear()
    yield
    assert not live_server.errors, f"the app raised while serving the browser: {live_server.errors!r}"


# ---- pytest-playwright overrides ---------------------------------------------------------------

@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make system-deps) or set LEARNPATH_CHROMIUM")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS,
            "headless": browser_type_launch_args.get("headless", True)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, base_url):
    return {**browser_context_args, "base_url": base_url, "viewport": VIEWPORT, "locale": "en-GB",
            "timezone_id": "UTC", "reduced_motion": "reduce"}


@pytest.fixture
def console_watch() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def page(context, console_watch: ConsoleWatch):
    """pytest-playwright's page, failing the test if the page logs an error (e.g. a CSP violation)."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg) -> None:
        url = msg.location.get("url") or ""
        # Tolerate a /favicon.ico request from chromium if a page ever lacks the icon link.
        if msg.type == "error" and not url.endswith("/favicon.ico"):
            entry = f"console.{msg.type}: {msg.text} ({url})"
            allowed = any(pattern.fullmatch(entry) for pattern in console_watch.allowed)
            (console_watch.tolerated if allowed else problems).append(entry)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    yield page
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} not found: run `npm install` (make system-deps) first")
    return AXE_JS
