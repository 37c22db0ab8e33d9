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
    __table_args__ = (sa.CheckConstraint("role IN ('learner', 'admin')", name="ck_user_role"),)

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
    # An IANA name ("America/Los_Angeles") for every day boundary and time shown; NULL until the
    # browser tells it (first page after sign-up) or the learner picks one, and UTC meanwhile.
    time_zone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # Part of the id every session and remember-me cookie carries (get_id): moving it ends all
    # of them at once (log out, password change or reset), as Flask-Login's "alternative tokens".
    session_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # "learner" or "admin" (ROLES); admin routes 404 for everyone else (admin.admin_required).
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="learner", server_default="learner")
    # Set by an admin: a disabled account cannot log in and its sessions and tokens stop working.
    disabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def set_password(self, password: str) -> None:
        # Werkzeug's default KDF is scrypt (n=2**15, r=8, p=1) with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


ROLES = ("learner", "admin")


class AuditEntry(db.Model):
    """One admin action (who, what, on what, when), shown in the admin console; never edited."""

    __tablename__ = "audit_entry"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # NULL when the action came from the command line, or the admin was deleted since.
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    target: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    detail: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)


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
