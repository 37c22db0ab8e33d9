"""The admin console: hidden from everyone but admins, learners (search, sort, paging, one learner,
disable/enable, reset link, delete), course figures against a hand-built fixture, the content page,
the audit log, query budgets and a concurrent double disable."""
from __future__ import annotations

import re
import tempfile
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from learnpath import create_app, mail
from learnpath.admin import services
from learnpath.extensions import db
from learnpath.models import (
    Answer, ApiToken, Attempt, AuditEntry, ContentImport, Course, Enrollment, Lesson, LessonProgress, Question, User,
)
from tests.conftest import BASE_SETTINGS, csrf_token, sql_statements

PASSWORD = "correct horse battery"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


# ---- helpers (also used by tests/test_admin_api.py) ------------------------------------------------

def add_user(app, email, name=None, role="learner", created_at=None) -> int:
    with app.app_context():
        user = User(email=email, name=name or email.split("@")[0].title(), role=role)
        if created_at is not None:
            user.created_at = created_at
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def logged_in(app, email, remember=False):
    client = app.test_client()
    data = {"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert client.post("/login", data=data).status_code == 302
    return client


def token_for(app, email) -> str:
    response = app.test_client().post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def audit_rows(app):
    with app.app_context():
        return [(e.actor_id, e.action, e.target) for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def _user(app, user_id) -> User | None:
    with app.app_context():
        return db.session.get(User, user_id)


@pytest.fixture
def boss(app):
    """(admin id, a client logged in as the admin)."""
    admin_id = add_user(app, "boss@example.com", "Boss", role="admin")
    return admin_id, logged_in(app, "boss@example.com")


# ---- every admin route is hidden from visitors and learners -----------------------------------------

def _admin_rules():
    app = create_app({**BASE_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=tempfile.mkdtemp())
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(("/admin", "/api/v1/admin"))
                  for method in rule.methods - {"HEAD", "OPTIONS"})


ADMIN_RULES = _admin_rules()


def test_the_url_map_holds_the_console_and_its_api():
    rules = {rule for rule, _ in ADMIN_RULES}
    assert {"/admin/", "/admin/learners", "/admin/learners/<int:user_id>/delete", "/admin/courses/<slug>",
            "/admin/content", "/api/v1/admin/learners", "/api/v1/admin/learners/<int:user_id>"} <= rules


@pytest.mark.parametrize("who", ["visitor", "learner", "learner token"])
@pytest.mark.parametrize("rule, method", ADMIN_RULES)
def test_every_admin_route_is_404_for_everyone_else(app, rule, method, who):
    target = add_user(app, "target@example.com")
    add_user(app, "learner@example.com")
    client, headers = app.test_client(), {}
    if who == "learner":
        client = logged_in(app, "learner@example.com")
    elif who == "learner token":
        headers = {"Authorization": f"Bearer {token_for(app, 'learner@example.com')}"}
    path = re.sub(r"<int:\w+_id>", "1", rule.replace("<int:user_id>", str(target))).replace("<slug>", "net-basics")
    assert "<" not in path, path
    data = {"role": "admin", "delete-email": "target@example.com"}
    response = client.open(path, method=method, headers=headers, data=data if method == "POST" else None)
    assert response.status_code == 404, (path, method, who)
    # No hint the console is there (the log-in link's ?next= repeats the address typed, nothing more).
    assert "admin" not in response.get_data(as_text=True).replace(path, "").lower()
    user = _user(app, target)
    assert user is not None and user.disabled_at is None and user.role == "learner"
    assert audit_rows(app) == []


def test_the_nav_links_to_the_console_for_admins_only(app, boss):
    add_user(app, "learner@example.com")
    assert 'href="/admin/"' in boss[1].get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in logged_in(app, "learner@example.com").get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in app.test_client().get("/").get_data(as_text=True)


# ---- disable / enable -------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["/", "/lessons/tcp", "/courses/net-basics", "/dashboard"])
def test_a_page_shared_between_learners_shows_the_admin_link_to_admins_only(app, boss, page):
    """Signed-in lesson, course and dashboard pages are rendered once as a shell and shared: the menu's
    Admin link is spliced in per request, so a shell first rendered for an admin never shows it to a learner."""
    add_user(app, "learner@example.com")
    learner = logged_in(app, "learner@example.com")
    assert 'href="/admin/"' in boss[1].get(page).get_data(as_text=True)
    assert 'href="/admin/"' not in learner.get(page).get_data(as_text=True)
    assert 'href="/admin/"' in boss[1].get(page).get_data(as_text=True)


def test_disable_ends_sessions_remember_cookies_and_tokens_at_once_and_enable_restores_login(app, boss):
    admin_id, admin = boss
    learner_id = add_user(app, "ada@example.com")
    browser = logged_in(app, "ada@example.com", remember=True)
    remembered = browser.get_cookie("remember_token")
    assert remembered is not None
    token = token_for(app, "ada@example.com")
    bearer = {"Authorization": f"Bearer {token}"}
    assert browser.get("/dashboard").status_code == 200
    assert app.test_client().get("/api/v1/me/progress", headers=bearer).status_code == 200

    response = admin.post(f"/admin/learners/{learner_id}/disable", follow_redirects=True)
    assert response.status_code == 200 and "ada@example.com is disabled" in response.get_data(as_text=True)
    assert browser.get("/dashboard").status_code == 302  # the live session ended
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", remembered.value)
    assert cookie_only.get("/dashboard").status_code == 302  # so did the remember cookie
    assert app.test_client().get("/api/v1/me/progress", headers=bearer).status_code == 401  # and the token
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(ApiToken.user_id == learner_id)) == 0

    refused = app.test_client().post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 403 and "This account is disabled" in refused.get_data(as_text=True)
    api_refused = app.test_client().post("/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD})
    assert api_refused.status_code == 403 and "disabled" in api_refused.get_json()["error"]["message"]
    wrong = app.test_client().post("/login", data={"email": "ada@example.com", "password": "wrong password!"})
    assert "disabled" not in wrong.get_data(as_text=True)  # only the right password learns the state

    assert admin.post(f"/admin/learners/{learner_id}/enable").status_code == 302
    assert _user(app, learner_id).disabled_at is None
    assert logged_in(app, "ada@example.com").get("/dashboard").status_code == 200
    assert audit_rows(app) == [(admin_id, "disable", "ada@example.com"), (admin_id, "enable", "ada@example.com")]


def test_the_loaders_refuse_a_disabled_account_even_with_a_live_session_and_token(app):
    """disabled_at alone (no session-version move, tokens kept) is enough: the user and token loaders check it."""
    learner_id = add_user(app, "ada@example.com")
    browser = logged_in(app, "ada@example.com")
    bearer = {"Authorization": f"Bearer {token_for(app, 'ada@example.com')}"}
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == learner_id).values(disabled_at=T0))
        db.session.commit()
    assert browser.get("/dashboard").status_code == 302
    assert app.test_client().get("/api/v1/me/progress", headers=bearer).status_code == 401
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == learner_id).values(disabled_at=None))
        db.session.commit()
    assert browser.get("/dashboard").status_code == 200
    assert app.test_client().get("/api/v1/me/progress", headers=bearer).status_code == 200


