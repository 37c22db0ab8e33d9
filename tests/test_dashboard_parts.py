"""The dashboard's per-learner parts (progress/dashboard.py): the view after any write, the clock moving,
another server's write or an import equals a dashboard computed from scratch, and no part crosses learners.

Every check compares the body with one rendered at the same moment by an app that keeps no parts
(DASHBOARD_PARTS off), on the same database; the whole-body cache is off in both, so each view builds it."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Question, ReviewCard, User
from learnpath.progress.services import record_answer_stats
from learnpath.review import services as review
from tests.conftest import Auth, sql_statements
from tests.test_dashboard_cache import _import_renamed_course
from tests.test_quiz import _answers, _start

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def _body(client) -> str:
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index("<h1>Your dashboard</h1>"):html.index("</main>")]


@pytest.fixture
def apps(make_app):
    """(an app keeping parts, one computing from scratch), neither keeping whole bodies."""
    return make_app(DASHBOARD_CACHE=False), make_app(DASHBOARD_CACHE=False, DASHBOARD_PARTS=False)


def _signed_in(app, email="ada@example.com", name="Ada", signup=False):
    client = app.test_client()
    auth = Auth(client)
    auth.signup(email=email, name=name) if signup else auth.login(email=email)
    return client


@pytest.fixture
def ada(apps):
    kept, scratch = apps
    client = _signed_in(kept, signup=True)
    client.post("/courses/net-basics/enroll")
    client.post("/courses/api-course/enroll")
    return client, _signed_in(scratch)


def _same(kept_client, scratch_client) -> str:
    body = _body(kept_client)
    assert body == _body(scratch_client)
    return body


def _uid(app, email="ada@example.com") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).filter_by(email=email))


def test_each_answer_shows_on_the_next_view(apps, ada, monkeypatch):
    (kept, _), (client, scratch) = apps, ada
    first = _same(client, scratch)
    assert "No quiz attempts yet." in first and "<strong>0</strong> questions answered" in first
    for i, (slug, right) in enumerate([("packets", True), ("tcp", False), ("rest", True), ("packets", False),
                                       ("tcp", True)]):
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id, right=right), "action": "submit"})
        moment = review.now_utc() + timedelta(hours=i)  # the clock moves on too: recall decays, cards fall due
        monkeypatch.setattr(review, "now_utc", lambda moment=moment: moment)
        body = _same(client, scratch)
    # due count, streak and calendar, course progress, topic recall and recent results all moved
    assert "No quiz attempts yet." not in body and "<strong>1</strong> day streak" in body
    assert "Memory now: <strong>" in body and "due for review" in body and "answers on 1 day" in body


def test_a_review_recorded_at_an_earlier_time_shows(apps, ada):
    """An answer whose time is before the newest card seen (another server's clock behind) is not in the
    cards read lately: the topic's aggregate says so, and all its cards are read again."""
    (kept, _), (client, scratch) = apps, ada
    for slug in ("tcp", "packets"):
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    before = _same(client, scratch)
    uid = _uid(kept)
    with kept.app_context():  # a question of the tcp quiz, answered before the packets quiz's
        handshake = db.session.scalar(sa.select(Question.id).filter_by(key="handshake"))
        earlier = review.now_utc() - timedelta(days=3)
        review.record_answers(uid, [(handshake, False, None)], earlier, 0.9)
        record_answer_stats(uid, [(handshake, False)], earlier)
        db.session.commit()
    assert _same(client, scratch) != before


def test_time_alone_moves_recall_and_due_counts(apps, ada, monkeypatch):
    (kept, _), (client, scratch) = apps, ada
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id, right=False), "action": "submit"})
    before = _same(client, scratch)
    later = review.now_utc() + timedelta(days=3)
    monkeypatch.setattr(review, "now_utc", lambda: later)
    after = _same(client, scratch)
    assert after != before and "due for review" in after


def test_another_server_sees_the_write_at_once(make_app, apps, ada):
    """Parts are checked against figures read in the same request, never trusted from the worker's memory."""
    (kept, _), (client, scratch) = apps, ada
    other = make_app(DASHBOARD_CACHE=False)
    elsewhere = _signed_in(other)
    _same(client, scratch)
    attempt_id = _start(elsewhere, "packets")
    elsewhere.post(f"/attempts/{attempt_id}", data={**_answers(other, attempt_id), "action": "submit"})
    body = _same(client, scratch)
    assert "No quiz attempts yet." not in body


def test_learners_never_share_parts(apps, ada):
    (kept, scratch_app), (client, scratch) = apps, ada
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    ada_body = _same(client, scratch)
    bob = _signed_in(kept, email="bob@example.com", name="Bob", signup=True)
    with kept.app_context():  # the same creation time as Ada's: only the id tells them apart
        db.session.execute(sa.update(User).values(created_at=db.session.get(User, _uid(kept)).created_at))
        db.session.commit()
    bob_body = _same(bob, _signed_in(scratch_app, email="bob@example.com"))
    assert "No quiz attempts yet." in bob_body and "Net Basics" not in bob_body
    assert _same(client, scratch) == ada_body


