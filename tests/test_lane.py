"""The signed-in fast path (learnpath.lane): a repeat view of a lesson or course page served without
Flask's request, only while everything Flask would have checked still holds."""
import logging
import re
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from learnpath import lane
from learnpath.extensions import db
from learnpath.models import User
from tests.conftest import csrf_token
from tests.test_course_test import T0, _attempt, _clock, timed  # noqa: F401  (fixture)

CSRF = re.compile(r'(name="csrf_token" value="|data-csrf=")([^"]+)"')
PAGES = ["/lessons/tcp", "/lessons/tcp?course=api-course", "/courses/net-basics", "/courses/api-course"]


class Views:
    """Counts the requests that reached these Flask views (default: the lesson and course pages')."""

    def __init__(self, app, endpoints=("catalog.lesson", "catalog.course")):
        self.count = 0
        for endpoint in endpoints:
            view = app.view_functions[endpoint]

            def counted(*args, _view=view, **kwargs):
                self.count += 1
                return _view(*args, **kwargs)
            app.view_functions[endpoint] = counted

    def served_by_flask(self, client, path, **kwargs):
        before = self.count
        response = client.get(path, **kwargs)
        return response, self.count > before


@pytest.fixture
def views(app):
    return Views(app)


def _settle(client, path="/lessons/tcp", **kwargs):
    """Views until the session's cookie stops changing (a flash shown, a CSRF secret stored) and Flask
    has left a ticket for it."""
    for _ in range(2):
        client.get(path, **kwargs)


def _signed_in(app, client, auth, name="Ada"):
    auth.signup(name=name)
    _settle(client)


def _normalised(html: str) -> str:
    # A CSRF token is signed with a timestamp: two renderings a second apart differ in it only.
    return CSRF.sub(r"\1TOKEN\"", html)


def _user(app, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).values(**values))
        db.session.commit()


def test_a_repeat_view_is_the_page_flask_renders_with_its_headers(app, client, auth, views):
    _signed_in(app, client, auth)
    client.post("/courses/net-basics/enroll")
    client.post("/lessons/tcp/read")
    client.get("/courses/net-basics")  # the flash message is shown (and the cookie changes) here
    for path in PAGES:
        app.extensions["lane"].tickets.clear()  # a ticket is the session's, for every registered page
        first, by_flask = views.served_by_flask(client, path)
        second, again = views.served_by_flask(client, path)
        assert by_flask and not again, path
        assert second.status_code == 200
        assert second.get_data(as_text=True) == first.get_data(as_text=True), path  # same token: one session
        assert _normalised(second.get_data(as_text=True)) == _normalised(first.get_data(as_text=True))
        skip = {"Date", "Content-Length"}
        assert {(k, v) for k, v in second.headers if k not in skip} == {(k, v) for k, v in first.headers if k not in skip}
        assert "Set-Cookie" not in second.headers


def test_the_fast_path_is_off_by_setting(make_app):
    app = make_app(SIGNED_IN_FAST_PATH=False)
    assert "lane" not in app.extensions


def test_its_csrf_token_is_the_sessions_and_works(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada",
                                 "csrf_token": csrf_token(client, "/signup")})
    views = Views(app)
    _settle(client, "/lessons/packets")
    page, by_flask = views.served_by_flask(client, "/lessons/packets")
    assert not by_flask
    token = CSRF.search(page.get_data(as_text=True)).group(2)
    assert client.post("/lessons/packets/read", data={"csrf_token": token}).status_code == 302
    other = app.test_client()
    other.post("/signup", data={"email": "bob@example.com", "password": "correct horse battery", "name": "Bob",
                                "csrf_token": csrf_token(other, "/signup")})
    assert other.post("/lessons/tcp/read", data={"csrf_token": token}).status_code == 400  # Ada's, not Bob's