def test_concurrent_double_disable_is_one_change(app, boss):
    admin_id, _ = boss
    learner_id = add_user(app, "ada@example.com")
    version = _user(app, learner_id).session_version
    clients = [logged_in(app, "boss@example.com") for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def disable(client):
        barrier.wait()
        statuses.append(client.post(f"/admin/learners/{learner_id}/disable").status_code)

    threads = [threading.Thread(target=disable, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 4
    user = _user(app, learner_id)
    assert user.disabled_at is not None and user.session_version == version + 1
    assert audit_rows(app) == [(admin_id, "disable", "ada@example.com")]


@pytest.mark.parametrize("action, data", [("disable", {}), ("role", {"role": "learner"}), ("delete", {"delete-email": "boss@example.com"})])
def test_an_admin_cannot_disable_demote_or_delete_themself(app, boss, action, data):
    admin_id, admin = boss
    response = admin.post(f"/admin/learners/{admin_id}/{action}", data=data, follow_redirects=True)
    assert "your own account" in response.get_data(as_text=True)
    user = _user(app, admin_id)
    assert user is not None and user.role == "admin" and user.disabled_at is None
    assert admin.get("/admin/").status_code == 200 and audit_rows(app) == []


def test_role_change_from_the_console(app, boss):
    admin_id, admin = boss
    learner_id = add_user(app, "ada@example.com")
    admin.post(f"/admin/learners/{learner_id}/role", data={"role": "admin"})
    assert _user(app, learner_id).role == "admin"
    response = admin.post(f"/admin/learners/{learner_id}/role", data={"role": "root"}, follow_redirects=True)
    assert "Unknown role &#39;root&#39;" in response.get_data(as_text=True)
    assert audit_rows(app) == [(admin_id, "set-role", "ada@example.com")]


# ---- reset link and deletion ------------------------------------------------------------------------

def test_reset_link_is_mailed_and_audited(app, boss):
    admin_id, admin = boss
    learner_id = add_user(app, "ada@example.com")
    response = admin.post(f"/admin/learners/{learner_id}/reset-link", follow_redirects=True)
    assert "A password-reset link was mailed to ada@example.com" in response.get_data(as_text=True)
    [message] = mail.outbox_path(app).glob("*.eml")
    text = message.read_text()
    assert "To: ada@example.com" in text and "/password/reset/" in text
    assert audit_rows(app) == [(admin_id, "send-reset-link", "ada@example.com")]


def test_delete_needs_the_typed_email(app, boss):
    admin_id, admin = boss
    learner_id = add_user(app, "ada@example.com")
    logged_in(app, "ada@example.com").post("/courses/net-basics/enroll")
    for typed in ("", "someone@example.com"):
        response = admin.post(f"/admin/learners/{learner_id}/delete", data={"delete-email": typed})
        assert response.status_code == 400 and "Type the account" in response.get_data(as_text=True)
        assert _user(app, learner_id) is not None
    response = admin.post(f"/admin/learners/{learner_id}/delete", data={"delete-email": " ADA@example.com "})
    assert response.status_code == 302
    assert _user(app, learner_id) is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Enrollment.id))) == 0
    assert audit_rows(app) == [(admin_id, "delete", "ada@example.com")]
    index = admin.get("/admin/").get_data(as_text=True)
    assert "boss@example.com" in index and "ada@example.com" in index and ">delete<" in index


