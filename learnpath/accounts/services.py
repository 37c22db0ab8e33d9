"""Accounts: registration, authentication (session and bearer token) and deletion (the export is export.py)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Request, current_app, g, request, url_for
from flask_login import login_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from learnpath import mail, throttle
from learnpath.extensions import db, login_manager, prepared
from learnpath.models import (
    Answer, ApiToken, Attempt, DailyActivity, Enrollment, LessonProgress, ReviewCard, Throttle, TopicStat, User,
)
from learnpath.models._types import utcnow
from learnpath.statements import Query

# Learners see a token's last use to the minute at best; writing it on every call would turn
# each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)

# A fixed hash checked when the email is unknown, so a login takes as long either way and
# response timing does not reveal which emails have accounts.
_DUMMY_HASH = None


class AccountError(ValueError):
    pass


class AccountDisabled(Exception):
    """The password was right but an admin disabled the account (User.disabled_at)."""

    message = "This account is disabled. Ask the people who run this site to enable it again."


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def register(email: str, password: str, name: str) -> User:
    """Create an account. Raises AccountError if the email is taken (the caller decides how
    much to reveal: the API says 409, the form shows a neutral message)."""
    user = User(email=normalize_email(email), name=name.strip())
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the unique email, also when two sign-ups race
        db.session.rollback()
        raise AccountError("email taken") from None
    return user


def rename(user: User, name: str) -> None:
    user.name = name.strip()
    db.session.commit()


class Throttled(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        minutes = -(-self.retry_after // 60)
        return (f"Too many failed log-ins from here or for this account. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}, or reset your password.")


def _login_keys(email: str, address: str | None) -> list[str]:
    return [f"login-account:{normalize_email(email)}"[:300], f"login-ip:{address or '?'}"]


def log_in(email: str, password: str, address: str | None) -> User | None:
    """Check a log-in for the form and the token endpoint alike, under one shared throttle.

    Failures count per account and per address in the database (every worker sees them); past
    LOGIN_FAILURE_LIMIT within the window the key is locked out, longer with each further failure.
    Raises Throttled while locked; a locked key is not even checked, so guessing stops there.
    Raises AccountDisabled for the right password of a disabled account (only then: a wrong
    password says nothing about the account's state).
    """
    keys = _login_keys(email, address)
    refusal = throttle.locked(keys)
    if refusal:
        raise Throttled(refusal.retry_after)
    user = authenticate(email, password)
    config = current_app.config
    if user is None:
        throttle.fail(keys, config["LOGIN_FAILURE_LIMIT"], timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]))
        return None
    throttle.clear(keys[0])
    if user.disabled_at is not None:
        raise AccountDisabled()
    return user


def authenticate(email: str, password: str) -> User | None:
    global _DUMMY_HASH
    user = find_user(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = User(email="", name="")
            _DUMMY_HASH.set_password("not-a-real-password")
        _DUMMY_HASH.check_password(password)
        return None
    return user if user.check_password(password) else None


def issue_token(user: User) -> tuple[ApiToken, str]:
    token_row, token = ApiToken.issue(user, timedelta(days=current_app.config["API_TOKEN_DAYS"]))
    db.session.add(token_row)
    db.session.commit()
    return token_row, token


def list_tokens(user: User) -> list[ApiToken]:
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
                              .order_by(ApiToken.created_at.desc())).all()


def revoke_token(user: User, token_id: int) -> bool:
    """Delete one of the learner's tokens; False if it is not theirs (or gone already)."""
    deleted = db.session.execute(sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    db.session.commit()
    return deleted.rowcount > 0


def current_token_id() -> int | None:
    """The id of the bearer token that authenticated this request, if one did."""
    return g.get("api_token_id")


def end_sessions(user: User, keep_current: bool = False) -> None:
    """End every session and remember-me cookie of the account (and, with a credential change,
    every API token): their ids carry the old session version, which the user loader refuses.

    With keep_current the browser making the request is signed in again under the new version.
    """
    db.session.execute(sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    db.session.commit()
    db.session.refresh(user)
    if keep_current:
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
        login_user(user, remember=remembered)


def change_password(user: User, new_password: str) -> None:
    """New password: every other session, remember-me cookie and API token of the account ends."""
    user.set_password(new_password)
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.commit()
    end_sessions(user, keep_current=True)


# ---- mailed links: password reset and email change ---------------------------------------------
# Links are signed (itsdangerous) and expire. A reset link names a fingerprint of the password
# hash, so it stops working once used (the hash changes), without a table of issued links.

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"learnpath-{purpose}")


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def request_password_reset(email: str, address: str | None) -> None:
    """Mail a reset link if the address has an account; the caller answers the same either way.

    Rate-limited per address and per requesting IP (shared counters), so nobody can flood a
    mailbox; past the limit requests are silently dropped.
    """
    email = normalize_email(email)
    hour = timedelta(hours=1)
    if throttle.allow(f"reset-ip:{address or '?'}", 10, hour) or throttle.allow(f"reset-account:{email}"[:300], 3, hour):
        return
    user = find_user(email)
    if user is None:
        return
    send_reset_link(user)


def send_reset_link(user: User) -> None:
    """Mail the account a signed, single-use link to choose a new password (also sent by an admin)."""
    token = _serializer("reset").dumps({"u": user.id, "p": _fingerprint(user.password_hash)})
    link = url_for("accounts.reset_password", token=token, _external=True)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.send(user.email, "Reset your learnpath password", (
        f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of your learnpath account.\n"
        f"Open this link within {minutes} minutes to choose a new one:\n\n{link}\n\n"
        "The link works once. If you did not ask, ignore this message: your password stays as it is.\n"))


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer("reset").loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
        user = db.session.get(User, int(data["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not hmac.compare_digest(str(data.get("p")), _fingerprint(user.password_hash)):
        return None
    return user


def reset_password(user: User, new_password: str) -> None:
    """Set the new password and end every session and token; the lock-out on the account lifts."""
    user.set_password(new_password)
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.delete(Throttle).where(Throttle.key == _login_keys(user.email, None)[0]))
    db.session.commit()
    end_sessions(user)


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is opened."""
    new_email = normalize_email(new_email)
    token = _serializer("email").dumps({"u": user.id, "e": new_email, "o": _fingerprint(user.email)})
    link = url_for("accounts.confirm_email", token=token, _external=True)
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600
    mail.send(new_email, "Confirm your new learnpath email address", (
        f"Hello {user.name},\n\nOpen this link within {hours} hours to make {new_email} the email address "
        f"of your learnpath account:\n\n{link}\n\nIf you did not ask for this, ignore this message.\n"))


def email_change_for_token(token: str) -> tuple[User, str] | None:
    try:
        data = _serializer("email").loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
        user = db.session.get(User, int(data["u"]))
        new_email = str(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if user is None or not hmac.compare_digest(str(data.get("o")), _fingerprint(user.email)):
        return None  # used already, or the address changed since the link was sent
    return user, new_email


def change_email(user: User, new_email: str) -> None:
    """Raises AccountError if another account has the address (checked by the unique index)."""
    old = user.email
    user.email = new_email
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AccountError("email taken") from None
    mail.send(old, "Your learnpath email address was changed", (
        f"Hello {user.name},\n\nThe email address of your learnpath account is now {new_email}.\n"
        "If you did not do this, reset your password from the log-in page right away.\n"))



def auth_rate_limit() -> str:
    """The rate limit of log-in, sign-up and token requests (RATELIMIT_AUTH), for the web and the API."""
    return current_app.config["RATELIMIT_AUTH"]


def _live_token(*columns):
    """SELECT `columns` of an unexpired token (by digest) and its owner, unless an admin disabled the account."""
    return sa.select(*columns).join_from(User, ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == sa.bindparam("digest"), ApiToken.expires_at > sa.bindparam("now"),
        User.disabled_at.is_(None))  # a disabled account's tokens stop working at once


@prepared
def _user_for_token_query(dialect: str):
    return _live_token(User, ApiToken.id, ApiToken.last_used_at)


def _token_owner_query(dialect: str):
    return _live_token(User.id, User.progress_version, User.created_at, ApiToken.last_used_at)


_TOKEN_OWNER = Query(_token_owner_query)  # run on every fast-path request: below Connection.execute


def token_owner(conn: sa.Connection, digest: str) -> tuple | None:
    """The owner of the live token with this digest as a row (id, progress_version, created_at), for a
    read-only request (learnpath.lane): None if the token is unknown, expired or a disabled account's, and
    None too when its use is due to be noted (`user_for_token` writes that)."""
    now = utcnow()
    row = _TOKEN_OWNER.first(conn, {"digest": digest, "now": now})
    if row is None or row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        return None
    return row


def user_for_token(token: str) -> User | None:
    """The token's owner, if the token exists and has not expired; notes its use now and then."""
    now = utcnow()
    row = db.session.execute(_user_for_token_query(), {"digest": ApiToken.digest(token), "now": now}).first()
    if row is None:
        return None
    user, token_id, last_used = row
    _note_token_use(token_id, last_used, now)
    return user


def _token_learner_query(dialect: str):
    return _live_token(User.id, User.desired_retention, ApiToken.id.label("token_id"), ApiToken.last_used_at)


_TOKEN_LEARNER = Query(_token_learner_query)


def learner_for_token(token: str) -> tuple | None:
    """`user_for_token` as a plain row (id, desired_retention, token_id, last_used_at) read on the driver's
    cursor, for an API write that needs no ORM `User` (the quiz submit): the same token rules, and its use
    noted the same way."""
    now = utcnow()
    row = _TOKEN_LEARNER.first(db.session.connection(), {"digest": ApiToken.digest(token), "now": now})
    if row is not None:
        _note_token_use(row.token_id, row.last_used_at, now)
    return row


def _note_token_use(token_id: int, last_used, now) -> None:
    g.api_token_id = token_id
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no scheme, no host, no '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target


def delete_account(user: User) -> None:
    """Remove the learner and every row that belongs to them, in one transaction."""
    uid = user.id
    attempt_ids = sa.select(Attempt.id).where(Attempt.user_id == uid)
    for statement in (
        sa.delete(Answer).where(Answer.attempt_id.in_(attempt_ids)),
        sa.delete(Answer).where(Answer.user_id == uid),
        sa.update(Attempt).where(Attempt.user_id == uid).values(retake_of_id=None),
        sa.delete(Attempt).where(Attempt.user_id == uid),
        sa.delete(LessonProgress).where(LessonProgress.user_id == uid),
        sa.delete(ReviewCard).where(ReviewCard.user_id == uid),
        sa.delete(DailyActivity).where(DailyActivity.user_id == uid),
        sa.delete(TopicStat).where(TopicStat.user_id == uid),
        sa.delete(Enrollment).where(Enrollment.user_id == uid),
        sa.delete(ApiToken).where(ApiToken.user_id == uid),
        sa.delete(User).where(User.id == uid),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()


@prepared
def _user_by_id(dialect: str):
    # Built once: Session.get builds its primary-key query on every call, which cost ~1/3 more than
    # this prepared one (bench/PROFILE.md, fourth round); it runs on every signed-in request.
    return sa.select(User).where(User.id == sa.bindparam("user_id"))


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "<user id>.<session version>" (User.get_id): a cookie from before a log-out or a
        # password change names an old version and loads nobody.
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()) or len(session_id) > 40:
            return None
        user = db.session.execute(_user_by_id(), {"user_id": int(user_id)}).scalar()
        if user is None or user.disabled_at is not None:  # disabled by an admin: every session ends now
            return None
        return user if user.session_version == int(version) else None

    @login_manager.request_loader
    def load_user_from_request(request: Request) -> User | None:
        token = bearer_token(request)
        return user_for_token(token) if token else None
