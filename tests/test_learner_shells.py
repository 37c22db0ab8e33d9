"""Signed-in lesson and course pages: a shared shell per catalog version with the learner's parts spliced
in (pagecache.shell, catalog.learner). Nothing personal reaches another learner, nothing is stale after
a write, and the spliced page is the page rendered whole."""
import functools
import re

import pytest

from learnpath.content.importer import import_pack
from learnpath.content.pack import load_pack
from learnpath.pagecache import _NONCE
from tests.conftest import csrf_token, sql_statements
from tests.test_quiz import _answers, _attempt_id, _start, complete_lessons, take_course_test

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="[^"]*"')
PAGES = ["/lessons/tcp", "/lessons/tcp?course=api-course", "/lessons/packets", "/courses/net-basics",
         "/courses/api-course"]


@pytest.fixture(params=["flask", "fast path"])
def make_app(request, make_app):
    """Every test twice: pages served by Flask only, and repeat views by the signed-in fast path (learnpath.lane)."""
    return functools.partial(make_app, SIGNED_IN_FAST_PATH=request.param == "fast path")


def _page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _learners(app):
    ada, bob = app.test_client(), app.test_client()
    for client, email, name in ((ada, "ada@example.com", "Ada Lovelace"), (bob, "bob@example.com", "Bob <b>Tables</b>")):
        response = client.post("/signup", data={"email": email, "password": "correct horse battery", "name": name,
                                                 "csrf_token": csrf_token(client, "/signup")})
        assert response.status_code == 302
    return ada, bob


def test_two_learners_alternating_see_only_their_own_name_flags_and_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    ada, bob = _learners(app)
    token = CSRF.search(_page(ada, "/courses/net-basics")).group(1)
    assert ada.post("/courses/net-basics/enroll", data={"csrf_token": token}).status_code == 302
    assert ada.post("/lessons/tcp/read", data={"csrf_token": token}).status_code == 302
    for _ in range(2):  # alternate, so each learner's view follows the other's on the same shell
        for path in PAGES:
            mine, theirs = _page(ada, path), _page(bob, path)
            # names looked for outside the CSRF tokens (random base64: "Ada" turns up in one now and then)
            assert "Ada Lovelace" in mine and "Bob" not in _normalised(mine)
            assert "Bob &lt;b&gt;Tables&lt;/b&gt;" in theirs and "Ada" not in _normalised(theirs)
            assert "<b>Tables" not in theirs
            ada_tokens, bob_tokens = set(CSRF.findall(mine)), set(CSRF.findall(theirs))
            assert len(ada_tokens) == 1 and len(bob_tokens) == 1 and ada_tokens != bob_tokens
            assert _NONCE not in mine and _NONCE not in theirs  # every slot filled
        ada_lesson, bob_lesson = _page(ada, "/lessons/tcp"), _page(bob, "/lessons/tcp")
        assert "◐ read" in ada_lesson and "Mark as read" not in ada_lesson
        assert "○ not started" in bob_lesson and "Mark as read" in bob_lesson
        ada_course, bob_course = _page(ada, "/courses/net-basics"), _page(bob, "/courses/net-basics")
        assert "Leave this course" in ada_course and "Start this course" not in ada_course
        assert "Start this course" in bob_course and "Leave this course" not in bob_course
        assert "◐ read" in ada_course and "◐ read" not in bob_course
    # each page's token is its own session's: Bob's token does not work for Ada, his own does
    bob_token = CSRF.search(_page(bob, "/lessons/packets")).group(1)
    assert ada.post("/lessons/packets/read", data={"csrf_token": bob_token}).status_code == 400
    assert bob.post("/lessons/packets/read", data={"csrf_token": bob_token}).status_code == 302


def test_every_write_shows_on_the_next_view(app, client, auth):
    auth.signup()
    assert "○ not started" in _page(client, "/lessons/tcp")
    assert "Start this course" in _page(client, "/courses/net-basics")

    client.post("/courses/net-basics/enroll")
    course = _page(client, "/courses/net-basics")
    assert "Leave this course" in course and 'value="0"' in course and "Next: " in course
    assert "You are enrolled in" in course  # the flash message is spliced in, once
    assert "You are enrolled in" not in _page(client, "/courses/net-basics")

    client.post("/lessons/tcp/read", data={"course": "net-basics"})
    lesson = _page(client, "/lessons/tcp?course=net-basics")
    assert "◐ read" in lesson and "Mark as read" not in lesson and "Marked as read." in lesson

    attempt_id = _start(client, "tcp")
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=True), "action": "submit"})
    lesson = _page(client, "/lessons/tcp")
    assert "✓ completed" in lesson and "best quiz score 100%" in lesson
    course = _page(client, "/courses/net-basics")
    assert "✓ completed" in course and "Continue" in course

    client.post("/courses/net-basics/unenroll")
    course = _page(client, "/courses/net-basics")
    assert "You left this course" in course and "Enroll again and continue" in course


