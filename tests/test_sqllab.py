"""SQL lab: the sandbox refuses what it must within the time limit; grading by execution."""
import time

import pytest
import sqlalchemy as sa

from learnpath.extensions import db
from learnpath.models import Answer, Question
from learnpath.quiz.grading import grade
from learnpath.sqllab import datasets, engine
from tests.conftest import api_token

LIMIT_MARGIN = engine.TIME_LIMIT + 1.5
RUNAWAY_LIMIT = 0.5  # seconds: a short limit keeps the runaway tests quick
# Wall-clock upper bounds only prove that a query stops at all (without the timer these never end):
# on a loaded machine this process may wait seconds for a core, so a tight wall bound is a flake.
STOPS_WITHIN = RUNAWAY_LIMIT + 30


@pytest.fixture
def sql_question(app):
    with app.app_context():
        question = db.session.scalar(sa.select(Question).filter_by(kind="sql"))
        db.session.expunge(question)
        return question


@pytest.fixture
def visible_db(app, sql_question):
    with app.app_context():
        return datasets.store().path(sql_question.spec["dataset"], sql_question.spec["dataset_version"])


def test_plain_query_runs(visible_db):
    result = engine.run(visible_db, "SELECT name, city FROM customers ORDER BY id")
    assert result.columns == ["name", "city"] and result.rows[1] == ("Grace", None) and not result.truncated


@pytest.mark.parametrize("sql, kind", [
    ("INSERT INTO customers VALUES (9, 'Eve', NULL)", "refused"),
    ("UPDATE customers SET name = 'x'", "refused"),
    ("DELETE FROM orders", "refused"),
    ("DROP TABLE orders", "refused"),
    ("CREATE TABLE t (a INT)", "refused"),
    ("ATTACH '/tmp/evil.duckdb' AS evil", "refused"),
    ("COPY customers TO '/tmp/out.csv'", "refused"),
    ("SELECT * FROM read_csv('/etc/passwd')", "refused"),
    ("SELECT * FROM read_csv_auto('http://example.com/x.csv')", "refused"),
    ("SELECT * FROM read_parquet('/tmp/x.parquet')", "refused"),
    ("SELECT * FROM read_text('/etc/hostname')", "refused"),
    ("SELECT * FROM glob('/etc/*')", "refused"),
    ("INSTALL httpfs", "refused"),
    ("LOAD httpfs", "refused"),
    ("SET threads = 8", "refused"),
    ("PRAGMA version", "refused"),
    ("SELECT 1; SELECT 2", "refused"),
    ("SELECT 1; DROP TABLE orders", "refused"),
    ("SELEC name FROM customers", "error"),
    ("SELECT nope FROM customers", "error"),
    ("", "refused"),
])
def test_sandbox_refuses(visible_db, sql, kind):
    started = time.process_time()  # CPU time: waiting for a core on a busy machine does not count
    with pytest.raises(engine.SqlError) as exc:
        engine.run(visible_db, sql)
    assert exc.value.kind == kind, exc.value.message
    assert exc.value.message
    assert time.process_time() - started < LIMIT_MARGIN


@pytest.mark.parametrize("sql", [
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT count(*) FROM range(100000000) a, range(100000000) b",
])
def test_runaway_queries_stop_at_the_time_limit(visible_db, sql):
    started = time.perf_counter()
    with pytest.raises(engine.SqlError) as exc:
        engine.run(visible_db, sql, time_limit=RUNAWAY_LIMIT)
    elapsed = time.perf_counter() - started
    assert exc.value.kind in ("timeout", "error"), exc.value.message
    if exc.value.kind == "timeout":  # stopped by the timer: never before the limit
        assert elapsed >= RUNAWAY_LIMIT and f"{RUNAWAY_LIMIT:g} s" in exc.value.message
    assert elapsed < STOPS_WITHIN


def test_huge_query_string_is_refused_fast(visible_db):
    started = time.process_time()  # CPU time: refused before any parsing, whatever the machine's load
    with pytest.raises(engine.SqlError) as exc:
        engine.run(visible_db, "SELECT 1 " + " " * (10 * 1024 * 1024))
    assert exc.value.kind == "refused" and time.process_time() - started < 1


def test_row_limit(visible_db):
    result = engine.run(visible_db, "SELECT * FROM range(5000)")
    assert len(result.rows) == engine.ROW_LIMIT and result.truncated


