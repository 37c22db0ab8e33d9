"""The per-learner dashboard cache: served from memory while nothing it shows has changed, and
re-rendered on the very next view after any write, import or moment that changes it."""
from datetime import date, datetime, time, timedelta, timezone

import fsrs
import pytest
import sqlalchemy as sa

from learnpath.config import from_environment
from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.extensions import db
from learnpath.models import DailyActivity, Question, ReviewCard, User
from learnpath.pagecache import BoundedCache
from learnpath.progress.services import bump_progress_version, record_answer_stats
from learnpath.quiz import services as quiz
from learnpath.review import services as review
from tests.conftest import Auth, sql_statements
from tests.test_quiz import _answers, _start

HIT = 2  # statements on a hit: flask-login's user, the catalog version (checked every time in tests)
T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


def _view(app, client) -> tuple[str, int]:
    """(the dashboard's body, the SQL statements the view ran)."""
    response, statements = sql_statements(app, lambda: client.get("/dashboard"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[html.index("<h1>Your dashboard</h1>"):html.index("</main>")], len(statements)


def _cached(app, client) -> str:
    """View the dashboard until it is served from memory; its body."""
    body, _ = _view(app, client)
    again, statements = _view(app, client)
    assert statements <= HIT and again == body
    return body


def _clock(monkeypatch, when: datetime) -> None:
    monkeypatch.setattr(review, "now_utc", lambda: when)


def _uid(app, email="ada@example.com") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).filter_by(email=email))


@pytest.fixture
def learner(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    return _uid(app)


def test_unchanged_dashboard_is_served_from_memory(app, client, learner):
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    first, cold = _view(app, client)
    second, statements = _view(app, client)
    assert cold > 10 and statements <= HIT
    assert second == first and "Net Basics" in second and "How packets travel" in second


def test_the_page_around_the_cached_body_stays_per_request(app, client, learner):
    _cached(app, client)
    client.post("/courses/net-basics/enroll")  # a flash message, and no change to the dashboard
    html = client.get("/dashboard").get_data(as_text=True)
    assert "You were already enrolled." in html and 'name="csrf_token"' in html
    assert "You were already enrolled." not in client.get("/dashboard").get_data(as_text=True)


def _import_renamed_course(app, pack_copy):
    catalog = pack_copy / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("title: Net Basics", "title: Networking Basics"))
    with app.app_context():
        import_pack(load_pack(pack_copy))


@pytest.mark.parametrize("action, shows", [
    (lambda app, client, pack: client.post("/lessons/tcp/read"), "TCP: reliable streams"),  # continue where you left off
    (lambda app, client, pack: _start(client, "rest"), "REST basics"),
    (lambda app, client, pack: client.post("/courses/api-course/enroll"), "API Course"),
    (lambda app, client, pack: _import_renamed_course(app, pack), "Networking Basics"),
], ids=["read a lesson", "start a quiz", "enroll", "content import"])
def test_each_change_shows_on_the_next_view(app, client, learner, pack_copy, action, shows):
    assert shows not in _cached(app, client)
    action(app, client, pack_copy)
    assert shows in _view(app, client)[0]


def test_changing_desired_retention_renders_again(app, client, learner):
    _cached(app, client)
    client.post("/review/settings", data={"desired_retention": "85"})
    with app.app_context():
        assert db.session.get(User, learner).progress_version == 2  # enroll, then this
    assert _view(app, client)[1] > HIT


def test_submitting_a_quiz_shows_on_the_next_view(app, client, learner):
    """Needs the quiz submit to call bump_progress_version (the lead's part)."""
    attempt_id = _start(client, "packets")
    before = _cached(app, client)
    assert "No quiz attempts yet." in before and "<strong>0</strong> questions answered" in before
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    after = _view(app, client)[0]
    assert "No quiz attempts yet." not in after and "<strong>0</strong> questions answered" not in after


