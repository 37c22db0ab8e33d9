"""The Go lab in the app: the runner the `go` kind grades with, and Run jobs the pages and the API poll.

Every run goes through the bounded queue (learnpath.golab.jobs.default_queue: in-process threads, or RQ
workers), never straight to the sandbox from a request thread, and never without the sandbox: with the
in-process queue the sandbox is checked before anything is enqueued, and a worker that cannot set it up
answers "unavailable". Either way the learner gets GoLabUnavailable's message, not a 500 and not a grade.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from learnpath.golab import jobs, sandbox
from learnpath.quiz.grading import register_runner, runner_for

UNAVAILABLE = "The Go lab is not available on this server: "
SUBMIT_WAIT_SECONDS = 120   # a Submit waits for its runs (queue included) at most this long
TOKEN_MAX_AGE = 600         # a Run's poll token is good for this long (the queue keeps results 300 s)


class GoLabUnavailable(RuntimeError):
    """Go code cannot be run now (no sandbox, queue full, a run lost): `str()` is the learner's message."""

    def __init__(self, reason: str):
        super().__init__(UNAVAILABLE + reason)


def run_payload(spec: dict[str, Any], code: str, *, hidden: bool) -> dict[str, Any]:
    """The queue's job for an exercise spec (the `go` kind's stored spec) and a learner's code."""
    return jobs.RunRequest(code=code, example_test=spec["example_test"], hidden_test=spec.get("hidden", ""),
                           hidden=hidden, race=bool(spec.get("race")),
                           timeout_seconds=spec.get("timeout_seconds")).__dict__


def check_result(result: dict[str, Any] | None) -> dict[str, Any]:
    """A finished job's dict, or GoLabUnavailable for a run that did not happen (no sandbox, worker error)."""
    if result is None:
        raise GoLabUnavailable("the run did not finish in time (the queue is very busy); try again in a minute")
    if result.get("status") in ("unavailable", "error"):
        raise GoLabUnavailable(str(result.get("message") or "the run failed"))
    return result


@dataclass
class QueueRunner:
    """The `go` runner of an app: jobs on a queue (default: the process's), the sandbox checked first."""

    queue_factory: Callable[[], Any] = jobs.default_queue
    check: Callable[[], None] = sandbox.check_available

    @property
    def queue(self):
        return self.queue_factory()

    def unavailable_reason(self) -> str | None:
        """Why this server cannot run Go now, or None. With RQ the workers run the sandbox, not this server."""
        if isinstance(self.queue, jobs.RQQueue):
            return None
        try:
            self.check()
        except sandbox.SandboxUnavailable as exc:
            return str(exc)
        return None

    def submit(self, spec: dict[str, Any], code: str, *, hidden: bool) -> str:
        if reason := self.unavailable_reason():
            raise GoLabUnavailable(reason)
        try:
            return self.queue.submit(run_payload(spec, code, hidden=hidden))
        except jobs.QueueFull as exc:
            raise GoLabUnavailable(str(exc)) from None

    def state(self, job_id: str, wait: float = 0.0) -> jobs.JobState | None:
        return self.queue.wait(job_id, wait) if wait > 0 else self.queue.state(job_id)

    def run(self, spec: dict[str, Any], code: str, *, hidden: bool) -> dict[str, Any]:
        """Enqueue and wait for the result (the kind's grading, and Run without JavaScript)."""
        state = self.state(self.submit(spec, code, hidden=hidden), SUBMIT_WAIT_SECONDS)
        return check_result(state.result if state and state.state == "done" else None)


def init_app(app: Flask, runner: Any = None) -> None:
    """Register the app's Go runner (tests hand in a fake one)."""
    register_runner(app, "go", runner or QueueRunner())


def current_runner():
    return runner_for("go")


def unavailable_reason() -> str | None:
    """The learner's message when this app cannot run Go now, else None."""
    runner = current_runner()
    reason = runner.unavailable_reason() if hasattr(runner, "unavailable_reason") else None
    return UNAVAILABLE + reason if reason else None


# ---- Run: a job the page (or an API client) polls ------------------------------------------------

def _tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="learnpath.go-run")


def start_run(spec: dict[str, Any], code: str, question_id: int, learner: str) -> str:
    """Enqueue a Run of the visible tests; the token names the job, the question and the learner (signed)."""
    job_id = current_runner().submit(spec, code, hidden=False)
    return _tokens().dumps({"job": job_id, "q": question_id, "who": learner})


def run_status(token: str, question_id: int, learner: str, wait: float = 0.0) -> dict[str, Any] | None:
    """A Run's state for its learner: {"status": "queued", "ahead": n} / {"status": "running"} / the result.
    None for a token that is not this learner's, not this question's, expired or forgotten."""
    try:
        data = _tokens().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("q") != question_id or data.get("who") != learner:
        return None
    state = current_runner().state(str(data.get("job")), wait)
    if state is None:
        return None
    if state.state == "queued":
        return {"status": "queued", "ahead": state.ahead, "label": state.label}
    if state.state == "running":
        return {"status": "running", "label": "running"}
    return public_result(check_result(state.result))


def public_result(result: dict[str, Any]) -> dict[str, Any]:
    """What a Run shows (visible tests only): status, tests, output, compiler diagnostics; or a refusal."""
    if result.get("status") == "refused":
        return {"status": "refused", "message": str(result.get("message", "")), "tests": [], "output": "",
                "diagnostics": []}
    return {"status": result["status"],
            "tests": [{"name": t["name"], "passed": bool(t["passed"]), "message": t.get("message", "")}
                      for t in result.get("tests", [])],
            "output": result.get("output", ""),
            "diagnostics": [{"line": d["line"], "column": d["column"], "message": d["message"]}
                            for d in result.get("diagnostics", [])]}


def run_and_wait(spec: dict[str, Any], code: str) -> dict[str, Any]:
    """Run without JavaScript: enqueue the visible tests and wait for the page."""
    return public_result(current_runner().run(spec, code, hidden=False))
