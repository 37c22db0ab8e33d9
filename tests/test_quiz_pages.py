"""The paged quiz page (issue 14): pages, the navigation panel, "flag for later", the summary before
the final submit, Enter never submitting, drafts merged page by page (also from two tabs at once),
the API's page fields and draft saves, and the validator's `per_page`, give-away and quiz-size checks.
Uses its own pack (tests/fixtures/paged_pack): a 50-question lesson and a 5-question one with per_page: 2."""
import re
import shutil
import threading
from pathlib import Path

import pytest

from learnpath.content import pack
import sqlalchemy as sa

from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, ReviewCard
from learnpath.quiz import paging, services
from tests.conftest import api_token, import_over, sql_statements
from tests.test_quiz import _answers, _start

PAGED_PACK = Path(__file__).parent / "fixtures" / "paged_pack"
AGAIN = 1  # fsrs.Rating.Again


@pytest.fixture
def paged_app(make_app):
    return import_over(make_app(), PAGED_PACK)


@pytest.fixture
def paged_client(paged_app):
    client = paged_app.test_client()
    client.post("/signup", data={"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"})
    return client


def _ids(app, attempt_id) -> list[int]:
    with app.app_context():
        return list(db.session.get(Attempt, attempt_id).question_ids)


def _page_data(app, attempt_id, number, right=True) -> dict:
    """The form a page posts: its questions' answers (right or wrong) and its page number."""
    ids = _ids(app, attempt_id)
    size = paging.page_size(len(ids), None)
    on_page = {f"q{qid}" for qid in paging.pages(ids, size)[number - 1]}
    data = {k: v for k, v in _answers(app, attempt_id, right=right).items() if k.split("-")[0] in on_page}
    return {**data, "page": str(number)}


def _draft(app, attempt_id) -> tuple[dict, dict]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        return dict(attempt.draft or {}), dict(attempt.notes or {})


# ---- pure paging ----------------------------------------------------------------------------------

@pytest.mark.parametrize("count, per_page, size", [
    (15, None, 15), (16, None, 10), (50, None, 10), (0, None, 1), (50, 0, 50), (50, 7, 7), (3, 2, 2),
])
def test_page_size_defaults_and_settings(count, per_page, size):
    assert paging.page_size(count, per_page) == size


def test_places_and_pages_are_a_function_of_the_question_list():
    ids = [5, 9, 2, 7, 1]
    assert paging.pages(ids, 2) == [[5, 9], [2, 7], [1]]
    assert paging.places(ids, 2)[7] == paging.Place(page=2, position=2, number=4)
    assert [paging.clamp_page(raw, 3) for raw in ("2", "9", "0", "x", None, "²", "1" * 20)] == [2, 3, 1, 1, 1, 1, 1]
    states = paging.statuses(ids, 2, {"9": "a", "1": None}, {"2": {"flagged": True}})
    assert [(s.number, s.answered, s.flagged) for s in states] == [
        (1, False, False), (2, True, False), (3, False, True), (4, False, False), (5, False, False)]


# ---- the quiz page --------------------------------------------------------------------------------

