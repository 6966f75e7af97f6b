"""The queue protocol every backend implements, and the factory that picks one from settings."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from fittingroom.config import Settings


class JobQueue(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 10.0) -> None: ...
    def enqueue(self, job_id: str) -> None:
        """Schedule a job that is already a queued row; a second call with one id is a no-op."""
        ...

    @property
    def models_loaded(self) -> bool: ...
    def problem(self) -> str | None:
        """None when the queue can take and run jobs, else a short description."""
        ...


def make_queue(settings: Settings, factory: sessionmaker[Session]) -> JobQueue:
    if settings.queue == "celery":
        from fittingroom.jobs.celery_queue import CeleryQueue

        return CeleryQueue(settings, factory)
    from fittingroom.jobs.pool import EmbeddedQueue

    return EmbeddedQueue(settings, factory)
