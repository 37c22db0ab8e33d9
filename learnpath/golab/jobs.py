"""Go runs go through a bounded queue, so that many learners pressing Run never starve the web workers.

Two backends, one interface (submit / state / wait):

- InProcessQueue (the embedded default): `workers` threads (default: one per core) take jobs in
  order; a web request enqueues, then waits or polls, and sees "queued (n ahead)" meanwhile.
- RQQueue (LEARNPATH_GO_QUEUE=rq): jobs go to Redis (LEARNPATH_GO_REDIS_URL) for separate
  `rq worker learnpath-go` processes, so app servers never compile. Same payloads, same results.

A job is a RunRequest: plain JSON-able data, so both backends carry the same thing.
"""
from __future__ import annotations

import collections
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field

from learnpath.golab import runner

DEFAULT_MAX_WAITING = 200


@dataclass
class RunRequest:
    code: str
    example_test: str
    hidden_test: str = ""
    hidden: bool = False
    race: bool = False
    timeout_seconds: float | None = None

    @classmethod
    def for_exercise(cls, exercise: runner.Exercise, code: str, *, hidden: bool) -> "RunRequest":
        return cls(code=code, example_test=exercise.example_test, hidden_test=exercise.hidden_test, hidden=hidden,
                   race=exercise.race, timeout_seconds=exercise.timeout_seconds)


def execute(payload: dict) -> dict:
    """The job itself (also what an RQ worker imports): run one request, return the result as a dict."""
    request = RunRequest(**payload)
    exercise = runner.Exercise(example_test=request.example_test, hidden_test=request.hidden_test,
                               race=request.race, timeout_seconds=request.timeout_seconds)
    try:
        result = runner.run_exercise(exercise, request.code, hidden=request.hidden)
    except runner.CodeRefused as exc:
        return {"status": "refused", "message": str(exc)}
    except runner.SandboxUnavailable as exc:
        return {"status": "unavailable", "message": str(exc)}
    data = asdict(result)
    data["points"] = result.points
    return data


class QueueFull(RuntimeError):
    pass


@dataclass
class JobState:
    state: str                      # "queued" | "running" | "done"
    ahead: int = 0                  # jobs before this one while queued
    result: dict | None = None      # execute()'s dict once done

    @property
    def label(self) -> str:
        if self.state == "queued":
            return f"queued ({self.ahead} ahead)"
        return self.state


@dataclass
class _Job:
    id: str
    payload: dict
    state: str = "queued"
    result: dict | None = None
    done: threading.Event = field(default_factory=threading.Event)
    finished_at: float = 0.0


class InProcessQueue:
    """A FIFO served by a fixed number of worker threads; at most `max_waiting` jobs wait."""

    def __init__(self, workers: int | None = None, max_waiting: int = DEFAULT_MAX_WAITING, keep_seconds: float = 300):
        self.workers = workers or os.cpu_count() or 1
        self.max_waiting = max_waiting
        self.keep_seconds = keep_seconds
        self._waiting: collections.deque[_Job] = collections.deque()
        self._jobs: dict[str, _Job] = {}
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def _start(self) -> None:
        if not self._threads:
            for n in range(self.workers):
                thread = threading.Thread(target=self._work, name=f"golab-worker-{n}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def submit(self, payload: dict) -> str:
        with self._cond:
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(f"{len(self._waiting)} Go runs are waiting; try again in a minute")
            self._start()
            self._forget_old()
            job = _Job(id=secrets.token_urlsafe(12), payload=payload)
            self._jobs[job.id] = job
            self._waiting.append(job)
            self._cond.notify()
            return job.id

    def state(self, job_id: str) -> JobState | None:
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.state == "queued":
                return JobState("queued", ahead=self._waiting.index(job))
            return JobState(job.state, result=job.result)

    def wait(self, job_id: str, timeout: float | None = None) -> JobState | None:
        job = self._jobs.get(job_id)
        if job is not None:
            job.done.wait(timeout)
        return self.state(job_id)

    def run(self, payload: dict, timeout: float | None = None) -> dict | None:
        """Enqueue and wait: None if it did not finish within `timeout`."""
        state = self.wait(self.submit(payload), timeout)
        return state.result if state and state.state == "done" else None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=60)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - self.keep_seconds
        for job_id in [j.id for j in self._jobs.values() if j.state == "done" and j.finished_at < cutoff]:
            del self._jobs[job_id]

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if self._closed and not self._waiting:
                    return
                job = self._waiting.popleft()
                job.state = "running"
            try:
                result = execute(job.payload)
            except Exception as exc:  # noqa: BLE001 - a job must never kill its worker thread
                result = {"status": "error", "message": f"the Go run failed: {exc.__class__.__name__}"}
            with self._cond:
                job.result, job.state, job.finished_at = result, "done", time.monotonic()
            job.done.set()


class RQQueue:
    """The same interface over RQ: `rq worker learnpath-go` processes (root, on the sandbox hosts) do the runs."""

    QUEUE_NAME = "learnpath-go"

    def __init__(self, redis_url: str, job_timeout: int = 120, result_ttl: int = 300, queue_name: str = QUEUE_NAME):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(queue_name, connection=Redis.from_url(redis_url))
        self.job_timeout = job_timeout
        self.result_ttl = result_ttl

    def submit(self, payload: dict) -> str:
        job = self.queue.enqueue(execute, payload, job_timeout=self.job_timeout, result_ttl=self.result_ttl,
                                 failure_ttl=self.result_ttl)
        return job.id

    def state(self, job_id: str) -> JobState | None:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            job = Job.fetch(job_id, connection=self.queue.connection)
        except NoSuchJobError:
            return None
        status = job.get_status(refresh=True)
        if status in ("queued", "deferred", "scheduled"):
            position = job.get_position()
            return JobState("queued", ahead=position or 0)
        if status == "finished":
            return JobState("done", result=job.return_value())
        if status in ("failed", "stopped", "canceled"):
            return JobState("done", result={"status": "error", "message": "the Go run failed in its worker"})
        return JobState("running")

    def wait(self, job_id: str, timeout: float | None = None) -> JobState | None:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            state = self.state(job_id)
            if state is None or state.state == "done" or (end is not None and time.monotonic() >= end):
                return state
            time.sleep(0.05)

    def run(self, payload: dict, timeout: float | None = None) -> dict | None:
        state = self.wait(self.submit(payload), timeout)
        return state.result if state and state.state == "done" else None


_default = None
_default_lock = threading.Lock()


def default_queue():
    """The process's queue: RQ when LEARNPATH_GO_QUEUE=rq, else in-process with LEARNPATH_GO_WORKERS threads."""
    global _default
    with _default_lock:
        if _default is None:
            if os.environ.get("LEARNPATH_GO_QUEUE", "inprocess") == "rq":
                _default = RQQueue(os.environ.get("LEARNPATH_GO_REDIS_URL", "redis://127.0.0.1:6379/0"))
            else:
                workers = int(os.environ.get("LEARNPATH_GO_WORKERS", "0")) or None
                _default = InProcessQueue(workers=workers)
        return _default
