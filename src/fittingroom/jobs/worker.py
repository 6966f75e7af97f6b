"""A worker process's life: build its context once (models included), then run jobs on request.

Used by the embedded queue (`pool.py`); the message protocol over its pipe is
    parent -> worker: job id (str), or None to stop
    worker -> parent: ("ready", load_seconds) once, then ("done", job_id, status) per job
"""

from __future__ import annotations

import signal
from multiprocessing.connection import Connection

from fittingroom.config import Settings
from fittingroom.db.session import make_engine, make_session_factory
from fittingroom.jobs.runner import WorkerContext, run_job
from fittingroom.observability.logs import configure_logging
from fittingroom.providers.breaker import CircuitBreaker
from fittingroom.providers.local import LocalProvider
from fittingroom.providers.orchestrator import Orchestrator
from fittingroom.providers.registry import build_providers
from fittingroom.storage import make_store


def build_context(settings: Settings) -> WorkerContext:
    """Open the database and store and load the models: once per worker process."""
    engine = make_engine(settings.resolved_database_url, settings.database_busy_timeout_s)
    local = LocalProvider(settings)
    breaker = CircuitBreaker(settings.provider_failure_threshold, settings.provider_cooldown_s)
    return WorkerContext(
        factory=make_session_factory(engine),
        store=make_store(settings),
        local=local,
        orchestrator=Orchestrator(build_providers(settings, local), breaker),
        progress_min_interval_s=settings.progress_min_interval_s,
        max_image_pixels=settings.max_image_pixels,
    )


def worker_main(settings: Settings, conn: Connection) -> None:
    """Entry point of a spawned worker process."""
    # A terminal's Ctrl-C or a service manager's SIGTERM reaches the whole process group; the
    # server stops its workers itself, over the pipe, after letting running jobs finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(settings.log_format)
    ctx = build_context(settings)
    conn.send(("ready", ctx.local.models.load_seconds))
    while True:
        try:
            job_id = conn.recv()
        except (EOFError, OSError):  # the server went away
            return
        if job_id is None:
            return
        status = run_job(ctx, job_id)
        conn.send(("done", job_id, status))
