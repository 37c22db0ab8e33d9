"""Fixtures: a migrated database per test (SQLite by default, PostgreSQL when
LEARNPATH_TEST_DATABASE_URL points at one), the small fixture pack imported, and helpers."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import event

from learnpath import create_app
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db

FIXTURE_PACK = Path(__file__).parent / "fixtures" / "pack"
PG_URL = os.environ.get("LEARNPATH_TEST_DATABASE_URL")


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path) -> str:
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def make_app(database_url):
    """Build an app on the test database; extra settings override the defaults."""
    apps = []

    def factory(**settings):
        config = {
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-secret", "SERVER_NAME": None,
            "FSRS_FUZZING": False, "PAGE_CACHE_VERSION_TTL": 0,
        }
        config.update(settings)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        import_pack(load_pack(FIXTURE_PACK))
    return app


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def pack_copy(tmp_path) -> Path:
    """A writable copy of the fixture pack, for tests that edit or break it."""
    target = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACK, target)
    return target


class Auth:
    def __init__(self, client):
        self.client = client

    def signup(self, email="ada@example.com", password="correct horse battery", name="Ada"):
        return self.client.post("/signup", data={"email": email, "password": password, "name": name})

    def login(self, email="ada@example.com", password="correct horse battery", remember=False):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def csrf_token(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def api_token(client, email="api@example.com", password="correct horse battery", name="Api") -> str:
    client.post("/api/v1/auth/register", json={"email": email, "password": password, "name": name})
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}).get_json()["token"]


def sql_statements(app, request):
    """Run `request()` (e.g. a test-client call); return (its result, the SQL statements it ran)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = request()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return result, statements
