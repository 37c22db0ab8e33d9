"""Attempts that span lessons: the course test behind the certificate (draw across lessons, unseen
first; a server-enforced deadline; right answers held back until passed), topic practice, the
one-open-attempt-per-scope rule under concurrency, and migration 0013 on a database with history."""
import re
import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import (
    Answer, Attempt, Course, DailyActivity, Enrollment, Lesson, LessonProgress, Question, ReviewCard, Topic, TopicStat,
    User,
)
from learnpath.progress import services as progress
from learnpath.quiz import pools, scopes
from tests.conftest import api_token
from tests.test_quiz import _answers, _attempt_id, complete_lessons, take_course_test

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def _set_test(app, course="net-basics", **settings) -> None:
    with app.app_context():
        db.session.execute(sa.update(Course).where(Course.slug == course).values(test_settings=settings))
        db.session.commit()


def _attempt(app, attempt_id) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def _lesson_of(app, question_ids) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Question.id, Question.lesson_id).where(Question.id.in_(question_ids))).all())


def _clock(monkeypatch, when: datetime) -> None:
    monkeypatch.setattr(scopes, "now", lambda: when)


def _certificate(app):
    with app.app_context():
        return db.session.scalar(sa.select(Enrollment.certificate_code))


# ---- the draw ------------------------------------------------------------------------------------

def test_draw_spread_takes_unseen_first_and_spreads_over_lessons():
    pool = [SimpleNamespace(id=10 * lesson + n, lesson_id=lesson) for lesson in (1, 2, 3) for n in range(4)]
    drawn = pools.draw_spread(pool, 6, seed=7, seen={})
    per_lesson = [sum(1 for q in drawn if q.lesson_id == lesson) for lesson in (1, 2, 3)]
    assert per_lesson == [2, 2, 2]
    assert pools.draw_spread(pool, 6, seed=7, seen={}) == drawn  # reproducible from the seed
    # Everything of lesson 1 and 2 seen (lesson 2 answered wrong): the unseen of lesson 3 first, then the wrong.
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    seen = {q.id: pools.Seen(q.lesson_id == 1, at) for q in pool if q.lesson_id in (1, 2)}
    drawn = pools.draw_spread(pool, 6, seed=3, seen=seen)
    assert {q.id for q in drawn if q.lesson_id == 3} == {30, 31, 32, 33}
    assert {q.lesson_id for q in drawn} - {3} == {2}
    assert len(pools.draw_spread(pool, 50, seed=1, seen={})) == len(pool)


def _complete_without_answers(app, email: str) -> None:
    """Both lessons of net-basics completed by the learner, none of their questions answered yet."""
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id).where(User.email == email))
        for lesson in db.session.scalars(sa.select(Lesson).where(Lesson.slug.in_(["packets", "tcp"]))).all():
            progress.mark_read(uid, lesson)
            progress.record_attempt(uid, lesson, 100.0, True, progress.utcnow())
            db.session.commit()


def _lessons_done_without_answers(app, client, auth) -> None:
    """Ada enrolled in net-basics with both lessons completed, none of their questions answered yet."""
    auth.signup()
    client.post("/courses/net-basics/enroll")
    _complete_without_answers(app, "ada@example.com")


def test_course_test_draws_across_lessons_unseen_first(app, client, auth):
    _lessons_done_without_answers(app, client, auth)
    _set_test(app, questions=3)
    first = take_course_test(app, client)
    asked = _attempt(app, first).question_ids
    assert len(asked) == 3 and len(set(_lesson_of(app, asked).values())) == 2  # both lessons of net-basics
    with app.app_context():
        pool_ids = set(db.session.scalars(sa.select(Question.id).join(Lesson).where(Lesson.slug.in_(["packets", "tcp"]))))
    second = take_course_test(app, client, right=False)  # the 3 never seen come before the 3 answered
    assert set(_attempt(app, second).question_ids) == pool_ids - set(asked)
    third = take_course_test(app, client)  # all seen: the ones answered wrong come first
    assert set(_attempt(app, third).question_ids) == pool_ids - set(asked)


# ---- the certificate needs the test ----------------------------------------------------------------

def test_every_lesson_done_but_no_test_means_no_certificate(app, client, auth):
    complete_lessons(app, client, auth)
    assert _certificate(app) is None
    page = client.get("/courses/net-basics").get_data(as_text=True)
    assert "Take the course test" in page and "Your certificate" not in page
    failed = take_course_test(app, client, right=False)
    assert _attempt(app, failed).passed is False and _certificate(app) is None
    passed = take_course_test(app, client)
    code = _certificate(app)
    assert code and _attempt(app, passed).percent == 100.0
    with app.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment))
        assert enrollment.completed_at is not None and enrollment.certificate_percent == 100.0
    auth.logout()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Ada" in page and "Net Basics" in page and "passing the course test with a score of 100%" in page
    assert "Valid" in page and code in page and "css/print.css" in page
    body = client.get(f"/api/v1/certificates/{code}").get_json()
    assert body["status"] == "valid" and body["percent"] == 100.0 and body["course_test_passed"] is True


