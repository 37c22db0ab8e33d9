"""The learner journey through the HTML pages: enroll, read, quiz, result, retake, resume."""
import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Enrollment, LessonProgress, Question, User
from learnpath.quiz import services


def _attempt_id(response) -> int:
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _start(client, slug="tcp", **form) -> int:
    return _attempt_id(client.post(f"/lessons/{slug}/attempts", data=form))


def _answers(app, attempt_id, right=True) -> dict:
    """Form data answering every question of the attempt right (or wrong)."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        data = {}
        for q in services.attempt_questions(attempt):
            name = f"q{q.id}"
            spec = q.spec
            pid = lambda key: services.public_id(q.id, key)  # noqa: E731
            if q.kind == "single":
                choice = next(c for c in spec["choices"] if c["correct"] == right)
                data[name] = pid(choice["id"])
            elif q.kind == "multiple":
                data[name] = [pid(c["id"]) for c in spec["choices"] if c["correct"] == right]
            elif q.kind == "true_false":
                data[name] = "true" if spec["answer"] == right else "false"
            elif q.kind == "short_text":
                data[name] = spec["accepted"][0].lower() if right else "nope"
            elif q.kind == "numeric":
                data[name] = str(spec["answer"] if right else spec["answer"] + 99)
            elif q.kind == "ordering":
                items = spec["items"] if right else list(reversed(spec["items"]))
                for position, item in enumerate(items, start=1):
                    data[f"{name}-{pid(item['id'])}"] = str(position)
        return data


def test_full_journey(app, client, auth):
    auth.signup()
    assert client.post("/courses/net-basics/enroll").status_code == 302
    assert "Start this course" not in client.get("/courses/net-basics").get_data(as_text=True)
    client.post("/lessons/packets/read")
    attempt_id = _start(client, "packets")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Question 1 of 2" in page
    response = client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    assert response.status_code == 302
    result = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your result: 100.0%" in result and "Each hop decrements the TTL" in result
    with app.app_context():
        progress = db.session.get(LessonProgress, (1, db.session.scalar(sa.select(Attempt.lesson_id))))
        assert progress.completed_at is not None and progress.best_percent == 100.0
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Net Basics" in dashboard and "50%" in dashboard  # one of two lessons completed
    assert "Next: " in dashboard and "TCP: reliable streams" in dashboard


def test_wrong_answers_then_retake_only_missed(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    data = _answers(app, attempt_id, right=True)
    wrong = _answers(app, attempt_id, right=False)
    with app.app_context():
        questions = services.attempt_questions(db.session.get(Attempt, attempt_id))
        short = next(q for q in questions if q.kind == "short_text")
        numeric = next(q for q in questions if q.kind == "numeric")
    data[f"q{short.id}"] = wrong[f"q{short.id}"]
    data[f"q{numeric.id}"] = wrong[f"q{numeric.id}"]
    client.post(f"/attempts/{attempt_id}", data={**data, "action": "submit"})
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your result: 50.0%" in page and "Incorrect" in page and "Retake only the questions I missed" in page
    retake_id = _start(client, only_missed="1")
    with app.app_context():
        retake = db.session.get(Attempt, retake_id)
        assert sorted(retake.question_ids) == sorted([short.id, numeric.id])
        assert len(retake.carried) == 2
    client.post(f"/attempts/{retake_id}", data={**_answers(app, retake_id), "action": "submit"})
    assert "Your result: 100.0%" in client.get(f"/attempts/{retake_id}").get_data(as_text=True)
    with app.app_context():
        progress = db.session.scalar(sa.select(LessonProgress))
        assert progress.best_percent == 100.0 and progress.last_percent == 100.0 and progress.attempts_count == 2
    history = client.get("/lessons/tcp/quiz").get_data(as_text=True)
    assert history.count(">Review</a></td>") == 2 and "Best score" in history


def test_shuffle_is_stable_on_reload_and_differs_between_attempts(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    client.get("/")  # consume the welcome flash
    def page():  # the CSRF token carries a timestamp: two renders a second apart differ only there
        # (the meta tag, the form field, and the time-zone script's data-csrf while the zone is unknown)
        html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        return re.sub(r'(name="csrf-token" content=|name="csrf_token" (?:type="hidden" )?value=|data-csrf=)"[^"]+"',
                      r'\1""', html)

    first = page()
    assert page() == first
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        q = next(q for q in services.attempt_questions(attempt) if q.kind == "multiple")
        orders = {tuple(c["id"] for c in services.present(q, seed)["choices"]) for seed in range(30)}
        assert len(orders) > 5
        ordering = next(q for q in services.attempt_questions(attempt) if q.kind == "ordering")
        correct = [services.public_id(ordering.id, i["id"]) for i in ordering.spec["items"]]
        assert all([i["id"] for i in services.present(ordering, s)["items"]] != correct for s in range(50))


def test_no_answer_or_explanation_leaks_before_submit(app, client, auth):
    page = client.get("/lessons/tcp/quiz").get_data(as_text=True)  # visitor
    auth.signup()
    attempt_id = _start(client)
    page += client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for secret in ("Three messages open a connection", "Transmission Control Protocol", "correct", "the TTL only limits",
                   'value="syn"', 'value="seq"', "RTT</span>" + "1"):
        assert secret not in page, secret


def test_save_and_resume(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    data = _answers(app, attempt_id)
    response = client.post(f"/attempts/{attempt_id}", data={**data, "action": "save"})
    assert response.status_code == 302
    # Coming back to the quiz resumes the same attempt with the saved answers filled in.
    assert _attempt_id(client.get("/lessons/tcp/quiz")) == attempt_id
    assert _start(client) == attempt_id
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    short_value = next(v for k, v in data.items() if isinstance(v, str) and v == "tcp")
    assert f'value="{short_value}"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_double_submit_records_one_result(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    data = {**_answers(app, attempt_id), "action": "submit"}
    client.post(f"/attempts/{attempt_id}", data=data)
    wrong = {**_answers(app, attempt_id, right=False), "action": "submit"}
    again = client.post(f"/attempts/{attempt_id}", data=wrong, follow_redirects=True)
    assert "already submitted" in again.get_data(as_text=True) and "100.0%" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 4
        attempt = db.session.get(Attempt, attempt_id)
        result, first = services.submit(attempt, {})
        assert not first and result.percent == 100.0
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 4


def test_other_learners_attempts_are_404(app, client, auth):
    auth.signup()
    attempt_id = _start(client)
    auth.logout()
    auth.signup(email="eve@example.com", name="Eve")
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert client.post(f"/attempts/{attempt_id}", data={"action": "submit"}).status_code == 404
    assert client.get("/attempts/999999").status_code == 404


def test_visitor_quiz_is_graded_not_saved(app, client):
    with app.app_context():
        qs = db.session.scalars(sa.select(Question).join(Question.lesson).where(Question.lesson.has(slug="packets"))).all()
        ttl = next(q for q in qs if q.key == "ttl")
        right = services.public_id(ttl.id, "dec")
    page = client.post("/lessons/packets/quiz/try", data={f"q{ttl.id}": right}).get_data(as_text=True)
    assert "Your result: 50.0%" in page and "was not saved" in page and "Sign up" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


def test_quiz_needs_login_to_start_and_login_redirect_is_safe(client, auth):
    response = client.post("/lessons/tcp/attempts")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    # same site (no scheme, no host), to the login page, coming back to a local path only
    assert (location.scheme, location.netloc, location.path) == ("", "", "/login")
    assert parse_qs(location.query) == {"next": ["/lessons/tcp/attempts"]}
    auth.signup(email="b@example.com")
    auth.logout()
    back = client.post(response.headers["Location"], data={"email": "b@example.com", "password": "correct horse battery"})
    assert back.headers["Location"] == "/lessons/tcp/attempts"


def complete_lessons(app, client, auth, course="net-basics", lessons=("packets", "tcp")) -> None:
    """Sign up as Ada, enroll in the course and pass every lesson (the course test is still to take)."""
    auth.signup()
    client.post(f"/courses/{course}/enroll")
    for slug in lessons:
        client.post(f"/lessons/{slug}/read")
        attempt_id = _start(client, slug)
        client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})


def take_course_test(app, client, course="net-basics", right=True) -> int:
    """Start the course test and submit it, every answer right (or wrong); the attempt's id."""
    attempt_id = _attempt_id(client.post(f"/courses/{course}/test"))
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=right), "action": "submit"})
    return attempt_id