def test_a_long_quiz_shows_ten_questions_per_page_with_a_navigation_panel(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    page = paged_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Page 1 of 5" in page and "Question 10 of 50" in page and "Question 11 of 50" not in page
    assert page.count('class="question"') == 10
    # The panel: one button per question, each saving this page and going to that question's page.
    ids = _ids(paged_app, attempt_id)
    assert re.findall(r'name="action" value="goto-(\d+)"', page) == [str(i) for i in ids]
    assert 'aria-label="Question 50, not answered"' in page
    assert 'value="page-2"' in page and 'value="page-0"' not in page  # Next, no Previous on page 1
    last = paged_client.get(f"/attempts/{attempt_id}?page=5").get_data(as_text=True)
    assert "Question 50 of 50" in last and 'value="page-4"' in last and 'value="page-6"' not in last
    # A page number out of range (or not a number) shows a page that exists.
    assert "Page 5 of 5" in paged_client.get(f"/attempts/{attempt_id}?page=99").get_data(as_text=True)
    assert "Page 1 of 5" in paged_client.get(f"/attempts/{attempt_id}?page=x").get_data(as_text=True)


def test_per_page_from_the_pack(paged_app, paged_client):
    attempt_id = _start(paged_client, "short-quiz")
    page = paged_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Page 1 of 3" in page and page.count('class="question"') == 2


def test_answers_are_kept_across_pages_and_reloads(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    response = paged_client.post(f"/attempts/{attempt_id}", data={**_page_data(paged_app, attempt_id, 1),
                                                                   "action": "page-2"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt_id}?page=2")
    paged_client.post(f"/attempts/{attempt_id}", data={**_page_data(paged_app, attempt_id, 2), "action": "page-1"})
    draft, _ = _draft(paged_app, attempt_id)
    ids = _ids(paged_app, attempt_id)
    # Every question of pages 1 and 2 but the untouched-looking ones is saved; pages 3-5 are not.
    assert set(map(int, draft)) == set(ids[:20])
    # Coming back (a reload, or another day) shows page 1 as answered.
    page = paged_client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    short = next(v for k, v in _page_data(paged_app, attempt_id, 1).items() if isinstance(v, str) and v.startswith("kiwi"))
    assert f'value="{short}"' in page and "20 of 50 answered" in page
    # Clearing an answer on a page clears it in the draft, and only that one.
    data = _page_data(paged_app, attempt_id, 1)
    cleared = next(k for k, v in data.items() if isinstance(v, str) and v.startswith("kiwi"))
    paged_client.post(f"/attempts/{attempt_id}", data={**data, cleared: "", "action": "save"})
    draft, _ = _draft(paged_app, attempt_id)
    assert cleared[1:] not in draft and len(draft) == 19


def test_enter_saves_and_stays_on_the_page(paged_app, paged_client):
    """Without JavaScript, Enter in a text field "clicks" the form's first button: it must be a save."""
    attempt_id = _start(paged_client, "long-quiz")
    page = paged_client.get(f"/attempts/{attempt_id}?page=2").get_data(as_text=True)
    form = page[page.index('<form method="post" class="quiz"'):]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="save"' in first_button and 'value="submit"' not in form  # no submit on a quiz page
    response = paged_client.post(f"/attempts/{attempt_id}", data={**_page_data(paged_app, attempt_id, 2), "action": "save"})
    assert response.headers["Location"].endswith("?page=2")
    with paged_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "in_progress" and len(attempt.draft) == 10
    assert 'src="/static/js/quiz.js"' in page


def test_the_visitor_form_does_not_grade_on_enter(paged_app):
    client = paged_app.test_client()
    page = client.get("/lessons/short-quiz/quiz").get_data(as_text=True)
    form = page[page.index('<form method="post" class="quiz"'):]
    assert 'value="save"' in re.search(r"<button[^>]*>", form).group(0)
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    again = client.post("/lessons/short-quiz/quiz/try", data={"seed": seed, "action": "save"})
    assert again.status_code == 200 and "Your result" not in again.get_data(as_text=True)


def test_flags_and_the_summary_before_submitting(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    ids = _ids(paged_app, attempt_id)
    flagged = ids[12]  # question 13, on page 2
    data = {**_page_data(paged_app, attempt_id, 2), f"flag-{flagged}": "1", "action": "review"}
    response = paged_client.post(f"/attempts/{attempt_id}", data=data)
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/summary")
    _, notes = _draft(paged_app, attempt_id)
    assert notes == {str(flagged): {"flagged": True}}
    summary = paged_client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "10 of 50 questions answered" in summary and "1 flagged for later" in summary
    unanswered = summary[summary.index('id="unanswered"'):summary.index("</ul>", summary.index('id="unanswered"'))]
    assert unanswered.count("<a ") == 40 and unanswered.count("<li>") == 4  # by page: pages 1, 3, 4 and 5
    assert f'href="/attempts/{attempt_id}?page=1#question-{ids[0]}">Question 1</a>' in unanswered
    assert f"#question-{ids[12]}" not in unanswered
    flagged_list = summary[summary.index('id="flagged"'):]
    assert f'href="/attempts/{attempt_id}?page=2#question-{flagged}">Question 13</a>' in flagged_list
    # The panel shows it, and the box stays ticked on its page.
    page = paged_client.get(f"/attempts/{attempt_id}?page=2").get_data(as_text=True)
    assert 'aria-label="Question 13, answered, flagged, on this page"' in page
    assert re.search(rf'name="flag-{flagged}" value="1"\s+checked', page)
    # Unflagging on the page clears it; the panel's button for question 45 saves and jumps to page 5.
    response = paged_client.post(f"/attempts/{attempt_id}", data={**_page_data(paged_app, attempt_id, 2),
                                                                   "action": f"goto-{ids[44]}"})
    assert response.headers["Location"].endswith(f"?page=5#question-{ids[44]}")
    assert _draft(paged_app, attempt_id)[1] == {}
    # "Submit answers" with questions unanswered shows the summary again, and submits nothing.
    response = paged_client.post(f"/attempts/{attempt_id}", data={"page": "5", "action": "review"})
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/summary")
    # The summary's submit grades the saved draft: 10 right, 40 blanks.
    response = paged_client.post(f"/attempts/{attempt_id}/submit", data={})
    assert response.status_code == 302
    with paged_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.score == 10 and attempt.max_score == 50
        assert db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.correct)) == 10
        # A blank is a "don't know": every one of the 40 became a review card rated Again.
        cards = {c.question_id: c for c in db.session.scalars(sa.select(ReviewCard))}
        assert len(cards) == 50
        assert sum(c.last_rating == AGAIN for c in cards.values()) == 40
    assert paged_client.get(f"/attempts/{attempt_id}/summary").status_code == 302  # submitted: the result
    assert paged_client.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 302  # no second result
    with paged_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 50


def test_an_untouched_ordering_question_on_a_page_stays_unanswered(paged_app, paged_client):
    attempt_id = _start(paged_client, "short-quiz")
    with paged_app.app_context():
        questions = services.attempt_questions(db.session.get(Attempt, attempt_id))
        ordering = next(q for q in questions if q.kind == "ordering")
    number = [q.id for q in questions].index(ordering.id) // 2 + 1
    page = paged_client.get(f"/attempts/{attempt_id}?page={number}").get_data(as_text=True)
    untouched = {name: "" for name in re.findall(rf'name="(q{ordering.id}-[^"]+)"', page)}
    assert len(untouched) == 3
    paged_client.post(f"/attempts/{attempt_id}", data={**untouched, "page": str(number), "action": "review"})
    assert str(ordering.id) not in _draft(paged_app, attempt_id)[0]
    summary = paged_client.get(f"/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert f"#question-{ordering.id}" in summary[summary.index('id="unanswered"'):]


def test_someone_elses_attempt_pages_and_summary_are_404(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    other = paged_app.test_client()
    other.post("/signup", data={"email": "eve@example.com", "password": "correct horse battery", "name": "Eve"})
    assert other.get(f"/attempts/{attempt_id}?page=2").status_code == 404
    assert other.get(f"/attempts/{attempt_id}/summary").status_code == 404
    assert other.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 404
    assert other.post(f"/attempts/{attempt_id}", data={"page": "1", "action": "save"}).status_code == 404


def test_a_malformed_answer_on_a_page_saves_nothing(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    data = _page_data(paged_app, attempt_id, 1)
    numeric = next(k for k, v in data.items() if isinstance(v, str) and v.replace(".", "").isdigit() and "-" not in k)
    response = paged_client.post(f"/attempts/{attempt_id}", data={**data, numeric: "twelve", "action": "page-2"})
    assert response.status_code == 400 and "Page 1 of 5" in response.get_data(as_text=True)
    assert _draft(paged_app, attempt_id)[0] == {}


# ---- two tabs saving pages of one attempt at once ---------------------------------------------------

def test_pages_saved_at_once_from_several_tabs_lose_no_answer(paged_app, paged_client):
    attempt_id = _start(paged_client, "long-quiz")
    pages = [_page_data(paged_app, attempt_id, n) for n in range(1, 6)]
    cookie = paged_client.get_cookie("session")
    for round_ in range(3):  # a few rounds: a lost update would show up as a missing page
        if round_:
            with paged_app.app_context():
                db.session.execute(sa.update(Attempt).where(Attempt.id == attempt_id).values(draft={}, notes={}))
                db.session.commit()
        barrier = threading.Barrier(len(pages))
        statuses = []

        def save(data):
            tab = paged_app.test_client()
            tab.set_cookie(cookie.key, cookie.value)
            barrier.wait()
            statuses.append(tab.post(f"/attempts/{attempt_id}", data={**data, "action": "save"}).status_code)

        threads = [threading.Thread(target=save, args=(data,)) for data in pages]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [302] * 5
        draft, _ = _draft(paged_app, attempt_id)
        assert set(map(int, draft)) == set(_ids(paged_app, attempt_id)), f"round {round_}: {len(draft)} of 50 kept"


def test_api_draft_saves_from_two_threads_are_merged(paged_app):
    client = paged_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/long-quiz/attempts", headers=headers).get_json()
    true_false = [q["id"] for q in attempt["questions"] if q["kind"] == "true_false"]
    halves = [true_false[::2], true_false[1::2]]
    barrier = threading.Barrier(2)

    def save(ids):
        barrier.wait()
        body = {"answers": {str(i): True for i in ids}, "flags": {str(ids[0]): True}}
        assert paged_app.test_client().post(f"/api/v1/attempts/{attempt['attempt_id']}", headers=headers,
                                            json=body).status_code == 200

    threads = [threading.Thread(target=save, args=(ids,)) for ids in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = client.get(f"/api/v1/attempts/{attempt['attempt_id']}", headers=headers).get_json()
    by_id = {q["id"]: q for q in saved["questions"]}
    assert all(by_id[i]["saved_answer"] is True for i in true_false)
    assert {i for i, q in by_id.items() if q["flagged"]} == {halves[0][0], halves[1][0]}


# ---- the API ----------------------------------------------------------------------------------------

def test_api_attempt_says_page_and_position_and_saves_drafts(paged_app):
    client = paged_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/long-quiz/attempts", headers=headers).get_json()
    assert attempt["page_size"] == 10 and attempt["page_count"] == 5
    questions = attempt["questions"]
    assert [(q["page"], q["position"], q["number"]) for q in questions[9:12]] == [(1, 10, 10), (2, 1, 11), (2, 2, 12)]
    assert not any(q["flagged"] or q["saved_answer"] is not None for q in questions)
    url = f"/api/v1/attempts/{attempt['attempt_id']}"
    first, second = questions[0], questions[1]
    assert first["kind"] == "true_false" and second["kind"] == "single"
    saved = client.post(url, headers=headers, json={
        "answers": {str(first["id"]): True, str(second["id"]): second["choices"][0]["id"]},
        "flags": {str(second["id"]): True}, "confidence": {str(first["id"]): "sure"}}).get_json()
    by_id = {q["id"]: q for q in saved["questions"]}
    assert by_id[first["id"]]["saved_answer"] is True and by_id[second["id"]]["flagged"]
    # Only what is named changes: clearing one answer keeps the other, the flag and the confidence.
    saved = client.post(url, headers=headers, json={"answers": {str(second["id"]): None}}).get_json()
    by_id = {q["id"]: q for q in saved["questions"]}
    assert by_id[first["id"]]["saved_answer"] is True and by_id[second["id"]]["saved_answer"] is None
    assert by_id[second["id"]]["flagged"]
    with paged_app.app_context():
        assert db.session.get(Attempt, attempt["attempt_id"]).notes[str(first["id"])]["confidence"] == "sure"
    # Bad input is a 400 naming the field; the quiz page's draft is the API's draft.
    for body in ({"answers": {"999999": True}}, {"answers": {str(first["id"]): "maybe"}}, {"flags": {str(first["id"]): 1}},
                 {"flags": {"12345678": True}}, {"answers": []}, {"confidence": {str(first["id"]): "very"}}):
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 400, body
    # Submitting with no answers in the body grades the saved draft.
    result = client.post(f"{url}/submit", headers=headers, json={"answers": {}}).get_json()
    assert result["score"] == 1 and result["max_score"] == 50
    assert client.post(url, headers=headers, json={"answers": {}}).status_code == 409
    lesson = client.get("/api/v1/lessons/long-quiz").get_json()
    assert lesson["pool_size"] == 50 and lesson["draw"] == 50


# ---- the validator -----------------------------------------------------------------------------------

@pytest.fixture
def paged_copy(tmp_path) -> Path:
    target = tmp_path / "paged"
    shutil.copytree(PAGED_PACK, target)
    return target


def _problems(pack: Path) -> list[str]:
    with pytest.raises(PackError) as error:
        load_pack(pack)
    return [str(p) for p in error.value.problems]


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


@pytest.mark.parametrize("value", ["0", "-3", "'ten'", "true", "2.5"])
def test_per_page_must_be_a_count_or_all(paged_copy, value):
    lesson = paged_copy / "lessons" / "short-quiz.md"
    lesson.write_text(lesson.read_text().replace("per_page: 2", f"per_page: {value}"))
    assert _problems(paged_copy) == [f"lessons/short-quiz.md:{_line(lesson, 'per_page')}: front matter: 'per_page' "
                                     "must be a whole number of questions (at least 1) or 'all'"]


def test_per_page_all_is_one_page(paged_copy):
    lesson = paged_copy / "lessons" / "short-quiz.md"
    lesson.write_text(lesson.read_text().replace("per_page: 2", "per_page: all"))
    assert load_pack(paged_copy).lessons["short-quiz"].per_page == 0
    assert load_pack(PAGED_PACK).lessons["long-quiz"].per_page is None


def test_a_short_text_answer_written_in_another_question_is_reported(paged_copy):
    lesson = paged_copy / "lessons" / "short-quiz.md"
    text = lesson.read_text()
    # Question 2's choices now contain question 3's accepted answer, as a word, in another case.
    lesson.write_text(text.replace('text: "Second of 2"', 'text: "Second of 2, not KIWI3"'))
    assert _problems(paged_copy) == [
        f"lessons/short-quiz.md:{_line(lesson, '- id: q3')}: question 'q3': its accepted answer 'kiwi3' appears in "
        f"question 'q2' (line {_line(lesson, '- id: q2')}), which gives it away; reword that question or ask this one "
        "another way"]
    # Inside a longer word it gives nothing away; in an explanation (shown after answering) neither.
    lesson.write_text(text.replace('text: "Second of 2"', 'text: "Second of 2, kiwi33"')
                      .replace('"Question 1 is answered by construction."', '"kiwi3 is the answer to another one."'))
    load_pack(paged_copy)
    # In a prompt it does.
    lesson.write_text(text.replace("Statement number 1 is true.", "Statement kiwi3 is true."))
    assert "question 'q3': its accepted answer 'kiwi3' appears in question 'q1'" in _problems(paged_copy)[0]


def test_a_summary_must_not_promise_a_wrong_quiz_size(paged_copy):
    lesson = paged_copy / "lessons" / "short-quiz.md"
    lesson.write_text(lesson.read_text().replace("summary: Five questions, two per page.",
                                                 "summary: Basics, with 25 practice questions."))
    assert _problems(paged_copy) == [f"lessons/short-quiz.md:{_line(lesson, 'summary:')}: front matter: the summary "
                                     "promises 25 questions, but an attempt asks 5"]
    lesson.write_text(lesson.read_text().replace("25 practice questions", "5 practice questions"))
    load_pack(paged_copy)


def test_submit_answers_goes_straight_through_when_all_are_answered_and_none_flagged(paged_app, paged_client):
    attempt_id = _start(paged_client, "short-quiz")
    page = lambda n: {k: v for k, v in _answers(paged_app, attempt_id).items()  # noqa: E731
                      if k.split("-")[0] in {f"q{i}" for i in paging.pages(_ids(paged_app, attempt_id), 2)[n - 1]}}
    paged_client.post(f"/attempts/{attempt_id}", data={**page(1), "page": "1", "action": "page-2"})
    paged_client.post(f"/attempts/{attempt_id}", data={**page(2), "page": "2", "action": "page-3"})
    last = {**page(3), "page": "3", "action": "review"}
    flagged = paged_client.post(f"/attempts/{attempt_id}", data={**last, f"flag-{_ids(paged_app, attempt_id)[4]}": "1"})
    assert flagged.headers["Location"].endswith("/summary")  # a flag asks for a second look
    response = paged_client.post(f"/attempts/{attempt_id}", data=last)
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}")
    with paged_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.score == 5


# ---- query budget ------------------------------------------------------------------------------------

def test_quiz_pages_and_the_summary_have_a_fixed_query_budget(paged_app, paged_client):
    """A page costs the same whichever page, however much is saved; so does the summary and a page save."""
    attempt_id = _start(paged_client, "long-quiz")

    def count(request, status=200):
        response, statements = sql_statements(paged_app, request)
        assert response.status_code == status
        return len(statements)

    empty = [count(lambda: paged_client.get(f"/attempts/{attempt_id}?page={n}")) for n in (1, 5)]
    summary_empty = count(lambda: paged_client.get(f"/attempts/{attempt_id}/summary"))
    ids = _ids(paged_app, attempt_id)
    posts = [{**_page_data(paged_app, attempt_id, n), f"flag-{ids[n * 10 - 1]}": "1", "action": f"page-{n + 1}"}
             for n in (1, 2, 3)]
    saves = [count(lambda data=data: paged_client.post(f"/attempts/{attempt_id}", data=data), status=302)
             for data in posts]
    full = [count(lambda: paged_client.get(f"/attempts/{attempt_id}?page={n}")) for n in (1, 5)]
    summary_full = count(lambda: paged_client.get(f"/attempts/{attempt_id}/summary"))
    assert empty == full and len(set(full)) == 1 and full[0] <= 6, (empty, full)
    assert summary_empty == summary_full <= 5, (summary_empty, summary_full)
    assert len(set(saves)) == 1 and saves[0] <= 5, saves


def test_a_capitalised_answer_is_a_name_that_plain_words_do_not_give_away():
    from_pack = pack._word_pattern
    assert from_pack("Once").search("use sync.Once here") and not from_pack("Once").search("called once for it")
    assert from_pack("copylocks").search("the COPYLOCKS analyzer")  # lowercase answers match in any case
    assert from_pack("%w").search("wrapped with %w, so") and from_pack("w") is None
