"""GET /api/v1/admin/learners and /api/v1/admin/learners/<id>: an admin's bearer token only, 404 otherwise."""
from datetime import timedelta

import pytest

from tests.conftest import sql_statements
from tests.test_admin_console import T0, _learners_with_activity, add_user, logged_in, token_for


@pytest.fixture
def admin_headers(app):
    add_user(app, "boss@example.com", "Boss", role="admin")
    return {"Authorization": f"Bearer {token_for(app, 'boss@example.com')}"}


def test_anyone_but_an_admin_token_gets_404(app, admin_headers):
    learner_id = add_user(app, "ada@example.com")
    learner = {"Authorization": f"Bearer {token_for(app, 'ada@example.com')}"}
    browser_admin = logged_in(app, "boss@example.com")  # a session, not a token
    for path in ("/api/v1/admin/learners", f"/api/v1/admin/learners/{learner_id}"):
        for client, headers in ((app.test_client(), {}), (app.test_client(), learner), (browser_admin, {}),
                                (app.test_client(), {"Authorization": "Bearer not-a-token"})):
            response = client.get(path, headers=headers)
            assert response.status_code == 404, (path, headers)
            assert response.get_json() == app.test_client().get("/api/v1/no-such-thing").get_json()
        assert app.test_client().get(path, headers=admin_headers).status_code == 200


def test_learners_list_search_sort_and_paging(app, admin_headers):
    client = app.test_client()
    _learners_with_activity(app)
    body = client.get("/api/v1/admin/learners", headers=admin_headers).get_json()
    assert [r["email"] for r in body["learners"]] == ["c-learner@example.com", "a-learner@example.com",
                                                      "b-learner@example.com", "d-learner@example.com", "boss@example.com"]
    assert body["learners"][0]["last_activity_at"] == (T0 + timedelta(days=12)).isoformat()
    assert body["learners"][3]["last_activity_at"] is None
    assert (body["total"], body["page"], body["pages"], body["sort"]) == (5, 1, 1, "activity")
    signed = client.get("/api/v1/admin/learners?sort=signed_up", headers=admin_headers).get_json()
    assert [r["email"] for r in signed["learners"]][1:] == ["d-learner@example.com", "c-learner@example.com",
                                                            "b-learner@example.com", "a-learner@example.com"]
    found = client.get("/api/v1/admin/learners?q=Learner%20A", headers=admin_headers).get_json()
    assert [r["email"] for r in found["learners"]] == ["a-learner@example.com"] and found["total"] == 1
    admins = client.get("/api/v1/admin/learners?show=admins", headers=admin_headers).get_json()
    assert [r["email"] for r in admins["learners"]] == ["boss@example.com"] and admins["show"] == "admins"
    assert client.get("/api/v1/admin/learners?show=disabled", headers=admin_headers).get_json()["total"] == 0
    for i in range(25):
        add_user(app, f"more{i:02d}@example.com")
    second = client.get("/api/v1/admin/learners?sort=email&page=2", headers=admin_headers).get_json()
    assert (second["total"], second["pages"], len(second["learners"])) == (30, 2, 5)
    assert [r["email"] for r in second["learners"]] == sorted(r["email"] for r in second["learners"])


@pytest.mark.parametrize("query, message", [
    ("sort=newest", "Unknown sort 'newest'"), ("show=ghosts", "Unknown filter show='ghosts'"), ("page=-1", "'page' must be a whole number"),
    ("page=100001", "'page' must be a whole number"),
])
def test_bad_parameters_are_400_naming_them(app, admin_headers, query, message):
    response = app.test_client().get(f"/api/v1/admin/learners?{query}", headers=admin_headers)
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]


def test_one_learner(app, admin_headers):
    learner_id = add_user(app, "ada@example.com", "Ada")
    browser = logged_in(app, "ada@example.com")
    browser.post("/courses/net-basics/enroll")
    attempt_id = int(browser.post("/lessons/tcp/attempts").headers["Location"].rstrip("/").split("/")[-1])
    browser.post(f"/attempts/{attempt_id}", data={"action": "submit"})
    client = app.test_client()
    body = client.get(f"/api/v1/admin/learners/{learner_id}", headers=admin_headers).get_json()
    assert (body["email"], body["name"], body["role"], body["disabled_at"]) == ("ada@example.com", "Ada", "learner", None)
    assert [e["course"] for e in body["enrollments"]] == ["net-basics"]
    assert body["enrollments"][0]["lessons_total"] == 2
    assert [(a["id"], a["scope"], a["title"], a["passed"]) for a in body["recent_attempts"]] == [
        (attempt_id, "lesson", "TCP: reliable streams", False)]
    assert body["streak"] == {"current": 1, "longest": 1} and body["answered"] >= 1
    assert client.get("/api/v1/admin/learners/999999", headers=admin_headers).status_code == 404


def test_admin_api_query_budget(app, admin_headers):
    client = app.test_client()
    learner_id = add_user(app, "ada@example.com")
    client.get("/api/v1/admin/learners", headers=admin_headers)  # the token's first use writes last_used_at
    sizes = []
    for more in (0, 10):
        for i in range(more):
            add_user(app, f"x{i}@example.com")
        counts = []
        for path in ("/api/v1/admin/learners", f"/api/v1/admin/learners/{learner_id}"):
            response, statements = sql_statements(app, lambda: client.get(path, headers=admin_headers))
            assert response.status_code == 200
            counts.append(len(statements))
        sizes.append(counts)
    assert sizes[0] == sizes[1] and sizes[0][0] <= 3 and sizes[0][1] <= 6, sizes
