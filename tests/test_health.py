"""/healthz and /readyz for a load balancer: alive without the database, ready only when the
database (and Redis, when configured) answers; never rate limited, no cookie."""
import sqlalchemy as sa
import pytest

from learnpath.extensions import db


def test_healthz_answers_without_touching_the_database(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise AssertionError("healthz must not query the database")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "Set-Cookie" not in response.headers


@pytest.mark.expect_server_error  # a 503 on purpose
def test_readyz_is_503_when_the_database_is_down(app, client, monkeypatch):
    real = db.session.execute

    def down(statement, *args, **kwargs):
        if "SELECT 1" in str(statement):
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unreachable"}}


@pytest.mark.parametrize("url, state, status", [
    ("redis://127.0.0.1:6379/15", "ok", 200),
    pytest.param("redis://127.0.0.1:1/0", "unreachable", 503,  # nothing listens on port 1
                 marks=pytest.mark.expect_server_error),
])
def test_readyz_checks_redis_when_configured(make_app, url, state, status):
    app = make_app(REDIS_URL=url)
    response = app.test_client().get("/readyz")
    assert response.status_code == status
    assert response.get_json()["checks"] == {"database": "ok", "redis": state}


def test_health_checks_are_not_rate_limited(make_app, monkeypatch):
    from learnpath.extensions import limiter

    # Flask-Limiter keeps an application limit on its (process-wide) Limiter once one app sets it:
    # restore it afterwards, or every later app of this worker would carry "3 per minute".
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [])
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_APPLICATION="3 per minute")
    client = app.test_client()
    assert all(client.get(path).status_code == 200 for _ in range(10) for path in ("/healthz", "/readyz"))
    assert [client.get("/courses").status_code for _ in range(4)] == [200, 200, 200, 429]  # the limit is on


def test_access_log_leaves_out_the_probes(monkeypatch):
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parent.parent / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    logged = []
    logger = conf.QuietHealthChecks.__new__(conf.QuietHealthChecks)
    monkeypatch.setattr(conf.Logger, "access", lambda self, resp, req, environ, request_time: logged.append(environ["PATH_INFO"]))
    for path in ("/healthz", "/readyz", "/courses"):
        logger.access(SimpleNamespace(), SimpleNamespace(), {"PATH_INFO": path}, 0.001)
    assert logged == ["/courses"]


@pytest.mark.parametrize("hops, forwarded, seen", [
    (0, "203.0.113.9", "127.0.0.1"),  # no trusted proxy: a client cannot forge its address
    (1, "203.0.113.9", "203.0.113.9"),  # one proxy in front: its X-Forwarded-For is the client
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # only the hop the proxy appended is trusted
])
def test_proxy_hops_decide_whose_forwarded_address_counts(make_app, hops, forwarded, seen):
    from flask import request

    app = make_app(PROXY_HOPS=hops)
    app.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get("/_whoami", headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.get_data(as_text=True) == f"{seen} {'https' if hops else 'http'}"
