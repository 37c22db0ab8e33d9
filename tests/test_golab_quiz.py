"""Go exercises served as questions (kind `go`): the pack loader, the quiz page, Run (form and API),
Submit, drafts, reviews, and what never reaches the browser. A fake Go queue stands in for the sandbox
(tests/golab_support.py); the real sandbox runs in test_golab_web_slow.py (`pytest -m slow`)."""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from learnpath.content.importer import import_pack
from learnpath.content.pack import PackError, load_pack
from learnpath.extensions import db
from learnpath.models import Answer, Attempt, Question, ReviewCard
from learnpath.quiz import services
from tests.conftest import FIXTURE_PACK, api_token, build_app, csrf_token, dispose
from tests.golab_support import fake_go_runner

EXERCISE = Path(__file__).parent / "fixtures" / "go" / "sum"
SOLUTION = (EXERCISE / "solution.go").read_text()
HIDDEN_SOURCE = (EXERCISE / "hidden_test.go").read_text()
WRONG = SOLUTION.replace("total += x", "total = x")
HIDDEN_MARKERS = ("SECRET-HIDDEN-MESSAGE", "func TestHiddenNegative", "499500", "total += x")


def add_go_exercise(pack: Path, lesson: str = "tcp", folder: Path = EXERCISE) -> Path:
    """Put the fixture exercise into a pack as go/<lesson>/<id>/ (and the topic it uses)."""
    target = pack / "go" / lesson / "sum-of-ints"
    shutil.copytree(folder, target)
    topics = pack / "topics.yaml"
    topics.write_text(topics.read_text() + "go: Go\n")
    return target


@pytest.fixture
def go_pack(pack_copy) -> Path:
    add_go_exercise(pack_copy)
    return pack_copy


@pytest.fixture
def go_runner():
    return fake_go_runner(solution=SOLUTION)


@pytest.fixture(scope="session")
def go_template(databases, tmp_path_factory) -> str:
    """The template database with the fixture pack plus the Go exercise imported, once per session:
    parsing and importing it for each test cost more than the test."""
    folder = tmp_path_factory.mktemp("go-template")
    pack = folder / "pack"
    shutil.copytree(FIXTURE_PACK, pack)
    add_go_exercise(pack)
    url = databases.create("go_template", folder, source=databases.template)
    app = build_app(url, folder / "instance")
    with app.app_context():
        import_pack(load_pack(pack))
    dispose(app)
    databases.seal(url)
    yield url
    databases.drop(url)


@pytest.fixture
def go_app(go_template, databases, tmp_path, instance_path, go_runner):
    """An app on this test's own copy of the Go template (the pack as `go_pack` has it)."""
    url = databases.create("go_case", tmp_path, source=go_template)
    app = build_app(url, instance_path, GO_RUNNER=go_runner)
    yield app
    dispose(app)
    databases.drop(url)


def signed_in(app, email="gopher@example.com"):
    """A signed-in browser: its API writes carry the session's CSRF token, as golab.js sends it."""
    client = app.test_client()
    client.post("/signup", data={"email": email, "password": "correct horse battery", "name": "Go"})
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/lessons/tcp/quiz")
    return client


@pytest.fixture
def go_client(go_app):
    return signed_in(go_app)


def go_question_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Question.id).where(Question.kind == "go"))


def start(client) -> int:
    response = client.post("/lessons/tcp/attempts")
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def assert_no_hidden(text: str) -> None:
    for marker in HIDDEN_MARKERS:
        assert marker not in text, marker


# ---- the pack ----------------------------------------------------------------------------------

def test_seed_exercises_load_as_questions_of_their_lessons(seed_pack):
    pack = seed_pack
    go = {(slug, q.key): q for slug, lesson in pack.lessons.items() for q in lesson.questions if q.kind == "go"}
    assert len(go) >= 31
    question = go[("goroutine-leaks", "fix-the-leak")] if ("goroutine-leaks", "fix-the-leak") in go else next(iter(go.values()))
    assert question.spec["hidden_names"] and question.spec["visible_names"] and question.spec["starter"]
    assert all(q.spec["solution"] and q.spec["hidden"] for q in go.values())


