"""Accounts: registration, authentication (session and bearer token), export and deletion."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Request, current_app

from learnpath.extensions import db, login_manager, prepared
from learnpath.models import (
    Answer, ApiToken, Attempt, Course, DailyActivity, Enrollment, Lesson, LessonProgress, Question, ReviewCard, TopicStat,
    User,
)

# A fixed hash checked when the email is unknown, so a login takes as long either way and
# response timing does not reveal which emails have accounts.
_DUMMY_HASH = None


class AccountError(ValueError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def register(email: str, password: str, name: str) -> User:
    """Create an account. Raises AccountError if the email is taken (the caller decides how
    much to reveal: the API says 409, the form shows a neutral message)."""
    if find_user(email):
        raise AccountError("email taken")
    user = User(email=normalize_email(email), name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
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


def issue_token(user: User) -> str:
    token_row, token = ApiToken.issue(user)
    db.session.add(token_row)
    db.session.commit()
    return token



def auth_rate_limit() -> str:
    """The rate limit of log-in, sign-up and token requests (RATELIMIT_AUTH), for the web and the API."""
    return current_app.config["RATELIMIT_AUTH"]

@prepared
def _user_for_token_query(dialect: str):
    return sa.select(User).join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == sa.bindparam("digest"))


def user_for_token(token: str) -> User | None:
    return db.session.scalar(_user_for_token_query(), {"digest": ApiToken.digest(token)})


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


def export(user: User) -> dict[str, Any]:
    """Everything we hold about the learner, in plain JSON."""
    def iso(value):
        return value.isoformat() if value else None

    enrollments = db.session.execute(
        sa.select(Enrollment, Course.slug).join(Course, Course.id == Enrollment.course_id).where(Enrollment.user_id == user.id)
    ).all()
    progress = db.session.execute(
        sa.select(LessonProgress, Lesson.slug).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id)
    ).all()
    attempts = db.session.execute(
        sa.select(Attempt, Lesson.slug).join(Lesson, Lesson.id == Attempt.lesson_id).where(Attempt.user_id == user.id)
        .order_by(Attempt.id)
    ).all()
    answers = db.session.execute(
        sa.select(Answer, Question.key).join(Question, Question.id == Answer.question_id)
        .where(Answer.user_id == user.id).order_by(Answer.id)
    ).all()
    cards = db.session.execute(
        sa.select(ReviewCard, Question.key, Lesson.slug).join(Question, Question.id == ReviewCard.question_id)
        .join(Lesson, Lesson.id == Question.lesson_id).where(ReviewCard.user_id == user.id).order_by(ReviewCard.id)
    ).all()
    reviews = [a for a, _ in answers if a.attempt_id is None]
    by_attempt: dict[int, list] = {}
    for answer, key in answers:
        if answer.attempt_id is None:
            continue
        by_attempt.setdefault(answer.attempt_id, []).append({
            "question": key, "response": answer.response, "correct": answer.correct, "points": answer.points,
            "revision": answer.revision, "answered_at": iso(answer.answered_at),
        })
    return {
        "account": {"email": user.email, "name": user.name, "created_at": iso(user.created_at)},
        "enrollments": [{"course": slug, "enrolled_at": iso(e.enrolled_at), "completed_at": iso(e.completed_at),
                         "certificate_code": e.certificate_code} for e, slug in enrollments],
        "lessons": [{"lesson": slug, "read_at": iso(p.read_at), "best_percent": p.best_percent,
                     "attempts": p.attempts_count, "completed_at": iso(p.completed_at)} for p, slug in progress],
        "attempts": [{"id": a.id, "lesson": slug, "status": a.status, "started_at": iso(a.started_at),
                      "submitted_at": iso(a.submitted_at), "percent": a.percent, "answers": by_attempt.get(a.id, [])}
                     for a, slug in attempts],
        "review": {
            "desired_retention": user.desired_retention,
            "cards": [{"lesson": slug, "question": key, "due": iso(c.due), "stability": c.stability,
                       "difficulty": c.difficulty, "reviews": c.reviews, "lapses": c.lapses} for c, key, slug in cards],
            "answers": [{"question_id": a.question_id, "response": a.response, "correct": a.correct,
                         "answered_at": iso(a.answered_at)} for a in reviews],
        },
    }


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


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None

    @login_manager.request_loader
    def load_user_from_request(request: Request) -> User | None:
        token = bearer_token(request)
        return user_for_token(token) if token else None
