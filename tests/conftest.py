"""Fixtures: a migrated database per test (SQLite by default, PostgreSQL when
LEARNPATH_TEST_DATABASE_URL points at one) with the small fixture pack imported, a temporary
instance folder per test, and helpers.

Migrations and the pack import run once per session, into a template database; each test gets a
copy of it (SQLite: a file copy; PostgreSQL: CREATE DATABASE ... TEMPLATE). Tests that need a
pristine migration run ask for `empty_database_url`.

Under pytest-xdist (`-n 2`, as `make test` runs it) each worker is its own session with its own
template: SQLite files live in the worker's tmp folder, and PostgreSQL databases carry the worker id
(<name>__gw0__case_<n>, ...), so workers never touch each other's databases.

Any traceback in the server log fails the test that caused it (see `pytest_runtest_call` below)
unless the test is marked `expect_server_error` because it provokes one on purpose.
"""
from __future__ import annotations

import os
import sys
import tempfile

# Where PYTHONDONTWRITEBYTECODE is set, every run (each xdist worker, and each Python subprocess a test
# starts) compiled the app and re-rewrote the asserts of each test module and plugin from source, ~4 CPU s
# a process: keep those bytecode files, outside the checkout.
if sys.dont_write_bytecode and sys.pycache_prefix is None:
    sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"learnpath-tests-pycache-{os.getuid()}")
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
    del os.environ["PYTHONDONTWRITEBYTECODE"]

import functools
import gc
import itertools
import logging
import re
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jinja2
import jinja2.bccache
import pytest
import sqlalchemy as sa
from flask import got_request_exception, request_finished
from flask_migrate import upgrade
from sqlalchemy import event
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from learnpath import create_app
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db

pytest_plugins = ("pytester",)  # tests/test_server_errors.py runs an inner session

FIXTURE_PACK = Path(__file__).parent / "fixtures" / "pack"
PG_URL = os.environ.get("LEARNPATH_TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under xdist
BASE_SETTINGS = {
    "TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SECRET_KEY": "test-secret",
    "SERVER_NAME": None, "FSRS_FUZZING": False, "PAGE_CACHE_VERSION_TTL": 0,
}


# ---- databases ---------------------------------------------------------------------------------

class SqliteDatabases:
    """A database is a file; a copy of one is a file copy."""

    def __init__(self, folder: Path):
        self.template = ""

    @staticmethod
    def _path(url: str) -> Path:
        return Path(url.removeprefix("sqlite:///"))

    def create(self, name: str, folder: Path, source: str | None = None) -> str:
        target = folder / f"{name}.sqlite3"
        if source:
            shutil.copyfile(self._path(source), target)
        else:
            target.unlink(missing_ok=True)
        return f"sqlite:///{target}"

    def seal(self, url: str) -> None:
        # Fold the WAL into the main file so that one file copy is the whole database.
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self._path(url)}{suffix}").unlink(missing_ok=True)

    def drop(self, url: str) -> None:
        pass  # the file lives in a pytest tmp folder

    def close(self) -> None:
        pass