def test_exercise_edit_changes_lesson_hash_and_revision_but_keeps_history(go_app, go_client, go_pack):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    go_client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": "submit"})
    with go_app.app_context():
        before = db.session.get(Question, qid).revision
    hidden = go_pack / "go" / "tcp" / "sum-of-ints" / "hidden_test.go"
    hidden.write_text(hidden.read_text().replace("499500", "499500 /* edited */"))
    with go_app.app_context():
        report = import_pack(load_pack(go_pack))
        assert report.updated["questions"] == 1
        question = db.session.get(Question, qid)
        assert question.revision != before and not question.retired  # same row: the same question
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == qid))
        assert answer.revision == before
        assert import_pack(load_pack(go_pack)).summary() == "no changes"


@pytest.mark.parametrize("breakage, where", [
    (lambda d: (d / "hidden_test.go").unlink(), "hidden_test.go:1: "),
    (lambda d: (d / "starter.go").write_text("package main\n"), "starter.go:1: "),
    (lambda d: (d / "hidden_test.go").write_text((d / "hidden_test.go").read_text().replace("TestHiddenLong", "TestSumEmpty")),
     "hidden_test.go:11: "),
    (lambda d: (d / "exercise.yaml").write_text((d / "exercise.yaml").read_text().replace("difficulty: 1", "difficulty: 7")),
     "exercise.yaml:8: "),
    (lambda d: (d / "exercise.yaml").write_text((d / "exercise.yaml").read_text().replace("id: sum-of-ints", "id: other")),
     "exercise.yaml:1: "),
    (lambda d: shutil.rmtree(d / "wrong"), "sum-of-ints/wrong/:1: "),
    (lambda d: (d / "solution.go").write_text('package exercise\n\nimport "C"\n'), "solution.go:1: "),
    (lambda d: (d / "exercise.yaml").write_text("id: [unclosed\n"), "exercise.yaml:2: "),
])
def test_a_broken_exercise_names_its_file_and_line(pack_copy, breakage, where):
    folder = add_go_exercise(pack_copy)
    breakage(folder)
    with pytest.raises(PackError) as raised:
        load_pack(pack_copy)
    assert any(str(p).startswith(f"go/tcp/sum-of-ints/") and where in str(p) for p in raised.value.problems), \
        [str(p) for p in raised.value.problems]


def test_exercises_of_an_unknown_lesson_are_refused(pack_copy):
    add_go_exercise(pack_copy, lesson="no-such-lesson")
    with pytest.raises(PackError, match="go/no-such-lesson/:1: no lesson lessons/no-such-lesson.md"):
        load_pack(pack_copy)


def test_a_broken_exercise_writes_nothing(app, pack_copy):
    add_go_exercise(pack_copy)
    (pack_copy / "go" / "tcp" / "sum-of-ints" / "example_test.go").write_text("package exercise\n")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Question))
        with pytest.raises(PackError):
            import_pack(load_pack(pack_copy))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == count


# ---- the quiz page -----------------------------------------------------------------------------

def test_quiz_page_shows_editor_starter_visible_tests_and_hidden_names_only(go_app, go_client):
    attempt_id = start(go_client)
    html = go_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    qid = go_question_id(go_app)
    assert f'data-go-editor="{qid}"' in html and "// TODO" in html  # the textarea holds the starter
    assert "TestSumSmall" in html and 'class="highlight"' in html  # the visible tests, highlighted
    assert "TestHiddenNegative" in html and "TestHiddenLong" in html  # the hidden tests' names
    assert "js/golab.js" in html and "data-draft-url" in html
    assert_no_hidden(html)


