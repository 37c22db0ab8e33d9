"""gunicorn settings, read from the working directory: run `gunicorn -w 2 'learnpath:create_app()'`
from the repository root (README, "Production")."""
import gc


def post_worker_init(worker):
    # The loaded app (models, compiled templates, libraries) lives as long as the worker: freeze it
    # out of the garbage collector's view, so a full collection no longer walks it. Measured in
    # bench/PROFILE.md: those collections were the dashboard's p99 spikes (~50 ms, every ~100 requests).
    gc.collect()
    gc.freeze()
