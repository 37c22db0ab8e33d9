"""The Go lab tests' shared fixture: the sandbox, ready with its warm cache, or a skip (a failure in CI)."""
from __future__ import annotations

import os

import pytest

from learnpath.golab import jobs, lab, sandbox
from learnpath.golab import runner as go_runner


@pytest.fixture(scope="session")
def go_sandbox():
    try:
        sandbox.prepare()
    except sandbox.SandboxUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the Go sandbox must work in CI: {exc}")
        pytest.skip(str(exc))
    return sandbox


class FakeGoQueue:
    """A stand-in for the Go lab's queue (learnpath.golab.jobs): no sandbox, no Go. A job's result is
    decided from its payload: the reference solution passes every test; code without `package exercise`
    does not compile; anything else fails the first visible and the first hidden test. `hold()` keeps
    jobs queued (to see "queued (n ahead)"); `release()` lets them finish."""

    def __init__(self, solution: str = ""):
        self.solution = solution
        self.payloads: list[dict] = []
        self.held = False
        self._jobs: dict[str, dict] = {}

    def submit(self, payload: dict) -> str:
        job_id = f"job{len(self.payloads)}"
        self.payloads.append(payload)
        visible = go_runner.test_names(payload["example_test"])
        hidden = go_runner.test_names(payload["hidden_test"]) if payload["hidden"] else []
        code = payload["code"]
        if "package exercise" not in code:
            result = {"status": "compile_error", "tests": [], "output": "solution.go:1:1: expected 'package', found x",
                      "diagnostics": [{"line": 1, "column": 1, "message": "expected 'package', found x"}]}
        elif self.solution and code.strip() == self.solution.strip():
            result = {"status": "passed", "tests": [{"name": n, "passed": True, "message": ""} for n in visible + hidden],
                      "output": "", "diagnostics": []}
        else:
            tests = [{"name": n, "passed": i > 0, "message": "example_test.go:9: got 0, want 3" if i == 0 else ""}
                     for i, n in enumerate(visible)]
            tests += [{"name": n, "passed": i > 0, "message": ""} for i, n in enumerate(hidden)]
            result = {"status": "failed", "tests": tests, "output": "", "diagnostics": []}
        self._jobs[job_id] = result
        return job_id

    def hold(self) -> None:
        self.held = True

    def release(self) -> None:
        self.held = False

    def state(self, job_id: str):
        if job_id not in self._jobs:
            return None
        if self.held:
            return jobs.JobState("queued", ahead=list(self._jobs).index(job_id))
        return jobs.JobState("done", result=self._jobs[job_id])

    def wait(self, job_id: str, timeout=None):
        return self.state(job_id)


def fake_go_runner(solution: str = "", unavailable: str | None = None):
    """The app's Go runner over a FakeGoQueue (`.fake` is the queue); `unavailable`: the sandbox's refusal."""
    def check():
        if unavailable:
            raise sandbox.SandboxUnavailable(unavailable)

    queue = FakeGoQueue(solution)
    runner = lab.QueueRunner(queue_factory=lambda: queue, check=check)
    runner.fake = queue
    return runner