def test_submitting_a_quiz_through_the_api_shows_on_the_next_view(app, client, learner):
    """Needs the API submit to call bump_progress_version (the lead's part)."""
    api = app.test_client()  # no session cookie, so no CSRF token needed
    token = api.post("/api/v1/auth/token", json={"email": "ada@example.com",
                                                 "password": "correct horse battery"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    attempt = api.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    assert "No quiz attempts yet." in _cached(app, client)
    api.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {}})
    assert "No quiz attempts yet." not in _view(app, client)[0]


def test_answering_a_review_card_shows_on_the_next_view(app, client, learner):
    """Needs the review answer to call bump_progress_version (the lead's part)."""
    with app.app_context():
        ttl = db.session.scalar(sa.select(Question.id).filter_by(key="ttl"))
        review.record_answers(learner, [(ttl, False, None)], review.now_utc() - timedelta(days=2), 0.9)
        db.session.commit()
        card_id = db.session.scalar(sa.select(ReviewCard.id))
        right = quiz.public_id(ttl, "dec")
    before = _cached(app, client)
    assert "Review 1 due question" in before and "<strong>0</strong> questions answered" in before
    client.post(f"/review/{card_id}", data={f"q{ttl}": right, "confidence": "sure"})
    after = _view(app, client)[0]
    assert "Review 1 due question" not in after and "<strong>1</strong> question answered" in after


def test_a_card_falling_due_shows_without_any_write(app, client, learner, monkeypatch):
    with app.app_context():
        ttl = db.session.scalar(sa.select(Question.id).filter_by(key="ttl"))
        db.session.add(ReviewCard(user_id=learner, question_id=ttl, state=2, stability=3.0, difficulty=5.0,
                                  due=T0 + timedelta(minutes=5), last_review=T0 - timedelta(days=3), reviews=1, lapses=0))
        db.session.commit()
    _clock(monkeypatch, T0)
    assert "due question" not in _cached(app, client)
    _clock(monkeypatch, T0 + timedelta(minutes=4))
    assert _view(app, client)[1] <= HIT
    _clock(monkeypatch, T0 + timedelta(minutes=6))  # before the 10-minute bound: only the due time explains it
    assert "Review 1 due question" in _view(app, client)[0]


def test_midnight_rolls_the_streak_and_heat_map(app, client, learner, monkeypatch):
    day = date(2026, 3, 10)
    with app.app_context():
        for days_ago in (1, 2, 3):
            db.session.add(DailyActivity(user_id=learner, day=day - timedelta(days_ago), answered=2, correct=1))
        db.session.commit()
    evening = datetime.combine(day, time(23, 55), timezone.utc)
    _clock(monkeypatch, evening)
    before = _cached(app, client)
    assert "<strong>3</strong> day streak (longest 3)" in before and "Tue 10 Mar 2026: 0 answers" in before
    _clock(monkeypatch, evening + timedelta(minutes=6))  # 00:01 the next day, before the 10-minute bound
    after = _view(app, client)[0]
    assert "<strong>0</strong> day streak (longest 3)" in after and "Wed 11 Mar 2026: 0 answers" in after


def test_predicted_recall_is_served_until_the_percent_shown_moves(app, client, learner, monkeypatch):
    """Recall decays without any write: the kept body is served while the whole percent shown (and the
    level) cannot have changed, and the view at the moment it has shows the new figure."""
    with app.app_context():
        ttl = db.session.scalar(sa.select(Question.id).filter_by(key="ttl"))
        review.record_answers(learner, [(ttl, True, None)], T0 - timedelta(days=1), 0.9)
        record_answer_stats(learner, [(ttl, True)], T0 - timedelta(days=1))
        db.session.commit()
        stability = db.session.scalar(sa.select(ReviewCard.stability))
    decay = -fsrs.Scheduler().parameters[review.FSRS_DECAY_PARAMETER]

    def shown(at: datetime) -> int:
        return round(100 * review.retrievability(stability, (at - (T0 - timedelta(days=1))).total_seconds() / 86400, decay))

    _clock(monkeypatch, T0)
    assert f"Memory now: <strong>{shown(T0)}%</strong>" in _cached(app, client)
    later = next(T0 + timedelta(minutes=m) for m in range(1, 10 * 24 * 60) if shown(T0 + timedelta(minutes=m)) != shown(T0))
    _clock(monkeypatch, later - timedelta(minutes=1))
    assert _view(app, client)[1] <= HIT  # nothing shown has moved yet: from memory
    _clock(monkeypatch, later)
    body, statements = _view(app, client)
    assert statements > HIT and f"Memory now: <strong>{shown(later)}%</strong>" in body