def _cookie(client) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def test_log_out_ends_every_copy_of_the_session_at_once(app, client, auth, views):
    _signed_in(app, client, auth)
    stolen = _cookie(client)
    thief = app.test_client(use_cookies=False)
    _settle(thief, headers={"Cookie": stolen})
    response, by_flask = views.served_by_flask(thief, "/lessons/tcp", headers={"Cookie": stolen})
    assert not by_flask and "Ada" in response.get_data(as_text=True)
    auth.logout()  # bumps the session version: the copied cookie names an old one
    response, by_flask = views.served_by_flask(thief, "/lessons/tcp", headers={"Cookie": stolen})
    html = _normalised(response.get_data(as_text=True))  # a random token may hold "Ada"
    assert by_flask and "Ada" not in html and "Log in" in html


@pytest.mark.parametrize("change", [{"session_version": User.session_version + 1}, {"disabled_at": sa.func.now()}])
def test_a_password_change_or_a_disabled_account_ends_it(app, client, auth, views, change):
    _signed_in(app, client, auth)
    assert not views.served_by_flask(client, "/courses/net-basics")[1] or True
    assert not views.served_by_flask(client, "/courses/net-basics")[1]
    _user(app, **change)
    response, by_flask = views.served_by_flask(client, "/courses/net-basics")
    assert by_flask and "Ada" not in _normalised(response.get_data(as_text=True))
    assert not any(t for t in app.extensions["lane"].tickets._items.values() if t[0] is not None)


def test_name_role_and_time_zone_follow_the_database_on_every_view(app, client, auth, views):
    _signed_in(app, client, auth)
    page = client.get("/lessons/tcp").get_data(as_text=True)
    assert "js/timezone.js" in page and "Admin</a>" not in page  # no time zone yet: the page asks the browser
    _user(app, name="Ada <i>L</i>", role="admin", time_zone="Europe/Paris")
    page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    html = page.get_data(as_text=True)
    assert not by_flask
    assert "Ada &lt;i&gt;L&lt;/i&gt;" in html and 'href="/admin/">Admin</a>' in html and "js/timezone.js" not in html


def test_another_client_address_agent_or_cookie_goes_through_flask(app, client, auth, views):
    _signed_in(app, client, auth)
    client.get("/lessons/tcp")
    assert not views.served_by_flask(client, "/lessons/tcp")[1]
    assert views.served_by_flask(client, "/lessons/tcp", headers={"User-Agent": "other"})[1]
    assert views.served_by_flask(client, "/lessons/tcp", environ_base={"REMOTE_ADDR": "10.0.0.9"})[1]
    assert views.served_by_flask(client, "/lessons/tcp", headers={"X-Forwarded-For": "10.0.0.9"})[1]


@pytest.mark.parametrize("path", ["/lessons/tcp?course=net-basics&x=1", "/lessons/tcp?x=1", "/courses/net-basics?a=b",
                                  "/lessons/TCP", "/lessons/no-such-lesson", "/courses/no-such-course"])
def test_other_queries_and_unknown_pages_go_through_flask(app, client, auth, views, path):
    _signed_in(app, client, auth)
    client.get(path)
    response, by_flask = views.served_by_flask(client, path)
    assert by_flask
    if "no-such" in path or "TCP" in path:
        assert response.status_code == 404


def test_a_flash_message_is_shown_by_flask_once(app, client, auth, views):
    _signed_in(app, client, auth)
    client.get("/courses/net-basics")
    client.post("/courses/net-basics/enroll")  # flashes "You are enrolled": the cookie changes
    page, by_flask = views.served_by_flask(client, "/courses/net-basics")
    assert by_flask and "You are enrolled in" in page.get_data(as_text=True)
    # Showing it changed the cookie again: Flask serves the new one once (unless the signed cookie came out
    # byte for byte as an earlier one with a ticket: the same content signed within the same second).
    page = client.get("/courses/net-basics")
    assert "You are enrolled in" not in page.get_data(as_text=True)
    page, by_flask = views.served_by_flask(client, "/courses/net-basics")
    assert not by_flask and "You are enrolled in" not in page.get_data(as_text=True)
    assert "Leave this course" in page.get_data(as_text=True)