def complete_net_basics(app, client, auth) -> str:
    """Sign up as Ada, pass every lesson of net-basics and its course test; the certificate's code."""
    complete_lessons(app, client, auth)
    take_course_test(app, client)
    with app.app_context():
        return db.session.scalar(sa.select(Enrollment.certificate_code))


def test_course_completion_issues_certificate(app, client, auth):
    complete_net_basics(app, client, auth)
    with app.app_context():
        enrollment = db.session.scalar(sa.select(Enrollment))
        assert enrollment.completed_at and len(enrollment.certificate_code) >= 32
        code = enrollment.certificate_code
    auth.logout()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)  # shareable: no login needed
    assert "Ada" in page and "Net Basics" in page and "100%" in page
    assert client.get("/certificates/guess").status_code == 404


def test_passing_without_reading_does_not_complete(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "packets")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    with app.app_context():
        row = db.session.scalar(sa.select(LessonProgress))
        assert row.passed_at and row.completed_at is None
    client.post("/lessons/packets/read")
    with app.app_context():
        assert db.session.scalar(sa.select(LessonProgress)).completed_at is not None


def test_user_count_sanity(app, auth):
    def users():
        with app.app_context():
            return db.session.scalars(sa.select(User.email).order_by(User.email)).all()

    assert users() == []
    auth.signup()
    assert users() == ["ada@example.com"]
    auth.logout()
    assert auth.signup().status_code == 200  # the same address again: the form, with a message, no second row
    assert users() == ["ada@example.com"]
    auth.signup(email="bob@example.com", name="Bob")
    assert users() == ["ada@example.com", "bob@example.com"]
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="ada@example.com"))
        assert user.password_hash.startswith("scrypt:") and "correct horse battery" not in user.password_hash