def test_the_test_is_locked_until_every_lesson_is_completed(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    page = client.get("/courses/net-basics").get_data(as_text=True)
    assert "The test opens once every lesson is completed: 2 to go" in page
    response = client.post("/courses/net-basics/test")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/net-basics"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0
    auth.logout()
    page = client.get("/courses/net-basics").get_data(as_text=True)  # a visitor sees what it is
    assert "Course test" in page and "sign up</a> to take it" in page


def test_certificates_issued_before_the_course_test_stay_valid(app, client, auth):
    """A certificate issued on the lessons alone (before this release) is kept through later events."""
    complete_lessons(app, client, auth)
    with app.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment))
        enrollment.completed_at, enrollment.certificate_code, enrollment.certificate_percent = T0, "o" * 32, 91.5
        db.session.commit()
    client.post("/lessons/packets/read")
    attempt_id = _attempt_id(client.post("/lessons/packets/attempts"))
    client.post(f"/attempts/{attempt_id}", data={"action": "submit"})  # a failed retake changes nothing
    take_course_test(app, client, right=False)
    assert _certificate(app) == "o" * 32
    body = client.get(f"/api/v1/certificates/{'o' * 32}").get_json()
    assert body["status"] == "valid" and body["percent"] == 91.5 and body["course_test_passed"] is False
    page = client.get(f"/certificates/{'o' * 32}").get_data(as_text=True)
    assert "grade of 92%" in page and "issued before the course had a final test" in page


def test_a_course_test_moves_no_lesson_progress_but_feeds_reviews_and_activity(app, client, auth):
    complete_lessons(app, client, auth)
    with app.app_context():
        before = {(p.lesson_id, p.attempts_count, p.best_percent) for p in db.session.scalars(sa.select(LessonProgress))}
        answered = db.session.scalar(sa.select(sa.func.sum(DailyActivity.answered)))
    take_course_test(app, client, right=False)
    with app.app_context():
        after = {(p.lesson_id, p.attempts_count, p.best_percent) for p in db.session.scalars(sa.select(LessonProgress))}
        assert after == before
        assert db.session.scalar(sa.select(sa.func.sum(DailyActivity.answered))) == answered + 6
        assert db.session.scalar(sa.select(sa.func.count(ReviewCard.id)).where(ReviewCard.lapses > 0)) == 6


# ---- right answers held back until passed -------------------------------------------------------------

def test_right_answers_absent_from_html_and_api_until_the_test_is_passed(app, client, auth):
    complete_lessons(app, client, auth)
    failed = take_course_test(app, client, right=False)
    with app.app_context():
        explanations = [q.explanation_html for q in db.session.scalars(
            sa.select(Question).where(Question.id.in_(_attempt(app, failed).question_ids)))]
    page = client.get(f"/attempts/{failed}").get_data(as_text=True)
    assert "✗ Not passed yet" in page and "shown once you pass" in page
    assert not any(e in page for e in explanations) and "Correct answer" not in page and "Why</h3>" not in page
    api = client.get(f"/api/v1/attempts/{failed}").get_json()
    assert api["scope"] == "course_test" and api["course"] == "net-basics" and api["lesson"] is None
    assert api["result"]["review"]["right_answer"] is False and api["result"]["review"]["correctness"] is True
    assert all(r["correct_answer"] is None and r["explanation_html"] is None for r in api["result"]["results"])

    take_course_test(app, client)  # passed: the earlier result shows everything too
    page = client.get(f"/attempts/{failed}").get_data(as_text=True)
    assert all(e in page for e in explanations)
    api = client.get(f"/api/v1/attempts/{failed}").get_json()
    assert all(r["correct_answer"] is not None for r in api["result"]["results"])


# ---- the deadline ---------------------------------------------------------------------------------------

@pytest.fixture
def timed(app, client, auth, monkeypatch):
    """Ada with every lesson of net-basics done and a 10-minute course test started at T0."""
    complete_lessons(app, client, auth)
    _set_test(app, minutes=10)
    _clock(monkeypatch, T0)
    attempt_id = _attempt_id(client.post("/courses/net-basics/test"))
    assert _attempt(app, attempt_id).deadline_at == T0 + timedelta(minutes=10)
    return attempt_id


