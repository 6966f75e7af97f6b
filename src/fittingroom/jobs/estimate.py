"""How long a new job will take: the median of recent durations of its provider's jobs."""

from __future__ import annotations

import statistics

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.db.models import TryOnSession
from fittingroom.jobs.status import JobStatus


def estimated_seconds(
    factory: sessionmaker[Session],
    provider: str,
    queued_ahead: int,
    workers: int,
    recent: int = 20,
    default_s: float = 10.0,
) -> int:
    """Median processing time of the provider's last `recent` completed jobs (or `default_s`
    before there are any), times the rounds of work queued ahead of this job over `workers`."""
    with factory() as session:
        durations = list(
            session.scalars(
                select(TryOnSession.processing_time)
                .where(
                    TryOnSession.provider == provider,
                    TryOnSession.status == JobStatus.COMPLETED.value,
                    TryOnSession.processing_time.is_not(None),
                )
                .order_by(TryOnSession.finished_at.desc())
                .limit(recent)
            )
        )
    known = [d for d in durations if d is not None]
    typical = statistics.median(known) if known else default_s
    rounds = 1 + queued_ahead // max(workers, 1)
    return max(1, round(typical * rounds))