def test_unknown_learner_is_404_for_an_admin(app, boss):
    _, admin = boss
    assert admin.get("/admin/learners/999999").status_code == 404
    assert admin.post("/admin/learners/999999/disable").status_code == 404


# ---- learners: search, sort, paging ------------------------------------------------------------------

def _learners_with_activity(app):
    """Four learners: signed up in order a, b, c, d; active (latest first) c, a, b; d never."""
    ids = {}
    for i, name in enumerate("abcd"):
        ids[name] = add_user(app, f"{name}-learner@example.com", f"Learner {name.upper()}", created_at=T0 + timedelta(days=i))
    with app.app_context():
        packets = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "packets"))
        question = db.session.scalar(sa.select(Question).where(Question.lesson_id == packets.id).limit(1))
        # a: an answer at day 10; b: a lesson read at day 8; c: a read at day 5 and an answer at day 12.
        db.session.add(Answer(user_id=ids["a"], question_id=question.id, correct=True, points=1, revision="r",
                              answered_at=T0 + timedelta(days=10)))
        db.session.add(LessonProgress(user_id=ids["b"], lesson_id=packets.id, read_at=T0, updated_at=T0 + timedelta(days=8)))
        db.session.add(LessonProgress(user_id=ids["c"], lesson_id=packets.id, read_at=T0, updated_at=T0 + timedelta(days=5)))
        db.session.add(Answer(user_id=ids["c"], question_id=question.id, correct=False, points=0, revision="r",
                              answered_at=T0 + timedelta(days=12)))
        db.session.commit()
    return ids


def _emails(html: str) -> list[str]:
    return re.findall(r'href="/admin/learners/\d+">([^<]+)</a>', html)


def test_learners_sort_by_activity_and_signup_and_search(app, boss):
    _, admin = boss
    _learners_with_activity(app)
    by_activity = _emails(admin.get("/admin/learners").get_data(as_text=True))
    # c (answer, day 12), a (answer, day 10), b (read, day 8); then the never active, newest account first
    assert by_activity == ["c-learner@example.com", "a-learner@example.com", "b-learner@example.com",
                           "d-learner@example.com", "boss@example.com"]
    by_signup = _emails(admin.get("/admin/learners?sort=signed_up").get_data(as_text=True))
    assert by_signup == ["boss@example.com", "d-learner@example.com", "c-learner@example.com", "b-learner@example.com",
                         "a-learner@example.com"]
    assert _emails(admin.get("/admin/learners?q=C-LEARN").get_data(as_text=True)) == ["c-learner@example.com"]
    assert _emails(admin.get("/admin/learners?q=learner%20b&sort=email").get_data(as_text=True)) == ["b-learner@example.com"]
    assert _emails(admin.get("/admin/learners?q=%25").get_data(as_text=True)) == []  # LIKE wildcards are literal
    page = admin.get("/admin/learners?sort=activity").get_data(as_text=True)
    assert "never" in page  # d has no activity


