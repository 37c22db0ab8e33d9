from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from learnpath.extensions import db
from learnpath.models._types import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # FSRS schedules each card so that the chance of recalling it when due is this value.
    desired_retention: so.Mapped[float] = so.mapped_column(default=0.9, server_default="0.9")
    # Moves on every write that changes the learner's dashboard, so a cached one is checked
    # against the row loaded for the request anyway (progress/cache.py).
    progress_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # Part of the id every session and remember-me cookie carries (get_id): moving it ends all
    # of them at once (log out, password change or reset), as Flask-Login's "alternative tokens".
    session_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def set_password(self, password: str) -> None:
        # Werkzeug's default KDF is scrypt (n=2**15, r=8, p=1) with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # Written at most once per LAST_USED_RESOLUTION, so API reads do not each become a write.
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, lifetime: timedelta) -> tuple[ApiToken, str]:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        return cls(user_id=user.id, token_hash=cls.digest(token), created_at=now, expires_at=now + lifetime), token


class Throttle(db.Model):
    """Failed log-ins, reset requests and SQL runs counted per key ("login-ip:1.2.3.4", …).

    Kept in the application database so every worker and server sees the same counts.
    """

    key: so.Mapped[str] = so.mapped_column(sa.String(300), primary_key=True)
    hits: so.Mapped[int] = so.mapped_column(default=0)
    window_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