def test_visitor_page_shows_the_exercise_without_secrets(go_app):
    html = go_app.test_client().get("/lessons/tcp/quiz").get_data(as_text=True)
    assert "data-go-editor" in html
    assert_no_hidden(html)


def test_api_presents_the_exercise_without_secrets(go_app):
    client = go_app.test_client()
    token = api_token(client)
    body = client.post("/api/v1/lessons/tcp/attempts", headers={"Authorization": f"Bearer {token}"}).get_json()
    go = next(q for q in body["questions"] if q["kind"] == "go")
    assert set(go) == {"id", "kind", "prompt_html", "starter", "example_test", "example_test_html", "hidden_names",
                       "race", "timeout_seconds", "page", "position", "number", "flagged", "saved_answer",
                       "saved_time_ms"}
    assert go["hidden_names"] == ["TestHiddenNegative", "TestHiddenLong"]
    assert_no_hidden(str(body))


# ---- Run without JavaScript ----------------------------------------------------------------------

def test_run_button_without_javascript_runs_visible_tests_and_saves_the_draft(go_app, go_client, go_runner):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    html = go_client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": f"run-{qid}"}).get_data(as_text=True)
    assert "Some tests fail" in html and "got 0, want 3" in html and "FAIL" in html
    assert go_runner.fake.payloads[-1]["hidden"] is False and go_runner.fake.payloads[-1]["hidden_test"]
    assert_no_hidden(html.replace(WRONG, ""))
    with go_app.app_context():
        assert db.session.get(Attempt, attempt_id).draft == {str(qid): WRONG}
    reloaded = go_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "total = x" in reloaded  # the draft, not the starter


def test_run_shows_compile_errors_with_lines(go_app, go_client):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    html = go_client.post(f"/attempts/{attempt_id}", data={f"q{qid}": "x", "action": f"run-{qid}"}).get_data(as_text=True)
    assert "Does not compile" in html and "solution.go:1:1" in html


# ---- Submit ------------------------------------------------------------------------------------

def _other_answers(app, attempt_id) -> dict:
    from tests.test_quiz import _answers

    return {k: v for k, v in _answers(app, attempt_id).items()}


def test_plain_form_submit_grades_the_go_exercise(go_app, go_client, go_runner):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    data = _other_answers(go_app, attempt_id)
    data.update({f"q{qid}": SOLUTION.replace("\n", "\r\n"), "action": "submit"})  # a textarea posts CRLF
    assert go_client.post(f"/attempts/{attempt_id}", data=data).status_code == 302
    assert go_runner.fake.payloads[-1]["hidden"] is True
    with go_app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == qid))
        assert answer.correct and answer.points == 1.0 and answer.response == SOLUTION
    html = go_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "All 4 tests pass." in html
    assert_no_hidden(html.replace(SOLUTION, ""))
    assert "Not shown: any solution.go that passes every test" in html


def test_wrong_submit_gives_partial_credit_a_review_card_and_no_hidden_source(go_app, go_client):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    go_client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": "submit"})
    with go_app.app_context():
        answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == qid))
        assert not answer.correct and answer.points == 0.5  # 2 of 4 tests pass in the fake
        assert "FAIL TestHiddenNegative" in answer.feedback and "SECRET" not in answer.feedback
        card = db.session.scalar(sa.select(ReviewCard).where(ReviewCard.question_id == qid))
        assert card is not None
    html = go_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "TestHiddenNegative" in html
    assert_no_hidden(html.replace(WRONG, ""))


def test_api_submit_with_code_as_the_value_and_no_solution_in_the_result(go_app):
    client = go_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    body = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    qid = next(q["id"] for q in body["questions"] if q["kind"] == "go")
    result = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers,
                         json={"answers": {str(qid): SOLUTION}}).get_json()
    item = next(r for r in result["results"] if r["question_id"] == qid)
    assert item["correct"] is True and item["answer"] == SOLUTION and item["correct_answer"] is None
    again = client.get(f"/api/v1/attempts/{body['attempt_id']}", headers=headers).get_data(as_text=True)
    assert_no_hidden(again.replace(SOLUTION.replace("\n", "\\n").replace("\t", "\\t"), ""))