def test_learners_filter_disabled_and_admins(app, boss):
    admin_id, admin = boss
    ids = {name: add_user(app, f"{name}@example.com") for name in ("ada", "bob", "cy")}
    admin.post(f"/admin/learners/{ids['bob']}/disable")
    admin.post(f"/admin/learners/{ids['cy']}/role", data={"role": "admin"})
    assert _emails(admin.get("/admin/learners?show=disabled").get_data(as_text=True)) == ["bob@example.com"]
    assert sorted(_emails(admin.get("/admin/learners?show=admins").get_data(as_text=True))) == [
        "boss@example.com", "cy@example.com"]
    assert len(_emails(admin.get("/admin/learners?show=all").get_data(as_text=True))) == 4
    index = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/learners?show=disabled">disabled account<' in index  # 1 disabled account


@pytest.mark.parametrize("query, message", [
    ("sort=rank", "Unknown sort &#39;rank&#39;"), ("show=everyone", "Unknown filter show=&#39;everyone&#39;"), ("page=0", "must be a whole number"), ("page=x", "must be a whole number"),
    ("q=" + "x" * 300, "too long"),
])
def test_learners_bad_parameters_are_named(app, boss, query, message):
    response = boss[1].get(f"/admin/learners?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_learners_paging(app, boss):
    _, admin = boss
    for i in range(27):  # with the admin: 28 accounts, 25 a page
        add_user(app, f"user{i:02d}@example.com", created_at=T0 + timedelta(hours=i))
    first = _emails(admin.get("/admin/learners?sort=email").get_data(as_text=True))
    second = _emails(admin.get("/admin/learners?sort=email&page=2").get_data(as_text=True))
    assert len(first) == 25 and len(second) == 3
    assert first + second == sorted(first + second) and len(set(first + second)) == 28
    html = admin.get("/admin/learners?sort=email&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in html and 'rel="prev"' in html and 'rel="next"' not in html
    assert _emails(admin.get("/admin/learners?sort=email&page=9").get_data(as_text=True)) == []


def test_learner_page_shows_progress_attempts_and_streak(app, boss):
    _, admin = boss
    learner_id = add_user(app, "ada@example.com")
    client = logged_in(app, "ada@example.com")
    client.post("/courses/net-basics/enroll")
    attempt = client.post("/lessons/tcp/attempts")
    attempt_id = int(attempt.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"/attempts/{attempt_id}", data={"action": "submit"})
    html = admin.get(f"/admin/learners/{learner_id}").get_data(as_text=True)
    assert "Net Basics" in html and "TCP: reliable streams" in html
    assert "1</strong> day streak" in html and "not passed" in html


# ---- course figures against a hand-built fixture ----------------------------------------------------

def _attempt(user_id, seconds=None, lesson_id=None, course_id=None, passed=None, status="submitted", percent=None, seed=0):
    started = T0 + timedelta(hours=seed)
    return Attempt(user_id=user_id, scope="course_test" if course_id else "lesson", lesson_id=lesson_id, course_id=course_id,
                   status=status, seed=seed, question_ids=[], started_at=started,
                   submitted_at=started + timedelta(seconds=seconds) if status == "submitted" else None,
                   percent=percent, passed=passed)


def test_course_funnel_medians_and_pass_rate_match_the_hand_computed_fixture(app, boss):
    _, admin = boss
    a, b, c, d = (add_user(app, f"{n}@example.com") for n in "abcd")
    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == "net-basics"))  # lessons: packets, tcp
        packets, tcp = (db.session.scalar(sa.select(Lesson.id).where(Lesson.slug == s)) for s in ("packets", "tcp"))
        db.session.add_all([
            Enrollment(user_id=a, course_id=course.id, completed_at=T0),
            Enrollment(user_id=b, course_id=course.id),
            Enrollment(user_id=c, course_id=course.id, unenrolled_at=T0),  # left: still counted in the funnel
            # d never enrolled: none of d's rows may count.
        ])
        def lp(user, lesson, best, done):
            return LessonProgress(user_id=user, lesson_id=lesson, best_percent=best, completed_at=T0 if done else None,
                                  updated_at=T0)
        db.session.add_all([
            lp(a, packets, 80, True), lp(b, packets, 60, True), lp(c, packets, 40, False), lp(d, packets, 100, True),
            lp(a, tcp, 100, True), lp(b, tcp, 50, False), lp(d, tcp, 0, True),
        ])
        timed = {  # attempt -> its answers' measured times (ms; None: not measured)
            _attempt(a, 60, lesson_id=packets, seed=1): (4000, 6000),
            _attempt(a, 90, lesson_id=packets, seed=2): (99000, 99000),  # a's second attempt: not counted
            _attempt(b, 120, lesson_id=packets, seed=3): (20000, None),
            _attempt(c, 300, lesson_id=packets, seed=4): (None, None),  # no measured time: left out
            _attempt(d, 10, lesson_id=packets, seed=6): (1000, 1000),  # not enrolled
            _attempt(a, 30, lesson_id=tcp, seed=7): (None,),
        }
        db.session.add_all(timed)
        db.session.add_all([
            _attempt(b, lesson_id=packets, status="in_progress", seed=5),  # not submitted: no time
            _attempt(a, 600, course_id=course.id, passed=True, seed=8),
            _attempt(b, 600, course_id=course.id, passed=False, seed=9),
            _attempt(b, 600, course_id=course.id, passed=False, seed=10),
            _attempt(c, course_id=course.id, status="in_progress", seed=11),
        ])
        db.session.flush()
        question = db.session.scalar(sa.select(Question.id).where(Question.lesson_id == packets).limit(1))
        db.session.add_all([Answer(attempt_id=attempt.id, user_id=attempt.user_id, question_id=question, correct=True,
                                   points=1, revision="r", answered_at=T0, time_ms=ms)
                            for attempt, times in timed.items() for ms in times])
        db.session.commit()

        report = services.course_report(course)
        # By hand: 3 learners ever enrolled (a, b, c), 2 still, 1 completed.
        assert (report.enrolled, report.active, report.completed) == (3, 2, 1)
        first, second = report.lessons
        assert first.lesson.slug == "packets" and second.lesson.slug == "tcp"  # course order
        # packets: completed by a and b; best scores 80, 60, 40 -> median 60. Times over the enrolled
        # learners' first attempts (a's is the 60 s one): start to submit 60, 120, 300 -> 120 s;
        # measured a 4000 + 6000 = 10000, b 20000 (the unmeasured answer adds nothing), c none -> (10000 + 20000)/2
        assert (first.completed, first.scored, first.median_best) == (2, 3, 60.0)
        assert (first.times.submitted_attempts, first.times.median_seconds) == (3, 120.0)
        assert (first.times.timed_attempts, first.times.median_time_ms) == (2, 15000.0)
        # tcp: completed by a; best scores 100, 50 -> median 75; one time, 30 s, not measured
        assert (second.completed, second.scored, second.median_best) == (1, 2, 75.0)
        assert (second.times.submitted_attempts, second.times.median_seconds) == (1, 30.0)
        assert (second.times.timed_attempts, second.times.median_time_ms) == (0, None)
        # course test: a passed, b failed twice, c still in progress -> 1 of 2 learners, 3 attempts
        assert (report.test_takers, report.test_passers, report.test_attempts) == (2, 1, 3)
        assert report.pass_rate == 0.5

    html = admin.get("/admin/courses/net-basics").get_data(as_text=True)
    assert "50%</strong> course-test pass rate" in html
    assert "60.0%" in html and "75.0%" in html and "2 min 0 s" in html and "30 s" in html and "15 s" in html
    listing = admin.get("/admin/courses").get_data(as_text=True)
    assert "Net Basics" in listing and "API Course" in listing
    assert admin.get("/admin/courses/no-such-course").status_code == 404


