"""Reminder digests: what the mail says, when it is due (time zones, DST), sending it once per
(learner, local day) under concurrency, the account form, and the one-click unsubscribe."""
from __future__ import annotations

import email
import threading
from datetime import date, datetime, timedelta, timezone
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import DailyActivity, Question, ReminderSent, ReviewCard, User
from learnpath.reminders import services
from learnpath.reminders.services import Preferences, build_digest

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def add_learner(email_address: str, *, tz: str | None = "UTC", enabled: bool = True, hour: int = 0,
                reviews: bool = True, streak: bool = True) -> int:
    user = User(email=email_address, name=email_address.split("@")[0].title(), time_zone=tz)
    user.set_password("correct horse battery")
    db.session.add(user)
    db.session.commit()
    services.save_preferences(user.id, Preferences(enabled, hour, reviews, streak))
    return user.id


def add_due_cards(user_id: int, count: int, now: datetime) -> None:
    question_ids = db.session.scalars(sa.select(Question.id).where(~Question.retired).order_by(Question.id)).all()
    assert len(question_ids) >= count, "the fixture pack has too few questions"
    for question_id in question_ids[:count]:
        db.session.add(ReviewCard(user_id=user_id, question_id=question_id, due=now - timedelta(hours=1)))
    db.session.commit()


def add_activity(user_id: int, days: list[date]) -> None:
    for day in days:
        db.session.add(DailyActivity(user_id=user_id, day=day, answered=3, correct=2))
    db.session.commit()


def outbox(app) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted((Path(app.instance_path) / "outbox").glob("*.eml"))]


@pytest.fixture
def at(monkeypatch):
    """Set the clock the digest job reads."""
    def set_clock(when: datetime) -> datetime:
        monkeypatch.setattr(services, "utcnow", lambda: when)
        return when
    return set_clock


# ---- what the digest says -------------------------------------------------------------------------

@pytest.mark.parametrize("prefs, due, streak, studied, expected", [
    (Preferences(True), 12, 0, False, ("12 reviews due, about 6 minutes", "")),
    (Preferences(True), 1, 0, False, ("1 review due, about 1 minute", "")),
    (Preferences(True), 3, 0, False, ("3 reviews due, about 2 minutes", "")),  # 90 s rounds up
    (Preferences(True), 12, 5, False, ("12 reviews due, about 6 minutes",
                                       "Your 5-day streak ends at midnight unless you study today.")),
    (Preferences(True), 12, 5, True, ("12 reviews due, about 6 minutes", "")),  # studied today: not at risk
    (Preferences(True), 0, 1, False, ("", "Your 1-day streak ends at midnight unless you study today.")),
    (Preferences(True, reviews_due=False), 12, 5, False, ("", "Your 5-day streak ends at midnight unless you study today.")),
    (Preferences(True, streak_at_risk=False), 12, 5, False, ("12 reviews due, about 6 minutes", "")),
])
def test_digest_lines(prefs, due, streak, studied, expected):
    digest = build_digest(prefs, due, streak, studied)
    assert (digest.reviews_line, digest.streak_line) == expected
    assert digest.subject == (expected[0] or f"Keep your {streak}-day streak going")


@pytest.mark.parametrize("prefs, due, streak, studied", [
    (Preferences(True), 0, 0, False),   # nothing due, no streak
    (Preferences(True), 0, 4, True),    # studied already today
    (Preferences(True, reviews_due=False), 9, 0, False),
    (Preferences(True, streak_at_risk=False), 0, 4, False),
])
def test_nothing_to_say_is_no_digest(prefs, due, streak, studied):
    assert build_digest(prefs, due, streak, studied) is None


def test_digest_mail_has_counts_streak_links_and_unsubscribe_headers(app, ctx, at):
    now = at(NOON)
    uid = add_learner("ada@example.com")
    add_due_cards(uid, 7, now)
    add_activity(uid, [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)])  # a 3-day streak, not today
    assert services.send_digest(uid, "2026-12-07") == "sent"
    [message] = outbox(app)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "7 reviews due, about 4 minutes"  # 7 x 30 s = 3.5 min, rounded up
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "7 reviews due, about 4 minutes." in text
    assert "Your 3-day streak ends at midnight unless you study today." in text
    assert "Start now: http://127.0.0.1:5000/review" in text
    assert '<a href="http://127.0.0.1:5000/review">' in html and "Your 3-day streak" in html
    token = services.unsubscribe_token(uid)
    assert message["List-Unsubscribe"].strip() == f"<http://127.0.0.1:5000/unsubscribe/{token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/unsubscribe/{token}" in text and f"/unsubscribe/{token}" in html
    row = db.session.scalar(sa.select(ReminderSent))
    assert (row.user_id, row.day, row.outcome, row.sent_at is not None) == (uid, date(2026, 12, 7), "sent", True)
    # the same day again: a duplicate, no second mail
    assert services.send_digest(uid, "2026-12-07") == "duplicate"
    assert len(outbox(app)) == 1