def test_dataset_file_is_unchanged_by_attempts(visible_db):
    before = visible_db.read_bytes()
    for sql in ("DELETE FROM orders", "UPDATE customers SET name = 'x'", "DROP TABLE customers"):
        with pytest.raises(engine.SqlError):
            engine.run(visible_db, sql)
    assert visible_db.read_bytes() == before


def _q(cols, rows):
    return engine.QueryResult(cols, rows, False, 0)


@pytest.mark.parametrize("expected, got, ordered, match, message", [
    (_q(["a"], [(1,), (2,)]), _q(["x"], [(2,), (1,)]), False, False, None),
    (_q(["a"], [(1,), (2,)]), _q(["a"], [(2,), (1,)]), True, False, "not in the required order"),
    (_q(["a"], [(1,), (2,)]), _q(["a"], [(1,)]), False, False, "Wrong number of rows: expected 2, got 1. Missing 1 row(s), e.g. (2)"),
    (_q(["a"], [(1,)]), _q(["a"], [(1,), (3,)]), False, False, "1 unexpected row(s), e.g. (3)"),
    (_q(["a", "b"], [(1, 2)]), _q(["a"], [(1,)]), False, False, "returns 1 column(s); the task needs 2"),
    (_q(["avg"], [(2.5,)]), _q(["x"], [(2.5000000001,)]), False, False, None),
    (_q(["a"], [(1,)]), _q(["b"], [(1,)]), False, True, "Column names differ"),
    (_q(["a"], [(1,), (1,)]), _q(["a"], [(1,), (2,)]), False, False, "Same number of rows, but the rows differ."),
])
def test_compare(expected, got, ordered, match, message):
    result = engine.compare(expected, got, ordered=ordered, match_columns=match)
    assert (result is None) if message is None else (message in result)


def test_grading_uses_the_hidden_dataset(app, sql_question):
    spec = sql_question.spec
    with app.app_context():
        right = grade("sql", spec, "SELECT name, COUNT(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY name")
        assert right.correct and right.points == 1.0
        # Fits the visible rows only: hard-coded names.
        overfit = grade("sql", spec, "SELECT * FROM (VALUES ('Ada', 2), ('Linus', 1)) t(name, n)")
        assert not overfit.correct and "hidden dataset" in overfit.feedback
        wrong = grade("sql", spec, "SELECT name, 1 FROM customers")
        assert not wrong.correct and "Wrong number of rows: expected 2, got 3" in wrong.feedback
        refused = grade("sql", spec, "DELETE FROM orders")
        assert not refused.correct and "SELECT" in refused.feedback
        assert not grade("sql", spec, "").correct and not grade("sql", spec, 42).correct


def test_sql_question_in_an_attempt_via_api(app, client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    attempt = client.post("/api/v1/lessons/rest/attempts", headers=h).get_json()
    sql_q = next(q for q in attempt["questions"] if q["kind"] == "sql")
    assert sql_q["dataset"] == "shop" and "reference" not in str(sql_q)
    run = client.post(f"/api/v1/questions/{sql_q['id']}/run", headers=h, json={"sql": "SELECT name FROM customers ORDER BY id"})
    assert run.status_code == 200 and run.get_json()["rows"] == [["Ada"], ["Grace"], ["Linus"]]
    bad = client.post(f"/api/v1/questions/{sql_q['id']}/run", headers=h, json={"sql": "DROP TABLE customers"})
    assert bad.status_code == 400 and bad.get_json()["error"]["kind"] == "refused"
    body = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h, json={"answers": {
        str(sql_q["id"]): "SELECT c.name, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY 1"}}).get_json()
    result = next(r for r in body["results"] if r["question_id"] == sql_q["id"])
    assert result["correct"] and "GROUP BY c.name" in result["correct_answer"] and result["feedback"]
    with app.app_context():
        stored = db.session.scalar(sa.select(Answer).filter_by(question_id=sql_q["id"]))
        assert stored.correct and stored.feedback


