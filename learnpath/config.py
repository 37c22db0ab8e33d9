"""Settings in one place. Defaults suit a laptop; production reads the environment."""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key"
REPO_ROOT = Path(__file__).resolve().parent.parent


def from_environment(instance_path: str) -> dict:
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'learnpath.sqlite3'}"
    if database_url.startswith("postgres://"):  # the Heroku-style scheme SQLAlchemy no longer accepts
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    https = env.get("LEARNPATH_HTTPS", "").lower() in ("1", "true", "yes")
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "LEARNPATH_ENV": env.get("LEARNPATH_ENV", "development"),
        "CONTENT_PACK": env.get("CONTENT_PACK", str(REPO_ROOT / "seeds")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host to trust (werkzeug's
        # ProxyFix); 0 trusts none, so a client cannot forge its address past the rate limits.
        "PROXY_HOPS": int(env.get("LEARNPATH_PROXY_HOPS", 0)),
        # Shared by every app server when set: job queue, rate limits (RATELIMIT_STORAGE_URI may name it too).
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Background jobs (learnpath/jobs/): RQ queue name, retries of a failed job (seconds to wait before
        # each), how long RQ keeps a finished job (its id stays taken meanwhile), a job's time limit, and the
        # in-process runner's threads when REDIS_URL is unset.
        "JOBS_QUEUE": env.get("LEARNPATH_JOBS_QUEUE", "learnpath"),
        "JOB_RETRY_INTERVALS": [int(s) for s in env.get("LEARNPATH_JOB_RETRY_INTERVALS", "60,300,900").split(",") if s.strip()],
        "JOB_RESULT_TTL": int(env.get("LEARNPATH_JOB_RESULT_TTL", 2 * 24 * 3600)),
        "JOB_TIMEOUT": int(env.get("LEARNPATH_JOB_TIMEOUT", 120)),
        "JOBS_THREADS": int(env.get("LEARNPATH_JOBS_THREADS", 2)),
        "SCHEDULER_INTERVAL_MINUTES": float(env.get("LEARNPATH_SCHEDULER_INTERVAL_MINUTES", 5)),
        # Where learners reach the site: the base of links in mails sent by jobs (no request to take it from).
        # Where learners reach the site (https://learn.example.org): links in mails and the ids inside
        # signed credentials. Unset, mails use http://127.0.0.1:5000 and credentials the request's host;
        # set it in production, or a request's Host header decides what a credential names as its issuer.
        "PUBLIC_URL": env.get("LEARNPATH_PUBLIC_URL") or env.get("LEARNPATH_BASE_URL") or None,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") not in ("0", "false"),
        "RATELIMIT_AUTH": env.get("RATELIMIT_AUTH", "10 per minute"),
        "RATELIMIT_SQL_RUN": env.get("RATELIMIT_SQL_RUN", "60 per minute"),
        "RATELIMIT_GO_RUN": env.get("RATELIMIT_GO_RUN", "20 per minute"),  # Go Runs and submits, per learner
        # Each learner's rendered dashboard kept per worker (progress/cache.py); 0 measures the cold path.
        "DASHBOARD_CACHE": env.get("LEARNPATH_DASHBOARD_CACHE", "1") not in ("0", "false"),
        "DASHBOARD_CACHE_BYTES": 16 * 2**20,
        # The parts of each learner's dashboard kept between views, so the view after a write recomputes
        # only what the write touched (progress/dashboard.py); 0 computes every part on every render.
        "DASHBOARD_PARTS": env.get("LEARNPATH_DASHBOARD_PARTS", "1") not in ("0", "false"),
        "DASHBOARD_PARTS_BYTES": 16 * 2**20,
        # Signed-in lesson and course pages: a shared shell per catalog version, the learner's parts
        # spliced in per request (pagecache.shell); off renders each page whole.
        "LEARNER_SHELLS": env.get("LEARNPATH_LEARNER_SHELLS", "1") not in ("0", "false"),
        # Repeat views of signed-in lesson and course pages without Flask's full request (learnpath.lane).
        "SIGNED_IN_FAST_PATH": env.get("LEARNPATH_SIGNED_IN_FAST_PATH", "1") not in ("0", "false"),
        "FSRS_FUZZING": True,  # spread review dates a little, as Anki does (tests turn it off)
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
        # Accounts: API tokens expire; failed log-ins lock an address or account out for a while.
        "API_TOKEN_DAYS": int(env.get("API_TOKEN_DAYS", 30)),
        "LOGIN_FAILURE_LIMIT": int(env.get("LOGIN_FAILURE_LIMIT", 10)),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(env.get("LOGIN_FAILURE_WINDOW_MINUTES", 15)),
        "PASSWORD_RESET_MAX_AGE": 3600,  # seconds a reset link stays valid
        "EMAIL_CHANGE_MAX_AGE": 24 * 3600,
        # Mail: SMTP when MAIL_SERVER is set (Flask-Mail's settings), else .eml files in instance/outbox/.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would suppress sending whenever TESTING is on
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "learnpath <no-reply@localhost>"),
    }
