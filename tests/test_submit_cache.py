"""The API submit reads the catalog (questions, their topics, the lesson's pass mark and review policy)
from the worker's catalog cache: no catalog statement once cached, and an import that changes the
catalog is seen by the next submit (the catalog version empties the cache)."""
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Question
from tests.conftest import api_token, sql_statements

CATALOG_TABLES = ("FROM question", "FROM lesson", "FROM course", "JOIN course", "FROM topic", "FROM question_topic")


def _setup(app):
    client = app.test_client()
    return client, {"Authorization": f"Bearer {api_token(client)}"}


def _start(client, headers, slug="tcp"):
    response = client.post(f"/api/v1/lessons/{slug}/attempts", headers=headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def _short_text_id(attempt):
    return next(q["id"] for q in attempt["questions"] if q["kind"] == "short_text")


def test_submit_reads_no_catalog_row_once_cached(app):
    client, headers = _setup(app)
    client.get("/api/v1/me/progress", headers=headers)  # the token's first use notes its last use
    attempt = _start(client, headers)
    client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {}})
    attempt = _start(client, headers)
    qid = _short_text_id(attempt)
    response, statements = sql_statements(app, lambda: client.post(
        f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {str(qid): "TCP"}}))
    assert response.status_code == 200, response.get_json()
    assert next(r for r in response.get_json()["results"] if r["question_id"] == qid)["correct"] is True
    assert not [s for s in statements if any(t in s for t in CATALOG_TABLES)], statements
    # the token's user, the attempt, the catalog version (once a second outside tests), the status flip,
    # answers, lesson progress, the user's progress version, daily and topic aggregates, cards read and written
    assert len(statements) <= 11, statements
    assert sum(s.startswith("INSERT INTO answer") for s in statements) == 1
    assert sum(s.startswith("INSERT INTO review_card") for s in statements) == 1
    assert sum(s.startswith("INSERT INTO topic_stat") for s in statements) == 1


def test_an_import_that_changes_a_question_is_graded_by_the_next_submit(app, runner, pack_copy):
    client, headers = _setup(app)
    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0
    attempt = _start(client, headers)
    qid = _short_text_id(attempt)
    body = {"answers": {str(qid): "UDP"}}
    first = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json=body).get_json()
    assert next(r for r in first["results"] if r["question_id"] == qid)["correct"] is False  # cached now

    lesson = pack_copy / "lessons/tcp.md"
    lesson.write_text(lesson.read_text().replace("accepted: [TCP, Transmission Control Protocol]", "accepted: [UDP]"))
    catalog = pack_copy / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("pass_mark: 60", "pass_mark: 100"))
    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0

    attempt = _start(client, headers)
    assert _short_text_id(attempt) == qid
    again = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json=body).get_json()
    item = next(r for r in again["results"] if r["question_id"] == qid)
    assert item["correct"] is True and item["correct_answer"] == "UDP"
    assert again["passed"] is False  # one right answer of several: short of the new pass mark (100)
    with app.app_context():
        revision = db.session.get(Question, qid).revision
        stored = db.session.scalars(sa.select(Answer.revision).where(
            Answer.attempt_id == attempt["attempt_id"], Answer.question_id == qid)).one()
        assert stored == revision  # the answer names the question's revision as imported


def test_an_import_that_changes_a_review_policy_applies_to_the_next_result(app, runner, pack_copy):
    client, headers = _setup(app)
    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0
    attempt = _start(client, headers, "packets")
    shown = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers,
                        json={"answers": {}}).get_json()
    assert shown["review"]["right_answer"] is True
    catalog = pack_copy / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace(
        "        pass_mark: 60\n", "        pass_mark: 60\n        review: {right_answer: after_pass}\n"))
    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0
    attempt = _start(client, headers, "packets")
    held = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers,
                       json={"answers": {}}).get_json()
    assert held["review"]["right_answer"] is False
    assert all(r["correct_answer"] is None and r["explanation_html"] is None for r in held["results"])
