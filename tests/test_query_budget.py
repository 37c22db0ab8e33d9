"""Every page and API endpoint issues a bounded number of SQL queries, whatever the history (no N+1)."""
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Lesson
from tests.conftest import api_token, sql_statements
from tests.test_quiz import _answers, _start

# A signed-in course page: the user, the catalog version (once a second outside tests), the learner's
# lesson rows, enrollment and course test; a lesson page: the user, the version and the lesson's row. Their
# shared part is rendered once per catalog version (pagecache.shell): `_count` is of a view after a write
# (the learner's rows are loaded again); a repeat view reads the user and the version only (below).
PAGES = [
    ("/", 6), ("/courses/net-basics", 5), ("/courses/api-course", 5), ("/lessons/tcp", 3),
    ("/lessons/tcp?course=api-course", 3), ("/lessons/tcp/quiz", 10), ("/search?q=tcp", 6), ("/dashboard", 9),
    ("/paths", 8), ("/topics/tcp", 10), ("/review", 12), ("/account", 6),
]
API = [
    # /me/progress: the token's owner, the catalog version (the stamp of the response the signed-in fast path
    # keeps; once a second outside tests), enrollments, course stats, totals. A repeat GET: two (test_lane.py).
    ("/api/v1/courses", 6), ("/api/v1/courses/net-basics", 6), ("/api/v1/lessons/tcp", 6), ("/api/v1/me/progress", 5),
    ("/api/v1/me/mastery", 8), ("/api/v1/me/reviews/due", 10),
]


def _statements(app, request, status=200) -> list[str]:
    response, statements = sql_statements(app, request)
    assert response.status_code == status, response.status_code
    return statements


def _count(app, client, path, headers=None):
    if path == "/dashboard":  # counted from scratch: nothing kept from the learner's previous view
        app.extensions["dashboard_cache"].clear()
        app.extensions["dashboard_parts"].clear()
    return len(_statements(app, lambda: client.get(path, headers=headers or {})))


def _history(app, client, rounds):
    for _ in range(rounds):
        for slug in ("packets", "tcp"):
            attempt_id = _start(client, slug)
            client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id, right=False), "action": "submit"})


def test_pages_have_a_fixed_query_budget(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    _history(app, client, 1)
    for path, _ in PAGES:
        if path.startswith(("/lessons/", "/courses/", "/dashboard")):
            client.get(path)  # the first view renders its shell (the dashboard: loads the catalog's facts)

    def flasks_count(path):
        # Flask's own count: a fast-path ticket would add the user's row it reads before handing a page
        # it cannot serve (a stale dashboard) to Flask; its repeat views are counted below.
        app.extensions["lane"].tickets.clear()
        return _count(app, client, path)

    app.extensions["learner_rows"].clear()  # as after a write
    small = {path: flasks_count(path) for path, _ in PAGES}
    _history(app, client, 4)
    app.extensions["learner_rows"].clear()
    for path, budget in PAGES:
        large = flasks_count(path)
        assert large == small[path] and large <= budget, (path, small[path], large, budget)


def test_a_repeat_view_of_a_lesson_or_course_page_reads_the_user_and_the_catalog_version_only(app, client, auth):
    auth.signup()
    client.post("/courses/net-basics/enroll")
    _history(app, client, 2)
    for path in ("/courses/net-basics", "/lessons/tcp", "/lessons/tcp?course=api-course", "/courses/api-course"):
        client.get(path)
        statements = _statements(app, lambda: client.get(path))
        assert len(statements) == 2, (path, statements)
        assert any('FROM "user"' in s or "FROM user" in s for s in statements)
        assert any("catalog_state" in s for s in statements)


def test_api_has_a_fixed_query_budget(app, client):
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    client.post("/api/v1/courses/net-basics/enrollment", headers=headers)

    def history(rounds):
        for _ in range(rounds):
            attempt = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
            client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=headers, json={"answers": {}})

    history(1)
    app.extensions.pop("progress_responses", None)  # a first GET: its response is not kept yet
    small = {path: _count(app, client, path, headers) for path, _ in API}
    history(5)
    app.extensions.pop("progress_responses", None)
    for path, budget in API:
        large = _count(app, client, path, headers)
        assert large == small[path] and large <= budget, (path, small[path], large, budget)


def test_catalog_pages_cost_the_same_for_every_course_and_lesson(app, client, auth):
    """Per-page cost does not depend on which course or lesson, nor on how many lessons it lists."""
    auth.signup()
    assert _count(app, client, "/courses/net-basics") == _count(app, client, "/courses/api-course")
    assert _count(app, client, "/lessons/packets") == _count(app, client, "/lessons/rest")


def test_quiz_submit_has_a_fixed_query_budget(app, client, auth):
    """Grading, answers, progress, aggregates and review cards: the same statements for a first
    submit and a later one (cards then exist), and for quizzes of different lengths. The catalog rows
    a submit reads come from the worker's catalog cache (filled by the first submit of each lesson in a
    worker, at most four statements: tests/test_submit_cache.py), filled here beforehand."""
    from learnpath.quiz import catalog_cache

    auth.signup()
    client.post("/courses/net-basics/enroll")
    with app.test_request_context():
        for slug in ("tcp", "packets"):
            lesson = db.session.scalars(sa.select(Lesson).where(Lesson.slug == slug)).one()
            catalog_cache.lesson(lesson.id)
            catalog_cache.questions([q.id for q in lesson.questions])

    def submit(slug):
        attempt_id = _start(client, slug)
        answers = {**_answers(app, attempt_id, right=False), "action": "submit"}
        return _statements(app, lambda: client.post(f"/attempts/{attempt_id}", data=answers), status=302)

    first, again, other = submit("tcp"), submit("tcp"), submit("packets")
    assert len(first) == len(again) == len(other) <= 12, (len(first), len(again), len(other))
    # Nothing is written one row at a time: one INSERT for the answers, one upsert for the cards.
    assert sum(s.startswith("INSERT INTO answer") for s in again) == 1
    assert sum(s.startswith("INSERT INTO review_card") for s in again) == 1


def test_due_reviews_cost_the_same_for_2_and_6_cards(app, client):
    """GET /me/reviews/due loads each card's question and lesson in the same statement (no N+1)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from learnpath.extensions import db
    from learnpath.models import Question, ReviewCard
    from learnpath.models._types import utcnow
    from learnpath.review import services as review

    headers = {"Authorization": f"Bearer {api_token(client)}"}

    def due_cards(n):
        with app.app_context():
            ids = db.session.scalars(sa.select(Question.id).where(Question.kind != "sql").order_by(Question.id)).all()[:n]
            review.record_answers(1, [(qid, False, None) for qid in ids], utcnow() - timedelta(days=30), 0.9)
            db.session.execute(sa.update(ReviewCard).values(due=utcnow() - timedelta(days=1)))
            db.session.commit()
            assert db.session.scalar(sa.select(sa.func.count(ReviewCard.id))) == n

    client.get("/api/v1/me/progress", headers=headers)  # the token's first use notes its last use: not counted here
    due_cards(2)
    two = _count(app, client, "/api/v1/me/reviews/due", headers)
    due_cards(6)
    response = client.get("/api/v1/me/reviews/due", headers=headers).get_json()
    assert response["due"] == 6 and len(response["cards"]) == 6
    six = _count(app, client, "/api/v1/me/reviews/due", headers)
    assert two == six <= 10, (two, six)
