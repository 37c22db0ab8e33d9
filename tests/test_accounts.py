import json

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, ApiToken, Attempt, Enrollment, LessonProgress, ReviewCard, User
from tests.conftest import api_token
from tests.test_quiz import _answers, _start


def test_signup_login_logout(client, auth):
    response = auth.signup()
    assert response.status_code == 302
    assert "Ada" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/dashboard").status_code == 302
    assert auth.login().status_code == 302
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("form, message", [
    ({"email": "not-an-email", "password": "correct horse battery", "name": "A"}, "Invalid email address"),
    ({"email": "a@example.com", "password": "short", "name": "A"}, "at least 10 characters"),
    ({"email": "a@example.com", "password": "correct horse battery", "name": ""}, "This field is required"),
])
def test_signup_validation(client, form, message):
    response = client.post("/signup", data=form)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_login_and_signup_do_not_reveal_accounts(client, auth):
    auth.signup()
    auth.logout()
    wrong_password = auth.login(password="wrong password!!").get_data(as_text=True)
    unknown_email = auth.login(email="nobody@example.com").get_data(as_text=True)
    assert "Email or password is incorrect." in wrong_password and "Email or password is incorrect." in unknown_email
    taken = auth.signup().get_data(as_text=True)
    assert "We could not create an account with this email" in taken and "already registered" not in taken


def test_remember_me_sets_cookie(client, auth):
    auth.signup()
    auth.logout()
    response = auth.login(remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)
    no_remember = client.post("/logout") and auth.login()
    assert not any(c.startswith("remember_token=") and "Expires=Thu, 01 Jan 1970" not in c
                   for c in no_remember.headers.getlist("Set-Cookie"))


def test_change_name_and_password(client, auth):
    auth.signup()
    client.post("/account", data={"profile-name": "Ada L."})
    assert "Ada L." in client.get("/account").get_data(as_text=True)
    bad = client.post("/account", data={"password-current": "nope nope nope", "password-new": "another long one",
                                        "password-confirm": "another long one"})
    assert "Current password is incorrect." in bad.get_data(as_text=True)
    client.post("/account", data={"password-current": "correct horse battery", "password-new": "another long one",
                                  "password-confirm": "another long one"})
    auth.logout()
    assert auth.login(password="another long one").status_code == 302


def test_export_contains_my_history(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    response = client.get("/account/export")
    data = json.loads(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert data["account"]["email"] == "ada@example.com"
    assert data["enrollments"][0]["course"] == "net-basics"
    assert data["attempts"][0]["percent"] == 100.0 and len(data["attempts"][0]["answers"]) == 2
    assert "password" not in response.get_data(as_text=True)


def test_delete_account_removes_only_that_learner(app, client, auth):
    # Eve has history too; it must survive Ada's deletion.
    other = app.test_client()
    eve = {"Authorization": f"Bearer {api_token(other, email='eve@example.com')}"}
    other.post("/api/v1/courses/net-basics/enrollment", headers=eve)
    eve_attempt = other.post("/api/v1/lessons/packets/attempts", headers=eve).get_json()["attempt_id"]
    other.post(f"/api/v1/attempts/{eve_attempt}/submit", headers=eve, json={"answers": {}})

    auth.signup()
    client.post("/courses/net-basics/enroll")
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    retake = _start(client, "packets", only_missed="1")
    assert retake

    def counts(user_email):
        with app.app_context():
            uid = db.session.scalar(sa.select(User.id).filter_by(email=user_email))
            return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m).where(m.user_id == uid))
                         for m in (Answer, Attempt, Enrollment, LessonProgress, ApiToken, ReviewCard)) if uid else None

    eve_before = counts("eve@example.com")
    assert client.post("/account/delete", data={"delete-password": "wrong", "delete-confirm": "y"}).status_code == 400
    assert counts("ada@example.com") is not None
    response = client.post("/account/delete", data={"delete-password": "correct horse battery", "delete-confirm": "y"})
    assert response.status_code == 302
    assert counts("ada@example.com") is None
    assert counts("eve@example.com") == eve_before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 2
    assert client.get("/dashboard").status_code == 302
