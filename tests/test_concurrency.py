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


KILL_SCRIPT = r"""
import os, signal, sys
from learnpath import create_app
from learnpath.content import importer
from learnpath.content.pack import load_pack

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x"}, instance_path=sys.argv[3])
calls = {"n": 0}
real = importer.render_markdown

def render_then_die(source):
    calls["n"] += 1
    if calls["n"] == 2:  # half-way: one lesson already written in the open transaction
        os.kill(os.getpid(), signal.SIGKILL)
    return real(source)

importer.render_markdown = render_then_die
with app.app_context():
    importer.import_pack(load_pack(sys.argv[2]))
"""


def test_import_killed_half_way_leaves_the_catalog_intact(app, pack_copy, database_url, instance_path, tmp_path):
    import subprocess
    import sys

    from learnpath.models import Lesson

    def snapshot():
        with app.app_context():
            db.session.expire_all()
            return [(l.slug, l.title, l.source_hash) for l in db.session.scalars(sa.select(Lesson).order_by(Lesson.slug))]

    before = snapshot()
    for name in ("packets.md", "tcp.md"):
        path = pack_copy / "lessons" / name
        path.write_text(path.read_text().replace("summary: ", "summary: Edited ", 1))
    script = tmp_path / "kill_import.py"
    script.write_text(KILL_SCRIPT)
    result = subprocess.run([sys.executable, str(script), database_url, str(pack_copy), str(instance_path)], capture_output=True, timeout=120)
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    assert snapshot() == before


def test_a_course_finished_twice_at_once_issues_one_certificate(app, monkeypatch):
    """Two submits finishing a course at the same moment (two tabs, a retried request): one of them
    completes the enrollment and issues the code; the other changes nothing, so the code the learner
    was shown first stays the certificate's."""
    from learnpath.models import Course, Enrollment, Lesson, User
    from learnpath.progress import services as progress

    with app.app_context():
        user = User(email="race@example.com", name="Race", password_hash="x")
        db.session.add(user)
        db.session.flush()
        uid = user.id
        course = db.session.scalar(sa.select(Course).where(Course.slug == "net-basics"))
        cid = course.id
        db.session.add(Enrollment(user_id=uid, course_id=cid))
        for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.slug.in_(["packets", "tcp"]))).all():
            progress.mark_read(uid, lesson)
            progress.record_attempt(uid, lesson, 100.0, True, progress.utcnow())
        db.session.add(Attempt(user_id=uid, scope="course_test", course_id=cid, seed=1, question_ids=[],
                               status="submitted", percent=90.0, passed=True))
        db.session.execute(sa.update(Enrollment).where(Enrollment.user_id == uid)
                           .values(completed_at=None, certificate_code=None, certificate_percent=None))
        db.session.commit()

    barrier = threading.Barrier(6, timeout=30)
    issued, errors = [], []
    # Every thread has read the learner's state before any of them writes: the widest race window.
    real = progress.courses_with_questions
    monkeypatch.setattr(progress, "courses_with_questions", lambda ids: (barrier.wait(), real(ids))[1])

    def finish():
        with app.app_context():
            try:
                done = progress._refresh_courses(uid, [cid], progress.utcnow())
                db.session.commit()
                if done:
                    issued.append(db.session.scalar(sa.select(Enrollment.certificate_code)
                                                    .where(Enrollment.user_id == uid)))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(error))

    threads = [threading.Thread(target=finish) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(issued) == 1, issued
    with app.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment).where(Enrollment.user_id == uid))
        assert enrollment.certificate_code == issued[0] and enrollment.certificate_percent == 90.0
