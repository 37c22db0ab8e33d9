"""Spaced review (FSRS), mastery, what-next and learning paths, with a fixed clock."""
from datetime import datetime, timedelta, timezone

import fsrs
import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Question, ReviewCard, User
from learnpath.progress.services import record_answer_stats
from learnpath.quiz import services as quiz
from learnpath.paths import services as path_service
from learnpath.review import services as review
from tests.conftest import api_token
from tests.test_quiz import _answers, _start

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def learner(app, auth):
    auth.signup()
    with app.app_context():
        return db.session.scalar(sa.select(User.id))


def _qid(key):
    return db.session.scalar(sa.select(Question.id).filter_by(key=key))


@pytest.mark.parametrize("correct, confidence, expected", [
    (False, None, fsrs.Rating.Again), (False, "sure", fsrs.Rating.Again), (False, "unsure", fsrs.Rating.Again),
    (True, None, fsrs.Rating.Good), (True, "sure", fsrs.Rating.Good), (True, "unsure", fsrs.Rating.Hard),
])
def test_rating_rules(correct, confidence, expected):
    assert review.rating(correct, confidence) == expected


def test_intervals_follow_fsrs(app, learner):
    with app.app_context():
        qid = _qid("ttl")
        reference = fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=False)
        card = fsrs.Card()
        when = T0
        for correct in (True, True, True, False, True):
            review.record_answers(learner, [(qid, correct, None)], when, 0.9)
            db.session.commit()
            card, _ = reference.review_card(card, review.rating(correct, None), review_datetime=when)
            row = db.session.scalar(sa.select(ReviewCard).filter_by(user_id=learner, question_id=qid))
            assert row.due == card.due and row.stability == pytest.approx(card.stability)
            when = card.due + timedelta(hours=1)
        assert row.reviews == 5 and row.lapses == 1


def test_higher_retention_means_sooner_reviews(app, learner):
    with app.app_context():
        a, b = _qid("ttl"), _qid("independent")
        for when in (T0, T0 + timedelta(minutes=15)):
            review.record_answers(learner, [(a, True, None)], when, 0.8)
            review.record_answers(learner, [(b, True, None)], when, 0.97)
        db.session.commit()
        due_a = db.session.scalar(sa.select(ReviewCard.due).filter_by(question_id=a))
        due_b = db.session.scalar(sa.select(ReviewCard.due).filter_by(question_id=b))
        assert due_b < due_a


def test_wrong_yesterday_is_due_today_and_order_is_most_overdue_first(app, learner):
    with app.app_context():
        yesterday = T0 - timedelta(days=1)
        review.record_answers(learner, [(_qid("ttl"), False, None)], yesterday, 0.9)
        review.record_answers(learner, [(_qid("handshake"), False, None)], yesterday + timedelta(hours=3), 0.9)
        review.record_answers(learner, [(_qid("independent"), True, None)], T0 - timedelta(minutes=1), 0.9)
        db.session.commit()
        due = review.due_cards(learner, T0)
        assert [c.question.key for c in due] == ["ttl", "handshake"]
        assert review.due_count(learner, T0) == 2
        assert review.due_count(learner, T0 + timedelta(days=30)) == 3


def test_quiz_answers_create_cards_with_confidence(app, client, learner):
    attempt_id = _start(client, "packets")
    data = {**_answers(app, attempt_id, right=True), "action": "submit"}
    with app.app_context():
        ttl, independent = _qid("ttl"), _qid("independent")
    data[f"confidence-{ttl}"] = "unsure"
    client.post(f"/attempts/{attempt_id}", data=data)
    with app.app_context():
        cards = {c.question_id: c for c in db.session.scalars(sa.select(ReviewCard))}
        assert cards[ttl].last_rating == int(fsrs.Rating.Hard) and cards[independent].last_rating == int(fsrs.Rating.Good)
        assert db.session.scalar(sa.select(Answer.confidence).filter_by(question_id=ttl)) == "unsure"


