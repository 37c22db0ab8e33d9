"""The log-in throttle holds across gunicorn workers and across the form and the token endpoint:
from one address, at most LOGIN_FAILURE_LIMIT failed guesses get an answer other than 429."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path, database_url):
    """The real app under `gunicorn -w 2` on the test database, migrated first."""
    env = {**os.environ, "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
           "SECRET_KEY": "gunicorn-test-secret", "LOGIN_FAILURE_LIMIT": "10", "MAIL_OUTBOX": str(tmp_path / "outbox")}
    env.pop("LEARNPATH_TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "learnpath", "db", "upgrade"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen([str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "learnpath:create_app()"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + server.stdout.read1().decode()[-2000:])
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stdout.close()


def _post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def _post_form(url: str, fields: dict) -> int:
    """A browser's log-in: fetch the form (CSRF token and cookie), then post it."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         NoRedirect())
    page = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
    try:
        return opener.open(urllib.request.Request(url, data=data, method="POST"), timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow  # starts gunicorn with two workers: ~15 s; `pytest -m slow` (make test)
def test_failed_logins_are_throttled_across_two_workers_and_both_endpoints(served):
    assert _post_json(served + "/api/v1/auth/register", {"email": "ada@example.com", "password": PASSWORD,
                                                         "name": "Ada"}) == 201
    wrong = {"email": "ada@example.com", "password": "a wrong guess"}
    statuses = []
    for i in range(18):  # alternate the token endpoint and the form: 2 workers take them in turn
        if i % 2:
            statuses.append(_post_form(served + "/login", wrong))
        else:
            statuses.append(_post_json(served + "/api/v1/auth/token", wrong))
    answered = [s for s in statuses if s != 429]
    assert len(answered) == 10, statuses  # LOGIN_FAILURE_LIMIT, not 10 per worker and per endpoint
    assert set(answered) <= {200, 401}  # a failed form log-in re-renders the form (200)
    assert statuses[10:] == [429] * 8
    # The right password waits too while the account is locked.
    assert _post_json(served + "/api/v1/auth/token", {"email": "ada@example.com", "password": PASSWORD}) == 429