def test_run_button_without_javascript(app, client, auth):
    auth.signup()
    location = client.post("/lessons/rest/attempts").headers["Location"]
    attempt_id = int(location.split("/attempts/")[1].split("?")[0])
    with app.app_context():
        qid = db.session.scalar(sa.select(Question.id).filter_by(kind="sql"))
    page = client.post(f"/attempts/{attempt_id}", data={f"q{qid}": "SELECT city FROM customers WHERE city IS NULL",
                                                        "action": f"run-{qid}"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "1 row" in html and "<td>NULL</td>" in html
    assert "SELECT city FROM customers WHERE city IS NULL" in html  # the query stays in the box (saved as a draft)
    assert "GROUP BY c.name" not in html  # the reference never reaches the page before submission
    assert "customers" in html and "(3 rows)" in html  # schema and sample rows beside the exercise


def test_run_endpoint_rejects_non_sql_and_unknown_questions(app, client):
    h = {"Authorization": f"Bearer {api_token(client)}"}
    with app.app_context():
        other = db.session.scalar(sa.select(Question.id).filter(Question.kind != "sql"))
    assert client.post(f"/api/v1/questions/{other}/run", headers=h, json={"sql": "SELECT 1"}).status_code == 404
    assert client.post("/api/v1/questions/99999999999/run", headers=h, json={"sql": "SELECT 1"}).status_code == 404
    assert client.post(f"/api/v1/questions/{other}/run", headers=h, json={}).status_code in (400, 404)


def test_editing_only_a_dataset_restamps_its_questions(app, client, pack_copy):
    """Issue 12: a changed data.sql reaches the preview, Run and grading, and the question's revision."""
    from learnpath.content.importer import import_pack
    from learnpath.content.pack import load_pack
    from learnpath.models import Dataset

    h = {"Authorization": f"Bearer {api_token(client)}"}
    with app.app_context():
        question = db.session.scalar(sa.select(Question).filter_by(kind="sql"))
        qid, old_version, old_revision = question.id, question.spec["dataset_version"], question.revision
    names = {"sql": "SELECT name FROM customers ORDER BY id"}
    assert client.post(f"/api/v1/questions/{qid}/run", headers=h, json=names).get_json()["rows"] == \
        [["Ada"], ["Grace"], ["Linus"]]  # the old version's file is built and cached
    data_sql = pack_copy / "datasets" / "shop" / "data.sql"
    data_sql.write_text(data_sql.read_text() + "INSERT INTO customers VALUES (4, 'Margaret', 'Boston');\n"
                                               "INSERT INTO orders VALUES (13, 4, 5.00);\n")
    with app.app_context():
        report = import_pack(load_pack(pack_copy))
        assert report.updated["datasets"] == 1 and report.updated["questions"] == 1
        question = db.session.get(Question, qid)
        new_version = question.spec["dataset_version"]
        dataset = db.session.scalar(sa.select(Dataset).filter_by(name="shop"))
        assert new_version == dataset.version != old_version and question.revision != old_revision
        assert "Margaret" not in dataset.preview_html  # the preview shows three sample rows...
        assert "(4 rows)" in dataset.preview_html  # ...of the new four
        store = datasets.store()
        assert new_version in store.path("shop", new_version).name
        with pytest.raises(datasets.DatasetChanged):  # a file is only ever built from the version it is named by
            datasets.DatasetStore(store.directory / "fresh", store.source).path("shop", old_version)
    run = client.post(f"/api/v1/questions/{qid}/run", headers=h, json=names).get_json()
    assert run["rows"] == [["Ada"], ["Grace"], ["Linus"], ["Margaret"]]
    attempt = client.post("/api/v1/lessons/rest/attempts", headers=h).get_json()
    old_result = "SELECT * FROM (VALUES ('Ada', 2), ('Linus', 1)) t(name, n)"  # right before the edit
    body = client.post(f"/api/v1/attempts/{attempt['attempt_id']}/submit", headers=h,
                       json={"answers": {str(qid): old_result}}).get_json()
    result = next(r for r in body["results"] if r["question_id"] == qid)
    assert not result["correct"] and "Wrong number of rows: expected 3, got 2" in result["feedback"]
    with app.app_context():
        assert db.session.scalar(sa.select(Answer.revision).filter_by(question_id=qid)) == question.revision
    # A second import of the same pack changes nothing.
    with app.app_context():
        assert not import_pack(load_pack(pack_copy)).changed


def test_each_app_has_its_own_dataset_store(app, make_app, sql_question):
    """Caches belong to an app's store, under its instance folder: nothing carries from one app to the next."""
    from pathlib import Path

    other = make_app(SECRET_KEY="another")
    first, second = datasets.store(app), datasets.store(other)
    assert first is not second and first.directory == Path(app.instance_path) / "sqllab"
    with app.app_context():
        first.path(sql_question.spec["dataset"], sql_question.spec["dataset_version"])
    assert first._path.cache_info().currsize == 1 and second._path.cache_info().currsize == 0