def test_review_page_grades_like_the_quiz(app, client, learner):
    with app.app_context():
        ttl = _qid("ttl")
        review.record_answers(learner, [(ttl, False, None)], T0 - timedelta(days=2), 0.9)
        db.session.commit()
        card_id = db.session.scalar(sa.select(ReviewCard.id))
        right = quiz.public_id(ttl, "dec")
    page = client.get("/review").get_data(as_text=True)
    assert "What does a router do to the TTL" in page and "Decrements it by one" in page
    assert "Each hop decrements" not in page  # no explanation before answering
    result = client.post(f"/review/{card_id}", data={f"q{ttl}": right, "confidence": "sure"}, follow_redirects=True).get_data(as_text=True)
    assert "Correct" in result and "Each hop decrements" in result and "/lessons/packets" in result
    done = client.get("/review").get_data(as_text=True)
    assert "Session complete: 1 question reviewed, 1 right" in done
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.attempt_id.is_(None))) == 1


def test_mastery_levels_move_with_answers_and_decay_with_time(app, learner):
    with app.app_context():
        qids = [_qid(k) for k in ("ttl", "independent")]
        assert review.topic_mastery(learner, T0) == []
        when = T0
        for _ in range(6):  # right answers, each when due: stability grows
            review.record_answers(learner, [(q, True, None) for q in qids], when, 0.9)
            record_answer_stats(learner, [(q, True) for q in qids], when)
            db.session.commit()
            when = max(c.due for c in db.session.scalars(sa.select(ReviewCard)))
        fresh = {m.slug: m for m in review.topic_mastery(learner, when)}["networking"]
        assert fresh.level in ("proficient", "mastered") and fresh.accuracy == 1.0
        later = {m.slug: m for m in review.topic_mastery(learner, when + timedelta(days=3650))}["networking"]
        assert later.retrievability < fresh.retrievability and later.rank < fresh.rank
        # wrong answers pull accuracy (and the level) down
        for _ in range(10):
            record_answer_stats(learner, [(q, False) for q in qids], when + timedelta(minutes=1))
        db.session.commit()
        worse = {m.slug: m for m in review.topic_mastery(learner, when)}["networking"]
        assert worse.accuracy == 0.0 and worse.level == "attempted"


@pytest.mark.parametrize("answered, accuracy, recall, level", [
    (0, None, None, "not started"), (2, 0.5, 0.95, "attempted"), (3, 0.7, 0.7, "familiar"),
    (6, 0.8, 0.85, "proficient"), (10, 0.95, 0.95, "mastered"), (10, 0.95, 0.5, "attempted"),
])
def test_level_rules(answered, accuracy, recall, level):
    assert review.level_for(answered, accuracy, recall) == level


def test_what_next(app, client, learner):
    with app.app_context():
        user = db.session.get(User, learner)
        assert review.what_next(user, T0).kind == "explore"
    client.post("/courses/net-basics/enroll")
    client.post("/lessons/packets/read")
    with app.app_context():
        user = db.session.get(User, learner)
        choice = review.what_next(user, review.now_utc())
        assert choice.kind == "lesson" and choice.params["slug"] == "packets" and "Net Basics" in choice.reason
        review.record_answers(learner, [(_qid("ttl"), False, None)], review.now_utc() - timedelta(days=1), 0.9)
        db.session.commit()
        choice = review.what_next(user, review.now_utc())
        assert choice.kind == "review" and "1 due question" in choice.title
    html = client.get("/dashboard").get_data(as_text=True)
    assert "What next:" in html and "Review 1 due question" in html and "Your topics" in html


def test_what_next_weakest_topic_when_nothing_due_or_in_progress(app, learner):
    with app.app_context():
        user = db.session.get(User, learner)
        record_answer_stats(learner, [(_qid("port"), False)], T0)
        db.session.commit()
        choice = review.what_next(user, T0)
        assert choice.kind == "topic" and choice.params["slug"] == "tcp" and "weakest topic" in choice.reason


def test_paths_progress(app, client, learner, pack_copy):
    from learnpath.content.importer import import_pack
    from learnpath.content.pack import load_pack

    text = (pack_copy / "catalog.yaml").read_text() + (
        "paths:\n- slug: web\n  title: Web\n  summary: Net then APIs.\n  courses: [net-basics, api-course]\n")
    (pack_copy / "catalog.yaml").write_text(text.replace("        lessons: [tcp, rest]",
                                                         "        prerequisites: [net-basics]\n        lessons: [tcp, rest]"))
    with app.app_context():
        assert import_pack(load_pack(pack_copy)).created["paths"] == 1
    client.post("/lessons/packets/read")
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    with app.app_context():
        progress = path_service.paths_with_progress(learner, "web")[0]
        assert (progress.completed, progress.total, progress.percent) == (1, 4, 25)
    page = client.get("/paths/web").get_data(as_text=True)
    assert "Net Basics" in page and "API Course" in page and "1 of 4 lessons completed" in page
    course = client.get("/courses/api-course").get_data(as_text=True)
    assert "Recommended first:" in course and "/courses/net-basics" in course and "/paths/web" in course
    assert client.get("/paths/nope").status_code == 404


