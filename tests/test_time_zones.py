"""The learner's days: daily aggregates, streaks, the heat map, "today", the dashboard cache's midnight
and every time shown follow the learner's time zone, with a fixed clock, for learners at UTC-8
(America/Los_Angeles, across both DST changes), UTC+5:30 (Asia/Kolkata) and UTC+14 (Pacific/Kiritimati)."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Attempt, DailyActivity, Question, User
from learnpath.progress import services
from learnpath.review import services as review
from learnpath.timezones import canonical_zone, local_day, local_time, next_midnight, zone, zone_names
from tests.conftest import csrf_token
from tests.test_dashboard_cache import _cached, _clock, _uid, _view
from tests.test_quiz import _answers, _start

LA, KOLKATA, KIRITIMATI = "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, when, day", [
    (LA, utc(2026, 12, 6, 1, 0), date(2026, 12, 5)),          # 17:00 PST the evening before
    (LA, utc(2026, 12, 6, 8, 0), date(2026, 12, 6)),          # 00:00 PST
    (KOLKATA, utc(2026, 12, 5, 18, 29), date(2026, 12, 5)),   # 23:59 IST
    (KOLKATA, utc(2026, 12, 5, 18, 30), date(2026, 12, 6)),   # 00:00 IST
    (KIRITIMATI, utc(2026, 12, 5, 9, 59), date(2026, 12, 5)),  # 23:59 LINT
    (KIRITIMATI, utc(2026, 12, 5, 10, 0), date(2026, 12, 6)),  # 00:00 LINT, while it is still the 5th almost everywhere
    (None, utc(2026, 12, 5, 23, 59), date(2026, 12, 5)),       # unknown zone: UTC
])
def test_local_day(name, when, day):
    assert local_day(when, zone(name)) == day


@pytest.mark.parametrize("now, midnight, hours_in_day", [
    (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8, 0), 24),   # 7 Mar 23:30 PST -> 8 Mar 00:00 PST
    (utc(2026, 3, 8, 8, 30), utc(2026, 3, 9, 7, 0), 23),   # 8 Mar, spring forward: 00:00 PDT is 07:00 UTC
    (utc(2026, 11, 1, 7, 30), utc(2026, 11, 2, 8, 0), 25),  # 1 Nov 00:30 PDT, fall back: the day has 25 hours
])
def test_next_midnight_across_dst_in_los_angeles(now, midnight, hours_in_day):
    tz = zone(LA)
    assert next_midnight(now, tz) == midnight
    assert midnight.astimezone(tz).hour == 0 and midnight.astimezone(tz).minute == 0
    start_of_today = datetime.combine(local_day(now, tz), time.min, tzinfo=tz)
    assert midnight - start_of_today == timedelta(hours=hours_in_day)


def test_times_shown_say_their_zone():
    when = utc(2026, 7, 1, 1, 5)
    assert local_time(when, zone(LA)) == "30 Jun 2026 18:05 PDT"
    assert local_time(utc(2026, 12, 1, 1, 5), zone(LA)) == "30 Nov 2026 17:05 PST"
    assert local_time(when, zone(KOLKATA)) == "01 Jul 2026 06:35 IST"
    assert local_time(when, zone(KIRITIMATI)).startswith("01 Jul 2026 15:05 ")
    assert local_time(when, zone(None)) == "01 Jul 2026 01:05 UTC"


def test_zone_list_offers_the_three_zones_and_utc_first():
    names = zone_names()
    assert names[0] == "UTC" and {LA, KOLKATA, KIRITIMATI} <= set(names)
    assert "Asia/Calcutta" not in names and "US/Pacific" not in names  # aliases are not offered


def test_aliases_are_stored_under_their_tz_database_name(app, client, auth):
    """Chromium reports "Asia/Calcutta"; the account page's list has "Asia/Kolkata"."""
    assert canonical_zone("Asia/Calcutta") == KOLKATA and canonical_zone(KIRITIMATI) == KIRITIMATI
    auth.signup()
    assert client.post("/account/time-zone/detected", data={"time_zone": "Asia/Calcutta"}).status_code == 204
    with app.app_context():
        assert db.session.scalar(sa.select(User.time_zone)) == KOLKATA


