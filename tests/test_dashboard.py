"""Dashboard figures, streaks and heatmap with a fixed clock, and a bounded number of queries."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Question, User
from learnpath.progress import charts, services
from tests.conftest import sql_statements
from tests.test_quiz import _answers, _start

D = date(2026, 3, 10)


@pytest.mark.parametrize("days, today, expected", [
    ([], D, (0, 0)),
    ([D], D, (1, 1)),
    ([D - timedelta(1)], D, (1, 1)),                      # yesterday still counts until today ends
    ([D - timedelta(2)], D, (0, 1)),
    ([D - timedelta(i) for i in (5, 4, 3, 1, 0)], D, (2, 3)),
    ([D - timedelta(i) for i in range(10, -1, -1)], D, (11, 11)),
    ([D - timedelta(i) for i in (9, 8, 7, 6, 2, 1)], D, (2, 4)),
])
def test_streaks(days, today, expected):
    assert services.streaks(sorted(days), today) == expected


def test_heatmap_cells_cover_the_year_monday_first():
    heat = charts.heatmap({D: 3, D - timedelta(1): 40}, D)
    cells = heat.cells
    assert cells[0].day.weekday() == 0 and cells[-1].day == D
    assert 365 <= len(cells) < 372
    by_day = {c.day: c for c in cells}
    assert by_day[D].level == 1 and by_day[D - timedelta(1)].level == 4 and by_day[D - timedelta(2)].level == 0
    assert heat.width == (cells[-1].x + 14 + charts.HEAT_RIGHT)


def _seed_history(app, user_email="ada@example.com"):
    """Answers on fixed days: 3 consecutive days ending yesterday, and one older day."""
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id).filter_by(email=user_email))
        q = db.session.scalar(sa.select(Question).filter_by(key="ttl"))
        today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
        attempt = Attempt(user_id=uid, lesson_id=q.lesson_id, status="submitted", seed=1, question_ids=[q.id],
                          carried={}, draft={}, submitted_at=today, score=1, max_score=1, percent=100, passed=True)
        db.session.add(attempt)
        db.session.flush()
        for days_ago, correct in ((1, True), (2, False), (3, True), (3, True), (10, False)):
            when = today - timedelta(days=days_ago)
            db.session.add(Answer(attempt_id=attempt.id, user_id=uid, question_id=q.id, response="dec", correct=correct,
                                  points=float(correct), revision=q.revision, answered_at=when))
            services.record_answer_stats(uid, [(q.id, correct)], when)
        db.session.commit()
        return uid


def test_dashboard_figures(app, client, auth):
    auth.signup()
    uid = _seed_history(app)
    with app.app_context():
        today = datetime.now(timezone.utc).date()
        assert services.streaks(list(services.daily_activity(uid)), today) == (3, 3)
        totals = services.totals(uid)
        assert (totals.questions_answered, totals.correct_answers, totals.accuracy) == (5, 3, 60)
        topics = services.topic_accuracy(uid)
        assert topics == [("networking", "Networking", 5, 3)]
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<strong>5</strong> questions answered" in html and "<strong>60%</strong> accuracy" in html
    assert "<strong>3</strong> day streak (longest 3)" in html
    assert "5 answers on 4 days in the last year" in html
    assert 'role="img"' in html and "<title" in html  # charts carry text alternatives


def _forget_learners(app) -> None:
    """Drop every learner's kept dashboard (body and parts): the next view computes everything."""
    app.extensions["dashboard_cache"].clear()
    app.extensions["dashboard_parts"].clear()


def test_dashboard_query_count_is_bounded(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    client.post("/courses/api-course/enroll")

    def queries_for(path):
        response, statements = sql_statements(app, lambda: client.get(path))
        assert response.status_code == 200
        return len(statements)

    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    _start(client, "tcp")  # an open attempt: 'continue where you left off' has something to show
    client.get("/dashboard")  # the catalog's facts, loaded once per worker and catalog version
    _forget_learners(app)
    small = queries_for("/dashboard")
    for slug in ("packets", "rest", "packets", "rest"):
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    for _ in range(5):
        _seed_history(app)
    _forget_learners(app)
    large = queries_for("/dashboard")
    # The user, the catalog version, four figure statements, the day rows, the recent attempts, the cards.
    assert large == small and large <= 9
    attempt_id = _start(client, "tcp")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    assert queries_for("/dashboard") <= 8  # after an answer: what it touched (no day rows: today's is in the figures)
