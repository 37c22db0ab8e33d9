"""Security defaults, each with a test that fails without it."""
import re
import uuid

import pytest

from learnpath import create_app
from tests.conftest import csrf_token


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_scripts_or_styles_in_pages(client, auth):
    auth.signup()
    for path in ("/", "/courses/net-basics", "/lessons/tcp", "/lessons/tcp/quiz", "/dashboard", "/account", "/search?q=tcp"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html, path


def test_session_cookie_flags(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.post("/signup", data={"email": "s@example.com", "password": "correct horse battery", "name": "S"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_production_refuses_default_secret(monkeypatch, instance_path):
    monkeypatch.setenv("LEARNPATH_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(instance_path=str(instance_path))
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(instance_path=str(instance_path))


def test_request_too_large_is_413(client):
    response = client.post("/api/v1/auth/token", data="x" * (1024 * 1024 + 10), content_type="application/json")
    assert response.status_code == 413 and response.is_json


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                                    "http:/evil.example"])
def test_open_redirect_is_refused(client, auth, target):
    auth.signup()
    auth.logout()
    response = client.post(f"/login?next={target}", data={"email": "ada@example.com", "password": "correct horse battery"})
    assert response.headers["Location"] == "/dashboard"


def test_local_next_is_followed(client, auth):
    auth.signup()
    auth.logout()
    response = client.post("/login?next=/courses/net-basics", data={"email": "ada@example.com", "password": "correct horse battery"})
    assert response.headers["Location"] == "/courses/net-basics"


@pytest.fixture
def strict_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, RATELIMIT_AUTH="3 per minute")


def test_forms_need_csrf(strict_app):
    client = strict_app.test_client()
    form = {"email": "c@example.com", "password": "correct horse battery", "name": "C"}
    assert client.post("/signup", data=form).status_code == 400
    token = csrf_token(client, "/signup")
    assert client.post("/signup", data=form | {"csrf_token": token}).status_code == 302
    assert client.post("/courses/anything/enroll").status_code == 400  # logged in, still needs the token


def test_api_writes_need_bearer_or_csrf_header(strict_app):
    client = strict_app.test_client()
    token = csrf_token(client, "/signup")
    client.post("/signup", data={"email": "c@example.com", "password": "correct horse battery", "name": "C",
                                 "csrf_token": token})
    # Session-authenticated API write without the CSRF header: refused.
    assert client.post("/api/v1/lessons/nope/read").status_code == 400
    assert client.post("/api/v1/lessons/nope/read", headers={"X-CSRFToken": token}).status_code == 404


def test_auth_endpoints_are_rate_limited(strict_app):
    client = strict_app.test_client()
    body = {"email": "r@example.com", "password": "wrong password"}
    statuses = [client.post("/api/v1/auth/register",
                            json={"email": f"x{i}@example.com", "password": "short", "name": "X"}).status_code
                for i in range(4)]
    assert statuses == [400, 400, 400, 429]
    limited = client.post("/api/v1/auth/register", json=body)
    assert limited.is_json and "Too many requests" in limited.get_json()["error"]["message"]


def test_sanitized_lesson_html(client):
    html = client.get("/lessons/rest").get_data(as_text=True)
    prose = html.split('class="prose"')[1].split("</div>")[0]
    assert "Everything is a resource." in prose
    assert "<script" not in prose and "alert(1)" not in prose and "javascript:" not in prose


def test_rate_limits_can_live_in_redis(make_app):
    """Production shares counters between workers through Redis (RATELIMIT_STORAGE_URI)."""
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    # Runs in parallel (xdist workers, other checkouts) share this Redis: each keeps to its own keys
    # and deletes only those (a FLUSHDB here once reset another run's counter mid-test).
    prefix = f"learnpath-test-{uuid.uuid4().hex}"
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AUTH="2 per minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
                   RATELIMIT_KEY_PREFIX=prefix)
    first, second = app.test_client(), app.test_client()  # two clients, one shared counter (same address)
    body = {"email": "r@example.com", "password": "short", "name": "R"}
    assert [first.post("/api/v1/auth/register", json=body).status_code for _ in range(2)] == [400, 400]
    assert second.post("/api/v1/auth/register", json=body).status_code == 429
    keys = client.keys(f"*{prefix}*")
    assert keys
    client.delete(*keys)


def test_sql_run_is_rate_limited_per_learner(make_app):
    from learnpath.models import Question
    from learnpath.extensions import db
    import sqlalchemy as sa
    from tests.conftest import api_token

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SQL_RUN="3 per minute")
    with app.app_context():
        qid = db.session.scalar(sa.select(Question.id).filter_by(kind="sql"))
    client = app.test_client()
    ada = {"Authorization": f"Bearer {api_token(client)}"}
    eve = {"Authorization": f"Bearer {api_token(client, email='eve@example.com')}"}
    statuses = [client.post(f"/api/v1/questions/{qid}/run", headers=ada, json={"sql": "SELECT 1"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.post(f"/api/v1/questions/{qid}/run", headers=eve, json={"sql": "SELECT 1"}).status_code == 200
