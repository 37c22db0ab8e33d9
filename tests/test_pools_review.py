"""Question pools (draw), review policies (what a result shows, when), blanks as "don't know",
and certificate verification. Pools and policies use their own small pack (tests/fixtures/pools_pack)."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import Attempt, Enrollment, Question, ReviewCard
from learnpath.quiz import pools, services
from tests.conftest import api_token, import_over
from tests.test_quiz import _answers, _start, complete_net_basics

POOLS_PACK = Path(__file__).parent / "fixtures" / "pools_pack"
AGAIN = 1  # fsrs.Rating.Again


@pytest.fixture
def pools_app(make_app):
    return import_over(make_app(), POOLS_PACK)


@pytest.fixture
def pools_client(pools_app):
    client = pools_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"})
    return client


def _asked(app, attempt_id) -> list[int]:
    with app.app_context():
        return list(db.session.get(Attempt, attempt_id).question_ids)


def _submit(client, app, attempt_id, right):
    data = _answers(app, attempt_id, right=right) if right is not None else {}
    assert client.post(f"/attempts/{attempt_id}", data={**data, "action": "submit"}).status_code == 302


# ---- pools --------------------------------------------------------------------------------------

def test_consecutive_attempts_of_a_pool_twice_the_draw_share_no_question(pools_app, pools_client):
    first = _start(pools_client, "pooled")
    asked_first = _asked(pools_app, first)
    assert len(asked_first) == 4
    assert pools_client.get(f"/attempts/{first}").get_data(as_text=True).count("Question ") >= 4
    assert _asked(pools_app, first) == asked_first  # a reload shows the same questions
    _submit(pools_client, pools_app, first, right=True)

    second = _start(pools_client, "pooled")  # "Retake": a fresh draw, unseen questions first
    asked_second = _asked(pools_app, second)
    assert len(asked_second) == 4 and not set(asked_first) & set(asked_second)
    _submit(pools_client, pools_app, second, right=False)

    # Everything seen: the ones answered wrong come before the ones answered right (even older ones).
    third = _start(pools_client, "pooled")
    assert set(_asked(pools_app, third)) == set(asked_second)


def test_retake_missed_of_a_drawn_attempt_asks_only_what_it_missed(pools_app, pools_client):
    first = _start(pools_client, "pooled")
    data = _answers(pools_app, first, right=True)
    missed = sorted(data)[:2]  # leave two of the four blank
    for name in missed:
        del data[name]
    pools_client.post(f"/attempts/{first}", data={**data, "action": "submit"})
    retake = _start(pools_client, "pooled", only_missed="1")
    with pools_app.app_context():
        attempt = db.session.get(Attempt, retake)
        assert sorted(f"q{qid}" for qid in attempt.question_ids) == missed
        assert len(attempt.carried) == 2


def test_a_draw_covers_topics_and_difficulties_whatever_the_seed():
    def q(qid, difficulty):
        return SimpleNamespace(id=qid, difficulty=difficulty, kind="single")

    pool = [q(1, 1), q(2, 1), q(3, 1), q(4, 1), q(5, 2), q(6, 3)]
    topics = {1: [10], 2: [10], 3: [10], 4: [10], 5: [20], 6: [30]}
    for seed in range(50):
        drawn = pools.draw_questions(pool, 3, seed, {}, topics)
        assert {5, 6} <= {x.id for x in drawn} and len(drawn) == 3
        assert drawn == pools.draw_questions(pool, 3, seed, {}, topics)  # reproducible from the seed
    assert pools.draw_questions(pool, None, 1, {}, topics) == pool


def test_a_draw_always_asks_the_lessons_go_exercises():
    def q(qid, kind="single"):
        return SimpleNamespace(id=qid, difficulty=2, kind=kind)

    pool = [q(1), q(2), q(3, "go"), q(4), q(5), q(6), q(7, "go"), q(8)]
    topics = {qid: [10] for qid in range(1, 9)}
    seen = {3: pools.Seen(True, datetime(2026, 1, 1, tzinfo=timezone.utc))}  # answered right: still asked
    for seed in range(30):
        drawn = [x.id for x in pools.draw_questions(pool, 4, seed, seen, topics)]
        assert {3, 7} <= set(drawn) and len(drawn) == 4
    assert [x.id for x in pools.draw_questions(pool, 1, 0, {}, topics)] == [3]  # a draw smaller than the exercises


def test_lesson_api_gives_pool_size_and_draw(pools_client):
    body = pools_client.get("/api/v1/lessons/pooled").get_json()
    assert (body["pool_size"], body["draw"]) == (8, 4)
    body = pools_client.get("/api/v1/lessons/held").get_json()
    assert (body["pool_size"], body["draw"]) == (2, 2)


def test_visitor_try_draws_from_the_seed_and_grades_those(pools_app, pools_client):
    visitor = pools_app.test_client()
    page = visitor.get("/lessons/pooled/quiz").get_data(as_text=True)
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    shown = sorted(set(re.findall(r'name="q(\d+)"', page)))
    assert len(shown) == 4
    result = visitor.post("/lessons/pooled/quiz/try", data={"seed": seed, **{f"q{i}": "true" for i in shown}})
    text = result.get_data(as_text=True)
    assert "Your result: 100.0%" in text and "4 of 4 points" in text


@pytest.mark.parametrize("value, message", [
    ("9", "'draw' is 9 but the lesson's pool has 8 question(s)"),
    ("0", "'draw' must be a whole number of questions, at least 1"),
    ("all", "'draw' must be a whole number of questions, at least 1"),
])
def test_validator_checks_draw_with_file_and_line(tmp_path, value, message):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(POOLS_PACK, pack)
    lesson = pack / "lessons" / "pooled.md"
    lesson.write_text(lesson.read_text().replace("draw: 4", f"draw: {value}"))
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    assert f"lessons/pooled.md:6: front matter: {message}" in [str(p) for p in caught.value.problems]


def test_validator_checks_review_policy(tmp_path):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(POOLS_PACK, pack)
    catalog = pack / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("right_answer: after_pass", "right_answer: later")
                       .replace("hours: 24", "hours: 0"))
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("catalog.yaml:15: course 'strict-course': review 'right_answer' must be one of")
               for p in problems), problems
    assert any("review 'hours' must be a whole number from 1 to 8760" in p for p in problems), problems


# ---- review policy ------------------------------------------------------------------------------

SECRETS = ("zanzibarquokka", "marmaladeyak", "EXPLAIN-HELD-ONE", "EXPLAIN-HELD-TWO")


def test_right_answers_held_back_until_the_lesson_is_passed_html(pools_app, pools_client):
    failed = _start(pools_client, "held")
    _submit(pools_client, pools_app, failed, right=False)
    page = pools_client.get(f"/attempts/{failed}").get_data(as_text=True)
    assert "Not passed yet" in page and "once you pass this lesson" in page
    assert "Correct answer" not in page and not [s for s in SECRETS if s in page]

    passed = _start(pools_client, "held")
    _submit(pools_client, pools_app, passed, right=True)
    for attempt_id in (passed, failed):  # once passed, every attempt of the lesson shows them
        page = pools_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        assert "Correct answer" in page and all(s in page for s in SECRETS)


def test_right_answers_held_back_until_the_lesson_is_passed_api(pools_app):
    client = pools_app.test_client()
    h = {"Authorization": f"Bearer {api_token(client)}"}
    started = client.post("/api/v1/lessons/held/attempts", headers=h).get_json()
    submitted = client.post(f"/api/v1/attempts/{started['attempt_id']}/submit", headers=h,
                            json={"answers": {str(q["id"]): "nope" for q in started["questions"]}})
    fetched = client.get(f"/api/v1/attempts/{started['attempt_id']}", headers=h)
    repeated = client.post(f"/api/v1/attempts/{started['attempt_id']}/submit", headers=h, json={"answers": {}})
    for response in (submitted, fetched, repeated):
        text = response.get_data(as_text=True)
        assert not [s for s in SECRETS if s in text], text
    body = submitted.get_json()
    assert body["review"]["right_answer"] is False and body["review"]["explanation"] is False
    assert body["review"]["correctness"] is True and "pass" in body["review"]["held_back"]
    assert all(r["correct_answer"] is None and r["explanation_html"] is None and r["correct"] is False
               for r in body["results"])

    again = client.post("/api/v1/lessons/held/attempts", headers=h).get_json()
    words = {"Type the first secret word.": "zanzibarquokka", "Type the second secret word.": "marmaladeyak"}
    answers = {str(q["id"]): next(w for p, w in words.items() if p in q["prompt_html"]) for q in again["questions"]}
    body = client.post(f"/api/v1/attempts/{again['attempt_id']}/submit", headers=h, json={"answers": answers}).get_json()
    assert body["passed"] and body["review"]["right_answer"] is True and body["review"]["held_back"] is None
    assert {r["correct_answer"] for r in body["results"]} == {"zanzibarquokka", "marmaladeyak"}
    text = client.get(f"/api/v1/attempts/{started['attempt_id']}", headers=h).get_data(as_text=True)
    assert all(s in text for s in SECRETS)  # the failed attempt's review is released too


def test_right_answers_released_hours_after_the_submit(pools_app, pools_client):
    attempt_id = _start(pools_client, "delayed")
    _submit(pools_client, pools_app, attempt_id, right=False)
    page = pools_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "quetzalbadger" not in page and "EXPLAIN-DELAYED" not in page and " UTC" in page
    api = pools_client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert api["result"]["results"][0]["correct_answer"] is None
    with pools_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.submitted_at -= timedelta(hours=25)
        db.session.commit()
    page = pools_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "quetzalbadger" in page and "EXPLAIN-DELAYED" in page
    api = pools_client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert api["result"]["results"][0]["correct_answer"] == "quetzalbadger"


def test_review_card_result_follows_the_policy(pools_app, pools_client):
    attempt_id = _start(pools_client, "held")
    _submit(pools_client, pools_app, attempt_id, right=False)  # wrong: the cards are due at once
    with pools_app.app_context():
        card = db.session.scalar(sa.select(ReviewCard).join(Question).where(Question.key == "h1"))
        card.due = card.due - timedelta(days=1)
        card_id, reviews, question_id = card.id, card.reviews, card.question_id
        db.session.commit()
    client = pools_client
    response = client.post(f"/review/{card_id}", data={f"q{question_id}": "guess", "seen": reviews})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "zanzibarquokka" not in page and "EXPLAIN-HELD-ONE" not in page and "Incorrect" in page


def test_visitor_try_shows_correctness_and_explanation_never_the_right_answer(app, client):
    with app.app_context():
        qs = db.session.scalars(sa.select(Question).where(Question.lesson.has(slug="tcp"))).all()
        short = next(q for q in qs if q.kind == "short_text")
    page = client.post("/lessons/tcp/quiz/try", data={f"q{short.id}": "udp"}).get_data(as_text=True)
    assert "Incorrect" in page and "HTTP/1.1 runs over TCP." in page  # the explanation of what was asked
    assert "Transmission Control Protocol" not in page and "Correct answer" not in page
    assert "Sign up" in page and "see the right answers" in page


def test_visitor_try_holds_back_what_the_course_holds_back(pools_app):
    with pools_app.app_context():
        ids = db.session.scalars(sa.select(Question.id).where(Question.lesson.has(slug="held"))).all()
    page = pools_app.test_client().post("/lessons/held/quiz/try", data={f"q{i}": "nope" for i in ids})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and not [s for s in SECRETS if s in text]


# ---- a blank is a "don't know" ------------------------------------------------------------------

def test_a_blank_answer_becomes_a_review_card_rated_again(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    data = _answers(app, attempt_id, right=True)
    with app.app_context():
        asked = services.attempt_questions(db.session.get(Attempt, attempt_id))
        blank = asked[0]
        for name in [n for n in data if n == f"q{blank.id}" or n.startswith(f"q{blank.id}-")]:
            del data[name]
    client.post(f"/attempts/{attempt_id}", data={**data, "action": "submit"})
    with app.app_context():
        cards = {c.question_id: c for c in db.session.scalars(sa.select(ReviewCard))}
        assert set(cards) == {q.id for q in asked}  # every question asked, the blank one too
        assert cards[blank.id].last_rating == AGAIN and cards[blank.id].lapses == 1
        assert all(c.last_rating != AGAIN for qid, c in cards.items() if qid != blank.id)


# ---- certificates -------------------------------------------------------------------------------

def test_certificate_verification_page_api_and_revocation(app, client, auth, runner):
    code = complete_net_basics(app, client, auth)
    auth.logout()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert all(s in page for s in ("Ada", "Net Basics", "100%", "Valid", code, "css/print.css"))
    assert "Revoked" not in page
    body = client.get(f"/api/v1/certificates/{code}").get_json()
    assert body["status"] == "valid" and body["learner"] == "Ada" and body["course"]["slug"] == "net-basics"
    assert body["percent"] == 100.0 and body["revoked_at"] is None and body["url"].endswith(f"/certificates/{code}")

    # "--": a url-safe code starts with "-" one time in 64, which click would read as an option
    result = runner.invoke(args=["certificates", "revoke", "--", code])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["certificates", "revoke", "--", code]).exit_code == 1  # already revoked
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Revoked" in page and "no longer valid" in page and "Ada" in page
    body = client.get(f"/api/v1/certificates/{code}").get_json()
    assert body["status"] == "revoked" and body["revoked_at"]

    for bad in ("guess", "x" * 300):
        assert client.get(f"/certificates/{bad}").status_code == 404
        response = client.get(f"/api/v1/certificates/{bad}")
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_existing_certificates_stay_valid_after_the_migration(app, client, auth):
    code = complete_net_basics(app, client, auth)
    with app.app_context():
        assert db.session.scalar(sa.select(Enrollment.certificate_revoked_at)) is None
    assert client.get(f"/api/v1/certificates/{code}").get_json()["status"] == "valid"


def test_revoking_a_code_that_starts_with_a_dash_needs_no_double_dash(app, client, auth, runner):
    code = complete_net_basics(app, client, auth)
    dashed = "-" + code[1:]  # token_urlsafe gives one like it one time in 64
    with app.app_context():
        db.session.execute(sa.update(Enrollment).values(certificate_code=dashed))
        db.session.commit()
    result = runner.invoke(args=["certificates", "revoke", dashed])
    assert result.exit_code == 0, result.output
    assert "Revoked" in client.get(f"/certificates/{dashed}").get_data(as_text=True)