# ---- with the app ----------------------------------------------------------------------------

def _set_zone(app, uid: int, name: str | None) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == uid).values(time_zone=name))
        db.session.commit()


def _record(app, uid: int, *moments: datetime) -> None:
    """One answer at each moment, through the aggregate writer every submit and review uses."""
    with app.app_context():
        qid = db.session.scalar(sa.select(Question.id).filter_by(key="ttl"))
        for when in moments:
            services.record_answer_stats(uid, [(qid, True)], when)
        db.session.commit()


def _days(app, uid: int) -> dict[date, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(DailyActivity.day, DailyActivity.answered)
                                       .where(DailyActivity.user_id == uid)).all())


@pytest.fixture
def learner(app, client, auth):
    auth.signup()
    return _uid(app)


@pytest.mark.parametrize("name, when, day", [
    (LA, utc(2026, 12, 6, 1, 0), date(2026, 12, 5)),
    (KOLKATA, utc(2026, 12, 5, 19, 0), date(2026, 12, 6)),
    (KIRITIMATI, utc(2026, 12, 5, 11, 0), date(2026, 12, 6)),
    (LA, utc(2026, 3, 8, 7, 30), date(2026, 3, 7)),   # the evening before the spring-forward night
    (LA, utc(2026, 3, 9, 6, 30), date(2026, 3, 8)),   # 23:30 PDT on the 23-hour day
])
def test_daily_aggregate_is_the_learners_local_day_at_answer_time(app, learner, name, when, day):
    _set_zone(app, learner, name)
    _record(app, learner, when)
    assert _days(app, learner) == {day: 1}


def test_review_answer_lands_on_the_local_day(app, client, learner):
    """The review path (fixed clock via its `when`): a Kolkata learner's 00:30 IST review is on the 6th."""
    _set_zone(app, learner, KOLKATA)
    with app.app_context():
        question = db.session.scalar(sa.select(Question).filter_by(key="ttl"))
        review.record_answers(learner, [(question.id, True, None)], utc(2026, 12, 1), 0.9)
        card = review.own_card(learner, db.session.scalar(
            sa.select(review.ReviewCard.id).where(review.ReviewCard.user_id == learner)))
        review.review(db.session.get(User, learner), card, _right_response(question), None, card.reviews,
                      when=utc(2026, 12, 5, 19, 0))
    assert _days(app, learner) == {date(2026, 12, 6): 1}


def _right_response(question: Question):
    from learnpath.quiz.grading import correct_response

    return correct_response(question.kind, question.spec)


def test_quiz_submit_lands_on_the_local_day(app, client, learner):
    _set_zone(app, learner, KIRITIMATI)
    before = local_day(datetime.now(timezone.utc), zone(KIRITIMATI))
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    after = local_day(datetime.now(timezone.utc), zone(KIRITIMATI))
    days = _days(app, learner)
    assert list(days) in ([before], [after]) and sum(days.values()) == 2


def test_evening_learner_keeps_a_streak(app, client, learner, monkeypatch):
    """Studying at 15:30 one evening and 16:30 the next in San Francisco is two days in a row; in UTC
    it was the 1st and the 3rd, a broken streak."""
    _set_zone(app, learner, LA)
    _record(app, learner, utc(2026, 12, 1, 23, 30), utc(2026, 12, 3, 0, 30))
    assert list(_days(app, learner)) == [date(2026, 12, 1), date(2026, 12, 2)]
    _clock(monkeypatch, utc(2026, 12, 3, 2, 0))  # 2 Dec, 18:00 PST
    body = _view(app, client)[0]
    assert "<strong>2</strong> day streak (longest 2)" in body
    assert "Wed 02 Dec 2026: 1 answer<" in body  # the heat map's last square is the learner's today


def test_heat_map_today_is_the_learners_today(app, client, learner, monkeypatch):
    _set_zone(app, learner, KIRITIMATI)
    _clock(monkeypatch, utc(2026, 12, 5, 11, 0))  # 6 Dec 01:00 in Kiritimati, 5 Dec in UTC
    body = _view(app, client)[0]
    assert "Sun 06 Dec 2026: 0 answers" in body and "Mon 07 Dec 2026" not in body


