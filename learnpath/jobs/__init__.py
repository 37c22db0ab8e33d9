"""Background jobs: RQ on Redis when REDIS_URL is set, else a small in-process runner.

`enqueue("learnpath.reminders.services.send_digest", 42, "2026-12-07", job_id="digest-42-2026-12-07")`
runs a function (named by its dotted path, so both backends carry the same thing) in the
background, inside an application context:

- With Redis: RQ's queue "learnpath"; `flask jobs worker` processes run the jobs. A job id given
  is unique: enqueueing it again while RQ still keeps the job (queued, running, or finished within
  JOB_RESULT_TTL) is dropped. Failed jobs are retried (JOB_RETRY_INTERVALS).
- Without Redis (the embedded default): a thread pool in this process, started on first use;
  from a request the job starts once the response has been sent. Duplicate ids still queued or
  running are dropped; a failed job is logged, not retried (the next scheduler tick asks again).
"""
from learnpath.jobs.queue import AppWorker, InProcessRunner, enqueue, redis_connection, rq_queue

__all__ = ["AppWorker", "InProcessRunner", "enqueue", "redis_connection", "rq_queue"]
