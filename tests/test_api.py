"""The JSON API: catalog shapes, the learner journey with a bearer token, errors and integrity."""
import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Question
from learnpath.quiz.grading import correct_response
from learnpath.quiz.services import public_response
from tests.conftest import api_token


def test_courses_and_course_shapes(client):
    courses = client.get("/api/v1/courses").get_json()["courses"]
    assert courses[0] == {"slug": "net-basics", "title": "Net Basics", "summary": "Packets and protocols.",
                          "track": "networking", "lesson_count": 2}
    course = client.get("/api/v1/courses/api-course").get_json()
    assert [(l["position"], l["slug"]) for l in course["lessons"]] == [(1, "tcp"), (2, "rest")]
    assert set(course["lessons"][0]) == {"position", "slug", "title", "read_minutes", "question_count"}


def test_lesson_shape(client):
    lesson = client.get("/api/v1/lessons/tcp").get_json()
    assert lesson["courses"] == ["net-basics", "api-course"] and lesson["question_count"] == 4
    assert lesson["topics"] == ["networking", "tcp"] and "<h2" in lesson["body_html"]
    assert {"slug", "title", "summary", "read_minutes", "topics", "body_html", "question_count", "courses"} <= set(lesson)


@pytest.mark.parametrize("path", ["/api/v1/courses/nope", "/api/v1/lessons/nope", "/api/v1/attempts/1", "/api/v1/nowhere"])
def test_unknown_is_json_error(client, path):
    token = api_token(client)
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.is_json and response.get_json()["error"]["status"] == 404


def test_search(client):
    results = client.get("/api/v1/search?q=handshake").get_json()["results"]
    assert results[0]["slug"] == "tcp" and "<mark>" in results[0]["snippet_html"]
    assert client.get("/api/v1/search?q=").get_json()["results"] == []
    assert client.get("/api/v1/search?q=%22%27%29%28*").status_code == 200  # FTS syntax cannot break it


def _right_answers(app, payload) -> dict:
    with app.app_context():
        out = {}
        for q in payload["questions"]:
            question = db.session.get(Question, q["id"])
            out[str(q["id"])] = public_response(question, correct_response(question.kind, question.spec))
        return out


def test_full_api_journey(app, client):
    token = api_token(client)
    h = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/courses/net-basics/enrollment", headers=h).status_code == 201
    assert client.post("/api/v1/courses/net-basics/enrollment", headers=h).status_code == 200
    assert client.post("/api/v1/lessons/tcp/read", headers=h).get_json()["state"] == "read"
    started = client.post("/api/v1/lessons/tcp/attempts", headers=h)
    assert started.status_code == 201
    payload = started.get_json()
    # Whitelist: nothing that gives the answer away.
    for q in payload["questions"]:
        assert set(q) <= {"id", "kind", "prompt_html", "choices", "items", "unit",
                          "page", "position", "number", "flagged", "saved_answer", "saved_time_ms"}  # where it is, what was saved
        for option in q.get("choices", []) + q.get("items", []):
            assert set(option) == {"id", "text"}
    answers = _right_answers(app, payload)
    result = client.post(f"/api/v1/attempts/{payload['attempt_id']}/submit", headers=h, json={"answers": answers})
    assert result.status_code == 200
    body = result.get_json()
    assert body["percent"] == 100.0 and body["passed"] and len(body["results"]) == 4
    assert {"question_id", "correct", "points", "answer", "correct_answer", "explanation_html", "feedback"} == set(body["results"][0])
    again = client.post(f"/api/v1/attempts/{payload['attempt_id']}/submit", headers=h, json={"answers": {}})
    assert again.status_code == 409 and again.get_json()["percent"] == 100.0
    got = client.get(f"/api/v1/attempts/{payload['attempt_id']}", headers=h).get_json()
    assert got["status"] == "submitted" and got["result"]["percent"] == 100.0
    progress = client.get("/api/v1/me/progress", headers=h).get_json()
    assert progress["courses"] == [{
        "slug": "net-basics", "title": "Net Basics", "lessons_total": 2, "lessons_completed": 1, "lessons_read": 1,
        "quizzes_passed": 1, "percent": 50, "grade": 100.0,
    }]
    assert progress["totals"] == {"lessons_completed": 1, "quizzes_passed": 1, "questions_answered": 4,
                                  "correct_answers": 4, "accuracy": 100}


