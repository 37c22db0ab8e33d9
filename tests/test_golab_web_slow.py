"""The Go lab end to end through the web routes, in the real sandbox (`pytest -m slow`): a Run through the
JSON API (queued, then polled, as golab.js does) and a plain-form Submit graded by the visible and hidden
tests. The hidden tests' source never appears in any response."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from learnpath.models import Answer
from tests.golab_support import go_sandbox  # noqa: F401 - a fixture
from tests.test_golab_quiz import (SOLUTION, WRONG, add_go_exercise, assert_no_hidden, go_question_id, signed_in,
                                   start)

pytestmark = pytest.mark.slow


@pytest.fixture
def real_app(make_app, pack_copy, go_sandbox):  # noqa: F811 - the fixture
    add_go_exercise(pack_copy)
    app = make_app()  # the real runner: the bounded queue, then the sandbox
    with app.app_context():
        import_pack(load_pack(pack_copy))
    return app


def test_run_through_the_api_then_submit_through_the_form(real_app):
    client = signed_in(real_app)
    qid = go_question_id(real_app)
    response = client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG, "wait": 0})
    body = response.get_json()
    while response.status_code == 202:
        assert body["status"] in ("queued", "running")
        response = client.get(body["poll"] + "?wait=5")
        body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "failed"
    assert {t["name"]: t["passed"] for t in body["tests"]} == {"TestSumSmall": False, "TestSumEmpty": True}
    small = next(t for t in body["tests"] if t["name"] == "TestSumSmall")
    assert "Sum([1 2 3]) = 3, want 6" in small["message"]  # got/want from the visible test
    assert_no_hidden(response.get_data(as_text=True))

    broken = client.post(f"/api/v1/questions/{qid}/run", json={"code": SOLUTION.replace("total := 0", "total := 0\n\tx")}).get_json()
    assert broken["status"] == "compile_error" and broken["diagnostics"][0]["line"] == 6

    attempt_id = start(client)
    done = client.post(f"/attempts/{attempt_id}", data={f"q{qid}": SOLUTION, "action": "submit"})
    assert done.status_code == 302
    with real_app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == qid))
        assert answer.correct and answer.points == 1.0 and answer.feedback == "All 4 tests pass."
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert_no_hidden(html.replace(SOLUTION, ""))


def test_a_wrong_submit_fails_hidden_tests_without_their_source(real_app):
    client = signed_in(real_app)
    qid = go_question_id(real_app)
    attempt_id = start(client)
    client.post(f"/attempts/{attempt_id}", data={f"q{qid}": SOLUTION.replace("total += x", "if x > 0 {\n\t\t\ttotal += x\n\t\t}"),
                                                 "action": "submit"})
    with real_app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == qid))
        assert not answer.correct and answer.points == 0.75  # TestHiddenNegative fails
        assert "FAIL TestHiddenNegative" in answer.feedback and "SECRET" not in answer.feedback
    assert_no_hidden(client.get(f"/attempts/{attempt_id}").get_data(as_text=True).replace("total += x", ""))
