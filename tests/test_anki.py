"""A learner's review cards as an Anki package: open the .apkg (a zip holding SQLite collection.anki2)."""
from __future__ import annotations

import io
import sqlite3
import zipfile

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.interop import anki, services as interop
from learnpath.models import Question, ReviewCard, User
from tests.conftest import api_token
from tests.test_pools_review import pools_app, pools_client  # noqa: F401  (fixtures)
from tests.test_quiz import _answers, _start

FIELD_SEPARATOR = "\x1f"


def open_apkg(data: bytes, tmp_path) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "collection.anki2" in package.namelist()
        path = tmp_path / "collection.anki2"
        path.write_bytes(package.read("collection.anki2"))
    connection = sqlite3.connect(path)
    try:
        models = connection.execute("SELECT models FROM col").fetchone()[0]
        assert str(anki.MODEL_ID) in models
        decks = connection.execute("SELECT decks FROM col").fetchone()[0]
        assert str(anki.DECK_ID) in decks and anki.DECK_NAME in decks
        notes = [{"guid": guid, "fields": dict(zip(anki.FIELDS, flds.split(FIELD_SEPARATOR))), "tags": tags.split()}
                 for guid, flds, tags in connection.execute("SELECT guid, flds, tags FROM notes ORDER BY guid")]
        assert connection.execute("SELECT count(*) FROM cards").fetchone()[0] == len(notes)
        assert {row[0] for row in connection.execute("SELECT did FROM cards")} <= {anki.DECK_ID}
    finally:
        connection.close()
    return notes


def _answer_tcp(app, client, right: bool) -> None:
    attempt_id = _start(client, "tcp")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=right), "action": "submit"})


def test_export_holds_the_learners_cards_with_history_answer_and_tags(app, client, auth, tmp_path):
    auth.signup()
    _answer_tcp(app, client, right=False)
    _answer_tcp(app, client, right=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ada@example.com"))
        cards = db.session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user.id)).all()
        questions = {q.key: q for q in db.session.scalars(sa.select(Question).where(
            Question.id.in_([c.question_id for c in cards])))}
        assert cards
    page = client.get("/review").get_data(as_text=True)
    assert 'href="/review/anki.apkg"' in page and "Export to Anki" in page
    response = client.get("/review/anki.apkg")
    assert response.status_code == 200 and response.mimetype == "application/apkg"
    assert "attachment" in response.headers["Content-Disposition"]
    notes = open_apkg(response.data, tmp_path)
    assert len(notes) == len(cards)
    by_question = {}
    for note in notes:
        key = next(k for k in questions if note["guid"] == _guid(app, "tcp", k))
        by_question[key] = note
    assert set(by_question) == set(questions)

    reliable = by_question["reliable"]["fields"]
    assert "Which mechanisms make a byte stream over IP reliable?" in reliable["Question"]
    assert "Sequence numbers" in reliable["Question"] and "The IP TTL" in reliable["Question"]
    answer_part = reliable["Answer"].split("Right answer")[1]
    assert "Sequence numbers" in answer_part and "The IP TTL" not in answer_part
    assert "Sequence numbers, acknowledgements and retransmission" in reliable["Explanation"]
    assert reliable["History"].startswith("Answered 2 times, 1 right; last on ") and reliable["History"].endswith("(right).")
    tags = by_question["reliable"]["tags"]
    assert {"learnpath::course::net-basics", "learnpath::course::api-course", "learnpath::topic::tcp",
            "learnpath::lesson::tcp"} <= set(tags)
    port = by_question["port"]["fields"]
    assert "<code>TCP</code>" in port["Answer"] and "Transmission Control Protocol" in port["Answer"]
    assert "TCP" not in port["Question"]  # the front never shows the accepted answer
    handshake = by_question["handshake"]["fields"]  # ordering: the front is never in the right order
    front = handshake["Question"]
    assert front.index("SYN-ACK") < front.index("Client sends <code>SYN</code>") or \
        front.index("<code>ACK</code>") < front.index("SYN-ACK")

    # A second export: the same notes (GUIDs), the same content, so Anki updates rather than duplicates.
    again = open_apkg(client.get("/review/anki.apkg").data, tmp_path)
    assert [n["guid"] for n in again] == [n["guid"] for n in notes]
    assert [n["fields"] for n in again] == [n["fields"] for n in notes]