class PostgresDatabases:
    """Databases named after the one in LEARNPATH_TEST_DATABASE_URL and the xdist worker
    (<name>__<worker>__template_<n>, <name>__<worker>__case_<n>, ...), created and dropped through a
    connection to that database: runs with another database name, and other workers, never touch them. A copy is CREATE DATABASE ... TEMPLATE (the source must have no open connection).

    Creating and dropping a database mostly waits on the disk, so one background worker makes the
    next copy of a source while a test runs and drops finished ones behind it. Its tasks run in order,
    so a source is never dropped while a copy of it is being made."""

    def __init__(self, url: str, worker: str = "main"):
        self.url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        self._parts = urlsplit(self.url)
        self.name = f"{self._parts.path.lstrip('/')}__{worker}"
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.template = ""
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self._ahead: dict[tuple[str, str], Future] = {}  # (name, source) -> a copy made in advance
        self._numbers = itertools.count()
        self._drop_leftovers()

    def _run(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def _database(self, url: str) -> str:
        return urlsplit(url).path.lstrip("/")

    def _drop_leftovers(self) -> None:
        """Copies left by an interrupted run of this same database name."""
        with self.admin.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (f"{self.name}__",)).scalars().all()
        for name in names:
            self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _make(self, name: str, source: str | None) -> str:
        database = f"{self.name}__{name}_{next(self._numbers)}"
        template = self._database(source) if source else "template0"
        self._run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._run(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        return urlunsplit(self._parts._replace(path=f"/{database}"))

    def create(self, name: str, folder: Path, source: str | None = None) -> str:
        if source is None:
            return self._make(name, None)
        ahead = self._ahead.pop((name, source), None)
        url = ahead.result() if ahead is not None else self._make(name, source)
        self._ahead[(name, source)] = self._worker.submit(self._make, name, source)
        return url

    def seal(self, url: str) -> None:
        pass

    def _drop_now(self, url: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self._database(url)}" WITH (FORCE)')

    def drop(self, url: str) -> None:
        for key in [key for key in self._ahead if key[1] == url]:  # copies made in advance of a dropped source
            self._worker.submit(self._drop_now, self._ahead.pop(key).result())
        self._worker.submit(self._drop_now, url)

    def close(self) -> None:
        for ahead in self._ahead.values():
            self._worker.submit(self._drop_now, ahead.result())
        self._ahead.clear()
        self._worker.shutdown(wait=True)
        self._drop_now(self.template)
        self.admin.dispose()


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates shared by every app of the session (keyed by template name and source
    checksum, so an edited template is recompiled): a new app per test need not recompile them."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = SharedBytecodeCache()


def build_app(database_url: str, instance_path: Path, **settings):
    """An app with the test settings on `database_url`, writing its files under `instance_path`."""
    app = create_app({**BASE_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **settings},
                     instance_path=str(instance_path))
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    return app


def _shared_url_builders(compile_builder):
    """werkzeug compiles two Python functions for each URL rule of every new app, ~60% of create_app's
    time. A builder depends only on the rule's text and parts, its defaults and its converters, and reaches
    the rule through its `self` argument, so the apps of a session can share one per distinct rule."""
    builders = {}

    def shared(rule, append_unknown=True):
        # a converter's arguments are in the rule's text; its class comes from the app's map
        converters = tuple((name, type(converter)) for name, converter in rule._converters.items())
        defaults = repr(sorted((rule.defaults or {}).items(), key=lambda item: item[0]))
        key = (type(rule), rule.rule, tuple(rule._trace), defaults, converters, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    return shared


@pytest.fixture(scope="session", autouse=True)
def _fast_app_creation():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", _shared_url_builders(Rule._compile_builder))
        yield


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """scrypt with a small work factor in tests (the stored format and the code path are the same):
    the production factor costs ~0.1 s of CPU per signup or login, most of the suite's time otherwise."""
    from learnpath.models import accounts

    cheap = functools.partial(generate_password_hash, method="scrypt:1024:8:1")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "generate_password_hash", cheap)
        yield


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# Property-based fuzz tests try `n` examples in CI (CI=true, as .ci/run sets) or with
# LEARNPATH_THOROUGH=1, and a third of them in a local run, which keeps the everyday suite fast; the
# same tests run either way, only the number of random inputs differs.
THOROUGH = bool(os.environ.get("CI") or os.environ.get("LEARNPATH_THOROUGH"))


def fuzz_examples(n: int) -> int:
    return n if THOROUGH else max(5, n // 3)


@pytest.fixture(scope="session")
def seed_pack():
    """The shipped catalog (seeds/) parsed once per test process: several test files check it, and a
    full parse (diagrams included) is the costliest thing they do. Read it, never change it."""
    return load_pack(Path(__file__).resolve().parent.parent / "seeds")


def _freeze_what_lives_all_session() -> None:
    """Move every object alive now out of the cyclic GC's reach: imports, collected tests, the template's
    app stay until the end anyway, and each full collection walked all of them again (with an app or two
    of garbage per test, a third of a short test's CPU went to the GC)."""
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session):
    _freeze_what_lives_all_session()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """The session's template database: all migrations run and the fixture pack imported, once."""
    folder = tmp_path_factory.mktemp("template")
    dbs = PostgresDatabases(PG_URL, WORKER) if PG_URL else SqliteDatabases(folder)
    url = dbs.create("template", folder)
    app = build_app(url, folder / "instance")
    with app.app_context():
        upgrade()
        import_pack(load_pack(FIXTURE_PACK))
    dispose(app)
    dbs.seal(url)
    dbs.template = url
    _freeze_what_lives_all_session()
    yield dbs
    dbs.close()


@pytest.fixture
def database_url(databases, tmp_path) -> str:
    """This test's own database: a copy of the migrated, imported template."""
    url = databases.create("case", tmp_path, source=databases.template)
    yield url
    databases.drop(url)


@pytest.fixture
def empty_database_url(databases, tmp_path) -> str:
    """An empty database, for tests that run the migrations themselves."""
    url = databases.create("empty", tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def instance_path(tmp_path) -> Path:
    """This test's instance folder: everything the app writes (dataset files, caches) goes here."""
    return tmp_path / "instance"


@pytest.fixture
def make_app(database_url, instance_path):
    """Build an app on the test's database (migrated, fixture pack imported) and instance folder;
    extra settings override the defaults (SQLALCHEMY_DATABASE_URI=empty_database_url for an empty one)."""
    apps = []

    def factory(**settings):
        app = build_app(database_url, instance_path, **settings)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        dispose(app)


@pytest.fixture
def app(make_app):
    return make_app()


def import_over(app, pack: Path):
    """`app` (migrated, fixture pack imported) with another pack imported over it; returns the app."""
    with app.app_context():
        upgrade()
        import_pack(load_pack(pack))
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


# ---- no traceback in the server log --------------------------------------------------------------

class ServerErrors(logging.Handler):
    """Collects, from every app and thread: unhandled exceptions, 5xx responses, and log records
    that carry a traceback or are errors of the app's own loggers."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.found: list[str] = []
        self._lock = threading.Lock()

    def _add(self, text: str) -> None:
        with self._lock:
            self.found.append(text)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.name.split(".")[0] == "learnpath":
            self._add(f"log {record.name}: {self.format(record)}")

    def on_exception(self, sender, exception, **extra) -> None:
        self._add(f"unhandled exception: {exception!r}")

    def on_response(self, sender, response, **extra) -> None:
        if response.status_code >= 500:
            self._add(f"HTTP {response.status_code} response")

    def start(self) -> None:
        self.setFormatter(logging.Formatter("%(message)s"))
        logging.getLogger().addHandler(self)
        got_request_exception.connect(self.on_exception)
        request_finished.connect(self.on_response)

    def stop(self) -> None:
        logging.getLogger().removeHandler(self)
        got_request_exception.disconnect(self.on_exception)
        request_finished.disconnect(self.on_response)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    item.stash[_server_errors] = recorder = ServerErrors()
    recorder.start()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    recorder = item.stash[_server_errors]
    if recorder.found and item.get_closest_marker("expect_server_error") is None:
        raise AssertionError("the server logged an error or traceback (mark the test expect_server_error if it is "
                             "provoked on purpose):\n" + "\n".join(recorder.found))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    try:
        return (yield)
    finally:
        recorder = item.stash.get(_server_errors, None)
        if recorder is not None:
            recorder.stop()


_server_errors = pytest.StashKey[ServerErrors]()


# ---- helpers -------------------------------------------------------------------------------------

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
        engines = {db.engine}
        if "lane" in app.extensions:  # the signed-in fast path reads through an engine of its own
            engines.add(app.extensions["lane"].engine())
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        result = request()
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)
    return result, statements