# ---- content -------------------------------------------------------------------------------------------

def test_content_page_shows_the_last_import_and_a_refused_one(app, boss, runner, pack_copy):
    _, admin = boss
    html = admin.get("/admin/content").get_data(as_text=True)
    assert "No import has been recorded" in html and "8</strong> questions" in html

    assert runner.invoke(args=["content", "import", str(pack_copy)]).exit_code == 0
    html = admin.get("/admin/content").get_data(as_text=True)
    assert f"from <code>{pack_copy}</code>: no changes." in html and "Refused import" not in html

    lesson = pack_copy / "lessons/packets.md"
    lesson.write_text(lesson.read_text().replace("  kind: single", "  kind: essay", 1))
    result = runner.invoke(args=["content", "import", str(pack_copy)])
    assert result.exit_code == 1
    html = admin.get("/admin/content").get_data(as_text=True)
    assert "Refused import" in html and "lessons/packets.md:17:" in html
    assert "no changes." in html  # the last good import is still shown
    with app.app_context():
        runs = db.session.scalars(sa.select(ContentImport).order_by(ContentImport.id)).all()
        assert [r.status for r in runs] == ["imported", "refused"]
        assert runs[1].problem_count == len(runs[1].problems) >= 1


# ---- query budgets ------------------------------------------------------------------------------------