def test_links_follow_public_url(make_app, at):
    app = make_app(PUBLIC_URL="https://learn.example.org/lp")
    with app.app_context():
        now = at(NOON)
        uid = add_learner("ada@example.com")
        add_due_cards(uid, 1, now)
        assert services.send_digest(uid, "2026-12-07") == "sent"
        [message] = outbox(app)
        assert message["List-Unsubscribe"].strip().startswith("<https://learn.example.org/lp/unsubscribe/")
        assert "https://learn.example.org/lp/review" in message.get_body(("plain",)).get_content()


def test_studied_today_means_no_streak_line(app, ctx, at):
    now = at(NOON)
    uid = add_learner("ada@example.com")
    add_due_cards(uid, 2, now)
    add_activity(uid, [date(2026, 12, 6), date(2026, 12, 7)])
    assert services.send_digest(uid, "2026-12-07") == "sent"
    [message] = outbox(app)
    assert message["Subject"] == "2 reviews due, about 1 minute"
    assert "streak" not in message.get_body(("plain",)).get_content()


def test_streak_only_mail_when_no_reviews_are_due(app, ctx, at):
    at(NOON)
    uid = add_learner("ada@example.com")
    add_activity(uid, [date(2026, 12, 5), date(2026, 12, 6)])
    assert services.send_digest(uid, "2026-12-07") == "sent"
    [message] = outbox(app)
    assert message["Subject"] == "Keep your 2-day streak going"
    assert "reviews due" not in message.get_body(("plain",)).get_content()


def test_nothing_to_say_sends_nothing_and_is_not_asked_again_that_day(app, ctx, at):
    now = at(NOON)
    uid = add_learner("ada@example.com")
    assert services.due_learners(now) == [(uid, date(2026, 12, 7))]
    assert services.send_digest(uid, "2026-12-07") == "nothing"
    assert outbox(app) == []
    assert db.session.scalar(sa.select(ReminderSent.outcome)) == "nothing"
    assert services.due_learners(now) == []
    assert services.due_learners(now + timedelta(days=1)) == [(uid, date(2026, 12, 8))]


def test_opted_out_disabled_and_stale_jobs_send_nothing(app, ctx, at):
    now = at(NOON)
    off = add_learner("off@example.com", enabled=False)
    disabled = add_learner("disabled@example.com")
    db.session.get(User, disabled).disabled_at = now
    db.session.commit()
    on = add_learner("on@example.com")
    for uid in (off, disabled, on):
        add_due_cards(uid, 2, now)
    assert services.due_learners(now) == [(on, date(2026, 12, 7))]
    assert services.send_digest(off, "2026-12-07") == "off"
    assert services.send_digest(disabled, "2026-12-07") == "off"
    # a job that runs after the learner's day is over says nothing, and claims nothing
    assert services.send_digest(on, "2026-12-06") == "stale"
    assert outbox(app) == [] and db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 0


# ---- when it is due: the learner's hour, in their zone --------------------------------------------

def test_hour_in_the_learners_time_zone(app, ctx):
    la = add_learner("la@example.com", tz="America/Los_Angeles", hour=18)
    tokyo = add_learner("tokyo@example.com", tz="Asia/Tokyo", hour=7)
    utc = add_learner("utc@example.com", tz=None, hour=3)  # no zone known yet: UTC
    late = add_learner("late@example.com", tz="Asia/Tokyo", hour=23)

    def due(when):
        return dict(services.due_learners(when))

    # 01:59 UTC = 17:59 in LA (6 Dec), 10:59 in Tokyo (7 Dec)
    assert due(datetime(2026, 12, 7, 1, 59, tzinfo=timezone.utc)) == {tokyo: date(2026, 12, 7)}
    # 02:00 UTC = 18:00 in LA: LA's 6 December digest is due; Tokyo's is for 7 December
    assert due(datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)) == {la: date(2026, 12, 6), tokyo: date(2026, 12, 7)}
    assert due(datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)) == {la: date(2026, 12, 6), tokyo: date(2026, 12, 7),
                                                                      utc: date(2026, 12, 7)}
    # 14:00 UTC = 23:00 in Tokyo; at 15:00 UTC it is 00:00 on 8 December there (no hour has come for
    # either Tokyo learner yet) and 07:00 in LA (before 18:00): only the UTC learner
    assert due(datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc))[late] == date(2026, 12, 7)
    assert due(datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)) == {utc: date(2026, 12, 7)}


