"""Accounts over the API: register, bearer tokens (issue, revoke), password reset."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from learnpath.accounts import services as accounts
from learnpath.accounts.forms import MIN_PASSWORD
from learnpath.api.base import BadRequest, area, json_body, login_required, string_field, too_many
from learnpath.errors import error_response
from learnpath.extensions import limiter

bp = area("auth")


def email_field(body: dict) -> str:
    email = string_field(body, "email")
    if "@" not in email or email.startswith("@") or email.endswith("@") or any(c.isspace() for c in email.strip()):
        raise BadRequest("'email' must be an email address.")
    return email


def token_payload(row) -> dict:
    """A token as listed: never the secret, which only its creation returns."""
    return {"id": row.id, "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat(),
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None}


@bp.post("/auth/register")
@limiter.limit(accounts.auth_rate_limit)
def register():
    body = json_body()
    email = email_field(body)
    password = string_field(body, "password", max_len=200, min_len=MIN_PASSWORD)
    name = string_field(body, "name", max_len=100)
    try:
        user = accounts.register(email, password, name)
    except accounts.AccountError:
        return error_response(409, "An account with this email cannot be created. If it is yours, request a token.")
    return jsonify(id=user.id, email=user.email, name=user.name), 201


@bp.post("/auth/token")
def token():
    body = json_body()
    try:
        user = accounts.log_in(string_field(body, "email"), string_field(body, "password", max_len=200),
                               request.remote_addr)
    except accounts.Throttled as exc:
        return too_many(exc.message, exc.retry_after)
    except accounts.AccountDisabled as exc:
        return error_response(403, exc.message)
    if user is None:
        return error_response(401, "Email or password is incorrect.")
    row, secret = accounts.issue_token(user)
    return jsonify(token=secret, token_type="Bearer", **token_payload(row)), 201


@bp.delete("/auth/token")
@login_required
def revoke_current_token():
    token_id = accounts.current_token_id()
    if token_id is None:
        raise BadRequest("Send the token to revoke in 'Authorization: Bearer <token>'.")
    accounts.revoke_token(current_user, token_id)
    return "", 204


@bp.post("/auth/password-reset")
def password_reset():
    accounts.request_password_reset(email_field(json_body()), request.remote_addr)
    # 202 whether or not the address has an account: nothing here tells who is registered.
    return jsonify(message="If an account uses this address, a reset link is on its way."), 202


@bp.post("/auth/password-reset/confirm")
def password_reset_confirm():
    body = json_body()
    token = string_field(body, "token", max_len=500)
    password = string_field(body, "password", max_len=200, min_len=MIN_PASSWORD)
    user = accounts.user_for_reset_token(token)
    if user is None:
        raise BadRequest("The reset token is invalid, expired or used already; request a new one.")
    accounts.reset_password(user, password)
    return "", 204