def test_learners_never_see_each_others_body(app, client, learner):
    other = app.test_client()
    Auth(other).signup(email="bob@example.com", name="Bob")
    other.post("/courses/api-course/enroll")
    with app.app_context():  # the same progress version, catalog version and creation time: only the id differs
        db.session.execute(sa.update(User).values(created_at=db.session.get(User, learner).created_at))
        db.session.commit()
        versions = db.session.scalars(sa.select(User.progress_version)).all()
    assert versions == [1, 1]
    assert "Net Basics" in _cached(app, client)
    body = _view(app, other)[0]
    assert "API Course" in body and "Net Basics" not in body
    assert "Net Basics" in _view(app, client)[0]


def test_a_new_account_with_a_deleted_accounts_id_gets_its_own_body(app, client, auth, learner):
    assert "Net Basics" in _cached(app, client)
    client.post("/account/delete", data={"delete-password": "correct horse battery", "delete-confirm": "y"})
    auth.signup(email="eve@example.com", name="Eve")
    if _uid(app, "eve@example.com") != learner:
        pytest.skip("this database does not hand out a deleted row's id again")
    client.post("/courses/api-course/enroll")  # progress version 1, like the deleted account's
    body = _view(app, client)[0]
    assert "API Course" in body and "Net Basics" not in body


def test_the_size_bound_evicts_the_least_recently_viewed(app, client, learner):
    other = app.test_client()
    Auth(other).signup(email="bob@example.com", name="Bob")
    cache: BoundedCache = app.extensions["dashboard_cache"]
    _cached(app, client)
    cache.max_bytes = cache.size * 3 // 2  # room for one learner's body, not two
    _view(app, other)
    assert len(cache) == 1 and cache.size <= cache.max_bytes
    assert _view(app, client)[1] > HIT  # Ada's was dropped for Bob's


def test_bounded_cache_keeps_the_most_recently_used_within_its_bytes():
    cache = BoundedCache(max_bytes=10)
    cache.put("a", "A", 4)
    cache.put("b", "B", 4)
    assert cache.get("a") == "A"  # now b is the least recently used
    cache.put("c", "C", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.size) == ("A", None, "C", 8)
    cache.put("a", "A2", 7)  # a replaced value is counted once: 4 + 7 > 10 drops c
    assert (cache.get("a"), cache.get("c"), cache.size) == ("A2", None, 7)
    cache.put("huge", "H", 11)
    assert len(cache) == 0 and cache.size == 0


def test_switched_off_every_view_renders(make_app, app, learner):
    off = make_app(DASHBOARD_CACHE=False)
    client = off.test_client()
    Auth(client).login()
    first, _ = _view(off, client)
    second, statements = _view(off, client)
    assert statements > HIT and second == first


def test_the_switch_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LEARNPATH_DASHBOARD_CACHE", raising=False)
    assert from_environment(str(tmp_path))["DASHBOARD_CACHE"] is True
    monkeypatch.setenv("LEARNPATH_DASHBOARD_CACHE", "0")
    assert from_environment(str(tmp_path))["DASHBOARD_CACHE"] is False


def test_the_version_moves_with_the_callers_transaction(app, learner):
    with app.app_context():
        bump_progress_version(learner)
        db.session.rollback()
        assert db.session.get(User, learner).progress_version == 1
        bump_progress_version(learner)
        db.session.commit()
        assert db.session.get(User, learner).progress_version == 2