def test_a_write_shows_on_the_next_fast_view(app, client, auth, views):
    _signed_in(app, client, auth)
    client.post("/lessons/packets/read")
    _settle(client)
    page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert not by_flask and "Mark as read" in page.get_data(as_text=True)
    with app.app_context():  # another tab or server marks it read: this cookie is unchanged
        from learnpath.progress import services as progress
        from learnpath.models import Lesson
        user = db.session.scalar(sa.select(User))
        lesson = db.session.scalar(sa.select(Lesson).where(Lesson.slug == "tcp"))
        progress.mark_read(user.id, lesson)
        db.session.commit()
    page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert not by_flask and "◐ read" in page.get_data(as_text=True)


def test_tickets_expire(make_app):
    app = make_app(SIGNED_IN_TICKET_TTL=0)
    client = app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"})
    views = Views(app)
    for _ in range(3):
        assert views.served_by_flask(client, "/lessons/tcp")[1]


def test_an_overdue_course_test_is_closed_by_flask(app, client, timed, views, monkeypatch):
    _settle(client, "/courses/net-basics")
    page, by_flask = views.served_by_flask(client, "/courses/net-basics")
    assert not by_flask and "Continue the course test" in page.get_data(as_text=True)
    _clock(monkeypatch, T0 + timedelta(minutes=11))
    page, by_flask = views.served_by_flask(client, "/courses/net-basics")
    assert by_flask and _attempt(app, timed).status == "submitted"
    assert "Continue the course test" not in page.get_data(as_text=True)


@pytest.mark.expect_server_error
def test_a_failure_is_logged_and_flask_serves_the_page(app, client, auth, views, monkeypatch, caplog):
    _signed_in(app, client, auth)
    from learnpath.catalog import learner

    def broken(page, visit):
        raise RuntimeError("boom")
    monkeypatch.setattr(learner, "lesson_parts", broken)
    with caplog.at_level(logging.ERROR, logger="learnpath"):
        response, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert any("fast path failed" in r.getMessage() for r in caplog.records)
    assert by_flask  # Flask then meets the same error and answers with its 500 page
    assert response.status_code == 500


