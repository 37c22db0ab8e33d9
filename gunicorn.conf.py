"""gunicorn settings, read from the working directory: run `gunicorn -w 2 'learnpath:create_app()'`
from the repository root (README, "Production")."""
import gc


def post_worker_init(worker):
    # The loaded app (models, compiled templates, libraries) lives as long as the worker: freeze it
    # out of the garbage collector's view, so a full collection no longer walks it. Measured in
    # bench/PROFILE.md: those collections were the dashboard's p99 spikes (~50 ms, every ~100 requests).
    gc.collect()
    gc.freeze()


from gunicorn.glogging import Logger  # noqa: E402


class QuietHealthChecks(Logger):
    """With an access log on (--access-logfile), leave out the load balancer's probes: one every
    few seconds per balancer would drown the requests of learners."""

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") not in ("/healthz", "/readyz"):
            super().access(resp, req, environ, request_time)


logger_class = QuietHealthChecks