def test_api_refuses_malformed_code(go_app):
    client = go_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client)}"}
    body = client.post("/api/v1/lessons/tcp/attempts", headers=headers).get_json()
    qid = next(q["id"] for q in body["questions"] if q["kind"] == "go")
    for value in (7, ["x"], "x" * 70_000, "é" * 40_000):  # the last: 80 KB of UTF-8 in 40,000 characters
        response = client.post(f"/api/v1/attempts/{body['attempt_id']}/submit", headers=headers,
                               json={"answers": {str(qid): value}})
        assert response.status_code == 400 and f"answers.{qid}" in response.get_json()["error"]["message"]


# ---- the lab unavailable -------------------------------------------------------------------------

@pytest.fixture
def no_lab_app(make_app, go_pack):
    app = make_app(GO_RUNNER=fake_go_runner(solution=SOLUTION, unavailable="bwrap is missing"))
    with app.app_context():
        import_pack(load_pack(go_pack))
    return app


@pytest.mark.expect_server_error  # the 503s are the point
def test_without_the_sandbox_run_and_submit_refuse_clearly_and_record_nothing(no_lab_app):
    client = signed_in(no_lab_app)
    attempt_id = start(client)
    qid = go_question_id(no_lab_app)
    run = client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": f"run-{qid}"})
    assert run.status_code == 200 and "The Go lab is not available on this server: bwrap is missing" in run.get_data(as_text=True)
    submit = client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": "submit"})
    assert submit.status_code == 503
    assert "The Go lab is not available on this server: bwrap is missing" in submit.get_data(as_text=True)
    with no_lab_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "in_progress" and attempt.draft[str(qid)] == WRONG
    api = client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG})
    assert api.status_code == 503 and "not available" in api.get_json()["error"]["message"]


def test_a_quiz_without_a_go_answer_submits_without_the_sandbox(no_lab_app):
    client = no_lab_app.test_client()
    client.post("/signup", data={"email": "g@example.com", "password": "correct horse battery", "name": "G"})
    attempt_id = start(client)
    assert client.post(f"/attempts/{attempt_id}", data={"action": "submit"}).status_code == 302


# ---- the Run API -------------------------------------------------------------------------------

def test_api_run_returns_visible_results(go_app, go_client):
    qid = go_question_id(go_app)
    response = go_client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG})
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "failed"
    assert {t["name"] for t in body["tests"]} == {"TestSumSmall", "TestSumEmpty"}  # visible only
    assert set(body) == {"status", "tests", "output", "diagnostics"}


def test_api_run_queued_then_polled_by_its_learner_only(go_app, go_client, go_runner):
    qid = go_question_id(go_app)
    go_runner.fake.hold()
    first = go_client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG, "wait": 0})
    second = go_client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG, "wait": 0})
    assert first.status_code == 202 and second.status_code == 202
    assert second.get_json()["label"] == "queued (1 ahead)"
    poll = second.get_json()["poll"]
    stranger = signed_in(go_app, "s@example.com")
    assert stranger.get(poll).status_code == 404
    assert go_client.get(poll.replace(f"/{qid}/", f"/{qid + 1}/")).status_code == 404
    assert go_client.get(poll + "x").status_code == 404
    go_runner.fake.release()
    done = go_client.get(poll + "?wait=1")
    assert done.status_code == 200 and done.get_json()["status"] == "failed"
    assert go_client.get(poll + "?wait=99").status_code == 400


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 5}, {"code": "x" * 70_000}, {"code": "x", "wait": -1},
                                  {"code": "x", "wait": "soon"}, {"code": "x", "wait": True}])