# Each count includes loading the signed-in admin (1). Content: one more when the last import was refused.
ADMIN_PAGES = [("/admin/", 3), ("/admin/learners", 3), ("/admin/learners/{id}", 7), ("/admin/courses", 3),
               ("/admin/courses/net-basics", 7), ("/admin/content", 5)]


def _grow(app, start, n):
    """n more learners, each enrolled, with attempts, progress and answers."""
    for i in range(start, start + n):
        user_id = add_user(app, f"grow{i}@example.com")
        with app.app_context():
            course = db.session.scalar(sa.select(Course).where(Course.slug == "net-basics"))
            lesson_id = db.session.scalar(sa.select(Lesson.id).where(Lesson.slug == "packets"))
            question_id = db.session.scalar(sa.select(Question.id).where(Question.lesson_id == lesson_id).limit(1))
            db.session.add(Enrollment(user_id=user_id, course_id=course.id))
            db.session.add(LessonProgress(user_id=user_id, lesson_id=lesson_id, best_percent=50, updated_at=T0))
            db.session.add_all([_attempt(user_id, 60 + k, lesson_id=lesson_id, seed=k) for k in range(3)])
            db.session.add(_attempt(user_id, 60, course_id=course.id, passed=bool(i % 2), seed=9))
            db.session.add(Answer(user_id=user_id, question_id=question_id, correct=True, points=1, revision="r", answered_at=T0))
            db.session.add(AuditEntry(action="disable", target=f"grow{i}@example.com"))
            db.session.commit()
    return user_id


def test_admin_pages_have_a_fixed_query_budget(app, boss):
    _, admin = boss
    last = _grow(app, 0, 2)

    def counts():
        found = {}
        for path, _ in ADMIN_PAGES:
            response, statements = sql_statements(app, lambda: admin.get(path.format(id=last)))
            assert response.status_code == 200, path
            found[path] = len(statements)
        return found

    small = counts()
    _grow(app, 2, 12)
    large = counts()
    for path, budget in ADMIN_PAGES:
        assert large[path] == small[path] <= budget, (path, small[path], large[path], budget)


def test_console_forms_need_their_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    add_user(app, "boss@example.com", role="admin")
    learner_id = add_user(app, "ada@example.com")
    client = app.test_client()
    client.post("/login", data={"email": "boss@example.com", "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    page = client.get(f"/admin/learners/{learner_id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 5  # reset, disable, role, delete, log out
    for action, data in (("disable", {}), ("reset-link", {}), ("role", {"role": "admin"}),
                         ("delete", {"delete-email": "ada@example.com"})):
        assert client.post(f"/admin/learners/{learner_id}/{action}", data=data).status_code == 400, action
    user = _user(app, learner_id)
    assert user is not None and user.disabled_at is None and user.role == "learner"
    assert audit_rows(app) == []
    token = csrf_token(client, f"/admin/learners/{learner_id}")
    assert client.post(f"/admin/learners/{learner_id}/disable", data={"csrf_token": token}).status_code == 302
    assert _user(app, learner_id).disabled_at is not None


@pytest.mark.parametrize("path", ["/admin/learners?page=%C2%B2", "/admin/learners?page=" + "9" * 5000,
                                  "/admin/questions?page=%C2%B2", "/admin/questions?page=" + "9" * 5000])
def test_odd_page_numbers_are_a_400_not_a_500(app, boss, path):
    response = boss[1].get(path)
    assert response.status_code == 400 and "page" in response.get_data(as_text=True)


def test_the_learners_api_refuses_odd_page_numbers(app, boss):
    admin_token = token_for(app, "boss@example.com")
    response = app.test_client().get("/api/v1/admin/learners?page=%C2%B2", headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code == 400
