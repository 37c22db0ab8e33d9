"""What every API module shares: its blueprint factory, body parsing, auth and errors.

State-changing requests need either a bearer token, or the browser session plus the CSRF
token in an X-CSRFToken header. Unauthenticated POSTs (register, token, password reset) must be
JSON, which a cross-site HTML form cannot send.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, request
from flask_login import current_user
from flask_login.config import COOKIE_NAME

from learnpath.accounts import services as accounts
from learnpath.errors import error_response
from learnpath.extensions import csrf


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def area(name: str) -> Blueprint:
    """A blueprint for one area of the API (nested under /api/v1 by learnpath.api)."""
    bp = Blueprint(name, __name__)
    csrf.exempt(bp)  # guard_writes applies the CSRF rule where a browser session is used
    return bp


def handle_bad_request(exc: BadRequest):
    return error_response(exc.status, exc.message)


def guard_writes():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if accounts.bearer_token(request):
        return None
    if current_user.is_authenticated:
        csrf.protect()  # session-authenticated write from the browser: same rules as a form
        return None
    if request.method != "DELETE" and not request.is_json:  # DELETE has no body; it needs a login anyway
        return error_response(415, "Send a JSON body with Content-Type: application/json.")
    return None


def json_body(required: bool = True) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not required and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def string_field(body: dict, name: str, max_len: int = 254, min_len: int = 1) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{name}' is required and must be a non-empty string.")
    if len(value) > max_len or len(value.strip()) < min_len:
        raise BadRequest(f"'{name}' must be {min_len}-{max_len} characters.")
    return value


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return unauthorized()
        return view(*args, **kwargs)
    return wrapper


def unauthorized():
    resp = error_response(401, "Authentication required: send 'Authorization: Bearer <token>'.")
    resp[0].headers["WWW-Authenticate"] = "Bearer"
    return resp


@dataclass(frozen=True, slots=True)
class Learner:
    """Who makes an API request, as far as a view that needs no ORM `User` reads it."""

    id: int
    desired_retention: float


def signed_in_learner() -> Learner | None:
    """The request's learner (None: nobody is signed in), without loading the ORM user when a bearer
    token alone says who it is: one row read on the driver's cursor (accounts.learner_for_token).

    Flask-Login reads the session and the remember-me cookie before the token (the request loader):
    with either cookie sent, or the user loaded already, this is `current_user`, as for any other view."""
    if "_login_user" not in g:
        token = accounts.bearer_token(request)
        cookies = request.cookies
        app = current_app
        if (token and app.session_interface.get_cookie_name(app) not in cookies
                and app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) not in cookies):
            row = accounts.learner_for_token(token)
            return Learner(row.id, row.desired_retention) if row is not None else None
    if not current_user.is_authenticated:
        return None
    return Learner(current_user.id, current_user.desired_retention)


def too_many(message: str, retry_after: int):
    response = error_response(429, message)
    response[0].headers["Retry-After"] = str(retry_after)
    return response


def refused(refusal) -> tuple:
    """A run refused before it started (learnpath.quiz.services.RunRefused): 429 with Retry-After, or 503."""
    if refusal.retry_after is not None:
        return too_many(refusal.message, refusal.retry_after)
    return error_response(refusal.status, refusal.message)