def test_api_run_rejects_bad_bodies(go_app, go_client, body):
    qid = go_question_id(go_app)
    assert go_client.post(f"/api/v1/questions/{qid}/run", json=body).status_code == 400


def test_api_run_is_throttled_per_learner(make_app, go_pack):
    app = make_app(GO_RUNNER=fake_go_runner(solution=SOLUTION), RATELIMIT_ENABLED=True, RATELIMIT_GO_RUN="2 per minute")
    with app.app_context():
        import_pack(load_pack(go_pack))
    client = signed_in(app)
    qid = go_question_id(app)
    codes = [client.post(f"/api/v1/questions/{qid}/run", json={"code": WRONG}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_api_run_of_a_non_exercise_is_404(go_app, go_client):
    with go_app.app_context():
        other = db.session.scalar(sa.select(Question.id).where(Question.kind == "single"))
    assert go_client.post(f"/api/v1/questions/{other}/run", json={"code": "x"}).status_code == 404
    assert go_client.get(f"/api/v1/questions/{other}/run/abc").status_code == 404


# ---- drafts ------------------------------------------------------------------------------------

def test_draft_api_merges_per_question_and_is_per_learner(go_app, go_client):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    url = f"/api/v1/attempts/{attempt_id}"  # the attempt's draft save (the editor autosaves here)
    assert go_client.post(url, json={"answers": {str(qid): WRONG}}).status_code == 200
    with go_app.app_context():
        assert db.session.get(Attempt, attempt_id).draft == {str(qid): WRONG}
    assert "total = x" in go_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert go_client.post(url, json={"answers": {"999999": "x"}}).status_code == 400
    assert go_client.post(url, json={"answers": []}).status_code == 400
    stranger = signed_in(go_app, "s@example.com")
    assert stranger.post(url, json={"answers": {str(qid): "x"}}).status_code == 404
    go_client.post(f"/attempts/{attempt_id}", data={"action": "submit"})
    assert go_client.post(url, json={"answers": {str(qid): WRONG}}).status_code == 409


def test_concurrent_draft_saves_of_two_questions_keep_both(go_app, go_client):
    attempt_id = start(go_client)
    with go_app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        questions = services.attempt_questions(attempt)
        go_q = next(q for q in questions if q.kind == "go")
        text_q = next(q for q in questions if q.kind == "short_text")
    barrier = threading.Barrier(2)
    errors = []

    def save(qid, value):
        try:
            with go_app.app_context():
                barrier.wait()
                services.save_draft(db.session.get(Attempt, attempt_id), {qid: value})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(go_q.id, WRONG)), threading.Thread(target=save, args=(text_q.id, "tcp"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with go_app.app_context():
        assert db.session.get(Attempt, attempt_id).draft == {str(go_q.id): WRONG, str(text_q.id): "tcp"}


# ---- review --------------------------------------------------------------------------------------

def test_review_presents_the_exercise_and_grades_it(go_app, go_client):
    attempt_id = start(go_client)
    qid = go_question_id(go_app)
    go_client.post(f"/attempts/{attempt_id}", data={f"q{qid}": WRONG, "action": "submit"})
    with go_app.app_context():
        card = db.session.scalar(sa.select(ReviewCard).where(ReviewCard.question_id == qid))
        card.due = card.due.replace(year=2000)
        db.session.execute(sa.update(ReviewCard).where(ReviewCard.question_id != qid).values(
            due=card.due.replace(year=2999)))
        db.session.commit()
        card_id, reviews = card.id, card.reviews
    page = go_client.get("/review").get_data(as_text=True)
    assert f'data-go-editor="{qid}"' in page and "js/golab.js" in page
    assert_no_hidden(page)
    response = go_client.post(f"/review/{card_id}", data={f"q{qid}": SOLUTION, "seen": str(reviews)})
    assert response.status_code == 302
    result = go_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "All 4 tests pass." in result
    assert_no_hidden(result.replace(SOLUTION, ""))