def _one_right(app, attempt_id) -> dict:
    data = _answers(app, attempt_id)
    first = sorted(data)[0]
    keep = {k: v for k, v in data.items() if k == first or k.startswith(first + "-")}
    return keep


def test_the_page_prints_the_deadline_and_loads_the_countdown(app, client, timed):
    page = client.get(f"/attempts/{timed}").get_data(as_text=True)
    assert 'data-deadline="2026-12-07T09:10:00+00:00"' in page and "js/countdown.js" in page
    assert "07 Dec 2026 09:10:00 UTC" in page  # printed for readers without JavaScript
    assert "<script>" not in page


def test_answers_after_the_deadline_do_not_count(app, client, timed, monkeypatch):
    _clock(monkeypatch, T0 + timedelta(minutes=5))
    client.post(f"/attempts/{timed}", data={**_one_right(app, timed), "action": "save"})
    _clock(monkeypatch, T0 + timedelta(minutes=10) + scopes.GRACE + timedelta(seconds=1))
    late = client.post(f"/attempts/{timed}", data={**_answers(app, timed), "action": "submit"}, follow_redirects=True)
    assert "Time was up" in late.get_data(as_text=True)
    attempt = _attempt(app, timed)
    assert attempt.status == "submitted" and attempt.percent == round(100 / 6, 1) and not attempt.passed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.attempt_id == timed,
                                                                           Answer.correct)) == 1
    assert _certificate(app) is None


def test_an_answer_within_the_grace_counts(app, client, timed, monkeypatch):
    _clock(monkeypatch, T0 + timedelta(minutes=10) + scopes.GRACE - timedelta(seconds=1))
    client.post(f"/attempts/{timed}", data={**_answers(app, timed), "action": "submit"})
    assert _attempt(app, timed).percent == 100.0 and _certificate(app)


def test_saving_after_the_deadline_keeps_nothing_new(app, client, timed, monkeypatch):
    _clock(monkeypatch, T0 + timedelta(minutes=30))
    client.post(f"/attempts/{timed}", data={**_answers(app, timed), "action": "save"})
    assert _attempt(app, timed).percent == 0.0  # closed on touch, with the (empty) saved draft


def test_an_overdue_test_is_closed_when_next_touched(app, client, timed, monkeypatch):
    _clock(monkeypatch, T0 + timedelta(minutes=2))
    client.post(f"/attempts/{timed}", data={**_one_right(app, timed), "action": "save"})
    _clock(monkeypatch, T0 + timedelta(hours=3))
    page = client.get("/courses/net-basics").get_data(as_text=True)  # the course page is a touch too
    assert "Continue the course test" not in page and "Your last test: 16.7%" in page
    assert _attempt(app, timed).status == "submitted"


def test_api_submit_after_the_deadline_grades_what_was_saved(app, client, timed, monkeypatch):
    api = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(api, 'ada@example.com', 'correct horse battery', 'Ada')}"}
    body = api.get(f"/api/v1/attempts/{timed}", headers=headers).get_json()
    assert body["deadline_at"] == "2026-12-07T09:10:00+00:00" and body["status"] == "in_progress"
    answers = {str(q["id"]): True for q in body["questions"] if q["kind"] == "true_false"}
    on_time = api.post(f"/api/v1/attempts/{timed}/submit", headers=headers, json={"answers": {"x": 1}})
    assert on_time.status_code == 400  # (a malformed answer before the deadline is refused, nothing recorded)
    _clock(monkeypatch, T0 + timedelta(minutes=11))
    late = api.post(f"/api/v1/attempts/{timed}/submit", headers=headers, json={"answers": answers})
    assert late.status_code == 409 and late.get_json()["percent"] == 0.0  # nothing was saved before the deadline
    assert api.get(f"/api/v1/attempts/{timed}", headers=headers).get_json()["status"] == "submitted"


def test_api_get_past_the_deadline_closes_the_test(app, client, timed, monkeypatch):
    _clock(monkeypatch, T0 + timedelta(minutes=11))
    body = client.get(f"/api/v1/attempts/{timed}").get_json()
    assert body["status"] == "submitted" and body["result"]["percent"] == 0.0


# ---- topic practice ------------------------------------------------------------------------------------

