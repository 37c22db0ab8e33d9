"""The Go lab's runner (Run / Submit on an exercise), its queue, and the exercise checker, on the fixtures in
tests/fixtures/go/ (and on seeds/go/ when the pack has Go exercises)."""
from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from pathlib import Path

import pytest

from learnpath.golab import jobs, runner, sandbox
from learnpath.golab.runner import Exercise
from tests.golab_support import go_sandbox  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "go"
SUM = FIXTURES / "sum"
COUNTER = FIXTURES / "counter"
sys.path.insert(0, str(ROOT / "tools"))


def _code(path: Path) -> str:
    return path.read_text()


def _public_text(result: runner.RunResult) -> str:
    return json.dumps(result.to_dict())


def test_run_reports_each_visible_test(go_sandbox):
    result = runner.run_exercise(SUM, _code(SUM / "solution.go"), hidden=False)
    assert result.status == "passed", result.output
    assert [(t.name, t.passed) for t in result.tests] == [("TestSumSmall", True), ("TestSumEmpty", True)]


def test_run_shows_got_and_want_of_a_failing_visible_test(go_sandbox):
    result = runner.run_exercise(SUM, _code(SUM / "wrong" / "skips-first.go"), hidden=False)
    assert result.status == "failed"
    small = next(t for t in result.tests if t.name == "TestSumSmall")
    assert not small.passed and "Sum([1 2 3]) = 5, want 6" in small.message
    assert "example_test.go:7" in small.message


def test_submit_runs_hidden_tests_and_never_returns_their_source(go_sandbox):
    result = runner.run_exercise(SUM, _code(SUM / "wrong" / "positives-only.go"), hidden=True)
    assert result.status == "failed"
    by_name = {t.name: t for t in result.tests}
    assert by_name["TestSumSmall"].passed and by_name["TestHiddenLong"].passed
    assert not by_name["TestHiddenNegative"].passed and by_name["TestHiddenNegative"].message == ""
    assert (result.hidden_passed, result.hidden_total, result.points) == (1, 2, 0.5)
    text = _public_text(result)
    assert "SECRET-HIDDEN-MESSAGE" not in text and "hidden_test.go" not in text and "-7, 3, -1" not in text


def test_submit_of_the_reference_passes_everything(go_sandbox):
    result = runner.run_exercise(SUM, _code(SUM / "solution.go"), hidden=True)
    assert result.status == "passed" and result.points == 1.0 and len(result.tests) == 4


def test_hidden_tests_that_do_not_compile_against_the_code_say_so_without_their_source(go_sandbox):
    exercise = Exercise(example_test=_code(SUM / "example_test.go"), hidden_test=(
        'package exercise\n\nimport "testing"\n\nfunc TestHiddenMean(t *testing.T) {\n'
        '\tif SecretMean([]int{2, 4}) != 3 {\n\t\tt.Fatal("SECRET")\n\t}\n}\n'))
    result = runner.run_exercise(exercise, _code(SUM / "solution.go"), hidden=True)
    assert result.status == "compile_error"
    assert "hidden tests do not compile" in result.output
    assert "SecretMean" not in _public_text(result) and "hidden_test.go" not in _public_text(result)


def test_race_report_is_trimmed_to_the_learners_file(go_sandbox):
    result = runner.run_exercise(COUNTER, _code(COUNTER / "wrong" / "unguarded.go"), hidden=False)
    assert result.status == "failed"
    assert "WARNING: DATA RACE" in result.output
    assert "solution.go:7" in result.output
    assert "/work/" not in result.output and "testing.go" not in result.output.split("WARNING: DATA RACE")[1]
    assert "+0x" not in result.output


def test_race_free_solution_passes_under_race(go_sandbox):
    result = runner.run_exercise(COUNTER, _code(COUNTER / "solution.go"), hidden=True)
    assert result.status == "passed", result.output


@pytest.mark.slow
def test_a_deadlock_is_a_timeout_that_names_the_stuck_test(go_sandbox):
    """In a test binary the testing package's alarm keeps Go's deadlock detector quiet: -timeout catches it."""
    code = "package exercise\n\nfunc Sum(xs []int) int {\n\tch := make(chan int)\n\treturn <-ch\n}\n"
    result = runner.run_exercise(SUM, code, hidden=False)
    assert result.status == "timeout", result.output
    assert "TestSumSmall did not finish in time" in result.output
    assert "goroutine" not in result.output.split("time limit")[0] or "panic: test timed out" in result.output


