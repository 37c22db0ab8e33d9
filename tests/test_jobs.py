"""The job queue for real: RQ workers (`flask jobs worker --burst`) on the local Redis, a real SMTP
server (aiosmtpd), two schedulers started by mistake, a duplicated enqueue and a retried job:
exactly one digest per opted-in learner per day arrives, none for those who opted out.

Redis: database 3 (4-6 under pytest-xdist workers gw0..gw2), flushed before and after each test.
"""
from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from redis import Redis
from rq.job import Job

from learnpath import jobs
from learnpath.extensions import db
from learnpath.jobs import queue as job_queue
from learnpath.jobs.scheduler import SchedulerLock
from learnpath.models import ReminderSent
from learnpath.reminders import services
from learnpath.timezones import local_day, zone
from tests.test_reminders import add_due_cards, add_learner

REPO = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
WORKER_ID = os.environ.get("PYTEST_XDIST_WORKER", "main")
REDIS_DB = 3 if WORKER_ID == "main" else 4 + int(WORKER_ID.removeprefix("gw")) % 3


@pytest.fixture
def redis_url():
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    connection = Redis.from_url(url, socket_connect_timeout=1)
    try:
        connection.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis at {url} is unreachable ({exc}); the real-queue tests need the local Redis")
    connection.flushdb()
    yield url
    connection.flushdb()


class Inbox:
    """An aiosmtpd handler keeping every message delivered; addresses in `refuse_once` get one
    451 (temporary failure) first, as a mail server that is briefly overloaded would."""

    def __init__(self, refuse_once=()):
        self.messages: list[email.message.EmailMessage] = []
        self.refused: list[str] = []
        self.refuse_once = set(refuse_once)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            for address in envelope.rcpt_tos:
                if address in self.refuse_once:
                    self.refuse_once.discard(address)
                    self.refused.append(address)
                    return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    servers = []

    def start(inbox: Inbox) -> int:
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return port

    yield start
    for controller in servers:
        controller.stop()


