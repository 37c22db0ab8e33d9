"""The API submit reads its learner from the bearer token as a plain row (accounts.learner_for_token), not
as an ORM `User`: the same token rules as every other API call (unknown, expired, disabled: 401, nothing
written), its use noted the same way, the learner's own review retention, and a browser session (which
Flask-Login reads before the token) still the one that acts."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import ApiToken, Attempt, User
from learnpath.models._types import utcnow
from learnpath.review import services as review
from tests.conftest import api_token, csrf_token, sql_statements


def _start(client, headers, slug="tcp"):
    response = client.post(f"/api/v1/lessons/{slug}/attempts", headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["attempt_id"]


def _submit(client, headers, attempt_id):
    return client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers, json={"answers": {}})


def _status(app, attempt_id):
    with app.app_context():
        return db.session.get(Attempt, attempt_id).status


def test_the_submit_reads_the_token_owner_as_a_row(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    client.get("/api/v1/me/progress", headers=headers)  # the token's first use is noted
    attempt_id = _start(client, headers)
    response, statements = sql_statements(app, lambda: _submit(client, headers, attempt_id))
    assert response.status_code == 200, response.get_json()
    token_reads = [s for s in statements if "api_token" in s]
    assert len(token_reads) == 1, statements
    assert "password_hash" not in token_reads[0]  # not the whole user: no ORM object is built
    assert _status(app, attempt_id) == "submitted"


@pytest.mark.parametrize("change", ["disabled", "expired", "revoked"])
def test_a_dead_token_cannot_submit(app, change):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt_id = _start(client, headers)
    with app.app_context():
        if change == "disabled":
            db.session.execute(sa.update(User).values(disabled_at=utcnow()))
        elif change == "expired":
            db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        else:
            db.session.execute(sa.delete(ApiToken))
        db.session.commit()
    response = _submit(client, headers, attempt_id)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert _status(app, attempt_id) == "in_progress"


def test_the_submit_notes_the_tokens_use_when_due(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt_id = _start(client, headers)
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(last_used_at=None))
        db.session.commit()
    assert _submit(client, headers, attempt_id).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_the_cards_are_scheduled_with_the_learners_retention(app, monkeypatch):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    with app.app_context():
        db.session.execute(sa.update(User).values(desired_retention=0.8))
        db.session.commit()
    seen = []
    record = review.record_answers
    monkeypatch.setattr(review, "record_answers", lambda *args: seen.append(args[3]) or record(*args))
    assert _submit(client, headers, _start(client, headers)).status_code == 200
    assert seen == [0.8]


def test_a_browser_session_acts_before_a_bearer_token(app, client, auth):
    """Flask-Login reads the session first: with a session cookie sent, the token does not choose the learner."""
    other = app.test_client()
    other_headers = {"Authorization": f"Bearer {api_token(other, email='other@example.com')}"}
    others_attempt = _start(other, other_headers)
    auth.signup()
    response = _submit(client, other_headers, others_attempt)
    assert response.status_code == 404  # the signed-in browser's learner has no such attempt
    assert _status(app, others_attempt) == "in_progress"
    assert _submit(other, other_headers, others_attempt).status_code == 200


def test_a_browser_session_submits_through_the_api_with_its_csrf_token(app, client, auth):
    auth.signup()
    headers = {"X-CSRFToken": csrf_token(client, "/account")}
    attempt_id = _start(client, headers)
    assert _submit(client, {}, attempt_id).status_code == 400  # no CSRF token: refused, nothing written
    assert _status(app, attempt_id) == "in_progress"
    assert _submit(client, headers, attempt_id).status_code == 200
    assert _status(app, attempt_id) == "submitted"
