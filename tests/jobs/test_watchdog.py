"""The watchdog fails jobs stuck in `processing` past the deadline, and refunds them."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.billing import ledger
from fittingroom.db.models import TryOnSession, utcnow
from fittingroom.db.session import transaction
from fittingroom.jobs import records
from fittingroom.jobs.watchdog import Watchdog, fail_overdue
from tests.jobs.test_records import factory, new_job  # noqa: F401 - the fixture


def started_ago(factory: sessionmaker[Session], job_id: str, seconds: float) -> None:  # noqa: F811
    with transaction(factory) as session:
        session.execute(
            update(TryOnSession)
            .where(TryOnSession.id == job_id)
            .values(started_at=utcnow() - timedelta(seconds=seconds))
        )


def test_overdue_jobs_are_failed_and_refunded(factory: sessionmaker[Session]) -> None:  # noqa: F811
    stuck, fresh, queued = new_job(factory), new_job(factory), new_job(factory)
    with transaction(factory) as session:
        ledger.grant(session, "alice", 3)
        session.execute(update(TryOnSession).where(TryOnSession.id == stuck).values(user_id="alice"))
        ledger.debit(session, "alice", 2, tryon_id=stuck)
    assert records.claim(factory, stuck) and records.claim(factory, fresh)
    started_ago(factory, stuck, 1000)
    started_ago(factory, fresh, 10)
    assert fail_overdue(factory, deadline_s=600) == [stuck]
    assert fail_overdue(factory, deadline_s=600) == [], "once"
    with factory() as session:
        jobs = {j: records.get(session, j) for j in (stuck, fresh, queued)}
        assert jobs[stuck] is not None and jobs[stuck].status == "failed"
        assert jobs[stuck].error == "The job did not finish within 600 s and was stopped"
        assert [jobs[j].status for j in (fresh, queued)] == ["processing", "queued"]  # type: ignore[union-attr]
        assert ledger.balance(session, "alice") == 3, "refunded"
    assert not records.complete(
        factory,
        stuck,
        result_file_id="p",
        provider="local",
        processing_time=1,
        quality_score=None,
        confidence=None,
    ), "a late result of a failed job is ignored"


def test_the_watchdog_thread_runs_on_its_interval(factory: sessionmaker[Session]) -> None:  # noqa: F811
    job_id = new_job(factory)
    assert records.claim(factory, job_id)
    started_ago(factory, job_id, 5)
    watchdog = Watchdog(factory, deadline_s=1, interval_s=0.05)
    watchdog.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with factory() as session:
                if records.get(session, job_id).status == "failed":  # type: ignore[union-attr]
                    break
            time.sleep(0.05)
    finally:
        watchdog.stop()
    with factory() as session:
        assert records.get(session, job_id).status == "failed"  # type: ignore[union-attr]
