"""The ONE module that changes a job's status, step and progress.

Every transition is a single conditional UPDATE (`... WHERE status IN (allowed sources)`), so
two processes racing on one job cannot both win and a terminal job never changes again:

    queued --claim--> processing --complete--> completed
       ^                  |  \\--fail-------> failed
       \\--requeue--------/   (fail also from queued)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.billing import ledger
from fittingroom.db.models import TryOnSession, new_id, utcnow
from fittingroom.db.session import transaction
from fittingroom.jobs.status import JobStatus
from fittingroom.observability.logs import request_id_var
from fittingroom.pipeline.stages import Step
from fittingroom.webhooks import outbox

SessionFactory = sessionmaker[Session]


def create(
    session: Session,
    *,
    person_file_id: str,
    garment_file_id: str,
    options: dict[str, Any],
    user_id: str | None = None,
    job_id: str | None = None,
) -> TryOnSession:
    """Add a queued job to the caller's transaction and return it (its id is set). The id of
    the request that creates it is kept in its options, for the worker's logs."""
    request_id = request_id_var.get()
    if request_id and "request_id" not in options:
        options = {**options, "request_id": request_id}
    job = TryOnSession(
        id=job_id or new_id(),
        status=JobStatus.QUEUED.value,
        user_id=user_id,
        person_file_id=person_file_id,
        garment_file_id=garment_file_id,
        options=options,
        step=None,
        progress=0,
        attempts=0,
    )
    session.add(job)
    session.flush()
    return job


class JobState(NamedTuple):
    """The columns a status poll needs."""

    id: str
    status: str
    step: str | None
    progress: int
    user_id: str | None
    error: str | None
    result_file_id: str | None


_STATE = select(
    TryOnSession.id,
    TryOnSession.status,
    TryOnSession.step,
    TryOnSession.progress,
    TryOnSession.user_id,
    TryOnSession.error,
    TryOnSession.result_file_id,
)


def state(engine: Engine, job_id: str) -> JobState | None:
    """A job's state without building an ORM object or a session: polls are the hottest path
    (about 5x cheaper than `get`; bench/load.py)."""
    with engine.connect() as connection:
        row = connection.execute(_STATE.where(TryOnSession.id == job_id)).first()
    return JobState(*row) if row is not None else None


def get(session: Session, job_id: str) -> TryOnSession | None:
    return session.get(TryOnSession, job_id)


def count_queued(factory: SessionFactory) -> int:
    with factory() as session:
        stmt = select(func.count()).select_from(TryOnSession).where(TryOnSession.status == JobStatus.QUEUED)
        return int(session.scalar(stmt) or 0)


