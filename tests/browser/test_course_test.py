"""The timed course test in a real browser: the countdown shows the time left and, at the deadline,
submits what is filled in (the server counts it: it arrives within the grace)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from learnpath.extensions import db
from learnpath.models import Attempt, Lesson, User
from learnpath.models._types import utcnow
from learnpath.progress import services as progress
from tests.browser.helpers import INDEPENDENT, answer_single, question, sign_up

pytestmark = pytest.mark.browser


def _lessons_done(app, email: str) -> None:
    with app.app_context():
        try:
            uid = db.session.scalar(sa.select(User.id).where(User.email == email))
            for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.slug.in_(["packets", "tcp"]))).all():
                progress.mark_read(uid, lesson)
                progress.record_attempt(uid, lesson, 100.0, True, utcnow())
                db.session.commit()
        finally:
            db.session.remove()


def _deadline_in(app, attempt_id: int, seconds: int) -> None:
    with app.app_context():
        try:
            db.session.execute(sa.update(Attempt).where(Attempt.id == attempt_id)
                               .values(deadline_at=utcnow() + timedelta(seconds=seconds)))
            db.session.commit()
        finally:
            db.session.remove()


def test_the_countdown_submits_at_the_deadline(page: Page, live_server):
    email = sign_up(page)
    _lessons_done(live_server.app, email)
    page.goto("/courses/net-basics")
    page.get_by_role("button", name="Take the course test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Course test: Net Basics")
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    _deadline_in(live_server.app, attempt_id, 6)  # the pack's test is untimed: give this one a deadline
    page.reload()
    countdown = page.locator(".countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(re.compile(r"Time left: 00:0\d\."))
    expect(question(page, INDEPENDENT)).to_be_visible()
    answer_single(page, INDEPENDENT, "True")
    # Nobody presses Submit: the page submits itself at the deadline, with the answer given.
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Your result"))).to_be_visible(timeout=20_000)
    expect(page.locator(".results-list .result-correct")).to_have_count(1)
    with live_server.app.app_context():
        try:
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.status == "submitted" and attempt.submitted_at <= attempt.deadline_at + timedelta(seconds=15)
            assert attempt.percent == round(100 / 6, 1)
        finally:
            db.session.remove()
