"""Admin API for item analysis and problem reports (/api/v1/admin/...), and the learner's report endpoint.

Admin endpoints answer 404 to everyone who is not an admin (as the console does): their existence
is not disclosed.
"""
from __future__ import annotations

from functools import wraps

from flask import jsonify, request
from flask_login import current_user

from learnpath.admin import is_admin, items, reports
from learnpath.api.base import BadRequest, area, json_body, login_required, too_many
from learnpath.errors import error_response
from learnpath.models.reports import REPORT_STATUSES

bp = area("admin_items")


def admin_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_admin(current_user):
            return error_response(404, "There is nothing at this address.")
        return view(*args, **kwargs)
    return wrapper


def _flag(name: str) -> bool:
    value = request.args.get(name, "0")
    if value not in ("0", "1", "true", "false"):
        raise BadRequest(f"'{name}' must be 1 or 0.")
    return value in ("1", "true")


@bp.get("/admin/questions")
@admin_only
def questions():
    flagged_only = _flag("flagged")
    stats = items.analyse()
    if flagged_only:
        stats = [s for s in stats if s.flags]
    return jsonify(
        attempts_counted="each learner's first submitted attempt per lesson quiz",
        min_attempts_for_flags=items.flag_threshold(),
        questions=[s.to_dict() for s in stats],
        quizzes=[{"lesson": a.slug, "attempts": a.attempts, "questions": a.questions, "alpha": a.alpha,
                  "pooled": a.pooled, "timed_attempts": a.times.timed_attempts,
                  "median_time_ms": a.times.median_time_ms} for a in items.lesson_alphas()],
    )


@bp.get("/admin/reports")
@admin_only
def report_list():
    status = request.args.get("status") or None
    if status is not None and status not in REPORT_STATUSES:
        raise BadRequest(f"'status' must be one of {', '.join(REPORT_STATUSES)}.")
    return jsonify(reports=[reports.to_dict(r, admin=True) for r in reports.queue(status)])


@bp.post("/questions/<int:question_id>/reports")
@login_required
def file_report(question_id: int):
    body = json_body()
    try:
        filed = reports.file_report(current_user.id, question_id, body.get("reason"), body.get("comment"))
    except reports.ReportError as error:
        if error.status == 429:
            return too_many(error.message, error.retry_after or 60)
        raise BadRequest(error.message, error.status)
    return jsonify(report=reports.to_dict(filed.report), created=filed.created), 201 if filed.created else 200
