"""The admin console (/admin) and what it stands on: the role check and the audit log.

Every admin route is wrapped in `admin_required`, which answers 404 to anyone who is not an
admin, so the console's existence is not disclosed. Each area of the console is a module of
routes on this one blueprint (routes.py: learners, courses, content; more beside it).
"""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import Blueprint, abort
from flask_login import current_user

from learnpath.extensions import db
from learnpath.models import AuditEntry

bp = Blueprint("admin", __name__, url_prefix="/admin")

F = TypeVar("F", bound=Callable)


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", None) == "admin")


def admin_required(view: F) -> F:
    """404 (not 403) for visitors and learners: the console is not advertised."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_admin(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def audit(action: str, target: str = "", detail: str = "", actor_id: int | None = None) -> AuditEntry:
    """Record an admin action in the caller's transaction (it commits with the change it describes).

    `actor_id` defaults to the signed-in admin; the command line passes None.
    """
    if actor_id is None and is_admin(current_user):
        actor_id = current_user.id
    entry = AuditEntry(actor_id=actor_id, action=action, target=target[:300], detail=detail)
    db.session.add(entry)
    return entry