def test_cached_dashboard_rolls_over_at_the_learners_midnight(app, client, learner, monkeypatch):
    _set_zone(app, learner, LA)
    _record(app, learner, *(utc(2026, 3, d, 20) for d in (5, 6, 7)))  # noon PST on the 5th, 6th, 7th
    _clock(monkeypatch, utc(2026, 3, 8, 7, 55))  # 7 Mar 23:55 PST
    before = _cached(app, client)
    assert "<strong>3</strong> day streak" in before
    _clock(monkeypatch, utc(2026, 3, 8, 8, 1))  # 8 Mar 00:01 PST (UTC midnight passed hours ago)
    after, statements = _view(app, client)
    assert statements > 2 and "Sun 08 Mar 2026: 0 answers" in after
    assert "<strong>3</strong> day streak" in after  # yesterday still counts until today ends


def test_attempt_times_are_shown_in_the_learners_zone(app, client, learner):
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    with app.app_context():
        db.session.execute(sa.update(Attempt).where(Attempt.id == attempt_id).values(submitted_at=utc(2026, 12, 6, 1, 5)))
        db.session.commit()
    _set_zone(app, learner, LA)
    html = client.get("/lessons/packets/quiz").get_data(as_text=True)
    assert "05 Dec 2026 17:05 PST" in html and " UTC" not in html
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "05 Dec 2026 17:05 PST" in dashboard and "05 Dec 2026 ·" not in dashboard.split("Recent attempts")[1]
    _set_zone(app, learner, KOLKATA)
    assert "06 Dec 2026 06:35 IST" in client.get("/lessons/packets/quiz").get_data(as_text=True)


# ---- setting the zone ------------------------------------------------------------------------

def test_unknown_zone_loads_the_detector_until_known(app, client, learner):
    page = client.get("/").get_data(as_text=True)
    assert 'src="/static/js/timezone.js"' in page and 'data-url="/account/time-zone/detected"' in page
    assert client.post("/account/time-zone/detected", data={"time_zone": LA}).status_code == 204
    assert "timezone.js" not in client.get("/").get_data(as_text=True)
    # The browser's guess never overrides a zone already known.
    assert client.post("/account/time-zone/detected", data={"time_zone": KOLKATA}).status_code == 204
    with app.app_context():
        assert db.session.get(User, learner).time_zone == LA


def test_account_page_sets_the_zone(app, client, learner):
    html = client.get("/account").get_data(as_text=True)
    assert 'id="time-zone"' in html and '<option value="UTC" selected>' in html and "Not known yet" in html
    response = client.post("/account/time-zone", data={"time_zone": KOLKATA}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Time zone saved: Asia/Kolkata" in html
    assert f'<option value="{KOLKATA}" selected>' in html
    with app.app_context():
        assert db.session.get(User, learner).time_zone == KOLKATA


@pytest.mark.parametrize("value", ["", "Mars/Olympus_Mons", "../../etc/passwd", "x" * 300, "Europe/Paris\x00"])
def test_bad_zones_are_refused_with_400(app, client, learner, value):
    response = client.post("/account/time-zone", data={"time_zone": value})
    assert response.status_code == 400
    if "\x00" not in value:  # NUL is refused for every form, with its own message
        assert "time zone" in response.get_data(as_text=True).lower()
    response = client.post("/account/time-zone/detected", data={"time_zone": value})
    assert response.status_code == 400
    if "\x00" not in value:
        assert "time zone" in response.get_json()["error"]["message"].lower()
    with app.app_context():
        assert db.session.get(User, learner).time_zone is None


def test_zone_forms_need_login_and_csrf(make_app, client):
    assert client.post("/account/time-zone", data={"time_zone": LA}).status_code in (302, 401)
    from flask_migrate import upgrade

    strict = make_app(WTF_CSRF_ENABLED=True)
    with strict.app_context():
        upgrade()
    c = strict.test_client()
    c.post("/signup", data={"email": "z@example.com", "password": "correct horse battery", "name": "Z",
                            "csrf_token": csrf_token(c, "/signup")})
    assert c.post("/account/time-zone/detected", data={"time_zone": LA}).status_code == 400
    assert c.post("/account/time-zone/detected", data={"time_zone": LA, "csrf_token": csrf_token(c, "/account")}).status_code == 204