def test_an_import_renaming_a_course_shows(apps, ada, pack_copy):
    (kept, _), (client, scratch) = apps, ada
    assert "Networking Basics" not in _same(client, scratch)
    _import_renamed_course(kept, pack_copy)
    assert "Networking Basics" in _same(client, scratch)


def test_a_view_with_nothing_changed_reads_only_the_figures(apps, ada):
    (kept, _), (client, _scratch) = apps, ada
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    _body(client)
    _, statements = sql_statements(kept, lambda: _body(client))
    # the user, the catalog version (every request in tests), the four figure statements
    assert len(statements) == 6
    with kept.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewCard)) > 0


def _record(app, uid: int, key: str, right: bool, when: datetime) -> None:
    """One review answer recorded at `when`, as a submit or a review records it (cards, then aggregates)."""
    with app.app_context():
        question = db.session.scalar(sa.select(Question.id).filter_by(key=key))
        review.record_answers(uid, [(question, right, None)], when, 0.9)
        record_answer_stats(uid, [(question, right)], when)
        db.session.commit()


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_answers_either_side_of_the_learners_midnight(apps, ada, monkeypatch, zone):
    """Today's square, the streak, the calendar's months and each topic's row move with the learner's days:
    answers an hour apart across their midnight, each view at the answer's moment."""
    (kept, _), (client, scratch) = apps, ada
    uid = _uid(kept)
    with kept.app_context():
        from learnpath.progress.services import set_time_zone
        from learnpath.timezones import next_midnight, zone as tz
        set_time_zone(uid, zone)
        db.session.commit()
        midnight = next_midnight(review.now_utc(), tz(zone))
    _same(client, scratch)
    for hours, key, right in [(-25, "handshake", True), (-2, "handshake", False), (-0.5, "ttl", True),
                              (0.5, "ttl", False), (1, "handshake", True), (23.5, "independent", True),
                              (24.5, "handshake", False)]:
        moment = midnight + timedelta(hours=hours)
        _record(kept, uid, key, right, moment)
        monkeypatch.setattr(review, "now_utc", lambda moment=moment: moment + timedelta(minutes=1))
        body = _same(client, scratch)
    assert "day streak" in body


def test_a_course_left_and_joined_again_shows_what_changed_meanwhile(apps, ada):
    """A course card is kept while its lessons' rows do not move; a course not shown in a view (left)
    keeps no card, so the lessons completed while away show when the learner comes back."""
    (kept, _), (client, scratch) = apps, ada
    before = _same(client, scratch)
    client.post("/courses/net-basics/unenroll")
    _same(client, scratch)
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    _same(client, scratch)
    client.post("/courses/net-basics/enroll")
    after = _same(client, scratch)
    assert after != before and "✓ passed" in after


def test_answers_in_two_courses_move_each_card(apps, ada):
    (kept, _), (client, scratch) = apps, ada
    first = _same(client, scratch)
    for slug in ("rest", "packets", "tcp"):  # api-course, net-basics, then a lesson both courses hold
        client.post(f"/lessons/{slug}/read")
        _same(client, scratch)
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
        body = _same(client, scratch)
    assert body.count("0 of 2 lessons completed") == 0 and first.count("0 of 2 lessons completed") == 2


def test_an_attempt_submitted_at_an_earlier_time_shows_in_recent_attempts(make_app, apps, ada):
    """Attempts submitted after the newest one seen are read alone only if they are as many as the count grew
    by: one submitted elsewhere with an earlier time (a clock behind) is not among them, so all are read."""
    (kept, _), (client, scratch) = apps, ada
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    _same(client, scratch)
    other = make_app(DASHBOARD_CACHE=False)
    elsewhere = _signed_in(other)
    earlier_id = _start(elsewhere, "rest")
    elsewhere.post(f"/attempts/{earlier_id}", data={**_answers(other, earlier_id, right=False), "action": "submit"})
    later_id = _start(elsewhere, "tcp")
    elsewhere.post(f"/attempts/{later_id}", data={**_answers(other, later_id), "action": "submit"})
    from learnpath.models import Attempt
    with kept.app_context():
        first = db.session.get(Attempt, attempt_id).submitted_at
        db.session.execute(sa.update(Attempt).where(Attempt.id == earlier_id).values(submitted_at=first - timedelta(hours=1)))
        db.session.commit()
    body = _same(client, scratch)
    assert f"/attempts/{earlier_id}\"" in body and f"/attempts/{later_id}\"" in body
    attempt_id = _start(client, "rest")  # and the next submit is read alone again
    client.post(f"/attempts/{attempt_id}", data={**_answers(kept, attempt_id), "action": "submit"})
    assert f"/attempts/{attempt_id}\"" in _same(client, scratch)
