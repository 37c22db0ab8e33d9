"""Trust (issue 12): sessions that end, tokens with a lifecycle, password reset and email change
by real mail, a log-in throttle shared by every worker, no 500 from hostile text, no race that
double-counts."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, ApiToken, Attempt, Enrollment, LessonProgress, Question, ReviewCard, User
from learnpath.models._types import utcnow
from tests.conftest import api_token
from tests.test_quiz import _answers, _start

PASSWORD = "correct horse battery"


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


# ---- sessions ------------------------------------------------------------------------------------

def test_logout_ends_the_session_on_the_server(app, auth, client):
    auth.signup()
    captured = _session_cookie(client)
    auth.logout()
    attacker = app.test_client()
    attacker.set_cookie("session", captured)
    assert not _signed_in(attacker)  # the replayed cookie names an old session version


def test_password_change_ends_other_sessions_remember_cookies_and_tokens(app, auth, client):
    auth.signup()
    token = api_token(app.test_client(), email="ada@example.com")  # the same account's API token
    laptop = app.test_client()
    laptop.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"})
    remember = laptop.get_cookie("remember_token").value
    assert _signed_in(laptop)

    changed = client.post("/account", data={"password-current": PASSWORD, "password-new": "a new long password",
                                             "password-confirm": "a new long password"})
    assert changed.status_code == 302
    assert _signed_in(client)  # the browser that changed it stays signed in
    assert not _signed_in(laptop)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not _signed_in(thief)
    assert app.test_client().get("/api/v1/me/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_legacy_session_ids_are_refused(app, auth, client):
    """A cookie from before session versions (a bare user id) loads nobody."""
    auth.signup()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    assert not _signed_in(client)


# ---- API tokens ----------------------------------------------------------------------------------

def test_token_lifecycle(app, client):
    created = client.post("/api/v1/auth/register", json={"email": "t@example.com", "password": PASSWORD, "name": "T"})
    assert created.status_code == 201
    first = client.post("/api/v1/auth/token", json={"email": "t@example.com", "password": PASSWORD}).get_json()
    second = client.post("/api/v1/auth/token", json={"email": "t@example.com", "password": PASSWORD}).get_json()
    assert first["expires_at"] > utcnow().isoformat() and "token" in first
    one, two = ({"Authorization": f"Bearer {t['token']}"} for t in (first, second))

    listed = client.get("/api/v1/me/tokens", headers=one).get_json()["tokens"]
    assert {t["id"] for t in listed} == {first["id"], second["id"]}
    assert all(set(t) == {"id", "created_at", "expires_at", "last_used_at"} for t in listed)  # never the secret
    assert next(t for t in listed if t["id"] == first["id"])["last_used_at"] is not None
    with app.app_context():  # stored as SHA-256 only
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        assert first["token"] not in stored and ApiToken.digest(first["token"]) in stored

    assert client.delete(f"/api/v1/me/tokens/{second['id']}", headers=one).status_code == 204
    assert client.get("/api/v1/me/progress", headers=two).status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{second['id']}", headers=one).status_code == 404
    assert client.delete("/api/v1/auth/token", headers=one).status_code == 204  # revoke the token used
    assert client.get("/api/v1/me/progress", headers=one).status_code == 401


def test_another_learners_token_cannot_be_revoked(app, client):
    ada = {"Authorization": f"Bearer {api_token(client)}"}
    eve = {"Authorization": f"Bearer {api_token(client, email='eve@example.com')}"}
    eve_id = client.get("/api/v1/me/tokens", headers=eve).get_json()["tokens"][0]["id"]
    assert client.delete(f"/api/v1/me/tokens/{eve_id}", headers=ada).status_code == 404
    assert client.get("/api/v1/me/progress", headers=eve).status_code == 200


def test_expired_tokens_are_refused(app, client):
    token = api_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me/progress", headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/v1/me/progress", headers=headers).status_code == 401


def test_token_lifetime_is_a_setting(make_app):
    from flask_migrate import upgrade

    app = make_app(API_TOKEN_DAYS=2)
    with app.app_context():
        upgrade()
    client = app.test_client()
    api_token(client)
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert timedelta(days=2) - timedelta(minutes=1) < row.expires_at - row.created_at <= timedelta(days=2)


def test_account_page_lists_creates_and_revokes_tokens(app, auth, client):
    auth.signup()
    created = client.post("/account/tokens")
    assert created.status_code == 201
    secret = re.search(r'<code class="token">([^<]+)</code>', created.get_data(as_text=True)).group(1)
    script = app.test_client()  # no session cookie: the token alone
    assert script.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert secret not in page and "Revoke" in page
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert script.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


# ---- mail: a real SMTP server --------------------------------------------------------------------

class Inbox:
    """aiosmtpd on 127.0.0.1 and a free port, keeping every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                inbox.messages.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        import socket

        with socket.socket() as probe:  # a free port (aiosmtpd checks readiness by connecting to it)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.port = port

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def link(self, address: str) -> str:
        body = self.to(address)[-1].get_payload(decode=True).decode()
        return re.search(r"http://localhost(/\S+)", body).group(1)


