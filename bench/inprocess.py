"""CPU per request of signed-in pages, in-process: the WSGI app called directly, no server, no network.

    .venv/bin/python bench/inprocess.py [--database-url URL] [--rounds 2000]

Builds a scratch SQLite database (or uses DATABASE_URL's: it must be migrated and hold the seed catalog),
signs a learner up, enrolls them and marks two lessons read, then times N calls of each page with
time.process_time() — the process's CPU, which other load on the machine moves far less than wall time —
with the signed-in fast path (learnpath.lane) on and off, and the bare Flask hello of bench/hello.py as the
floor. Prints CPU µs per request, the ratio floor/page, and the 10th-percentile of per-batch timings
(batches of 100), which is the steadiest figure on a shared machine.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

PAGES = ["/lessons/tcp-deep-dive", "/courses/distributed-systems", "/courses/sql-mastery", "/dashboard"]


def call(app, path: str, cookie: str, token: str = "") -> bytes:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path.split("?")[0], "QUERY_STRING": path.partition("?")[2],
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1",
               "HTTP_USER_AGENT": "bench", "HTTP_HOST": "localhost"}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    status = []
    body = b"".join(app(environ, lambda s, h, exc=None: status.append(s)))
    assert status[0].startswith("200"), (path, status, body[:300])
    return body


def per_request(app, path: str, cookie: str, rounds: int, token: str = "") -> tuple[float, float]:
    """(mean, p10 of batch means) CPU µs per request."""
    for _ in range(20):
        call(app, path, cookie, token)
    batches = []
    for _ in range(max(1, rounds // 100)):
        start = time.process_time()
        for _ in range(100):
            call(app, path, cookie, token)
        batches.append((time.process_time() - start) / 100 * 1e6)
    batches.sort()
    return sum(batches) / len(batches), batches[len(batches) // 10]


def build(url: str | None, fast: bool):
    from learnpath import create_app
    settings = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                "SIGNED_IN_FAST_PATH": fast, "LEARNPATH_ENV": "production", "SQLALCHEMY_DATABASE_URI": url}
    return create_app(settings, instance_path=tempfile.mkdtemp(prefix="lp-bench-"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        folder = tempfile.mkdtemp(prefix="lp-inprocess-")
        url = f"sqlite:///{folder}/bench.db"
        app = build(url, False)
        with app.app_context():
            from flask_migrate import upgrade
            from learnpath.content.importer import import_pack
            from learnpath.content.pack import load_pack
            upgrade(directory=str(ROOT / "migrations"))
            import_pack(load_pack(ROOT / "seeds"))
    import hello  # the floor
    floor_mean, floor_p10 = per_request(hello.app.wsgi_app, "/", "", args.rounds)
    print(f"floor (bare Flask hello): {floor_mean:.0f} µs mean, {floor_p10:.0f} µs p10")
    for fast in (False, True):
        app = build(url, fast)
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = "bench"  # as call()'s: session protection hashes it
        email = f"bench-{time.time_ns()}@example.com"
        assert client.post("/signup", data={"email": email, "password": "correct horse battery",
                                            "name": "Bench"}).status_code == 302
        client.post("/courses/distributed-systems/enroll")
        client.post("/lessons/tcp-deep-dive/read")
        for path in PAGES:  # settle the cookie (flashes shown) and render each shell once
            client.get(path)
            client.get(path)
        cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        token = app.test_client().post("/api/v1/auth/token", json={"email": email, "password": "correct horse battery"}
                            ).get_json()["token"]
        for path in PAGES + ["/api/v1/me/progress"]:
            mean, p10 = per_request(app.wsgi_app, path, "" if path.startswith("/api/") else cookie, args.rounds,
                                    token if path.startswith("/api/") else "")
            print(f"fast path {'on ' if fast else 'off'} {path:34} {mean:6.0f} µs mean {p10:6.0f} µs p10 "
                  f"  floor/page {floor_p10 / p10:.2f}")


if __name__ == "__main__":
    main()