def test_topic_practice_is_recorded_and_feeds_reviews(app, client, auth):
    page = client.get("/topics/tcp").get_data(as_text=True)
    assert "to practise this topic" in page and "Practise this topic</button>" not in page
    assert client.post("/topics/tcp/practice").status_code in (302, 400)  # a visitor: login (or CSRF) first
    auth.signup()
    page = client.get("/topics/tcp").get_data(as_text=True)
    assert "Practise this topic</button>" in page
    attempt_id = _attempt_id(client.post("/topics/tcp/practice"))
    assert _attempt_id(client.post("/topics/tcp/practice")) == attempt_id  # resumed, not a second one
    attempt = _attempt(app, attempt_id)
    assert attempt.scope == "topic" and len(attempt.question_ids) == 4 and attempt.lesson_id is None
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Practise: TCP" in page and "Question 1 of 4" in page
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your result: 100.0%" in result and "Why</h3>" in result and "Practise again" in result
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewCard.id))) == 4
        stat = db.session.scalar(sa.select(TopicStat).join(Topic).where(Topic.slug == "tcp"))
        assert (stat.answered, stat.correct) == (4, 4)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0


def test_api_starts_the_course_test_and_topic_practice(app, client):
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    locked = client.post("/api/v1/courses/net-basics/test", headers=headers)
    assert locked.status_code == 409 and "lesson" in locked.get_json()["error"]["message"].lower()
    assert client.post("/api/v1/courses/nope/test", headers=headers).status_code == 404
    assert client.post("/api/v1/topics/nope/practice", headers=headers).status_code == 404
    started = client.post("/api/v1/topics/networking/practice", headers=headers)
    body = started.get_json()
    assert started.status_code == 201 and body["scope"] == "topic" and body["topic"] == "networking"
    assert client.post("/api/v1/topics/networking/practice", headers=headers).status_code == 200
    submitted = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers, json={"answers": {}})
    assert submitted.status_code == 200 and submitted.get_json()["results"][0]["explanation_html"]


# ---- one open attempt per learner and scope, under concurrency -------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/courses/net-basics/test", "/api/v1/topics/tcp/practice"])
def test_concurrent_starts_open_one_attempt(app, path):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    _complete_without_answers(app, "api@example.com")
    barrier = threading.Barrier(6)
    found = []

    def start():
        local = app.test_client()
        barrier.wait()
        response = local.post(path, headers=headers)
        found.append((response.status_code, response.get_json().get("attempt_id")))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in found) == [200] * 5 + [201], found
    assert len({a for _, a in found}) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_the_database_refuses_a_second_open_attempt_of_a_scope(app):
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id)) or None
        if uid is None:
            db.session.add(User(email="x@example.com", name="X", password_hash="x"))
            db.session.flush()
            uid = db.session.scalar(sa.select(User.id))
        course_id = db.session.scalar(sa.select(Course.id).where(Course.slug == "net-basics"))
        for _ in range(2):
            db.session.add(Attempt(user_id=uid, scope="course_test", course_id=course_id, seed=1, question_ids=[]))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(Attempt(user_id=uid, scope="course_test", lesson_id=1, seed=1, question_ids=[]))
        with pytest.raises(sa.exc.IntegrityError):  # a scope's target must be the one set
            db.session.flush()
        db.session.rollback()


# ---- the content pack ----------------------------------------------------------------------------------

def test_the_validator_checks_the_test_settings(pack_copy):
    catalog = pack_copy / "catalog.yaml"
    text = catalog.read_text()
    catalog.write_text(text.replace("        pass_mark: 60\n", "        pass_mark: 60\n        test: {questions: 99, minutes: 0}\n"))
    with pytest.raises(PackError) as error:
        load_pack(pack_copy)
    problems = [str(p) for p in error.value.problems]
    assert any(re.match(r"catalog\.yaml:\d+: course 'net-basics': test 'minutes' must be a whole number from 1 to 600", p)
               for p in problems), problems
    assert any("course 'net-basics': test 'questions' is 99 but its lessons hold 6 question(s)" in p for p in problems)
    catalog.write_text(text.replace("        pass_mark: 60\n", "        pass_mark: 60\n        test: {questions: 4, minutes: 30}\n"))
    course = next(c for t in load_pack(pack_copy).tracks for c in t.courses if c.slug == "net-basics")
    assert course.test == {"questions": 4, "minutes": 30}


def test_the_seed_courses_have_a_timed_twenty_question_test(seed_pack):
    pack = seed_pack
    for track in pack.tracks:
        for course in track.courses:
            pool = sum(len(pack.lessons[s].questions) for s in course.lessons)
            assert course.test == {"questions": 20, "minutes": 30} and pool >= 20, course.slug


# ---- migration 0013 on a database with history ------------------------------------------------------------