def test_concurrent_learners_each_see_their_own_page(app, views):
    clients = []
    for i, name in enumerate(("Ada", "Bob", "Cyd")):
        client = app.test_client()
        client.post("/signup", data={"email": f"{name}@example.com", "password": "correct horse battery", "name": name})
        _settle(client)
        client.get("/courses/net-basics")  # the course page's shell: rendered by Flask once per worker
        clients.append((name, client))
    wrong: list = []

    def read(name, client):
        for _ in range(15):
            for path in ("/lessons/tcp", "/courses/net-basics"):
                html = client.get(path).get_data(as_text=True)
                others = [n for n, _ in clients if n != name and f"{n}</" in html]
                if f"{name}</" not in html or others:
                    wrong.append((name, path, others))
    before = views.count
    threads = [threading.Thread(target=read, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong
    assert views.count == before  # all 90 served by the fast path


def test_parts_rendered_first_on_the_fast_path_are_flasks(app, client, auth, views):
    """The fast path runs without a request context; a fragment or badge it has to render (a worker
    that has not rendered it yet) gets one, and the page is the one Flask renders."""
    _signed_in(app, client, auth)
    client.post("/courses/net-basics/enroll")
    client.post("/lessons/tcp/read")
    for path in PAGES:
        _settle(client, path)
        by_flask_page, _ = views.served_by_flask(client, path)
        for name in ("learner_fragments", "learner_badges"):
            app.extensions.pop(name, None)
        page, by_flask = views.served_by_flask(client, path)
        assert not by_flask, path
        assert page.get_data() == by_flask_page.get_data(), path


def test_each_thread_keeps_one_connection_which_disposal_closes(app, client, auth, views):
    """A worker thread reads through one connection of its own across requests; disposing of the app's
    engine (as a forked worker or a test does) closes every thread's, and the next view opens another."""
    _signed_in(app, client, auth)
    fast = app.extensions["lane"]
    for _ in range(5):
        assert not views.served_by_flask(client, "/lessons/tcp")[1]
    held = list(fast._held)
    assert len(held) == 1

    def view():
        for _ in range(3):
            assert not views.served_by_flask(app.test_client(use_cookies=False), "/lessons/tcp",
                                             headers={"Cookie": _cookie(client)})[1]
    threads = [threading.Thread(target=view) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fast._held) == 3  # this thread's and one for each of the two others
    connections = list(fast._held)
    with app.app_context():
        db.engine.dispose()
    assert not fast._held and all(c.invalidated for c in connections)
    page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert not by_flask and "Ada" in page.get_data(as_text=True)
    assert len(fast._held) == 1 and fast._held[0] not in connections


@pytest.mark.expect_server_error
def test_a_broken_connection_is_replaced(app, client, auth, views, caplog):
    _signed_in(app, client, auth)
    fast = app.extensions["lane"]
    assert not views.served_by_flask(client, "/lessons/tcp")[1]
    broken = fast._held[0]
    broken.connection.dbapi_connection.close()  # e.g. the database server restarted
    with caplog.at_level(logging.ERROR, logger="learnpath"):
        page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert by_flask and page.status_code == 200 and "Ada" in page.get_data(as_text=True)
    assert any("fast path failed" in r.getMessage() for r in caplog.records)
    page, by_flask = views.served_by_flask(client, "/lessons/tcp")
    assert not by_flask and "Ada" in page.get_data(as_text=True)
    assert broken not in fast._held and len(fast._held) == 1


def test_the_admin_link_keeps_the_apps_script_root(app, client, auth, views):
    """The fast path builds no URL itself: the admin link is the one Flask built for the ticket."""
    _signed_in(app, client, auth)
    _user(app, role="admin")
    mounted = "http://localhost/learn"  # served under /learn (SCRIPT_NAME), as a deployment is throughout
    app.extensions["lane"].tickets.clear()
    app.extensions["pagecache"].shells.clear()
    _settle(client, "/lessons/tcp", base_url=mounted)
    page, by_flask = views.served_by_flask(client, "/lessons/tcp", base_url=mounted)
    assert not by_flask and 'href="/learn/admin/">Admin</a>' in page.get_data(as_text=True)


def test_the_users_row_read_below_sqlalchemy_is_the_same_row(app, client, auth):
    """lane reads the user's row on the driver's cursor (learnpath.statements.Query): the same values,
    of the same types, as Connection.execute gives (SQLite keeps datetimes as text)."""
    auth.signup(name="Ada")
    with app.app_context():
        db.session.execute(sa.update(User).values(time_zone="Europe/Paris", disabled_at=sa.func.now()))
        db.session.commit()
        with db.engine.connect() as conn:
            expected = conn.execute(lane._user_row(conn.dialect.name), {"user_id": 1}).one()
            row = lane._USER.first(conn, {"user_id": 1})
            assert lane._USER.first(conn, {"user_id": 999}) is None
    assert tuple(row) == tuple(expected) and row._fields == tuple(expected._fields)
    assert isinstance(row.created_at, datetime) and isinstance(row.disabled_at, datetime)
    assert row.created_at.tzinfo == expected.created_at.tzinfo


# ---- GET /api/v1/me/progress with a bearer token --------------------------------------------------------

class ApiViews(Views):
    def __init__(self, app):
        super().__init__(app, ("api.me.my_progress",))

    def get(self, client, headers):
        return self.served_by_flask(client, "/api/v1/me/progress", headers=headers)


@pytest.fixture
def token_client(app):
    from tests.conftest import api_token
    client = app.test_client(use_cookies=False)
    token = api_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/courses/net-basics/enrollment", headers=headers)
    return client, headers, ApiViews(app)


def test_a_repeat_progress_request_is_flasks_response_again(app, token_client):
    client, headers, views = token_client
    first, by_flask = views.get(client, headers)
    again, by_flask_again = views.get(client, headers)
    assert by_flask and not by_flask_again
    assert again.get_json() == first.get_json() and again.get_data() == first.get_data()
    skip = {"Date", "Content-Length"}
    assert {(k, v) for k, v in again.headers if k not in skip} == {(k, v) for k, v in first.headers if k not in skip}


def test_a_repeat_progress_request_reads_the_token_and_the_catalog_version_only(app, token_client):
    from tests.conftest import sql_statements
    client, headers, views = token_client
    views.get(client, headers)
    _, statements = sql_statements(app, lambda: client.get("/api/v1/me/progress", headers=headers))
    assert len(statements) == 2 and "api_token" in statements[0] and "catalog_state" in statements[1]


def test_a_write_shows_in_the_next_progress_response(app, token_client):
    client, headers, views = token_client
    views.get(client, headers)
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {}})
    response, by_flask = views.get(client, headers)
    assert by_flask and response.get_json()["totals"]["questions_answered"] > 0
    assert not views.get(client, headers)[1]