def _normalised(html: str) -> str:
    # A CSRF token carries its signing time: two renders a second apart differ only there.
    return DATA_CSRF.sub('data-csrf="…"', CSRF.sub('name="csrf_token" value="…"', html))


@pytest.mark.parametrize("history", ["new", "enrolled", "lessons done", "test open", "test failed", "test passed",
                                     "left"])
def test_the_spliced_page_is_the_page_rendered_whole(app, client, auth, history):
    if history in ("new", "enrolled"):
        auth.signup()
        if history == "enrolled":
            client.post("/courses/net-basics/enroll")
            client.post("/lessons/tcp/read")
    else:
        complete_lessons(app, client, auth)
    if history == "test open":
        _attempt_id(client.post("/courses/net-basics/test"))
    elif history in ("test failed", "test passed"):
        take_course_test(app, client, right=history == "test passed")
    if history == "left":
        client.post("/courses/net-basics/unenroll")
    client.get("/")  # let the flash messages go
    for path in PAGES:
        app.config["LEARNER_SHELLS"] = False
        whole = _page(client, path)
        app.config["LEARNER_SHELLS"] = True
        spliced = _page(client, path)
        assert _normalised(spliced) == _normalised(whole), path


def test_a_page_costs_the_learners_queries_only_and_the_shell_follows_the_catalog(app, client, auth, pack_copy):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    _page(client, "/lessons/packets")
    _page(client, "/courses/net-basics")
    _, statements = sql_statements(app, lambda: client.get("/lessons/packets"))
    assert not any("FROM lesson " in s or "body_html" in s for s in statements)  # no catalog query
    _, statements = sql_statements(app, lambda: client.get("/courses/net-basics"))
    # the course's lessons only as the subquery of the learner's marks: no catalog row is read
    assert not any("FROM course " in s or "JOIN course_lesson" in s or "FROM lesson " in s for s in statements)

    path = pack_copy / "lessons/packets.md"
    path.write_text(path.read_text().replace("summary: Routers forward packets hop by hop.",
                                             "summary: Routers relay packets."))
    with app.app_context():
        import_pack(load_pack(pack_copy))
    after = _page(client, "/lessons/packets")
    assert "Routers relay packets." in after and "Routers forward packets hop by hop." not in after


def test_time_zone_script_is_the_learners_own(app, client, auth):
    auth.signup()
    assert 'src="/static/js/timezone.js"' in _page(client, "/lessons/tcp")
    assert client.post("/account/time-zone/detected", data={"time_zone": "Europe/Paris"}).status_code == 204
    assert "timezone.js" not in _page(client, "/lessons/tcp")
    assert "timezone.js" not in _page(client, "/courses/net-basics")


def test_logging_out_ends_the_signed_in_page(app, client, auth):
    auth.signup()
    assert "Ada" in _page(client, "/lessons/tcp")
    auth.logout()
    page = _page(client, "/lessons/tcp")
    assert "Ada" not in _normalised(page) and "Mark as read" not in page and "Log in" in page


def test_dashboard_frame_is_shared_and_its_contents_are_not(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    ada, bob = _learners(app)
    token = CSRF.search(_page(ada, "/courses/net-basics")).group(1)
    ada.post("/courses/net-basics/enroll", data={"csrf_token": token})
    for _ in range(2):
        mine, theirs = _page(ada, "/dashboard"), _page(bob, "/dashboard")
        assert "Ada Lovelace" in mine and "Bob" not in _normalised(mine) and "Net Basics" in mine
        assert "Bob &lt;b&gt;Tables&lt;/b&gt;" in theirs and "Ada" not in _normalised(theirs) and "Net Basics" not in theirs
        assert set(CSRF.findall(mine)).isdisjoint(CSRF.findall(theirs))
        assert _NONCE not in mine and _NONCE not in theirs
    app.config["LEARNER_SHELLS"] = False
    whole = _page(ada, "/dashboard")
    app.config["LEARNER_SHELLS"] = True
    assert _normalised(_page(ada, "/dashboard")) == _normalised(whole)


def test_unknown_course_values_share_the_default_shell(app, client, auth):
    """?course= values that name none of the lesson's courses show the default page from one shell, so
    a loop over random values cannot fill the worker's page cache."""
    auth.signup()
    client.get("/lessons/tcp")  # shows the sign-up's welcome flash once
    default = _normalised(client.get("/lessons/tcp").get_data(as_text=True))
    shells = app.extensions["pagecache"].shells
    before = len(shells)
    for n in range(20):  # normalised: a second can tick between two renders, and the CSRF token carries it
        assert _normalised(client.get(f"/lessons/tcp?course=nonsense-{n}").get_data(as_text=True)) == default
    assert len(shells) == before
