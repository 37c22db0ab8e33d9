"""learnpath: learning paths and practice quizzes built from ordered article series."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from learnpath import mail
from learnpath.config import DEFAULT_SECRET_KEY, REPO_ROOT, from_environment
from learnpath.extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """`instance_path` (absolute) is where the app writes its files; default: instance/ in the checkout."""
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    if app.config["LEARNPATH_ENV"] == "production" and app.config["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY):
        raise RuntimeError("SECRET_KEY must be set to a long random value in production (LEARNPATH_ENV=production)")

    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    mail.mail.init_app(app)

    from learnpath import accounts, api, catalog, errors, lane, models, pagecache, progress, quiz, review, security, sqllab  # noqa: F401
    from learnpath.content import cli as content_cli
    from learnpath import health, timezones
    from learnpath.progress import cache as dashboard_cache, cli as certificates_cli
    from learnpath.quiz import routes as quiz_routes
    from learnpath.accounts import routes as accounts_routes, services as accounts_services
    from learnpath.catalog import routes as catalog_routes
    from learnpath.progress import routes as progress_routes
    from learnpath.review import routes as review_routes
    from learnpath.paths import routes as paths_routes
    from learnpath.admin import bp as admin_bp, cli as admin_cli, routes as admin_routes  # noqa: F401  (routes register on bp)
    from learnpath.admin import item_routes, report_routes  # noqa: F401  (register on the admin bp too)
    from learnpath.reports import routes as reports_routes
    from learnpath.quiz.grading import register_runner
    from learnpath.golab import lab as golab
    from learnpath import backup
    from learnpath.jobs import cli as jobs_cli
    from learnpath.reminders import routes as reminders_routes
    from learnpath.interop import routes as interop_routes

    security.init_app(app)
    health.init_app(app)
    errors.init_app(app)
    register_runner(app, "sql", sqllab.init_app(app))  # the SQL kind grades with this app's datasets
    golab.init_app(app, app.config.get("GO_RUNNER"))  # the Go kind grades through the lab's queue (tests: a fake)
    pagecache.init_app(app)
    lane.init_app(app)  # after the page cache: its WSGI wrapper goes outside
    dashboard_cache.init_app(app)
    timezones.init_app(app)
    accounts_services.init_app(app)
    app.register_blueprint(catalog_routes.bp)
    app.register_blueprint(accounts_routes.bp)
    app.register_blueprint(quiz_routes.bp)
    app.register_blueprint(progress_routes.bp)
    app.register_blueprint(review_routes.bp)
    app.register_blueprint(paths_routes.bp)
    app.register_blueprint(reports_routes.bp)
    app.register_blueprint(admin_bp)
    reminders_routes.init_app(app)
    app.register_blueprint(api.bp)
    interop_routes.init_app(app)  # verifiable certificates: issuer profile, credentials, status
    content_cli.init_app(app)
    certificates_cli.init_app(app)
    admin_cli.init_app(app)
    jobs_cli.init_app(app)
    backup.init_app(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets readers run during a write; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