def test_dst_spring_forward_skipped_hour_still_sends(app, ctx):
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:xx never happens.
    uid = add_learner("ny@example.com", tz="America/New_York", hour=2)
    assert services.due_learners(datetime(2026, 3, 8, 6, 59, tzinfo=timezone.utc)) == []  # 01:59 EST
    assert services.due_learners(datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc)) == [(uid, date(2026, 3, 8))]  # 03:00 EDT


def test_dst_fall_back_repeated_hour_sends_once(app, ctx, at):
    # New York, 1 November 2026: 01:00-01:59 happens twice (05:00 UTC in EDT, 06:00 UTC in EST).
    uid = add_learner("ny@example.com", tz="America/New_York", hour=1)
    now = at(datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc))
    add_due_cards(uid, 3, now)
    assert services.due_learners(datetime(2026, 11, 1, 4, 59, tzinfo=timezone.utc)) == []  # 00:59 EDT
    assert services.due_learners(now) == [(uid, date(2026, 11, 1))]  # 01:30 EDT
    assert services.send_digest(uid, "2026-11-01") == "sent"
    second = at(datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc))  # 01:30 EST, the same local day
    assert services.due_learners(second) == []
    assert services.send_digest(uid, "2026-11-01") == "duplicate"
    assert len(outbox(app)) == 1


# ---- once per (learner, day), under concurrency ---------------------------------------------------