def flask_command(instance_path: Path, env: dict, *args: str, log: Path | None = None) -> subprocess.Popen:
    app_spec = f"learnpath:create_app(instance_path={str(instance_path)!r})"
    out = open(log, "w") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([FLASK, "--app", app_spec, *args], cwd=REPO, env={**os.environ, **env},
                                stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()  # the child has its own copy of the descriptor


def wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow  # two worker processes, two schedulers and an SMTP server: ~30 s; `pytest -m slow` (make test)
def test_one_digest_per_learner_per_day_through_rq_workers_and_smtp(make_app, database_url, instance_path, tmp_path,
                                                                    redis_url, smtp):
    settings = {"REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1", "JOB_RETRY_INTERVALS": [0]}
    app = make_app(**settings)
    now = datetime.now(timezone.utc)
    with app.app_context():
        ada = add_learner("ada@example.com", tz="UTC", hour=0)              # reviews due
        kiri = add_learner("kiri@example.com", tz="Pacific/Kiritimati", hour=0)  # UTC+14: another local date
        off = add_learner("off@example.com", enabled=False)                 # opted out
        quiet = add_learner("quiet@example.com", hour=0)                    # opted in, nothing to say
        add_due_cards(ada, 3, now)
        add_due_cards(kiri, 1, now)
        add_due_cards(off, 2, now)
        days = {uid: local_day(now, zone(tz)) for uid, tz in ((ada, "UTC"), (kiri, "Pacific/Kiritimati"), (quiet, "UTC"))}
    inbox = Inbox(refuse_once={"kiri@example.com"})  # kiri's first delivery fails: the job is retried
    port = smtp(inbox)
    app.config["MAIL_PORT"] = port
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
           "SECRET_KEY": "test-secret", "LEARNPATH_JOB_RETRY_INTERVALS": "0", "LEARNPATH_PUBLIC_URL": "https://lp.example"}

    with app.app_context():
        # the day's jobs enqueued twice: RQ drops the second set (deterministic ids, unique enqueue)
        assert services.enqueue_due(now) == 3
        assert services.enqueue_due(now) == 0
        queue = job_queue.rq_queue(app)
        assert sorted(queue.job_ids) == sorted(services.digest_job_id(u, d) for u, d in days.items())
        # the same digest delivered again under another id (an at-least-once redelivery): the claim stops it
        assert jobs.enqueue(services.DIGEST_JOB, ada, days[ada].isoformat(), job_id="digest-redelivered")

    # two schedulers started by mistake: the second finds the lock taken and idles
    first_log, second_log = tmp_path / "scheduler1.log", tmp_path / "scheduler2.log"
    first = flask_command(instance_path, env, "jobs", "scheduler", "--minutes", "0.005", "--ticks", "400", log=first_log)
    try:
        wait_for(lambda: "holding the lock" in first_log.read_text(), 60, "the first scheduler to take the lock")
        second = flask_command(instance_path, env, "jobs", "scheduler", "--minutes", "0.005", "--ticks", "3",
                               log=second_log)
        assert second.wait(timeout=60) == 0, second_log.read_text()
        second_says = second_log.read_text()
        assert "another scheduler" in second_says and "this one idles" in second_says, second_says
        assert "holding the lock" not in second_says
        # two workers drain the queue at once, retries included
        workers = [flask_command(instance_path, env, "jobs", "worker", "--burst", log=tmp_path / f"worker{n}.log")
                   for n in (1, 2)]
        for n, worker in enumerate(workers, 1):
            assert worker.wait(timeout=120) == 0, (tmp_path / f"worker{n}.log").read_text()
        time.sleep(1.5)  # a few more ticks of the running scheduler: nothing is due any more
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=30)
    assert "holding the lock" in first_log.read_text()

    assert inbox.refused == ["kiri@example.com"]
    assert len(inbox.to("ada@example.com")) == 1
    assert len(inbox.to("kiri@example.com")) == 1
    assert inbox.to("off@example.com") == [] and inbox.to("quiet@example.com") == []
    assert len(inbox.messages) == 2
    [message] = inbox.to("ada@example.com")
    assert message["Subject"] == "3 reviews due, about 2 minutes"
    assert message["List-Unsubscribe"].strip().startswith("<https://lp.example/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    connection = Redis.from_url(redis_url)
    results = {job_id: Job.fetch(job_id, connection=connection) for job_id in
               [services.digest_job_id(u, d) for u, d in days.items()] + ["digest-redelivered"]}
    assert {job_id: job.return_value() for job_id, job in results.items()} == {
        services.digest_job_id(ada, days[ada]): "sent", services.digest_job_id(kiri, days[kiri]): "sent",
        services.digest_job_id(quiet, days[quiet]): "nothing", "digest-redelivered": "duplicate"}
    assert results[services.digest_job_id(kiri, days[kiri])].retries_left == 0  # it was retried once
    with app.app_context():
        db.session.expire_all()
        assert {(r.user_id, r.outcome) for r in db.session.scalars(sa.select(ReminderSent))} == {
            (ada, "sent"), (kiri, "sent"), (quiet, "nothing")}
        # later the same day: nobody is due, and a forced run of every job id again sends nothing
        assert services.enqueue_due(datetime.now(timezone.utc)) == 0
        assert services.send_digest(ada, days[ada].isoformat()) == "duplicate"
    assert len(inbox.messages) == 2


def test_a_job_that_failed_for_good_can_be_enqueued_again(make_app, redis_url):
    """RQ keeps a failed job (and so its id) for a while: the scheduler's next tick replaces it
    instead of being dropped as a duplicate, so a learner whose mail failed still gets it later."""
    app = make_app(REDIS_URL=redis_url, JOB_RETRY_INTERVALS=[])
    with app.app_context():
        first = jobs.enqueue("tests.test_jobs.record", "a", job_id="digest-1-2026-12-07")
        assert first == "digest-1-2026-12-07"
        assert jobs.enqueue("tests.test_jobs.record", "a", job_id="digest-1-2026-12-07") is None  # queued: dropped
        job = Job.fetch(first, connection=Redis.from_url(redis_url))
        job.set_status("failed")
        assert jobs.enqueue("tests.test_jobs.record", "a", job_id="digest-1-2026-12-07") == first
        assert Job.fetch(first, connection=Redis.from_url(redis_url)).get_status() == "queued"


def test_scheduler_lock_admits_one_holder_and_is_renewed_only_by_it(redis_url):
    connection = Redis.from_url(redis_url)
    one, two = SchedulerLock(connection, 5000), SchedulerLock(connection, 5000)
    assert one.acquire_or_renew() is True
    assert two.acquire_or_renew() is False
    assert one.acquire_or_renew() is True  # renewed
    assert 4000 < connection.pttl(one.key) <= 5000
    assert two.holder() == one.token
    two.release()  # not its lock: nothing happens
    assert one.holder() == one.token
    one.release()
    assert two.acquire_or_renew() is True and one.acquire_or_renew() is False


def test_scheduler_lock_expires_when_its_holder_stops_renewing(redis_url):
    connection = Redis.from_url(redis_url)
    dead, alive = SchedulerLock(connection, 1000), SchedulerLock(connection, 1000)
    assert dead.acquire_or_renew()
    assert not alive.acquire_or_renew()
    time.sleep(1.2)
    assert alive.acquire_or_renew()


# ---- without Redis: the in-process runner ------------------------------------------------------------

RAN: list[tuple[str, str, str]] = []


def record(label: str) -> str:
    """A job for these tests: notes its argument, the app it ran in and its thread."""
    RAN.append((label, current_app.config["SECRET_KEY"], threading.current_thread().name))
    return label


def slow(label: str, gate: threading.Event) -> None:
    gate.wait(10)
    record(label)


def test_in_process_runner_runs_jobs_after_the_response_in_an_app_context(app):
    RAN.clear()
    seen_during_request = []

    @app.get("/_test/enqueue")
    def enqueue_view():
        jobs.enqueue("tests.test_jobs.record", "from a request", job_id="job-1")
        seen_during_request.append(list(RAN))
        return "ok"

    response = app.test_client().get("/_test/enqueue")
    assert response.get_data(as_text=True) == "ok"
    assert RAN == []  # the body is out, but the server has not closed the response yet
    response.close()  # what a WSGI server does once the response is sent: the job starts
    job_queue.in_process_runner(app).wait()
    assert seen_during_request == [[]]  # not run while the view was running
    assert RAN == [("from a request", "test-secret", RAN[0][2])] and RAN[0][2].startswith("learnpath-job")


def test_in_process_runner_drops_a_duplicate_id_while_the_first_is_pending(app):
    RAN.clear()
    gate = threading.Event()
    with app.app_context():
        assert jobs.enqueue("tests.test_jobs.slow", "first", gate, job_id="digest-7-2026-12-07") == "digest-7-2026-12-07"
        assert jobs.enqueue("tests.test_jobs.slow", "second", gate, job_id="digest-7-2026-12-07") is None
        gate.set()
        job_queue.in_process_runner(app).wait()
        assert [label for label, _, _ in RAN] == ["first"]
        # done: the id is free again (the database claim, not the runner, keeps a day to one mail)
        assert jobs.enqueue("tests.test_jobs.record", "again", job_id="digest-7-2026-12-07") == "digest-7-2026-12-07"
        job_queue.in_process_runner(app).wait()
    assert [label for label, _, _ in RAN] == ["first", "again"]


def test_worker_command_needs_redis(runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 2 and "REDIS_URL is not set" in result.output