@pytest.fixture
def inbox():
    box = Inbox()
    yield box
    box.controller.stop()


@pytest.fixture
def mail_app(make_app, inbox):
    from flask_migrate import upgrade

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_SYNC=True, SERVER_NAME="localhost")
    with app.app_context():
        upgrade()
    return app


def test_password_reset_by_mail(mail_app, inbox):
    client = mail_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    token = api_token(mail_app.test_client(), email="ada@example.com")
    other_browser = mail_app.test_client()
    other_browser.post("/login", data={"email": "ada@example.com", "password": PASSWORD})

    visitor = mail_app.test_client()
    known = visitor.post("/password/forgot", data={"email": "Ada@Example.com"}, follow_redirects=True)
    unknown = visitor.post("/password/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    neutral = "If an account uses that address"
    assert neutral in known.get_data(as_text=True) and neutral in unknown.get_data(as_text=True)
    assert len(inbox.messages) == 1 and not inbox.to("nobody@example.com")

    link = inbox.link("ada@example.com")
    assert visitor.get(link).status_code == 200
    done = visitor.post(link, data={"new": "a brand new password", "confirm": "a brand new password"})
    assert done.status_code == 302
    assert visitor.get(link).status_code == 400  # single use: the password hash it names has changed
    assert not _signed_in(client) and not _signed_in(other_browser)  # every session ended
    assert visitor.get("/api/v1/me/progress", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert visitor.post("/login", data={"email": "ada@example.com", "password": PASSWORD}).status_code == 200
    assert visitor.post("/login", data={"email": "ada@example.com", "password": "a brand new password"}).status_code == 302


def test_reset_links_expire_and_cannot_be_forged(mail_app, inbox, monkeypatch):
    client = mail_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    client.post("/password/forgot", data={"email": "ada@example.com"})
    link = inbox.link("ada@example.com")
    assert client.get(link[:-3] + "xyz").status_code == 400
    mail_app.config["PASSWORD_RESET_MAX_AGE"] = -1  # an hour later
    assert client.get(link).status_code == 400


def test_password_reset_over_the_api(mail_app, inbox):
    client = mail_app.test_client()
    client.post("/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    for email in ("ada@example.com", "nobody@example.com"):
        response = client.post("/api/v1/auth/password-reset", json={"email": email})
        assert response.status_code == 202
    assert [m["To"] for m in inbox.messages] == ["ada@example.com"]
    reset_token = inbox.link("ada@example.com").rsplit("/", 1)[1]
    confirm = {"token": reset_token, "password": "another long password"}
    assert client.post("/api/v1/auth/password-reset/confirm", json=confirm).status_code == 204
    assert client.post("/api/v1/auth/password-reset/confirm", json=confirm).status_code == 400
    assert client.post("/api/v1/auth/token", json={"email": "ada@example.com", "password": "another long password"}).status_code == 201


def test_reset_requests_are_rate_limited_per_account(mail_app, inbox):
    client = mail_app.test_client()
    client.post("/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    for _ in range(6):
        assert client.post("/api/v1/auth/password-reset", json={"email": "ada@example.com"}).status_code == 202
    assert len(inbox.to("ada@example.com")) == 3  # no mailbox flooding; the answer stays the same


def test_email_change_is_confirmed_from_the_new_address(mail_app, inbox):
    client = mail_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    wrong = client.post("/account", data={"email-email": "new@example.com", "email-password": "not my password"})
    assert "Current password is incorrect" in wrong.get_data(as_text=True) and not inbox.messages
    client.post("/account", data={"email-email": "new@example.com", "email-password": PASSWORD})
    link = inbox.link("new@example.com")
    with mail_app.app_context():
        assert db.session.scalar(sa.select(User.email)) == "ada@example.com"  # nothing changes before the link
    assert client.post(link).status_code == 302
    with mail_app.app_context():
        assert db.session.scalar(sa.select(User.email)) == "new@example.com"
    assert inbox.to("ada@example.com")  # the old address is told
    assert client.get(link).status_code == 400  # used


def test_without_a_mail_server_messages_go_to_the_outbox(make_app, tmp_path):
    from flask_migrate import upgrade

    app = make_app(MAIL_SERVER=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        upgrade()
    client = app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    client.post("/password/forgot", data={"email": "ada@example.com"})
    [message] = (tmp_path / "outbox").glob("*.eml")
    text = message.read_text()
    assert "To: ada@example.com" in text and "/password/reset/" in text


# ---- log-in throttle -----------------------------------------------------------------------------

@pytest.fixture
def throttled_app(make_app):
    from flask_migrate import upgrade

    app = make_app(LOGIN_FAILURE_LIMIT=3)
    with app.app_context():
        upgrade()
    return app


def test_failed_logins_are_counted_across_form_and_api(throttled_app):
    client = throttled_app.test_client()
    client.post("/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    wrong = {"email": "ada@example.com", "password": "wrong password"}
    assert client.post("/login", data=wrong).status_code == 200
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    assert client.post("/login", data=wrong).status_code == 200  # third failure: locked from now
    locked = client.post("/api/v1/auth/token", json={**wrong, "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0  # even the right password waits
    page = client.post("/login", data={**wrong, "password": PASSWORD})
    assert page.status_code == 429 and "Too many failed log-ins" in page.get_data(as_text=True)


def test_the_lockout_grows_and_is_per_account(throttled_app):
    from learnpath import throttle
    from learnpath.models import Throttle

    client = throttled_app.test_client()
    wrong = {"email": "ada@example.com", "password": "wrong password"}
    for _ in range(3):
        client.post("/api/v1/auth/token", json=wrong)
    with throttled_app.app_context():
        first = db.session.get(Throttle, "login-account:ada@example.com").locked_until
        # The lock passes; one more failure locks for twice as long.
        db.session.execute(sa.update(Throttle).values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    client.post("/api/v1/auth/token", json=wrong)
    with throttled_app.app_context():
        second = db.session.get(Throttle, "login-account:ada@example.com")
        assert second.locked_until - utcnow() > timedelta(seconds=100) > first - utcnow()
        assert throttle.LOCKOUT_BASE == timedelta(minutes=1)


# ---- hostile text --------------------------------------------------------------------------------

def test_deeply_nested_json_is_a_400_not_a_500(client):
    bomb = "[" * 200_000 + "]" * 200_000
    for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/password-reset"):
        response = client.post(path, data=bomb, content_type="application/json")
        assert response.status_code == 400 and "nested deeper" in response.get_json()["error"]["message"]
    nested = "x"
    for _ in range(40):  # 41 levels: small, but past the limit of 32
        nested = [nested]
    assert client.post("/api/v1/auth/token", json={"email": nested, "password": "x"}).status_code == 400


def test_lone_surrogates_are_a_400_naming_the_field(app, client):
    body = '{"email": "s@example.com", "password": "correct horse battery", "name": "\\ud800"}'
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert response.status_code == 400 and "'body.name'" in response.get_json()["error"]["message"]
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    short = next(q for q in attempt["questions"] if q["kind"] == "short_text")
    body = '{"answers": {"%s": "senior\\udfff"}}' % short["id"]
    response = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400 and f"'body.answers.{short['id']}'" in response.get_json()["error"]["message"]
    assert client.get(f"/api/v1/attempts/{attempt['attempt_id']}", headers=headers).status_code == 200


def test_invalid_utf8_in_a_form_never_reaches_a_500(client):
    response = client.post("/signup", data=b"email=a%40b.c&password=correct+horse+battery&name=%ED%A0%80",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


# ---- races ---------------------------------------------------------------------------------------

def _parallel(n, call):
    barrier = threading.Barrier(n)
    results = []

    def run():
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_starts_share_one_open_attempt(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    responses = _parallel(6, lambda: app.test_client().post("/api/v1/lessons/tcp/attempts", headers=headers))
    assert {r.status_code for r in responses} <= {200, 201} and [r.status_code for r in responses].count(201) == 1
    assert len({r.get_json()["attempt_id"] for r in responses}) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_the_database_refuses_a_second_open_attempt(app, client, auth):
    auth.signup()
    _start(client)
    with app.app_context():
        first = db.session.scalar(sa.select(Attempt))
        db.session.add(Attempt(user_id=first.user_id, lesson_id=first.lesson_id, seed=1, question_ids=[], carried={}, draft={}))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()


def test_parallel_enroll_and_mark_read_are_idempotent(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    enrolls = _parallel(6, lambda: app.test_client().post("/api/v1/courses/net-basics/enrollment", headers=headers))
    assert sorted(r.status_code for r in enrolls) == [200] * 5 + [201]
    reads = _parallel(6, lambda: app.test_client().post("/api/v1/lessons/tcp/read", headers=headers))
    assert {r.status_code for r in reads} == {200}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 1


def _due_card(app, client) -> tuple[int, dict]:
    """Answer the TCP quiz wrong so its questions become due review cards; one card and its form."""
    _start(client)
    attempt_id = _start(client)
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=False), "action": "submit"})
    with app.app_context():
        db.session.execute(sa.update(ReviewCard).values(due=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    page = client.get("/review").get_data(as_text=True)
    card_id = int(re.search(r'action="/review/(\d+)"', page).group(1))
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    with app.app_context():
        question = db.session.get(ReviewCard, card_id).question
        answer = "true" if question.kind == "true_false" else "x"
    return card_id, {"seen": seen, f"q{question.id}": answer}


def test_a_review_answer_is_recorded_once(app, client, auth):
    auth.signup()
    card_id, form = _due_card(app, client)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.attempt_id.is_(None)))
    first = client.post(f"/review/{card_id}", data=form)
    assert first.status_code == 302 and "/review/answers/" in first.headers["Location"]
    assert client.get(first.headers["Location"]).status_code == 200
    assert client.get(first.headers["Location"]).status_code == 200  # reload: shows, records nothing
    again = client.post(f"/review/{card_id}", data=form)  # a double click or a resent form
    assert again.headers["Location"] == first.headers["Location"]
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.attempt_id.is_(None)))
        assert after == before + 1
        assert db.session.get(ReviewCard, card_id).reviews == int(form["seen"]) + 1


def test_parallel_review_answers_record_one(app, client, auth):
    auth.signup()
    card_id, form = _due_card(app, client)
    cookie = _session_cookie(client)

    def post():
        local = app.test_client()
        local.set_cookie("session", cookie)
        return local.post(f"/review/{card_id}", data=form)

    responses = _parallel(6, post)
    assert {r.status_code for r in responses} == {302}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.attempt_id.is_(None))) == 1


def test_another_learners_review_answer_is_a_404(app, client, auth):
    auth.signup()
    card_id, form = _due_card(app, client)
    location = client.post(f"/review/{card_id}", data=form).headers["Location"]
    other = app.test_client()
    other.post("/signup", data={"email": "eve@example.com", "password": PASSWORD, "name": "Eve"})
    assert other.get(location).status_code == 404


# ---- data consistency ----------------------------------------------------------------------------

def test_retake_missed_of_a_retake_asks_only_what_is_not_yet_right(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    with app.app_context():
        ids = db.session.get(Attempt, attempt_id).question_ids
    def fields(form: dict, qid: int) -> dict:  # an ordering question answers in several fields
        return {k: v for k, v in form.items() if k == f"q{qid}" or k.startswith(f"q{qid}-")}

    # First attempt: only the first question right.
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=False),
                                                 **fields(_answers(app, attempt_id), ids[0]), "action": "submit"})
    retake = _start(client, only_missed="1")
    with app.app_context():
        assert db.session.get(Attempt, retake).question_ids == ids[1:]
    # The retake gets the second question right too.
    client.post(f"/attempts/{retake}", data={**_answers(app, retake, right=False),
                                             **fields(_answers(app, retake), ids[1]), "action": "submit"})
    again = _start(client, only_missed="1")
    with app.app_context():
        attempt = db.session.get(Attempt, again)
        assert attempt.question_ids == ids[2:]  # not the first one again: the retake carried it
        assert set(attempt.carried) == {str(ids[0]), str(ids[1])}


# ---- one quota for every path that runs SQL -----------------------------------------------------

def test_sql_runs_are_limited_on_the_form_review_and_submit(make_app):
    from flask_migrate import upgrade

    from learnpath.content.importer import import_pack
    from learnpath.content.pack import load_pack
    from tests.conftest import FIXTURE_PACK

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_SQL_RUN="2 per minute")
    with app.app_context():
        upgrade()
        import_pack(load_pack(FIXTURE_PACK))
        qid = db.session.scalar(sa.select(Question.id).filter_by(kind="sql"))
    client = app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"})
    attempt_id = _start(client, slug="rest")
    run = {f"q{qid}": "SELECT 1", "action": f"run-{qid}"}
    for _ in range(2):
        assert "run many queries" not in client.post(f"/attempts/{attempt_id}", data=run).get_data(as_text=True)
    third = client.post(f"/attempts/{attempt_id}", data=run).get_data(as_text=True)
    assert "run many queries" in third
    submit = client.post(f"/attempts/{attempt_id}", data={f"q{qid}": "SELECT 1", "action": "submit"})
    assert submit.status_code == 429
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "in_progress"  # answers kept, nothing graded
