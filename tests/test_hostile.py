"""Hostile input: random and malformed bodies at every form and API endpoint never give a 500.

Every example runs on its own copy of the database and its own app, so one example's writes
(a submitted attempt, a deleted account) never change what the next one tests."""
import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import api_token, build_app, dispose, fuzz_examples

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
form_data = st.dictionaries(
    st.sampled_from(["email", "password", "name", "remember", "action", "course", "only_missed", "q1", "q2", "q3",
                     "q4", "q5", "q6", "q7", "q8", "q4-x", "confidence", "confidence-4", "desired_retention", "seed", "profile-name", "password-current", "password-new",
                     "delete-password", "delete-confirm", "next"]) | st.text(max_size=12),
    st.text(max_size=60), max_size=8,
)
SETTINGS = settings(max_examples=fuzz_examples(40), deadline=None)
API_POSTS = ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/courses/net-basics/enrollment",
             "/api/v1/lessons/tcp/read", "/api/v1/lessons/tcp/attempts", "/api/v1/attempts/{attempt}/submit",
             "/api/v1/attempts/abc/submit", "/api/v1/courses/%00/enrollment", "/api/v1/questions/1/run",
             "/api/v1/questions/8/run", "/api/v1/reviews/1"]
FORM_POSTS = ["/signup", "/login", "/logout", "/account", "/account/delete", "/courses/net-basics/enroll",
              "/courses/net-basics/unenroll",
              "/lessons/tcp/read", "/lessons/tcp/attempts", "/attempts/{attempt}", "/lessons/tcp/quiz/try",
              "/lessons/packets/quiz/try", "/lessons/rest/quiz/try", "/review/settings", "/review/1"]


@dataclass
class World:
    """Two learners mid-quiz (an API client with a token and an open attempt; a browser session
    with an open attempt), built once per module. Each example runs on a fresh copy of it."""
    databases: object
    url: str
    folder: Path
    token: str
    attempt: int
    session_cookie: str
    browser_attempt: int
    examples: itertools.count = field(default_factory=itertools.count)

    @contextmanager
    def fresh(self):
        n = next(self.examples)
        url = self.databases.create("example", self.folder, source=self.url)
        app = build_app(url, self.folder / f"instance-{n}")
        try:
            browser = app.test_client()
            browser.set_cookie("session", self.session_cookie)
            yield app.test_client(), {"Authorization": f"Bearer {self.token}"}, self.attempt, browser, self.browser_attempt
        finally:
            dispose(app)
            self.databases.drop(url)


@pytest.fixture(scope="module")
def world(databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    url = databases.create("hostile", folder, source=databases.template)
    app = build_app(url, folder / "instance")
    client = app.test_client()
    token = api_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    attempt = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()["attempt_id"]
    browser = app.test_client()
    browser.post("/signup", data={"email": "h@example.com", "password": "correct horse battery", "name": "H"})
    browser_attempt = int(browser.post("/lessons/tcp/attempts").headers["Location"].split("/attempts/")[1].split("?")[0])
    session_cookie = browser.get_cookie("session").value
    dispose(app)
    databases.seal(url)
    yield World(databases, url, folder, token, attempt, session_cookie, browser_attempt)
    databases.drop(url)


def test_a_fresh_world_is_logged_in_and_isolated(world):
    with world.fresh() as (client, headers, attempt, browser, browser_attempt):
        assert client.get(f"/api/v1/attempts/{attempt}", headers=headers).get_json()["status"] == "in_progress"
        assert browser.get("/account").status_code == 200
        client.post(f"/api/v1/attempts/{attempt}/submit", headers=headers, json={"answers": {}})
        assert client.get(f"/api/v1/attempts/{attempt}", headers=headers).get_json()["status"] == "submitted"
    with world.fresh() as (client, headers, attempt, _, _):  # the next example starts from the same state
        assert client.get(f"/api/v1/attempts/{attempt}", headers=headers).get_json()["status"] == "in_progress"


@SETTINGS
@given(body=json_values)
def test_api_json_bodies(world, body):
    with world.fresh() as (client, headers, attempt, _, _):
        for path in API_POSTS:
            response = client.post(path.format(attempt=attempt), json=body, headers=headers)
            assert response.status_code < 500, (path, body, response.get_data(as_text=True)[:300])
            assert response.is_json


@SETTINGS
@given(answers=st.dictionaries(st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "x", ""]), json_values, max_size=6))
def test_api_answer_values(world, answers):
    with world.fresh() as (client, headers, attempt, _, _):
        response = client.post(f"/api/v1/attempts/{attempt}/submit", json={"answers": answers}, headers=headers)
        # a fresh copy per example: the attempt is still open, so 409 (already submitted) cannot hide a crash
        assert response.status_code in (200, 400), (answers, response.get_data(as_text=True)[:300])


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_api_raw_bytes(world, raw):
    with world.fresh() as (client, headers, attempt, _, _):
        for path in API_POSTS:
            response = client.post(path.format(attempt=attempt), data=raw, content_type="application/json", headers=headers)
            assert response.status_code < 500, (path, raw)


@SETTINGS
@given(data=form_data, query=st.text(max_size=30))
def test_forms_and_queries(world, data, query):
    with world.fresh() as (_, _, _, browser, attempt):
        for path in FORM_POSTS:
            response = browser.post(path.format(attempt=attempt), data=data)
            assert response.status_code < 500, (path, data)
        for path in ("/search", "/api/v1/search", "/login", "/lessons/tcp", "/"):
            response = browser.get(path, query_string={"q": query, "next": query, "course": query})
            assert response.status_code < 500, (path, query)


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/api/v1/courses/%00", {}),
    ("get", "/lessons/a%00b", {}),
    ("get", "/search?q=%00", {}),
    ("post", "/api/v1/auth/token", {"json": {"email": "a\u0000@example.com", "password": "x" * 12}}),
    ("post", "/login", {"data": {"email": "a\x00@example.com", "password": "x"}}),
])
def test_nul_characters_are_a_clean_400(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
