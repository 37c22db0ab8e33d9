"""Navigation: the course list with its track filter, breadcrumbs, the course page's Start / Continue /
Review and leave-course (history kept), the path page's button, and error pages in plain words."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Enrollment, Lesson, LessonProgress, User
from learnpath.models._types import utcnow
from tests.conftest import FIXTURE_PACK, csrf_token


def _user_id(app, email="ada@example.com") -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def _complete(app, uid: int, *slugs: str) -> None:
    """Read each lesson and pass its quiz, through the same services the pages use."""
    from learnpath.progress import services

    with app.app_context():
        for slug in slugs:
            lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == slug))
            services.mark_read(uid, lesson)
            services.record_attempt(uid, lesson, 100.0, True, utcnow())
            db.session.commit()


def _main(response) -> str:
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


# ---- the course list and breadcrumbs -----------------------------------------------------------

def test_courses_page_lists_every_course_with_a_track_filter(client):
    page = _main(client.get("/courses"))
    assert "All courses" in page and "Net Basics" in page and "API Course" in page
    assert '<a href="/courses" aria-current="page">All tracks</a>' in page
    assert 'href="/courses?track=networking"' in page and 'href="/courses?track=apis"' in page
    filtered = _main(client.get("/courses?track=networking"))
    assert "Net Basics" in filtered and "API Course" not in filtered
    assert 'href="/courses?track=networking" aria-current="page"' in filtered
    assert client.get("/courses?track=nope").status_code == 404


def test_breadcrumbs_link_every_level(client):
    course = _main(client.get("/courses/net-basics"))
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', course, re.S).group()
    assert '<a href="/courses">Courses</a>' in crumbs and '<a href="/courses?track=networking">Networking</a>' in crumbs
    lesson = _main(client.get("/lessons/tcp?course=api-course"))
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', lesson, re.S).group()
    for link in ('<a href="/courses">Courses</a>', '<a href="/courses?track=apis">APIs</a>',
                 '<a href="/courses/api-course">API Course</a>'):
        assert link in crumbs
    assert "Lesson 1 of 2" in crumbs


# ---- the course page by learner state ----------------------------------------------------------

def test_visitor_gets_a_start_reading_link(client):
    page = _main(client.get("/courses/net-basics"))
    assert '<a class="button" href="/lessons/packets?course=net-basics">Start reading</a>' in page


def test_course_page_shows_start_continue_review_by_state(app, client, auth):
    auth.signup()
    uid = _user_id(app)
    page = _main(client.get("/courses/net-basics"))
    assert "Start this course" in page and 'name="then" value="start"' in page and "Leave this course" not in page

    started = client.post("/courses/net-basics/enroll", data={"then": "start"})
    assert started.status_code == 302 and started.headers["Location"] == "/lessons/packets?course=net-basics"
    page = _main(client.get("/courses/net-basics"))
    assert re.search(r'href="/lessons/packets\?course=net-basics">Start<span', page)
    assert "Leave this course" in page

    _complete(app, uid, "packets")
    page = _main(client.get("/courses/net-basics"))
    assert re.search(r'href="/lessons/tcp\?course=net-basics">Continue<span', page) and "Next: TCP" in page

    _complete(app, uid, "tcp")
    page = _main(client.get("/courses/net-basics"))
    assert re.search(r'href="/lessons/packets\?course=net-basics">Review from lesson 1<span', page)
    # Every lesson done: the course test is open; the certificate waits for it.
    assert "Certificate" not in page and "Take the course test" in page
    attempt = client.post("/courses/net-basics/test")
    attempt_id = int(attempt.headers["Location"].rsplit("/", 1)[1])
    assert "Continue the course test" in _main(client.get("/courses/net-basics"))
    from tests.test_quiz import _answers
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), "action": "submit"})
    page = _main(client.get("/courses/net-basics"))
    assert re.search(r'href="/lessons/packets\?course=net-basics">Review from lesson 1<span', page)
    assert "Certificate" in page and "Passed with 100%" in page


def test_leaving_a_course_keeps_its_history_and_enrolling_again_restores_it(app, client, auth):
    auth.signup()
    uid = _user_id(app)
    client.post("/courses/net-basics/enroll")
    _complete(app, uid, "packets", "tcp")
    from tests.test_quiz import take_course_test
    take_course_test(app, client)
    with app.app_context():
        before = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == uid)).one()
        enrolled_at, code = before.enrolled_at, before.certificate_code
        counts = [db.session.scalar(sa.select(sa.func.count()).select_from(t).where(t.user_id == uid))
                  for t in (Attempt, Answer, LessonProgress)]
    assert code

    left = client.post("/courses/net-basics/unenroll", follow_redirects=True)
    assert left.status_code == 200 and "You left Net Basics" in left.get_data(as_text=True)
    page = _main(client.get("/courses/net-basics"))
    assert "Enroll again and continue" in page and "Leave this course" not in page and "Certificate" not in page
    assert "Net Basics" not in _main(client.get("/dashboard"))
    assert client.get(f"/certificates/{code}").status_code == 200  # a shared certificate keeps working
    with app.app_context():
        assert [db.session.scalar(sa.select(sa.func.count()).select_from(t).where(t.user_id == uid))
                for t in (Attempt, Answer, LessonProgress)] == counts

    again = client.post("/courses/net-basics/unenroll", follow_redirects=True)  # a second leave changes nothing
    assert again.status_code == 200 and "You are not enrolled in Net Basics" in again.get_data(as_text=True)

    client.post("/courses/net-basics/enroll")
    page = _main(client.get("/courses/net-basics"))
    assert "Certificate" in page and f"/certificates/{code}" in page and "Leave this course" in page
    assert "Net Basics" in _main(client.get("/dashboard"))
    with app.app_context():
        after = db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == uid)).one()
        assert (after.enrolled_at, after.certificate_code, after.unenrolled_at) == (enrolled_at, code, None)


def test_leaving_needs_a_login_an_existing_course_and_a_post(client, auth):
    assert client.post("/courses/net-basics/unenroll").status_code == 302  # to the log-in page
    auth.signup()
    assert client.post("/courses/nope/unenroll").status_code == 404
    assert client.get("/courses/net-basics/unenroll").status_code == 405


def test_leaving_a_course_needs_the_forms_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
        from learnpath.content.importer import import_pack
        from learnpath.content.pack import load_pack
        import_pack(load_pack(FIXTURE_PACK))
    client = app.test_client()
    token = csrf_token(client, "/signup")
    client.post("/signup", data={"email": "c@example.com", "password": "correct horse battery", "name": "C",
                                 "csrf_token": token})
    token = csrf_token(client, "/courses/net-basics")
    assert client.post("/courses/net-basics/enroll", data={"csrf_token": token}).status_code == 302
    refused = client.post("/courses/net-basics/unenroll")
    assert refused.status_code == 400 and "This form expired; reload the page and try again." in refused.get_data(as_text=True)
    page = client.get("/courses/net-basics").get_data(as_text=True)
    assert 'action="/courses/net-basics/unenroll"' in page
    token = re.search(r'action="/courses/net-basics/unenroll"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      page).group(1)
    assert client.post("/courses/net-basics/unenroll", data={"csrf_token": token}).status_code == 302


def test_parallel_leaves_and_enrolls_never_fail(app):
    """Eight requests at once, for one learner and one course: half leave, half enroll. Each is one
    conditional UPDATE, so none fails, and the learner ends with exactly one enrollment row."""
    signup = app.test_client()
    signup.post("/signup", data={"email": "p@example.com", "password": "correct horse battery", "name": "P"})
    signup.post("/courses/net-basics/enroll")
    clients = []
    for _ in range(8):
        client = app.test_client()
        client.post("/login", data={"email": "p@example.com", "password": "correct horse battery"})
        clients.append(client)

    def run(actions):
        barrier = threading.Barrier(len(actions))
        statuses = []

        def act(client, path):
            barrier.wait()
            response = client.post(path, follow_redirects=True)
            statuses.append((response.status_code, response.get_data(as_text=True)))

        threads = [threading.Thread(target=act, args=a) for a in actions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return statuses

    leaves = run([(c, "/courses/net-basics/unenroll") for c in clients])
    assert [s for s, _ in leaves] == [200] * 8
    assert sum("You left Net Basics" in page for _, page in leaves) == 1  # exactly one did it
    mixed = run([(c, "/courses/net-basics/" + ("unenroll" if i % 2 else "enroll")) for i, c in enumerate(clients)])
    assert [s for s, _ in mixed] == [200] * 8
    with app.app_context():
        uid = db.session.scalar(sa.select(User.id).where(User.email == "p@example.com"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment).where(Enrollment.user_id == uid)) == 1


# ---- learning paths ----------------------------------------------------------------------------

@pytest.fixture
def path_app(make_app, pack_copy):
    catalog = pack_copy / "catalog.yaml"
    catalog.write_text(catalog.read_text() + "paths:\n- slug: web\n  title: Web path\n  summary: Net then APIs.\n"
                                             "  courses: [net-basics, api-course]\n")
    app = make_app()
    with app.app_context():
        upgrade()
        from learnpath.content.importer import import_pack
        from learnpath.content.pack import load_pack
        import_pack(load_pack(pack_copy))
    return app


def test_path_page_has_a_start_then_continue_button(path_app):
    client = path_app.test_client()
    page = _main(client.get("/paths/web"))
    # The button leads to the first lesson not completed of the path (a visitor: its first lesson).
    assert re.search(r'<a class="button" href="/lessons/packets\?course=net-basics">Start the path<span', page)
    client.post("/signup", data={"email": "w@example.com", "password": "correct horse battery", "name": "W"})
    page = _main(client.get("/paths/web"))
    assert re.search(r'<a class="button" href="/lessons/packets\?course=net-basics">Start the path<span', page)
    _complete(path_app, _user_id(path_app, "w@example.com"), "packets")
    page = _main(client.get("/paths/web"))
    assert re.search(r'<a class="button" href="/lessons/tcp\?course=net-basics">Continue the path<span', page)
    _complete(path_app, _user_id(path_app, "w@example.com"), "tcp")  # tcp is in api-course too: rest is next
    page = _main(client.get("/paths/web"))
    assert re.search(r'<a class="button" href="/lessons/rest\?course=api-course">Continue the path<span', page)
    assert "Next: REST" in page and "API Course" in page


# ---- error pages -------------------------------------------------------------------------------

def _links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def test_get_logout_is_a_plain_405(client):
    response = client.get("/logout")
    page = response.get_data(as_text=True)
    assert response.status_code == 405 and "Bad request" not in page
    assert "<title>This page cannot be opened like that (405)" in page
    assert "use the Log out button at the top of any page" in page
    assert {"/courses", "/search"} <= _links(_main(response))


def test_bad_request_page_says_what_and_what_next(client):
    response = client.get("/search?q=x&page=zero", headers={"Referer": "http://localhost/courses"})
    page = _main(response)
    assert response.status_code == 400 and "This request could not be used" in page
    assert "must be a whole number from 1 to 1000" in page and "check what you entered" in page
    assert '<a href="http://localhost/courses">Back to the page you came from</a>' in page


def test_referrer_from_another_site_is_not_linked(client):
    page = _main(client.get("/nowhere", headers={"Referer": "https://evil.example/"}))
    assert "evil.example" not in page


def test_not_found_page_offers_search_and_courses(client):
    response = client.get("/nowhere")
    page = _main(response)
    assert response.status_code == 404 and "Page not found" in page and "There is nothing at this address." in page
    assert {"/courses", "/search"} <= _links(page)


def test_expired_form_page_is_plain(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
    response = app.test_client().post("/login", data={"email": "a@example.com", "password": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "This form expired; reload the page and try again." in page
    assert "CSRF" not in page and "token" not in _main(response).lower()
    api = app.test_client().post("/login", data={}, headers={"Accept": "application/json"})
    assert api.get_json()["error"]["message"] == "This form expired; reload the page and try again."


def test_too_many_requests_page_says_to_wait(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AUTH="1 per minute")
    with app.app_context():
        upgrade()
    client = app.test_client()
    for _ in range(2):  # sign-up forms are limited per client address (log-ins have their own throttle)
        response = client.post("/signup", data={"email": "a@example.com", "password": "short", "name": "A"})
    page = _main(response)
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "Slow down: too many requests" in page and "Wait a minute, then try again." in page
    assert {"/courses", "/search"} <= _links(page)