def _guid(app, lesson_slug: str, key: str) -> str:
    with app.test_request_context():
        return anki.note_guid(interop.instance_id(), lesson_slug, key)


def test_each_learner_gets_only_their_own_cards(app, client, auth, tmp_path):
    auth.signup()
    _answer_tcp(app, client, right=True)
    auth.logout()
    auth.signup(email="bob@example.com", name="Bob")
    assert open_apkg(client.get("/review/anki.apkg").data, tmp_path) == []  # Bob answered nothing
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=True), "action": "submit"})
    notes = open_apkg(client.get("/review/anki.apkg").data, tmp_path)
    with app.app_context():
        bob = db.session.scalar(sa.select(User).where(User.email == "bob@example.com"))
        expected = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard).where(ReviewCard.user_id == bob.id))
    assert len(notes) == expected > 0
    assert all("learnpath::lesson::packets" in n["tags"] for n in notes)  # none of Ada's tcp cards


def test_login_required_on_the_web_and_the_api(app, client, tmp_path):
    response = client.get("/review/anki.apkg")
    assert response.status_code in (302, 401) and "apkg" not in response.headers.get("Content-Type", "")
    response = client.get("/api/v1/me/anki.apkg")
    assert response.status_code == 401
    token = api_token(client)
    response = client.get("/api/v1/me/anki.apkg", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.mimetype == "application/apkg"
    assert open_apkg(response.data, tmp_path) == []


def test_right_answers_the_course_holds_back_stay_out_of_the_deck(pools_app, pools_client, tmp_path):
    """strict-course shows right answers and explanations only after a pass: a failed learner's deck has neither."""
    from tests.test_pools_review import SECRETS, _submit

    failed = _start(pools_client, "held")
    _submit(pools_client, pools_app, failed, right=False)
    notes = open_apkg(pools_client.get("/review/anki.apkg").data, tmp_path)
    assert notes
    backs = " ".join(n["fields"]["Answer"] + n["fields"]["Explanation"] for n in notes)
    assert not [s for s in SECRETS if s in backs]
    assert "once you pass this lesson" in backs
    assert all("learnpath::course::strict-course" in n["tags"] for n in notes)

    passed = _start(pools_client, "held")
    _submit(pools_client, pools_app, passed, right=True)
    notes = open_apkg(pools_client.get("/review/anki.apkg").data, tmp_path)
    backs = " ".join(n["fields"]["Answer"] + n["fields"]["Explanation"] for n in notes)
    assert all(s in backs for s in SECRETS)


def test_an_after_hours_release_counts_from_each_answers_own_time(pools_app, pools_client, tmp_path):
    """later-course shows right answers 24 h after the answer: in one lesson, a card answered 25 h ago shows
    its key and explanation, one answered now does not (each card's own time, not the lesson's first card's)."""
    import shutil
    from datetime import timedelta

    from learnpath.models import Answer
    from tests.conftest import import_over
    from tests.test_pools_review import POOLS_PACK, _submit

    pack = tmp_path / "pack"
    shutil.copytree(POOLS_PACK, pack)
    lesson = pack / "lessons" / "delayed.md"
    lesson.write_text(lesson.read_text() + (
        "- id: d2\n  kind: short_text\n  prompt: Type the second delayed word.\n  accepted: [secondsecret]\n"
        "  explanation: EXPLAIN-TWO is held back for a day after each answer.\n  topics: [beta]\n  difficulty: 1\n"))
    import_over(pools_app, pack)
    _submit(pools_client, pools_app, _start(pools_client, "delayed"), right=True)
    with pools_app.app_context():
        d1 = db.session.scalar(sa.select(Question.id).where(Question.key == "d1"))
        for answer in db.session.scalars(sa.select(Answer).where(Answer.question_id == d1)):
            answer.answered_at -= timedelta(hours=25)
        db.session.commit()
    notes = {n["fields"]["Question"]: n for n in open_apkg(pools_client.get("/review/anki.apkg").data, tmp_path)}
    first = next(n for front, n in notes.items() if "delayed secret word" in front)
    second = next(n for front, n in notes.items() if "second delayed word" in front)
    assert "quetzalbadger" in first["fields"]["Answer"] and "EXPLAIN-DELAYED" in first["fields"]["Explanation"]
    assert "secondsecret" not in second["fields"]["Answer"] + second["fields"]["Explanation"]
    assert "EXPLAIN-TWO" not in second["fields"]["Explanation"]