@pytest.mark.parametrize("change", ["revoke", "disable", "expire"])
def test_a_dead_token_gets_flasks_401(app, token_client, change):
    client, headers, views = token_client
    views.get(client, headers)
    assert not views.get(client, headers)[1]
    from learnpath.models import ApiToken
    with app.app_context():
        if change == "revoke":
            db.session.execute(sa.delete(ApiToken))
        elif change == "disable":
            db.session.execute(sa.update(User).values(disabled_at=sa.func.now()))
        else:
            db.session.execute(sa.update(ApiToken).values(expires_at=sa.func.now()))
        db.session.commit()
    response, by_flask = views.get(client, headers)
    assert response.status_code == 401 and by_flask


def test_a_token_due_for_its_last_used_note_goes_through_flask(app, token_client):
    client, headers, views = token_client
    views.get(client, headers)
    from learnpath.models import ApiToken
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(last_used_at=None))
        db.session.commit()
    assert views.get(client, headers)[1]  # Flask notes the use ...
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None
    assert not views.get(client, headers)[1]  # ... and the next one is the fast path's again


def test_another_learners_token_never_gets_this_response(app, token_client):
    client, headers, views = token_client
    views.get(client, headers)
    from tests.conftest import api_token
    other = {"Authorization": f"Bearer {api_token(app.test_client(), email='bob@example.com', name='Bob')}"}
    response, _ = views.get(client, other)
    assert response.get_json()["courses"] == []  # Bob enrolled in nothing
    assert views.get(client, headers)[0].get_json()["courses"] != []


# ---- the dashboard's repeat view -------------------------------------------------------------------------

def test_a_repeat_dashboard_view_is_flasks_page_and_a_write_renders_it_again(app, client, auth):
    _signed_in(app, client, auth)
    client.post("/courses/net-basics/enroll")
    _settle(client, "/dashboard")
    views = Views(app, ("progress.dashboard",))
    first, by_flask = views.served_by_flask(client, "/dashboard")
    again, by_flask_again = views.served_by_flask(client, "/dashboard")
    assert not by_flask_again and again.get_data() == first.get_data()
    skip = {"Date", "Content-Length"}
    assert {(k, v) for k, v in again.headers if k not in skip} == {(k, v) for k, v in first.headers if k not in skip}
    assert "0 lessons completed" in _normalised(again.get_data(as_text=True)) or "Net Basics" in again.get_data(as_text=True)

    from tests.test_quiz import _answers, _start
    attempt_id = _start(client, "tcp")  # another tab answers: this cookie stays the same
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=True), "action": "submit"})
    _settle(client, "/dashboard")
    page, by_flask = views.served_by_flask(client, "/dashboard")
    assert not by_flask and page.get_data() != first.get_data()
    attempt_id = _start(client, "packets")  # an answer through the API: the cookie stays as it is
    token = CSRF.search(page.get_data(as_text=True))
    client.post(f"/api/v1/attempts/{attempt_id}/submit", json={"answers": {}})
    cold, by_flask = views.served_by_flask(client, "/dashboard")  # rendered on the fast path, from its parts
    assert not by_flask and cold.get_data() != page.get_data() and token
    app.extensions["lane"].tickets.clear()
    app.extensions["dashboard_cache"].clear()
    app.extensions["dashboard_parts"].clear()
    whole, by_flask = views.served_by_flask(client, "/dashboard")  # the same, rendered by Flask from scratch
    assert by_flask and _normalised(whole.get_data(as_text=True)) == _normalised(cold.get_data(as_text=True))
    assert views.served_by_flask(client, "/dashboard?x=1")[1]
