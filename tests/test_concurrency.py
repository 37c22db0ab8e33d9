"""Data safety under concurrency: one attempt submitted from many threads records one result."""
import threading

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Attempt, LessonProgress
from tests.conftest import api_token


def test_concurrent_submits_record_exactly_one_result(app):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    barrier = threading.Barrier(8)
    statuses = []

    def submit():
        local = app.test_client()
        barrier.wait()
        response = local.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {}})
        statuses.append((response.status_code, response.get_json().get("percent")))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in statuses) == [200] + [409] * 7, statuses
    assert {p for _, p in statuses} == {0.0}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 4
        assert db.session.scalar(sa.select(LessonProgress.attempts_count)) == 1
        assert db.session.scalar(sa.select(Attempt.status)) == "submitted"