def test_migration_keeps_existing_attempts_and_downgrades_without_losing_answers(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO \"user\" (id, email, name, password_hash, created_at, desired_retention, "
                              "progress_version) VALUES (7, 'h@example.com', 'H', 'x', '2026-01-01 00:00:00', 0.9, 0)")
            c.exec_driver_sql("INSERT INTO track (id, slug, title, position, retired) VALUES (1, 't', 'T', 0, false)")
            c.exec_driver_sql("INSERT INTO course (id, slug, title, summary, category, track_id, position, pass_mark, "
                              "retired) VALUES (1, 'c', 'C', '', '', 1, 0, 70, false)")
            c.exec_driver_sql("INSERT INTO lesson (id, slug, title, summary, body_md, body_html, toc_html, body_text, "
                              "read_minutes, word_count, question_count, source_hash, source_path, retired) "
                              "VALUES (1, 'l', 'L', '', '', '', '', '', 1, 0, 1, '', '', false)")
            c.exec_driver_sql("INSERT INTO topic (id, slug, title) VALUES (1, 'tp', 'TP')")
            c.exec_driver_sql("INSERT INTO question (id, lesson_id, key, kind, position, prompt_html, spec, "
                              "explanation_html, difficulty, revision, retired) "
                              "VALUES (1, 1, 'k', 'true_false', 0, 'p', '{\"answer\": true}', 'e', 2, 'r', false)")
            for aid, status in ((1, "submitted"), (2, "in_progress")):
                c.exec_driver_sql(
                    "INSERT INTO attempt (id, user_id, lesson_id, status, seed, question_ids, carried, draft, started_at,"
                    f" percent) VALUES ({aid}, 7, 1, '{status}', 5, '[1]', '{{}}', '{{}}', '2026-01-02 00:00:00', 50)")
            c.exec_driver_sql("INSERT INTO answer (id, attempt_id, user_id, question_id, response, correct, points, "
                              "revision, answered_at) VALUES (1, 1, 7, 1, 'true', true, 1, 'r', '2026-01-02 00:00:00')")
        upgrade(revision="0013")
        with db.engine.begin() as c:
            rows = c.exec_driver_sql("SELECT id, scope, lesson_id, course_id, topic_id, status, percent FROM attempt "
                                     "ORDER BY id").all()
            assert [tuple(r) for r in rows] == [(1, "lesson", 1, None, None, "submitted", 50.0),
                                                (2, "lesson", 1, None, None, "in_progress", 50.0)]
            with pytest.raises(sa.exc.IntegrityError):  # still one open attempt per lesson
                with c.begin_nested():
                    c.exec_driver_sql("INSERT INTO attempt (user_id, lesson_id, status, seed, question_ids, carried, "
                                      "draft, started_at) VALUES (7, 1, 'in_progress', 1, '[]', '{}', '{}', "
                                      "'2026-01-03 00:00:00')")
            c.exec_driver_sql("INSERT INTO attempt (id, user_id, scope, course_id, status, seed, question_ids, carried,"
                              " draft, started_at) VALUES (3, 7, 'course_test', 1, 'submitted', 1, '[1]', '{}', '{}',"
                              " '2026-01-04 00:00:00')")
            c.exec_driver_sql("INSERT INTO attempt (id, user_id, scope, topic_id, status, seed, question_ids, carried,"
                              " draft, started_at) VALUES (4, 7, 'topic', 1, 'in_progress', 1, '[1]', '{}', '{}',"
                              " '2026-01-04 00:00:00')")
            c.exec_driver_sql("INSERT INTO answer (id, attempt_id, user_id, question_id, response, correct, points, "
                              "revision, answered_at) VALUES (2, 3, 7, 1, 'false', false, 0, 'r', '2026-01-04 00:00:00')")
        downgrade(revision="0008")
        with db.engine.begin() as c:
            assert [r[0] for r in c.exec_driver_sql("SELECT id FROM attempt ORDER BY id")] == [1, 2]
            # the course test's answer is kept, outside any attempt (like a review answer)
            assert c.exec_driver_sql("SELECT id, attempt_id FROM answer ORDER BY id").all() == [(1, 1), (2, None)]
        upgrade()


def test_the_data_export_lists_attempts_of_every_scope(app, client, auth):
    complete_lessons(app, client, auth)
    take_course_test(app, client)
    practice_id = _attempt_id(client.post("/topics/tcp/practice"))
    exported = client.get("/account/export").get_json()["attempts"]
    scoped = {(a["scope"], a["lesson"], a["course"], a["topic"]) for a in exported}
    assert ("course_test", None, "net-basics", None) in scoped and ("topic", None, None, "tcp") in scoped
    assert ("lesson", "tcp", None, None) in scoped
    assert any(a["attempt_id"] == practice_id and a["status"] == "in_progress" for a in exported)
