"""`flask jobs worker`, `flask jobs scheduler` and `flask jobs run-due`."""
from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from learnpath.jobs import queue, scheduler
from learnpath.models._types import utcnow
from learnpath.reminders import services as reminders

jobs = AppGroup("jobs", help="Background jobs: the RQ worker, the one scheduler, and a cron-style tick.")


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("learnpath").setLevel(logging.INFO)


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (tests, one-off runs).")
def worker(burst: bool) -> None:
    """Run an RQ worker on the learnpath queue (needs REDIS_URL). Run as many as you like."""
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        click.echo("REDIS_URL is not set: without Redis, jobs run inside the app's own process; "
                   "no worker is needed.", err=True)
        sys.exit(2)
    _log_to_stderr()
    connection = queue.redis_connection(app)
    rq_worker = queue.AppWorker([queue.rq_queue(app, connection)], connection=connection)
    rq_worker.app = app
    # with_scheduler: RQ's own helper that moves retries due later back onto the queue (not ours).
    rq_worker.work(burst=burst, with_scheduler=not burst, logging_level="INFO")


@jobs.command("scheduler")
@click.option("--minutes", type=float, default=None,
              help="Minutes between ticks (default: SCHEDULER_INTERVAL_MINUTES, 5).")
@click.option("--ticks", type=click.IntRange(min=1), default=None, help="Stop after this many ticks (tests).")
def scheduler_command(minutes: float | None, ticks: int | None) -> None:
    """The one scheduler: enqueue each due learner's daily digest every few minutes.

    Run exactly one (it takes a Redis lock; a second one idles and says so).
    """
    app = current_app._get_current_object()
    minutes = minutes if minutes is not None else app.config["SCHEDULER_INTERVAL_MINUTES"]
    if minutes <= 0:
        raise click.BadParameter("must be more than 0", param_hint="--minutes")
    _log_to_stderr()
    try:
        scheduler.run(app, minutes * 60, ticks=ticks)
    except KeyboardInterrupt:
        pass


@jobs.command("run-due")
def run_due() -> None:
    """Send the digests due now, here and now (one scheduler tick, synchronously): for cron on one machine."""
    outcomes = reminders.run_due(utcnow())
    summary = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "nobody due"
    click.echo(f"Reminders: {summary}.")
    if outcomes.get("failed"):
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs)
