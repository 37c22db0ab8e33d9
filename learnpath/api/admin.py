"""The admin console's data over the API: learners (list, one learner). Admin bearer tokens only.

Anyone else (no token, a learner's token, a browser session) gets the same 404 as an address that
does not exist, so the API does not disclose that an admin side is there.
"""
from __future__ import annotations

from functools import wraps

from flask import jsonify, request
from flask_login import current_user

from learnpath.accounts import services as accounts
from learnpath.admin import is_admin, services
from learnpath.api.base import BadRequest, area
from learnpath.errors import error_response

bp = area("admin_api")


def admin_token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (is_admin(current_user) and accounts.current_token_id() is not None):
            return error_response(404)
        return view(*args, **kwargs)
    return wrapper


def _time(value):
    return value.isoformat() if value else None


def _learner(user, last_activity) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "signed_up_at": _time(user.created_at), "last_activity_at": _time(last_activity),
            "disabled_at": _time(user.disabled_at)}


@bp.get("/admin/learners")
@admin_token_required
def learners():
    try:
        listing = services.listing_from(request.args)
    except services.AdminError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify(learners=[_learner(row.user, row.last_activity) for row in listing.rows], total=listing.total,
                   page=listing.page, pages=listing.pages, per_page=listing.per_page, sort=listing.sort, q=listing.q,
                   show=listing.show)


@bp.get("/admin/learners/<int:user_id>")
@admin_token_required
def learner(user_id: int):
    record = services.learner(user_id)
    if record is None:
        raise BadRequest(f"No learner {user_id}.", 404)
    return jsonify(
        **_learner(record.user, record.last_activity),
        time_zone=record.user.time_zone,
        streak={"current": record.current_streak, "longest": record.longest_streak},
        answered=record.answered, correct=record.correct, active_tokens=record.active_tokens,
        enrollments=[{
            "course": line.course.slug, "title": line.course.title, "enrolled_at": _time(line.enrollment.enrolled_at),
            "left_at": _time(line.enrollment.unenrolled_at), "completed_at": _time(line.enrollment.completed_at),
            "lessons_total": line.stats.total if line.stats else 0,
            "lessons_completed": line.stats.completed if line.stats else 0, "percent": line.percent,
            "mean_best_percent": line.stats.grade if line.stats else None,
        } for line in record.courses],
        recent_attempts=[{
            "id": a.id, "scope": a.scope, "title": a.title, "started_at": _time(a.started_at),
            "submitted_at": _time(a.submitted_at), "percent": a.percent, "passed": a.passed,
        } for a in record.attempts],
    )
