"""Queue backend `celery`: jobs are Celery tasks on a broker (Redis by default), run by
`fittingroom worker` processes on any machine that reaches the broker, database and storage.

The task is the same `run_job` as the embedded queue's. Delivery guarantees:
- `acks_late` + `reject_on_worker_lost`: a job's message is acknowledged only when the job has
  ended, so the job of a worker process that dies (SIGKILL, out of memory) goes back to the
  queue and another worker runs it. Its row says `processing`; the next run re-claims it and
  counts the attempt, and after `max_job_attempts` runs the job is failed and refunded.
- A worker host that vanishes entirely leaves the message unacknowledged; Redis delivers it
  again after `celery_visibility_timeout_s`.
- One id is sent once: `enqueue` sends only after `records.mark_enqueued` won.
- Prefetch is 1: a busy worker does not hold jobs another could start.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.config import Settings
from fittingroom.errors import Unavailable
from fittingroom.jobs import records

log = logging.getLogger(__name__)

TASK = "fittingroom.run_job"
PING_CACHE_S = 5.0


def make_celery(settings: Settings) -> Celery:
    """The Celery app both sides share: the API sends to it, `fittingroom worker` consumes."""
    app = Celery("fittingroom", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_default_queue=settings.celery_queue_name,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.celery_visibility_timeout_s},
    )
    return app


class CeleryQueue:
    """The API side: sends jobs to the broker; workers are other processes (`fittingroom worker`)."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory
        self.app = make_celery(settings)
        self._workers_seen_at = 0.0

    def start(self) -> None:
        pass  # nothing runs here

    def stop(self, timeout: float = 10.0) -> None:
        self.app.close()

    def enqueue(self, job_id: str) -> None:
        """Send a queued job once. If the broker cannot take it, the job is failed (and any
        gems refunded) and Unavailable raised, so that the caller answers 503."""
        if not records.mark_enqueued(self.factory, job_id):
            return
        try:
            self.app.send_task(
                TASK, args=[job_id], task_id=job_id, retry=True, retry_policy={"max_retries": 2}
            )
        except Exception as exc:  # kombu raises OperationalError and friends
            log.error("could not send job %s to the broker: %s", job_id, exc)
            records.fail(self.factory, job_id, "The job queue is unavailable; nothing was charged")
            raise Unavailable("The job queue is unavailable; retry later") from exc

    @property
    def models_loaded(self) -> bool:
        """True when a worker answered a ping in the last few seconds (workers load models at start)."""
        now = time.monotonic()
        if now - self._workers_seen_at < PING_CACHE_S:
            return True
        try:
            replies = self.app.control.ping(timeout=0.5)
        except Exception:
            return False
        if replies:
            self._workers_seen_at = now
        return bool(replies)

    def problem(self) -> str | None:
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            return f"broker unreachable: {type(exc).__name__}"
        return None


def worker_app(settings: Settings) -> Celery:
    """The Celery app of `fittingroom worker`, with the task registered. Each pool process
    builds its context (database, storage, models) once, when it starts."""
    from fittingroom.jobs.runner import WorkerContext, run_job
    from fittingroom.jobs.worker import build_context

    app = make_celery(settings)
    contexts: dict[str, WorkerContext] = {}

    def context() -> WorkerContext:
        if "ctx" not in contexts:
            contexts["ctx"] = build_context(settings)
            log.info(
                "worker process ready: models loaded in %.2f s", contexts["ctx"].local.models.load_seconds
            )
        return contexts["ctx"]

    @worker_process_init.connect(weak=False)
    def _load(**_: Any) -> None:
        context()

    @app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)
    def run(job_id: str) -> str:
        return run_job(context(), job_id, max_attempts=settings.max_job_attempts)

    return app


def worker_argv(settings: Settings, concurrency: int) -> list[str]:
    """`celery worker` arguments: prefork pool, our queue, a node name unique per process."""
    return [
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--queues={settings.celery_queue_name}",
        f"--hostname=fittingroom-{os.getpid()}@{socket.gethostname()}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
