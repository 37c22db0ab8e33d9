"""Health endpoints for a load balancer or an orchestrator.

/healthz: the process answers (no database, so a slow database does not get workers killed).
/readyz:  the database answers, and Redis too when one is configured (REDIS_URL, or a redis://
          rate-limit storage); 503 naming what failed otherwise, so the balancer stops sending
          requests here until it recovers.
Both are exempt from rate limits, set no cookie and are left out of the access log.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from learnpath.extensions import db, limiter

bp = Blueprint("health", __name__)
PATHS = ("/healthz", "/readyz")
log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


def redis_urls(config) -> list[str]:
    urls = [config.get("REDIS_URL"), config.get("RATELIMIT_STORAGE_URI")]
    return sorted({u for u in urls if u and u.startswith(("redis://", "rediss://", "unix://"))})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", reported below
        db.session.rollback()
        log.warning("readyz: database unreachable: %s", error)
        checks["database"] = "unreachable"
    for number, url in enumerate(redis_urls(current_app.config)):
        from redis import Redis

        try:
            Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            checks[f"redis{number or ''}"] = "ok"
        except Exception as error:  # noqa: BLE001
            log.warning("readyz: Redis unreachable: %s", error)
            checks[f"redis{number or ''}"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
