"""Time on each question: the quiz page's hidden time-<id> fields and the API's `time_ms`, saved
page by page (the larger total kept), capped at 30 minutes, recorded on the answers at submit;
malformed values ignored on the form and refused (400) by the API, never a 500."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Attempt
from learnpath.quiz import services
from tests.conftest import api_token
from tests.test_quiz import _answers, _start
from tests.test_quiz_pages import _ids, paged_app, paged_client  # noqa: F401 (fixtures)

CAP = 30 * 60 * 1000


def _times(app, attempt_id) -> dict[int, int | None]:
    with app.app_context():
        return dict(db.session.execute(
            sa.select(Answer.question_id, Answer.time_ms).where(Answer.attempt_id == attempt_id)).all())


def _saved(app, attempt_id) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.get(Attempt, attempt_id).times_ms or {})


def _question_ids(app, attempt_id) -> list[int]:
    with app.app_context():
        return list(db.session.get(Attempt, attempt_id).question_ids)


def test_the_form_posts_times_that_land_on_the_answers(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    ids = _question_ids(app, attempt_id)
    # One hidden field per question, empty before anything was measured.
    assert re.findall(r'name="time-(\d+)" value=""', page) == [str(i) for i in ids]
    sent = {f"time-{qid}": str(ms) for qid, ms in zip(ids, (4000, 1000, 9000, 0))}
    response = client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), **sent, "action": "submit"})
    assert response.status_code == 302
    assert _times(app, attempt_id) == dict(zip(ids, (4000, 1000, 9000, 0)))


def test_without_the_script_nothing_is_measured(app, client, auth):
    """No field (an old page, no JavaScript: the field comes back blank) → NULL, and the submit works."""
    auth.signup()
    attempt_id = _start(client, "tcp")
    ids = _question_ids(app, attempt_id)
    blank = {f"time-{ids[0]}": ""}
    assert client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), **blank,
                                                        "action": "submit"}).status_code == 302
    assert _times(app, attempt_id) == dict.fromkeys(ids)


@pytest.mark.parametrize("raw, stored", [
    ("abc", None), ("-5", None), ("1.5", None), ("1e3", None), ("²", None), (" 12", None), ("0x10", None),
    ("3600000", CAP), ("9" * 5000, CAP), ("1799999", 1799999),
])
def test_malformed_or_huge_form_times_are_ignored_or_capped(app, client, auth, raw, stored):
    auth.signup()
    attempt_id = _start(client, "tcp")
    qid = _question_ids(app, attempt_id)[0]
    response = client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), f"time-{qid}": raw,
                                                            "action": "submit"})
    assert response.status_code == 302
    assert _times(app, attempt_id)[qid] == stored


def test_a_saved_page_keeps_the_larger_total_and_the_page_starts_from_it(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    first, second = _question_ids(app, attempt_id)[:2]
    client.post(f"/attempts/{attempt_id}", data={f"time-{first}": "5000", f"time-{second}": "700", "action": "save"})
    assert _saved(app, attempt_id) == {str(first): 5000, str(second): 700}
    # The page comes back with the totals so far, for the script to add to.
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'name="time-{first}" value="5000"' in page and f'name="time-{second}" value="700"' in page
    # A stale page (the back button, another tab) sends a smaller total: it does not lower the saved one.
    client.post(f"/attempts/{attempt_id}", data={f"time-{first}": "3000", f"time-{second}": "2500", "action": "save"})
    assert _saved(app, attempt_id) == {str(first): 5000, str(second): 2500}
    # The same total sent twice (a resubmitted form) counts once; a post without times keeps them.
    client.post(f"/attempts/{attempt_id}", data={f"time-{second}": "2500", "action": "save"})
    client.post(f"/attempts/{attempt_id}", data={"action": "save"})
    assert _saved(app, attempt_id) == {str(first): 5000, str(second): 2500}
    # The submit from the summary page (no fields at all) records what was saved.
    client.post(f"/attempts/{attempt_id}/submit", data={})
    times = _times(app, attempt_id)
    assert (times[first], times[second]) == (5000, 2500)
    assert sum(ms is None for ms in times.values()) == 2  # never measured


def test_times_follow_the_pages_of_a_paged_quiz(paged_app, paged_client):
    """short-quiz: 5 questions, 2 a page. Each page posts its own questions' times; the submit from
    the last page records all of them."""
    attempt_id = _start(paged_client, "short-quiz")
    ids = _ids(paged_app, attempt_id)
    ms = dict(zip(ids, (1200, 3400, 5600, 7800, 9000)))

    answers = _answers(paged_app, attempt_id)

    def post(number, action):
        on_page = ids[(number - 1) * 2:number * 2]
        data = {**{k: v for k, v in answers.items() if int(k[1:].split("-")[0]) in on_page},
                **{f"time-{qid}": str(ms[qid]) for qid in on_page}, "page": str(number), "action": action}
        return paged_client.post(f"/attempts/{attempt_id}", data=data)

    post(1, "page-2")
    post(2, "page-3")
    assert _saved(paged_app, attempt_id) == {str(qid): ms[qid] for qid in ids[:4]}
    # Back on page 1, its fields start from the saved totals.
    page = paged_client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert f'name="time-{ids[0]}" value="1200"' in page
    # "Submit answers" on the page saves it, then submits the saved draft (every question answered).
    assert post(3, "review").status_code == 302
    assert _times(paged_app, attempt_id) == ms


def test_a_visitors_quiz_ignores_time_fields(app, client):
    page = client.get("/lessons/tcp/quiz").get_data(as_text=True)
    assert 'name="time-' not in page  # nothing is saved for a visitor: nothing to measure
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    response = client.post("/lessons/tcp/quiz/try", data={"seed": seed, "time-1": "garbage", "action": "submit"})
    assert response.status_code == 200


# ---- the API --------------------------------------------------------------------------------------

@pytest.fixture
def api(client):
    return {"Authorization": f"Bearer {api_token(client)}"}


def _start_api(client, api) -> tuple[int, list[int]]:
    payload = client.post("/api/v1/lessons/tcp/attempts", headers=api).get_json()
    return payload["attempt_id"], [q["id"] for q in payload["questions"]]


def test_the_api_takes_time_ms_on_submit(app, client, api):
    attempt_id, ids = _start_api(client, api)
    body = {"answers": {}, "time_ms": {str(ids[0]): 4000, str(ids[1]): 2 * CAP, str(ids[2]): None}}
    response = client.post(f"/api/v1/attempts/{attempt_id}/submit", json=body, headers=api)
    assert response.status_code == 200
    # 2 × the cap is stored as the cap; null and a question left out are not measured.
    assert _times(app, attempt_id) == {ids[0]: 4000, ids[1]: CAP, ids[2]: None, ids[3]: None}


def test_the_api_saves_time_ms_with_a_draft_and_shows_it(app, client, api):
    attempt_id, ids = _start_api(client, api)
    saved = client.post(f"/api/v1/attempts/{attempt_id}", json={"time_ms": {str(ids[0]): 6000}}, headers=api)
    assert saved.status_code == 200
    assert [q["saved_time_ms"] for q in saved.get_json()["questions"]] == [6000, None, None, None]
    # A smaller total later (a stale client) does not lower it; the submit's larger one raises it.
    client.post(f"/api/v1/attempts/{attempt_id}", json={"time_ms": {str(ids[0]): 100}}, headers=api)
    assert _saved(app, attempt_id) == {str(ids[0]): 6000}
    client.post(f"/api/v1/attempts/{attempt_id}/submit", json={"answers": {}, "time_ms": {str(ids[0]): 6500,
                                                                                          str(ids[1]): 10}}, headers=api)
    assert _times(app, attempt_id)[ids[0]] == 6500 and _times(app, attempt_id)[ids[1]] == 10


@pytest.mark.parametrize("bad, message", [
    (1500.5, "a whole number of milliseconds"), (-1, "a whole number of milliseconds"),
    ("4000", "a whole number of milliseconds"), (True, "a whole number of milliseconds"),
    ([4000], "a whole number of milliseconds"),
])
def test_the_api_refuses_malformed_time_ms_with_a_400(app, client, api, bad, message):
    attempt_id, ids = _start_api(client, api)
    for path, body in ((f"/api/v1/attempts/{attempt_id}", {}), (f"/api/v1/attempts/{attempt_id}/submit", {"answers": {}})):
        response = client.post(path, json={**body, "time_ms": {str(ids[0]): bad}}, headers=api)
        assert response.status_code == 400, path
        assert response.get_json()["error"]["message"] == f"time_ms.{ids[0]}: {message}, 0 or more (round it)."
    assert _times(app, attempt_id) == {}  # nothing was submitted


@pytest.mark.parametrize("time_ms, message", [
    ([1, 2], "time_ms: must be an object mapping question ids to milliseconds."),
    ("fast", "time_ms: must be an object mapping question ids to milliseconds."),
    ({"99999": 5}, "time_ms.99999: not a question of this attempt."),
])
def test_the_api_names_a_bad_time_ms_object(client, api, time_ms, message):
    attempt_id, _ = _start_api(client, api)
    response = client.post(f"/api/v1/attempts/{attempt_id}/submit", json={"answers": {}, "time_ms": time_ms}, headers=api)
    assert response.status_code == 400 and response.get_json()["error"]["message"] == message


def test_form_time_parsing_is_pure_and_capped():
    class Q:
        def __init__(self, qid):
            self.id = qid
    form = {"time-1": "250", "time-2": "", "time-3": "12a", "time-4": "99999999999"}
    assert services.parse_form_times([Q(1), Q(2), Q(3), Q(4), Q(5)], form) == {1: 250, 4: CAP}
    assert services.MAX_TIME_MS == CAP


def test_the_learners_data_export_carries_the_times(app, client, auth):
    auth.signup()
    attempt_id = _start(client, "tcp")
    first, *rest = _question_ids(app, attempt_id)
    client.post(f"/attempts/{attempt_id}", data={**_answers(app, attempt_id), f"time-{first}": "4321", "action": "submit"})
    [attempt] = client.get("/account/export").get_json()["attempts"]
    times = {a["question_id"]: a["time_ms"] for a in attempt["answers"]}
    assert times == {first: 4321, **dict.fromkeys(rest)}


def test_concurrent_saves_keep_the_largest_total_and_every_question(app, client, api):
    """Two tabs, retried requests: eight saves at once, each with its own totals. The merge is one UPDATE,
    so no save overwrites another's question or lowers a total (SQLite and PostgreSQL)."""
    import threading
    attempt_id, ids = _start_api(client, api)
    barrier = threading.Barrier(8, timeout=30)
    statuses = []

    def save(n):
        local = app.test_client()
        barrier.wait()
        body = {"time_ms": {str(ids[0]): 1000 * (n + 1), str(ids[1 + n % 3]): 500 + n}}
        statuses.append(local.post(f"/api/v1/attempts/{attempt_id}", json=body, headers=api).status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    # question 0: the largest of 1000..8000; questions 1-3: the largest 500+n among the n that wrote them
    assert _saved(app, attempt_id) == {str(ids[0]): 8000, str(ids[1]): 506, str(ids[2]): 507, str(ids[3]): 505}