def _transition(factory: SessionFactory, job_id: str, sources: tuple[JobStatus, ...], **values: Any) -> bool:
    """Apply `values` if the job's status is one of `sources`. True when the row changed."""
    values.setdefault("updated_at", utcnow())
    with transaction(factory) as session:
        result = session.execute(
            update(TryOnSession)
            .where(TryOnSession.id == job_id, TryOnSession.status.in_([s.value for s in sources]))
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def claim(factory: SessionFactory, job_id: str) -> bool:
    """queued -> processing at the first step. False when another worker has it or it ended."""
    return _transition(
        factory,
        job_id,
        (JobStatus.QUEUED,),
        status=JobStatus.PROCESSING.value,
        step=Step.SEGMENTATION.value,
        progress=Step.SEGMENTATION.progress,
        attempts=TryOnSession.attempts + 1,
        started_at=utcnow(),
        error=None,
    )


def mark_enqueued(factory: SessionFactory, job_id: str) -> bool:
    """Note that a queued job is being sent to the broker. True for the first caller only, so
    that one job id is sent once however often `enqueue` is called."""
    with transaction(factory) as session:
        result = session.execute(
            update(TryOnSession)
            .where(
                TryOnSession.id == job_id,
                TryOnSession.status == JobStatus.QUEUED.value,
                TryOnSession.enqueued_at.is_(None),
            )
            .values(enqueued_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def reclaim(factory: SessionFactory, job_id: str, max_attempts: int) -> bool:
    """processing -> processing for a new attempt, after the worker of the last one died
    (the broker delivered the job again). False when `max_attempts` runs were used up, or the
    job is not processing. One conditional UPDATE: two deliveries cannot both win an attempt."""
    with transaction(factory) as session:
        result = session.execute(
            update(TryOnSession)
            .where(
                TryOnSession.id == job_id,
                TryOnSession.status == JobStatus.PROCESSING.value,
                TryOnSession.attempts < max_attempts,
            )
            .values(
                step=Step.SEGMENTATION.value,
                progress=Step.SEGMENTATION.progress,
                attempts=TryOnSession.attempts + 1,
                started_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def report_step(factory: SessionFactory, job_id: str, step: Step) -> bool:
    """Record the step a processing job is in (and its contract progress)."""
    return _transition(factory, job_id, (JobStatus.PROCESSING,), step=step.value, progress=step.progress)


def complete(
    factory: SessionFactory,
    job_id: str,
    *,
    result_file_id: str,
    provider: str,
    processing_time: float,
    quality_score: float | None,
    confidence: dict[str, float] | None,
    provider_attempts: list[dict[str, Any]] | None = None,
    stage_seconds: dict[str, float] | None = None,
) -> bool:
    """processing -> completed, with the result and how it was made; its webhook is owed in
    the same transaction."""
    now = utcnow()
    with transaction(factory) as session:
        result = session.execute(
            update(TryOnSession)
            .where(TryOnSession.id == job_id, TryOnSession.status == JobStatus.PROCESSING.value)
            .values(
                status=JobStatus.COMPLETED.value,
                step=Step.DONE.value,
                progress=Step.DONE.progress,
                result_file_id=result_file_id,
                provider=provider,
                processing_time=processing_time,
                quality_score=quality_score,
                confidence=confidence,
                provider_attempts=provider_attempts,
                stage_seconds=stage_seconds,
                finished_at=now,
                updated_at=now,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        outbox.owe(session, job_id, JobStatus.COMPLETED)
        return True


def fail(
    factory: SessionFactory,
    job_id: str,
    reason: str,
    provider: str | None = None,
    provider_attempts: list[dict[str, Any]] | None = None,
) -> bool:
    """queued/processing -> failed with a reason fit to show the client.

    Gems debited for the job are refunded, and its webhook owed, in the same transaction: a
    job is never failed without its refund, nor refunded twice (only one caller wins this
    transition)."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": JobStatus.FAILED.value,
        "error": reason[:2000],
        "finished_at": now,
        "updated_at": now,
    }
    if provider is not None:
        values["provider"] = provider
    if provider_attempts is not None:
        values["provider_attempts"] = provider_attempts
    with transaction(factory) as session:
        result = session.execute(
            update(TryOnSession)
            .where(
                TryOnSession.id == job_id, TryOnSession.status.in_([JobStatus.QUEUED, JobStatus.PROCESSING])
            )
            .values(**values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        user_id = session.scalar(select(TryOnSession.user_id).where(TryOnSession.id == job_id))
        if user_id is not None:
            ledger.refund(session, user_id, job_id)
        outbox.owe(session, job_id, JobStatus.FAILED)
        return True


def overdue(factory: SessionFactory, deadline_s: float) -> list[str]:
    """Ids of jobs processing for longer than `deadline_s` since their (last) start."""
    cutoff = utcnow() - timedelta(seconds=deadline_s)
    with factory() as session:
        rows = session.scalars(
            select(TryOnSession.id).where(
                TryOnSession.status == JobStatus.PROCESSING.value, TryOnSession.started_at < cutoff
            )
        )
        return list(rows)


def requeue_interrupted(factory: SessionFactory) -> list[str]:
    """After a restart: processing jobs go back to queued. Returns all queued ids, oldest first."""
    with transaction(factory) as session:
        session.execute(
            update(TryOnSession)
            .where(TryOnSession.status == JobStatus.PROCESSING.value)
            .values(status=JobStatus.QUEUED.value, step=None, progress=0, updated_at=utcnow())
        )
        rows = session.scalars(
            select(TryOnSession.id)
            .where(TryOnSession.status == JobStatus.QUEUED.value)
            .order_by(TryOnSession.created_at)
        )
        return list(rows)


class ProgressThrottle:
    """A step callback that writes at most once per `min_interval_s`.

    A step that arrives sooner is skipped (pollers see the next one); the final state is
    written by `complete`/`fail`, which are never throttled (convention 7).
    """

    def __init__(
        self,
        write: Callable[[Step], object],
        min_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self._min_interval = min_interval_s
        self._clock = clock
        self._last_write: float | None = None
        self.written: list[Step] = []

    def __call__(self, step: Step) -> None:
        if step is Step.DONE:
            return  # the terminal transition records it
        now = self._clock()
        if self._last_write is None or now - self._last_write >= self._min_interval:
            self._write(step)
            self.written.append(step)
            self._last_write = now