def test_review_api(app, client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id))
        ttl = _qid("ttl")
        review.record_answers(uid, [(ttl, False, None)], review.now_utc() - timedelta(days=1), 0.9)
        db.session.commit()
        right = quiz.public_id(ttl, "dec")
    due = client.get("/api/v1/me/reviews/due", headers=h).get_json()
    assert due["due"] == 1 and due["cards"][0]["question"]["kind"] == "single"
    assert "correct" not in str(due["cards"][0]["question"])
    card_id = due["cards"][0]["card_id"]
    assert client.post(f"/api/v1/reviews/{card_id}", headers=h, json={"answer": 5}).status_code == 400
    assert client.post(f"/api/v1/reviews/{card_id}", headers=h, json={"answer": right, "confidence": "maybe"}).status_code == 400
    body = client.post(f"/api/v1/reviews/{card_id}", headers=h, json={"answer": right, "confidence": "sure"}).get_json()
    assert body["correct"] and body["next_due"] > review.now_utc().isoformat()
    assert client.get("/api/v1/me/reviews/due", headers=h).get_json()["due"] == 0
    mastery = client.get("/api/v1/me/mastery", headers=h).get_json()["topics"]
    assert mastery[0]["topic"] == "networking" and mastery[0]["level"] in review.LEVELS
    other = {"Authorization": f"Bearer {api_token(client, email='eve@example.com')}"}
    assert client.post(f"/api/v1/reviews/{card_id}", headers=other, json={"answer": right}).status_code == 404


def test_retention_setting(app, client, learner):
    def stored():
        with app.app_context():
            return db.session.get(User, learner).desired_retention

    for refused in ("150", "69", "98", "abc"):  # outside MIN/MAX_DESIRED_RETENTION_PERCENT, or not a number
        page = client.post("/review/settings", data={"desired_retention": refused})
        assert page.status_code == 200 and "between 70 and 97" in page.get_data(as_text=True) or refused == "abc"
        assert stored() == 0.9
    for accepted, value in (("70", 0.70), ("97", 0.97), ("85", 0.85)):
        client.post("/review/settings", data={"desired_retention": accepted})
        assert stored() == value


def test_topic_page(client, learner):
    html = client.get("/topics/tcp").get_data(as_text=True)
    assert "Topic: TCP" in html and "TCP: reliable streams" in html and "Put the steps of the three-way handshake" in html
    assert client.get("/topics/nope").status_code == 404


def test_retrievability_formula_matches_fsrs():
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    card, _ = scheduler.review_card(fsrs.Card(), fsrs.Rating.Good, T0)
    card, _ = scheduler.review_card(card, fsrs.Rating.Good, card.due)
    for days in (0, 1, 3, 30, 400):
        when = card.last_review + timedelta(days=days)
        expected = scheduler.get_card_retrievability(card, when)
        assert review.retrievability(card.stability, days, -scheduler.parameters[review.FSRS_DECAY_PARAMETER]) == pytest.approx(expected)


def test_aggregates_match_the_raw_answers(app, client, learner):
    """The per-day and per-topic aggregates agree with a GROUP BY over every answer."""
    from learnpath.models import DailyActivity, TopicStat, question_topic

    for slug in ("packets", "tcp", "packets"):
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=slug == "tcp"), "action": "submit"})
    with app.app_context():
        raw = db.session.execute(sa.select(question_topic.c.topic_id, sa.func.count(), sa.func.sum(
            sa.case((Answer.correct, 1), else_=0))).join(question_topic, question_topic.c.question_id == Answer.question_id)
            .where(Answer.user_id == learner).group_by(question_topic.c.topic_id)).all()
        kept = {t.topic_id: (t.answered, t.correct) for t in db.session.scalars(sa.select(TopicStat))}
        assert kept == {t: (n, int(c)) for t, n, c in raw}
        assert db.session.scalar(sa.select(sa.func.sum(DailyActivity.answered))) == \
            db.session.scalar(sa.select(sa.func.count(Answer.id)))
