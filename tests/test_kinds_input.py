"""Strict answers per kind (issue 12): numbers, orderings and seeds are read exactly or refused with a
message naming the field (API: 400; quiz form: the quiz again with the message at the question, 400,
nothing recorded). And the result page shows answers as typed and scores for people (issue 14)."""
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Question, ReviewCard
from learnpath.quiz import services
from learnpath.quiz.kinds import AnswerError, numeric
from tests.conftest import api_token
from tests.test_quiz import _answers, _start


@pytest.mark.parametrize("typed, message", [
    ("1,5", "use a decimal point: 1.5, not 1,5"),
    ("1,000", "write thousands without separators"),
    ("²", "digits 0-9"),
    ("１２", "digits 0-9"),
    ("٣", "digits 0-9"),
    ("nan", "finite number"),
    ("-inf", "finite number"),
    ("1e400", "finite number"),
    ("1e16", "too large"),
    ("9" * 39, "too large"),
    ("9" * 41, "longer than 40 characters"),
    ("1 000", "not a number"),
    ("twelve", "not a number"),
])
def test_typed_numbers_are_refused_with_a_message(typed, message):
    with pytest.raises(AnswerError) as exc:
        numeric.parse_number(typed, "q5", "RTT")
    assert exc.value.field == "q5" and message in exc.value.problem, exc.value.problem


@pytest.mark.parametrize("typed, value", [
    ("1.5", 1.5), (" 2 ", 2.0), ("-0.25", -0.25), (".5", 0.5), ("3e6", 3e6), ("1E-3", 0.001), ("+7", 7.0),
    ("1 RTT", 1.0), ("1rtt", 1.0),
])
def test_typed_numbers_that_are_numbers(typed, value):
    assert numeric.parse_number(typed, "q5", "RTT") == value


def _api_attempt(client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=h).get_json()
    by_kind = {q["kind"]: q for q in attempt["questions"]}
    return h, attempt, by_kind


def _submit(client, h, attempt, answers):
    return client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h, json={"answers": answers})


@pytest.mark.parametrize("kind, bad, message", [
    ("numeric", 10**400, "too large"),
    ("numeric", -(10**16), "too large"),
    ("numeric", 1e300, "too large"),
    ("ordering", "first", "is a list of item ids"),
    ("ordering", "SOME", "list all 3 item ids in order (got 2)"),
    ("ordering", "REPEATED", "an item id is repeated"),
    ("ordering", "UNKNOWN", "unknown item id 'nope'"),
])
def test_api_refuses_malformed_numbers_and_orderings(client, kind, bad, message):
    h, attempt, by_kind = _api_attempt(client)
    question = by_kind[kind]
    items = [i["id"] for i in question.get("items", [])]
    bad = {"SOME": items[:2], "REPEATED": [items[0], items[0], items[1]], "UNKNOWN": items[:2] + ["nope"]}.get(bad, bad) \
        if isinstance(bad, str) else bad
    response = _submit(client, h, attempt, {str(question["id"]): bad})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(f"answers.{question['id']}: ")
    assert message in response.get_json()["error"]["message"]
    assert client.get(f"/api/v1/attempts/{attempt['attempt_id']}", headers=h).get_json()["status"] == "in_progress"


def test_api_refuses_nan_sent_as_a_json_literal(client):
    h, attempt, by_kind = _api_attempt(client)
    qid = by_kind["numeric"]["id"]
    response = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h,
                           data='{"answers": {"%d": NaN}}' % qid, content_type="application/json")
    assert response.status_code == 400 and f"answers.{qid}: " in response.get_json()["error"]["message"]


def test_api_empty_answers_are_unanswered(app, client):
    h, attempt, by_kind = _api_attempt(client)
    body = _submit(client, h, attempt, {str(by_kind["ordering"]["id"]): [], str(by_kind["multiple"]["id"]): [],
                                        str(by_kind["short_text"]["id"]): "  ", str(by_kind["numeric"]["id"]): None})
    assert body.status_code == 200 and all(r["answer"] is None for r in body.get_json()["results"])


# ---- the quiz form -----------------------------------------------------------------------------

def _question(app, attempt_id, kind) -> Question:
    with app.app_context():
        question = next(q for q in services.attempt_questions(db.session.get(Attempt, attempt_id)) if q.kind == kind)
        db.session.expunge(question)
        return question