def test_eight_concurrent_jobs_send_one_mail(app, at):
    """8 threads run the same day's job at once (duplicated enqueue, retries, two workers):
    the INSERT ... ON CONFLICT DO NOTHING claim lets exactly one send (SQLite and PostgreSQL)."""
    now = at(NOON)
    with app.app_context():
        uid = add_learner("ada@example.com")
        add_due_cards(uid, 4, now)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def job():
        with app.app_context():
            barrier.wait()
            outcomes.append(services.send_digest(uid, "2026-12-07"))

    threads = [threading.Thread(target=job) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate"] * 7 + ["sent"]
    assert len(outbox(app)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 1


def test_failed_send_releases_the_claim_so_a_retry_sends(app, ctx, at, monkeypatch):
    now = at(NOON)
    uid = add_learner("ada@example.com")
    add_due_cards(uid, 2, now)
    real = services.deliver

    def broken(message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(services, "deliver", broken)
    with pytest.raises(ConnectionRefusedError):
        services.send_digest(uid, "2026-12-07")
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 0  # released
    assert services.due_learners(now) == [(uid, date(2026, 12, 7))]  # so the scheduler asks again
    monkeypatch.setattr(services, "deliver", real)
    assert services.send_digest(uid, "2026-12-07") == "sent"
    assert len(outbox(app)) == 1


def test_run_due_command_sends_each_due_digest_once(app, runner, at):
    now = at(datetime.now(timezone.utc))
    with app.app_context():
        a = add_learner("a@example.com")
        add_due_cards(a, 2, now)
        add_learner("quiet@example.com")
        add_learner("off@example.com", enabled=False)
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Reminders: 1 nothing, 1 sent."
    assert runner.invoke(args=["jobs", "run-due"]).output.strip() == "Reminders: nobody due."
    assert [m["To"] for m in outbox(app)] == ["a@example.com"]


# ---- the account page's form ----------------------------------------------------------------------

def test_reminders_are_off_by_default_and_saved_from_the_account_page(app, client, auth):
    auth.signup()
    page = client.get("/account").get_data(as_text=True)
    assert 'id="reminders"' in page and 'name="reminders-enabled"' in page
    assert 'name="reminders-enabled" type="checkbox" value="y">' in page  # not checked
    response = client.post("/account/reminders", data={
        "reminders-enabled": "y", "reminders-hour": "7", "reminders-reviews_due": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#reminders")
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id))
        assert services.preferences(uid) == Preferences(True, 7, True, False)
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="7">07:00</option>' in page
    assert "Reminders on" in page
    client.post("/account/reminders", data={"reminders-hour": "7", "reminders-reviews_due": "y"})
    with app.app_context():
        assert services.preferences(uid).enabled is False


@pytest.mark.parametrize("data, message", [
    ({"reminders-enabled": "y", "reminders-hour": "24", "reminders-reviews_due": "y"},
     "Choose an hour between 00:00 and 23:00."),
    ({"reminders-enabled": "y", "reminders-hour": "seven", "reminders-reviews_due": "y"},
     "Choose an hour between 00:00 and 23:00."),
    ({"reminders-enabled": "y", "reminders-hour": "8"},
     "Tick at least one thing to be reminded of, or turn reminders off."),
])
def test_reminder_form_validation(app, client, auth, data, message):
    auth.signup()
    response = client.post("/account/reminders", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert services.preferences(db.session.scalar(sa.select(User.id))).enabled is False


def test_reminder_form_needs_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        uid = add_learner("ada@example.com", enabled=False)
    client.post("/login", data={"email": "ada@example.com", "password": "correct horse battery"})  # refused: no token
    with client.session_transaction() as session:
        session["_user_id"] = f"{uid}.0"
        session["_fresh"] = True
    response = client.post("/account/reminders", data={"reminders-enabled": "y", "reminders-hour": "8",
                                                        "reminders-reviews_due": "y"})
    assert response.status_code == 400 and "This form expired" in response.get_data(as_text=True)
    with app.app_context():
        assert services.preferences(uid).enabled is False


# ---- one-click unsubscribe ------------------------------------------------------------------------

def test_unsubscribe_get_confirms_and_rfc8058_post_works_without_login_or_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)  # the real CSRF check: this view alone is exempt
    client = app.test_client()
    with app.app_context():
        uid = add_learner("ada@example.com")
        token = services.unsubscribe_token(uid)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop reminder mails?" in html and '<form method="post">' in html and "<button>Unsubscribe</button>" in html
    with app.app_context():
        assert services.preferences(uid).enabled is True  # opening the link (a scanner, a preview) changes nothing
    # what a mail client sends for List-Unsubscribe-Post: no cookie, no CSRF token
    response = client.post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    with app.app_context():
        assert services.preferences(uid) == Preferences(False, 0, True, True)
        assert services.due_learners(NOON) == []
    assert client.post(f"/unsubscribe/{token}").status_code == 200  # again: still fine


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_unsubscribe_token_is_a_400_page(app, client, method):
    with app.app_context():
        uid = add_learner("ada@example.com")
        token = services.unsubscribe_token(uid)
        forged = services.unsubscribe_token(uid + 1)
    tampered = [token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), token[: len(token) // 2], "x" * 500,
                forged.split(".")[0] + "." + token.split(".")[1]]
    for bad in tampered:
        response = getattr(client, method)(f"/unsubscribe/{bad}")
        assert response.status_code == 400, bad
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert services.preferences(uid).enabled is True


def test_unsubscribe_token_from_another_secret_is_refused(make_app):
    other = make_app(SECRET_KEY="another-secret")
    with other.app_context():
        token = services.unsubscribe_token(1)
    app = make_app()
    with app.app_context():
        assert services.user_for_unsubscribe_token(token) is None
        assert services.user_for_unsubscribe_token(services.unsubscribe_token(1)) == 1


def test_deleting_an_account_deletes_its_reminder_rows(app, client, auth, at):
    at(NOON)
    auth.signup()
    client.post("/account/reminders", data={"reminders-enabled": "y", "reminders-hour": "0", "reminders-streak_at_risk": "y"})
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id))
        add_activity(uid, [date(2026, 12, 6)])
        assert services.send_digest(uid, "2026-12-07") == "sent"
    response = client.post("/account/delete", data={"delete-password": "correct horse battery", "delete-confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert services.preferences(uid) == Preferences()
        assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == 0


def test_ticks_forget_claims_older_than_two_weeks(app, ctx):
    uid = add_learner("ada@example.com", enabled=False)
    for day in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 12, 6)):
        assert services.claim(uid, day)
    assert services.run_due(NOON) == {}  # 7 December: 23 November is 14 days back and stays
    assert sorted(db.session.scalars(sa.select(ReminderSent.day))) == [date(2026, 11, 23), date(2026, 12, 6)]
