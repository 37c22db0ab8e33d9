"""The load test (bench/loadtest.py) keeps working: a short run of 10 learners for 15 s against two
gunicorn servers on the local PostgreSQL and Redis ends with 0 errors and its exactly-once check passed,
and that check does catch a lost, duplicated or incomplete submit.

Needs the local PostgreSQL and Redis (CI has both) and Locust (the `test` extra); marked slow:
`pytest -m slow tests/test_loadtest_smoke.py`. Takes ~1-2 minutes (the catalog import is most of it).
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.test_two_servers import _reachable

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("LEARNPATH_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/11"  # not the full run's db 10: both may run at once

pytestmark = pytest.mark.slow


def _loadtest_module():
    spec = importlib.util.spec_from_file_location("bench_loadtest", ROOT / "bench" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    if not (_reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379)):
        pytest.skip("needs the local PostgreSQL (5432) and Redis (6379)")
    if importlib.util.find_spec("locust") is None:  # not imported here: Locust monkey-patches with gevent
        pytest.skip("needs Locust (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("loadtest")
    server = PG_URL.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    database_url = f"{server}/learnpath_load_smoke_{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "LEARNPATH_TEST_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadtest.py"), "--users", "10", "--duration", "15",
         "--spawn-rate", "5", "--database-url", database_url, "--redis-url", REDIS_URL, "--keep-db",
         "--report", str(out / "loadtest.md"), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    try:
        yield {"proc": proc, "out": out, "database_url": database_url}
    finally:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_short_load_test_has_no_errors_and_every_answer_once(smoke_run):
    proc, out = smoke_run["proc"], smoke_run["out"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((out / "result.json").read_text())
    assert result["total"]["requests"] > 50
    assert result["error_count"] == 0 and result["total"]["failures"] == 0 and result["errors"] == []
    actions = {row["name"] for row in result["actions"]}
    assert {"lesson page (HTML)", "quiz start (API)", "quiz submit (API)", "dashboard (HTML)"} <= actions, actions
    check = result["check"]
    assert check["problems"] == [] and check["not_ok"] == 0
    assert check["submits_ok"] > 0 and check["asked"] > 0  # the check had something to check
    assert check["totals"]["submitted"] == check["submits_ok"]
    report = (out / "loadtest.md").read_text()
    assert "**0 errors**" in report and "exactly-once check **passed**" in report


def test_the_exactly_once_check_catches_lost_duplicated_and_partial_submits(smoke_run):
    loadtest = _loadtest_module()
    records = [json.loads(line) for line in (smoke_run["out"] / "records.jsonl").read_text().splitlines()]
    url = smoke_run["database_url"]
    assert loadtest.check_exactly_once(url, records)["problems"] == []
    first = next(i for i, r in enumerate(records) if r["kind"] == "submit" and r["status"] == 200)

    lost = records[:first] + records[first + 1:]  # the server recorded a submit the client never saw succeed
    assert any("unaccounted" in p for p in loadtest.check_exactly_once(url, lost)["problems"])

    twice = records + [copy.deepcopy(records[first])]
    assert any("two submits" in p for p in loadtest.check_exactly_once(url, twice)["problems"])

    partial = copy.deepcopy(records)
    partial[first]["questions"].append(10**9)  # a question asked but no answer row for it
    assert any(f"attempt {records[first]['attempt']}:" in p for p in loadtest.check_exactly_once(url, partial)["problems"])
