"""The two job backends behind one `enqueue` (see learnpath/jobs/__init__.py)."""
from __future__ import annotations

import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context
from redis import Redis
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import import_attribute

log = logging.getLogger(__name__)
EXTENSION = "learnpath.jobs"


def redis_connection(app: Flask) -> Redis:
    return Redis.from_url(app.config["REDIS_URL"])


def rq_queue(app: Flask, connection: Redis | None = None) -> Queue:
    return Queue(app.config["JOBS_QUEUE"], connection=connection or redis_connection(app))


def enqueue(func: str, *args: Any, job_id: str | None = None, app: Flask | None = None) -> str | None:
    """Run `func(*args)` in the background; the job's id, or None when a job with `job_id` is
    already waiting, running or (RQ) recently finished, so this one was dropped."""
    app = app or current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        return _enqueue_rq(app, func, args, job_id)
    return in_process_runner(app).submit(func, args, job_id)


def _enqueue_rq(app: Flask, func: str, args: tuple, job_id: str | None) -> str | None:
    queue = rq_queue(app)
    intervals = list(app.config["JOB_RETRY_INTERVALS"])
    options = dict(job_id=job_id, unique=job_id is not None, result_ttl=app.config["JOB_RESULT_TTL"],
                   failure_ttl=app.config["JOB_RESULT_TTL"], job_timeout=app.config["JOB_TIMEOUT"],
                   retry=Retry(max=len(intervals), interval=intervals) if intervals else None)
    try:
        return queue.enqueue(func, *args, **options).id
    except DuplicateJobError:
        pass
    # A job that failed for good (its retries spent) would block its id until its failure TTL
    # ran out: replace it, so the next scheduler tick is the next retry. Anything else is a
    # duplicate of a job that is waiting, running or done, and is dropped.
    try:
        existing = Job.fetch(job_id, connection=queue.connection)
        status = existing.get_status(refresh=True)
    except NoSuchJobError:
        status = None
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, None):
        if status is not None:
            existing.delete()
        try:
            return queue.enqueue(func, *args, **options).id
        except DuplicateJobError:  # another scheduler replaced it first
            return None
    return None


class InProcessRunner:
    """A few threads in this process run jobs in order, each in its own application context."""

    def __init__(self, app: Flask, threads: int = 2):
        self.app = app
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._active: set[str] = set()  # ids queued or running: a duplicate is dropped
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:  # started on first use: most processes never run a job
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="learnpath-job")
            return self._pool

    def submit(self, func: str, args: tuple, job_id: str | None = None) -> str | None:
        if job_id is not None:
            with self._lock:
                if job_id in self._active:
                    return None
                self._active.add(job_id)
        job_id = job_id or f"job-{secrets.token_hex(8)}"

        def start() -> None:
            self._executor().submit(self._run, func, args, job_id)

        if has_request_context():
            # After the response: the learner's page does not wait for the job.
            @after_this_request
            def later(response):
                response.call_on_close(start)
                return response
        else:
            start()
        return job_id

    def _run(self, func: str, args: tuple, job_id: str) -> None:
        try:
            with self.app.app_context():
                import_attribute(func)(*args)
        except Exception:  # noqa: BLE001 - a job must never kill its thread; the log says what failed
            log.exception("background job %s (%s) failed", job_id, func)
        finally:
            with self._lock:
                self._active.discard(job_id)

    def wait(self) -> None:
        """Finish every job submitted so far (tests, and `flask` commands before they exit)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def in_process_runner(app: Flask) -> InProcessRunner:
    runner = app.extensions.get(EXTENSION)
    if runner is None:
        runner = app.extensions.setdefault(EXTENSION, InProcessRunner(app, app.config["JOBS_THREADS"]))
    return runner


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in its own application context of `app`, in the worker's
    process (no fork: a digest is a few queries and one SMTP conversation, and a forked child
    would inherit the parent's database connections)."""

    app: Flask

    def perform_job(self, job, queue, execution) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue, execution)