def test_a_decimal_comma_re_renders_the_quiz_with_the_message_and_nothing_recorded(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    rtt = _question(app, attempt_id, "numeric")
    data = {**_answers(app, attempt_id), f"q{rtt.id}": "1,5", "action": "submit"}
    response = client.post(f"/attempts/{attempt_id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="error-{rtt.id}" role="alert">([^<]*)</p>', page)
    assert error and "use a decimal point: 1.5, not 1,5" in error.group(1)
    assert f'aria-describedby="prompt-{rtt.id} error-{rtt.id}" aria-invalid="true"' in page
    assert 'value="1,5"' in page and 'value="tcp"' in page  # the learner's answers, kept as typed
    assert page.count(" checked") >= 3  # the ticked checkboxes too
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "in_progress" and not attempt.draft
    # Saving a draft with a malformed answer is refused the same way.
    assert client.post(f"/attempts/{attempt_id}", data={**data, "action": "save"}).status_code == 400
    with app.app_context():
        assert not db.session.get(Attempt, attempt_id).draft


def test_an_untouched_ordering_question_is_unanswered(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    handshake = _question(app, attempt_id, "ordering")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    selects = re.findall(rf'<select id="q{handshake.id}-[^"]+"[^>]*>(.*?)</select>', page, re.S)
    assert len(selects) == 3
    assert all(re.search(r'<option value="" selected>', s) and " selected>" not in s.split("</option>", 1)[1]
               for s in selects)  # nothing but the empty choice is selected
    data = {k: v for k, v in _answers(app, attempt_id).items() if not k.startswith(f"q{handshake.id}-")}
    client.post(f"/attempts/{attempt_id}", data={**data, **{k: "" for k in re.findall(
        rf'name="(q{handshake.id}-[^"]+)"', page)}, "action": "submit"})
    with app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == handshake.id))
        assert answer.response is None and not answer.correct
        # Unanswered is a "don't know" (issue 14): its review card is rated Again, like a wrong answer.
        card = db.session.scalar(sa.select(ReviewCard).where(ReviewCard.question_id == handshake.id))
        assert card.last_rating == 1 and card.lapses == 1


@pytest.mark.parametrize("positions, message", [
    (["1", "2", ""], "give every item a position (1 of 3 have none)"),
    (["1", "1", "2"], "position 1 is given twice"),
    (["1", "2", "4"], "a position is a whole number from 1 to 3"),
    (["1", "2", "³"], "a position is a whole number from 1 to 3"),
])
def test_a_half_filled_ordering_is_refused_at_its_question(app, client, auth, positions, message):
    auth.signup()
    attempt_id = _start(client)
    handshake = _question(app, attempt_id, "ordering")
    data = _answers(app, attempt_id)
    fields = sorted(k for k in data if k.startswith(f"q{handshake.id}-"))
    data.update(dict(zip(fields, positions)))
    response = client.post(f"/attempts/{attempt_id}", data={**data, "action": "submit"})
    assert response.status_code == 400
    assert re.search(rf'id="error-{handshake.id}" role="alert">[^<]*{re.escape(message)}', response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "in_progress"


def test_visitor_try_form_reads_the_seed_strictly(app, client):
    with app.app_context():
        sql_id = db.session.scalar(sa.select(Question.id).filter_by(kind="sql"))
    run = {f"q{sql_id}": "SELECT 1", "action": f"run-{sql_id}"}
    for seed in ("²", "１", "-1", "99999999999", ""):
        response = client.post("/lessons/rest/quiz/try", data={**run, "seed": seed})
        assert response.status_code == 400 and "seed" in response.get_data(as_text=True), seed
    assert client.post("/lessons/rest/quiz/try", data={**run, "seed": "42"}).status_code == 200


def test_visitor_try_form_refuses_a_malformed_answer_at_its_question(app, client):
    with app.app_context():
        rtt = db.session.scalar(sa.select(Question).filter_by(key="rtt"))
        rtt_id = rtt.id
    response = client.post("/lessons/tcp/quiz/try", data={f"q{rtt_id}": "²", "seed": "7"})
    assert response.status_code == 400
    assert re.search(rf'id="error-{rtt_id}" role="alert">[^<]*digits 0-9', response.get_data(as_text=True))


def test_review_form_refuses_a_malformed_answer(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    rtt = _question(app, attempt_id, "numeric")
    with app.app_context():
        card_id = db.session.scalar(sa.select(ReviewCard.id).where(ReviewCard.question_id == rtt.id))
        answers = db.session.scalar(sa.select(sa.func.count(Answer.id)))
    response = client.post(f"/review/{card_id}", data={f"q{rtt.id}": "1,5"})
    assert response.status_code == 400 and "use a decimal point: 1.5" in response.get_data(as_text=True)
    assert 'value="1,5"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == answers


# ---- the result page -------------------------------------------------------------------------------

def test_result_page_shows_typed_answers_and_scores_for_people(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    reliable = _question(app, attempt_id, "multiple")
    short = _question(app, attempt_id, "short_text")
    data = {f"q{reliable.id}": [services_public(app, reliable.id, "seq")], f"q{short.id}": "  tcp ", "action": "submit"}
    client.post(f"/attempts/{attempt_id}", data=data)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "(1/3 credit)" in page and "1.33 of 4 points" in page  # not 0.3333 / 1, not 1.3333 of 4
    assert "0.3333" not in page and "1.3333" not in page
    assert '<q class="typed">  tcp </q>' in page  # as typed, quoted
    assert ('<q class="typed">TCP</q> <span class="meta">(also accepted: <q class="typed">Transmission Control '
            'Protocol</q>)</span>') in page
    assert "TCP / Transmission" not in page


def services_public(app, question_id, key):
    with app.app_context():
        return services.public_id(question_id, key)


def test_scores_for_people():
    assert [services.format_score(v) for v in (9.3333, 50.0, 0.5, 2.675, 0)] == ["9.33", "50", "0.5", "2.67", "0"]
    assert [services.format_credit(p) for p in (1.0, 0.0, 0.3333, 0.6667, 0.5, 0.25, 0.4286, 0.123)] == \
        ["1 point", "0 points", "1/3 credit", "2/3 credit", "1/2 credit", "1/4 credit", "3/7 credit", "0.12 credit"]


def test_form_values_of_a_draft_read_back(app):
    with app.app_context():
        questions = list(db.session.scalars(sa.select(Question).where(Question.kind != "sql")))
        responses = {q.id: services.correct_response(q.kind, q.spec) for q in questions}
        values = services.form_values(questions, responses)
        assert isinstance(values, MultiDict)
        parsed, errors = services.parse_forms(questions, values)
        assert not errors and parsed == responses