@pytest.mark.slow
def test_a_test_that_never_ends_is_named_as_a_timeout(go_sandbox):
    code = "package exercise\n\nimport \"time\"\n\nfunc Sum(xs []int) int {\n\ttime.Sleep(time.Hour)\n\treturn 0\n}\n"
    result = runner.run_exercise(SUM, code, hidden=False, limits=sandbox.Limits(wall_seconds=15))
    assert result.status == "timeout"
    assert "time" in result.output


def test_oversized_code_is_refused():
    with pytest.raises(runner.CodeRefused, match="larger than"):
        runner.run_exercise(SUM, "package exercise\n" + "// x\n" * 40000, hidden=False)


# --- the queue ------------------------------------------------------------------------------------

def test_queue_reports_position_and_is_bounded(monkeypatch):
    release = threading.Event()
    started = threading.Event()

    def slow_execute(payload):
        started.set()
        release.wait(10)
        return {"status": "passed", "n": payload["n"]}

    monkeypatch.setattr(jobs, "execute", slow_execute)
    queue = jobs.InProcessQueue(workers=1, max_waiting=2)
    try:
        first = queue.submit({"n": 1})
        assert started.wait(5)
        second, third = queue.submit({"n": 2}), queue.submit({"n": 3})
        assert queue.state(first).state == "running"
        assert queue.state(second).label == "queued (0 ahead)"
        assert queue.state(third).label == "queued (1 ahead)"
        with pytest.raises(jobs.QueueFull):
            queue.submit({"n": 4})
        release.set()
        assert queue.wait(third, 10).result == {"status": "passed", "n": 3}
        assert queue.state(first).result["n"] == 1
        assert queue.state("no-such-job") is None
    finally:
        release.set()
        queue.close()


@pytest.mark.slow
def test_twenty_simultaneous_runs_are_served_by_cores_workers(go_sandbox):
    exercise = Exercise.load(SUM)
    queue = jobs.InProcessQueue(workers=2)
    try:
        ids = [queue.submit(jobs.RunRequest.for_exercise(exercise, _code(SUM / "solution.go"), hidden=False).__dict__)
               for _ in range(6)]
        states = [queue.state(i) for i in ids]
        assert sum(s.state == "queued" for s in states) >= 4
        results = [queue.wait(i, 300).result for i in ids]
    finally:
        queue.close()
    assert all(r["status"] == "passed" for r in results), results


@pytest.mark.slow
def test_rq_worker_mode_runs_the_same_job(go_sandbox):
    redis = pytest.importorskip("redis")
    from rq import SimpleWorker

    url = os.environ.get("LEARNPATH_GO_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis must be reachable at {url} in CI")
        pytest.skip(f"no Redis at {url}")
    queue = jobs.RQQueue(url, queue_name=f"learnpath-go-test-{uuid.uuid4().hex[:8]}")
    exercise = Exercise.load(SUM)
    try:
        job_id = queue.submit(jobs.RunRequest.for_exercise(exercise, _code(SUM / "wrong" / "positives-only.go"),
                                                           hidden=True).__dict__)
        assert queue.state(job_id).label == "queued (0 ahead)"
        SimpleWorker([queue.queue], connection=queue.queue.connection).work(burst=True)
        state = queue.state(job_id)
    finally:
        queue.queue.empty()
        queue.queue.delete(delete_jobs=True)
    assert state.state == "done"
    assert state.result["status"] == "failed" and state.result["points"] == 0.5


# --- the checker ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_checker_accepts_the_fixture_exercises(go_sandbox):
    import check_go_exercises

    assert check_go_exercises.check([FIXTURES], log=lambda *_: None) == []


@pytest.mark.slow
def test_checker_catches_a_wrong_solution_that_passes(go_sandbox, tmp_path):
    import shutil

    import check_go_exercises

    broken = tmp_path / "sum"
    shutil.copytree(SUM, broken)
    shutil.copy(SUM / "solution.go", broken / "wrong" / "actually-right.go")
    (broken / "wrong" / "does-not-compile.go").write_text("package exercise\n\nfunc Sum(xs []int) int { return x }\n")
    problems = check_go_exercises.check([tmp_path], log=lambda *_: None)
    assert any("actually-right.go: this wrong solution passes" in p for p in problems)
    assert any("does-not-compile.go: a wrong solution must compile" in p for p in problems)
    assert len(problems) == 2


@pytest.mark.slow
def test_every_seed_go_exercise_reference_passes_and_wrong_ones_fail(go_sandbox):
    import check_go_exercises

    seeds = ROOT / "seeds" / "go"
    if not seeds.exists() or not any(seeds.rglob("exercise.yaml")):
        pytest.skip("the pack has no Go exercises yet (seeds/go/)")
    problems = check_go_exercises.check([seeds], log=lambda *_: None)
    assert not problems, "\n".join(problems)
