"""The data export a person can read (JSON with titles, prompts and answers as text; a CSV of
answers in the learner's time zone, safe to open in a spreadsheet) and leaving a course by API."""
import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from learnpath.accounts.export import CSV_COLUMNS, safe_cell
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Question, User
from learnpath.quiz import services as quiz
from tests.conftest import api_token, sql_statements
from tests.test_quiz import _answers, _start

LA = "America/Los_Angeles"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"


def _tcp_attempt(app, client, auth, typed=FORMULA) -> int:
    """Ada, enrolled in Net Basics, submits the TCP quiz: everything right but the typed answer."""
    auth.signup()
    client.post("/courses/net-basics/enroll")
    attempt_id = _start(client, "tcp")
    data = _answers(app, attempt_id)
    with app.app_context():
        port = db.session.scalar(sa.select(Question.id).filter_by(key="port"))
    data[f"q{port}"] = typed
    assert client.post(f"/attempts/{attempt_id}", data={**data, "action": "submit"}).status_code == 302
    return attempt_id


def _texts(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, str):
        yield value


def test_export_json_has_titles_prompts_and_answers_as_text(app, client, auth):
    attempt_id = _tcp_attempt(app, client, auth, typed="udp")
    client.post("/courses/net-basics/unenroll")
    data = json.loads(client.get("/account/export").data)

    enrollment = data["enrollments"][0]
    assert (enrollment["course"], enrollment["course_title"]) == ("net-basics", "Net Basics")
    assert enrollment["unenrolled_at"] is not None  # a course left carries its leave date
    attempt = data["attempts"][0]
    assert (attempt["attempt_id"], attempt["lesson"], attempt["lesson_title"]) == (attempt_id, "tcp", "TCP: reliable streams")
    answers = {a["question"]: a for a in attempt["answers"]}
    assert answers["handshake"]["prompt"] == "Put the steps of the three-way handshake in order."
    # Choices and items by their text (inline markup dropped), in the learner's order.
    assert answers["handshake"]["answer"] == "Client sends SYN; Server sends SYN-ACK; Client sends ACK"
    assert set(answers["reliable"]["answer"].split("; ")) == {"Sequence numbers", "Acknowledgements", "Retransmission"}
    assert answers["rtt"]["answer"] == "1 RTT"
    assert answers["port"]["answer"] == "udp" and answers["port"]["correct"] is False
    assert answers["handshake"]["correct"] is True and answers["handshake"]["question_id"] > 0  # the ids stay too
    lesson = next(l for l in data["lessons"] if l["lesson"] == "tcp")
    assert lesson["lesson_title"] == "TCP: reliable streams"
    assert not [t for t in _texts(data) if "<" in t]  # prompts and answers are text, not HTML


def test_export_json_shows_review_answers_and_cards_readably(app, client, auth):
    _tcp_attempt(app, client, auth)
    data = json.loads(client.get("/account/export").data)
    cards = {c["question"]: c for c in data["review"]["cards"]}
    assert cards["rtt"]["prompt"] == "A handshake takes how many round trips before the client can send data?"
    assert cards["rtt"]["lesson_title"] == "TCP: reliable streams"


def test_export_csv_one_row_per_answer_in_the_learners_time_zone(app, client, auth):
    _tcp_attempt(app, client, auth)
    with app.app_context():
        db.session.execute(sa.update(User).values(time_zone=LA))
        db.session.commit()
        stored = {q.key: a for a, q in db.session.execute(
            sa.select(Answer, Question).join(Question, Question.id == Answer.question_id))}
    response = client.get("/account/export.csv")
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_prompt = {r[3]: dict(zip(CSV_COLUMNS, r)) for r in rows[1:]}
    assert len(rows) - 1 == len(stored) == 4
    port = by_prompt["Which transport protocol does HTTP/1.1 normally run on?"]
    assert port["answer"] == "'" + FORMULA  # a formula is shown as text, never run
    assert (port["correct"], float(port["points"]), port["source"]) == ("no", 0.0, "quiz")
    # tcp is in two courses; the row names the one Ada enrolled in.
    assert port["course"] == "Net Basics" and port["lesson"] == "TCP: reliable streams"
    local = stored["port"].answered_at.astimezone(ZoneInfo(LA))
    assert port["date"] == local.strftime("%Y-%m-%d %H:%M ") + local.tzname()
    assert local.tzname() in ("PST", "PDT")
    rtt = by_prompt["A handshake takes how many round trips before the client can send data?"]
    assert (rtt["answer"], rtt["correct"], float(rtt["points"])) == ("1 RTT", "yes", 1.0)


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_look_like_formulas_are_escaped(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["TCP", "1 RTT", "a=b", 0.5, 1])
def test_csv_cells_are_otherwise_unchanged(cell):
    assert safe_cell(cell) == cell


def test_export_csv_needs_a_login(client):
    assert client.get("/account/export.csv").status_code == 302


def test_answer_text_of_every_kind_in_the_fixture_pack(app):
    """Each kind's correct answer reads as text without markup (a new kind gets text from its describe)."""
    with app.app_context():
        for question in db.session.scalars(sa.select(Question)):
            text = quiz.answer_text(question, quiz.correct_response(question.kind, question.spec))
            assert text and "<" not in text, (question.kind, text)
            assert quiz.answer_text(question, None) == ""


def test_api_unenroll_keeps_the_history(app, client):
    bearer = {"Authorization": f"Bearer {api_token(client)}"}
    assert client.delete("/api/v1/courses/net-basics/enrollment", headers=bearer).status_code == 404  # never enrolled
    assert client.delete("/api/v1/courses/nope/enrollment", headers=bearer).status_code == 404
    enrolled = client.post("/api/v1/courses/net-basics/enrollment", headers=bearer)
    assert enrolled.status_code == 201 and enrolled.get_json()["unenrolled_at"] is None
    attempt = client.post("/api/v1/lessons/packets/attempts", headers=bearer).get_json()["attempt_id"]
    client.post(f"/api/v1/attempts/{attempt}/submit", headers=bearer, json={"answers": {}})

    left = client.delete("/api/v1/courses/net-basics/enrollment", headers=bearer)
    assert left.status_code == 200
    body = left.get_json()
    assert body["course"] == "net-basics" and body["unenrolled_at"] is not None
    assert body["enrolled_at"] == enrolled.get_json()["enrolled_at"]
    again = client.delete("/api/v1/courses/net-basics/enrollment", headers=bearer)
    assert again.status_code == 200 and again.get_json()["unenrolled_at"] == body["unenrolled_at"]  # a no-op
    assert client.get("/api/v1/me/progress", headers=bearer).get_json()["courses"] == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1  # history kept

    back = client.post("/api/v1/courses/net-basics/enrollment", headers=bearer)
    assert back.status_code == 201
    assert back.get_json()["unenrolled_at"] is None and back.get_json()["enrolled_at"] == body["enrolled_at"]


def test_api_unenroll_needs_a_login(client):
    assert client.delete("/api/v1/courses/net-basics/enrollment").status_code == 401


def test_export_costs_the_same_for_one_attempt_and_three(app, client, auth):
    """The export reads the history in a fixed number of statements, whatever its length."""
    _tcp_attempt(app, client, auth)

    def count(path):
        response, statements = sql_statements(app, lambda: client.get(path))
        assert response.status_code == 200
        return len(statements)

    one = count("/account/export"), count("/account/export.csv")
    for _ in range(2):
        attempt_id = _start(client, "packets")
        client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    assert (count("/account/export"), count("/account/export.csv")) == one