def test_in_progress_attempt_is_resumed_with_200(client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    first = client.post("/api/v1/lessons/tcp/attempts", headers=h).get_json()
    second = client.post("/api/v1/lessons/tcp/attempts", headers=h)
    assert second.status_code == 200 and second.get_json()["attempt_id"] == first["attempt_id"]
    assert second.get_json()["questions"] == first["questions"]  # same shuffle


@pytest.mark.parametrize("answers, message", [
    ("nope", "'answers' must be an object"),
    ({"999999": "x"}, "answers.999999: not a question of this attempt"),
])
def test_malformed_submit_names_the_field(client, answers, message):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=h).get_json()
    response = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h, json={"answers": answers})
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]


@pytest.mark.parametrize("kind, bad, message", [
    ("multiple", "abc", "is a list of choice ids"),
    ("multiple", ["nope"], "unknown choice id"),
    ("ordering", [1, 2, 3], "is a list of item ids"),
    ("short_text", 12, "is a string"),
    ("numeric", "12", "is a finite number"),
    ("numeric", True, "is a finite number"),
])
def test_wrong_answer_types_are_400(client, kind, bad, message):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=h).get_json()
    qid = next(q["id"] for q in attempt["questions"] if q["kind"] == kind)
    response = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h, json={"answers": {str(qid): bad}})
    assert response.status_code == 400
    assert f"answers.{qid}" in response.get_json()["error"]["message"] and message in response.get_json()["error"]["message"]
    # nothing was recorded; the attempt can still be submitted properly
    assert client.get(f"/api/v1/attempts/{attempt['attempt_id']}", headers=h).get_json()["status"] == "in_progress"


def test_unanswered_questions_grade_zero(app, client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=h).get_json()
    body = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h, json={"answers": {}}).get_json()
    assert body["score"] == 0 and all(r["answer"] is None for r in body["results"])


def test_auth_errors(client):
    assert client.post("/api/v1/lessons/tcp/attempts").status_code in (401, 415)
    assert client.post("/api/v1/lessons/tcp/attempts", json={}).status_code == 401
    assert client.get("/api/v1/me/progress", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": "no@example.com", "password": "whatever12345"}).status_code == 401
    r = client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": "short", "name": "X"})
    assert r.status_code == 400 and "'password'" in r.get_json()["error"]["message"]
    assert client.post("/api/v1/auth/register", data="not json", content_type="application/json").status_code == 400
    assert client.post("/api/v1/auth/register", data={"email": "x"}).status_code == 415


def test_duplicate_registration_is_409(client):
    body = {"email": "dup@example.com", "password": "correct horse battery", "name": "D"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    assert client.post("/api/v1/auth/register", json=body | {"email": "DUP@example.com "}).status_code == 409


def test_other_learners_attempt_is_404(client):
    mine = {"Authorization": f"Bearer {api_token(client)}"}
    theirs = {"Authorization": f"Bearer {api_token(client, email='eve@example.com')}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=mine).get_json()["attempt_id"]
    assert client.get(f"/api/v1/attempts/{attempt}", headers=theirs).status_code == 404
    assert client.post(f"/api/v1/attempts/{attempt}/submit", headers=theirs, json={"answers": {}}).status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt}", headers=mine).status_code == 200


def test_token_is_stored_hashed(app, client):
    token = api_token(client)
    with app.app_context():
        stored = db.session.scalar(sa.text("SELECT token_hash FROM api_token"))
        assert token not in stored and len(stored) == 64
