"""Two app servers on one PostgreSQL and one Redis, as in production behind a load balancer (issue 19).

Two gunicorn processes on different ports share DATABASE_URL, REDIS_URL / RATELIMIT_STORAGE_URI and
SECRET_KEY. A learner's requests alternate between them; each check is something a per-process
cache or limit would get wrong:
- a session cookie and an API token issued by one server work on the other;
- an answer recorded through A shows on B's dashboard at once (B's cached dashboard is keyed by the
  learner's progress version in the database, not by anything local);
- a content import is seen by both within the page cache's version TTL;
- the login throttle and Flask-Limiter's auth limit count across both;
- logging out on A ends the session on B.
Needs the local PostgreSQL and Redis (CI has both); marked slow: `pytest -m slow` runs it.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_PACK = ROOT / "tests" / "fixtures" / "pack"
PG_ADMIN_URL = os.environ.get("LEARNPATH_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/9"

pytestmark = pytest.mark.slow


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env: dict, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "learnpath", *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not (_reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379)):
        pytest.skip("needs the local PostgreSQL (5432) and Redis (6379)")
    import psycopg
    from redis import Redis

    name = f"learnpath_two_servers_{uuid.uuid4().hex[:8]}"
    admin_url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = admin_url.rsplit("/", 1)[0] + "/" + name
    Redis.from_url(REDIS_URL).flushdb()
    root = tmp_path_factory.mktemp("two-servers")
    pack = root / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "two-servers-" + uuid.uuid4().hex,
           "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_AUTH": "6 per minute",
           "LOGIN_FAILURE_LIMIT": "4", "LEARNPATH_ENV": "production", "PYTHONPATH": str(ROOT)}
    env.pop("LEARNPATH_TEST_DATABASE_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "content", "import", str(pack))
    servers, urls, logs = [], [], []
    for n in range(2):
        logs.append((root / f"server-{n}.log").open("wb"))
        port = _free_port()
        instance = root / f"instance-{n}"
        instance.mkdir()
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "-c", str(ROOT / "gunicorn.conf.py"),
             f"learnpath:create_app(instance_path={str(instance)!r})"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=logs[-1]))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, server in zip(urls, servers):
            deadline = time.monotonic() + 120  # a loaded CI machine takes a while to import the app
            while time.monotonic() < deadline:
                assert server.poll() is None, (root / f"server-{urls.index(url)}.log").read_text()[-3000:]
                try:
                    with urllib.request.urlopen(url + "/readyz", timeout=5) as ready:
                        if ready.status == 200:
                            break
                except OSError:  # refused while starting, or a timeout
                    time.sleep(0.2)
            else:
                pytest.fail(f"{url} never became ready")
        yield {"a": urls[0], "b": urls[1], "env": env, "pack": pack}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for log in logs:
            log.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        Redis.from_url(REDIS_URL).flushdb()


class Browser:
    """A learner's browser: one cookie jar for both servers (cookies ignore the port), as behind a
    load balancer where every request may land on either."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, method: str, url: str, data: dict | None = None, json_body=None, headers=None):
        body, hdrs = None, dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=body, method=method, headers=hdrs)
        try:
            response = self.opener.open(req, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.headers, response.read().decode()

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def form(self, page_url: str, post_url: str, fields: dict):
        """GET the form (for its CSRF token), then POST it with `fields`."""
        _, _, html = self.get(page_url)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
            re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token, f"no CSRF token on {page_url}"
        return self.request("POST", post_url, data={"csrf_token": token.group(1), **fields})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _answered(html: str) -> int:
    found = re.search(r"<strong>(\d+)</strong> questions? answered", html)
    assert found, "no answered count on the dashboard"
    return int(found.group(1))


def _api(browser: Browser, method: str, url: str, token: str, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _, text = browser.request(method, url, json_body=body, headers=headers)
    return status, json.loads(text) if text else None


def test_a_learner_moves_between_two_servers(cluster):
    a, b = cluster["a"], cluster["b"]
    ada = Browser()
    status, _, _ = ada.form(a + "/signup", a + "/signup",
                            {"name": "Ada", "email": "ada@example.com", "password": "correct horse battery"})
    assert status == 302
    status, _, html = ada.get(b + "/dashboard")  # the session cookie A set is valid on B
    assert status == 200 and "Ada" in html and _answered(html) == 0
    assert _answered(ada.get(b + "/dashboard")[2]) == 0  # and now B holds it in its dashboard cache

    # An API token issued by B works on A; an answer submitted through A shows on B at once.
    api = Browser()  # a script: no cookies, only the bearer token
    status, issued = _api(api, "POST", b + "/api/v1/auth/token", "", {"email": "ada@example.com",
                                                                      "password": "correct horse battery"})
    assert status in (200, 201)
    token = issued["token"]
    status, attempt = _api(api, "POST", a + "/api/v1/lessons/tcp/attempts", token)
    assert status == 201
    status, result = _api(api, "POST", f"{a}/api/v1/attempts/{attempt['attempt_id']}/submit", token, {"answers": {}})
    assert status == 200
    asked = len(attempt["questions"])
    for _ in range(3):  # B's workers: whichever answers, none may serve its stale copy
        assert _answered(ada.get(b + "/dashboard")[2]) == asked

    # Logging out on A ends the session on B (the session version in the database moved).
    status, _, html = ada.get(a + "/dashboard")
    token_field = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    status, _, _ = ada.request("POST", a + "/logout", data={"csrf_token": token_field})
    assert status == 302
    status, headers, _ = ada.get(b + "/dashboard")
    assert status == 302 and "/login" in headers["Location"]


def test_old_session_cookie_is_dead_on_both_after_logout(cluster):
    a, b = cluster["a"], cluster["b"]
    eve = Browser()
    eve.form(a + "/signup", a + "/signup", {"name": "Eve", "email": "eve@example.com", "password": "correct horse battery"})
    kept = [c for c in eve.jar]  # the cookies as they were while signed in
    _, _, html = eve.get(b + "/dashboard")
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    assert eve.request("POST", b + "/logout", data={"csrf_token": csrf})[0] == 302
    replay = Browser()
    for cookie in kept:
        replay.jar.set_cookie(cookie)
    for server in (a, b):
        status, headers, _ = replay.get(server + "/dashboard")
        assert status == 302 and "/login" in headers["Location"], server


def test_login_throttle_and_rate_limit_are_shared(cluster):
    a, b = cluster["a"], cluster["b"]
    mallory = Browser()
    mallory.form(a + "/signup", a + "/signup", {"name": "Bob", "email": "bob@example.com", "password": "correct horse battery"})
    mallory = Browser()
    statuses = []
    # LOGIN_FAILURE_LIMIT=4, counted in the database across both servers: the wrong
    # passwords alternate between A and B, then the right one is refused too.
    for n in range(4):
        server = (a, b)[n % 2]
        statuses.append(mallory.form(server + "/login", server + "/login",
                                     {"email": "bob@example.com", "password": f"wrong {n}"})[0])
    status, _, html = mallory.form(b + "/login", b + "/login", {"email": "bob@example.com", "password": "correct horse battery"})
    assert status != 302, "the fifth attempt, split across servers, was let in: the lockout is per process"
    # Flask-Limiter's auth limit (RATELIMIT_AUTH, 6 sign-ups a minute from one address) lives in Redis: the
    # module's three sign-ups went to A, so B refuses the fourth one sent to it. Counted per process
    # (memory://), B would have seen only its own and let all six through.
    codes = [mallory.form(b + "/signup", b + "/signup", {"name": "", "email": "bad", "password": "x"})[0] for _ in range(6)]
    assert 429 in codes, codes


def test_content_import_is_seen_by_both_within_the_version_ttl(cluster):
    a, b = cluster["a"], cluster["b"]
    visitor = Browser()
    for server in (a, b):  # cached by both for visitors
        assert "TCP: reliable streams" in visitor.get(server + "/lessons/tcp")[2]
    lesson = cluster["pack"] / "lessons" / "tcp.md"
    lesson.write_text(lesson.read_text().replace('title: "TCP: reliable streams"', 'title: "TCP: reliable byte streams"', 1))
    _flask(cluster["env"], "content", "import", str(cluster["pack"]))
    deadline = time.monotonic() + 5  # PAGE_CACHE_VERSION_TTL is 1 s; leave room for a loaded machine
    seen = set()
    while time.monotonic() < deadline and seen != {a, b}:
        for server in (a, b):
            if "TCP: reliable byte streams" in Browser().get(server + "/lessons/tcp")[2]:
                seen.add(server)
        time.sleep(0.2)
    assert seen == {a, b}
