"""Job state machine: conditional transitions, requeue after restart, progress throttling."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.config import Settings
from fittingroom.db.models import StoredFile
from fittingroom.db.session import make_engine, make_session_factory, migrate, transaction
from fittingroom.jobs import records
from fittingroom.jobs.status import JobStatus
from fittingroom.pipeline.stages import Step


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    migrate(engine)  # idempotent
    return make_session_factory(engine)


def new_job(factory: sessionmaker[Session]) -> str:
    with transaction(factory) as session:
        for fid in ("p", "g"):
            if session.get(StoredFile, fid) is None:
                session.add(
                    StoredFile(
                        id=fid,
                        blob_key=f"inputs/{fid}.jpg",
                        content_type="image/jpeg",
                        size=1,
                        width=1,
                        height=1,
                        sha256="0" * 64,
                    )
                )
        session.flush()
        return records.create(session, person_file_id="p", garment_file_id="g", options={}).id


def status_of(factory: sessionmaker[Session], job_id: str) -> tuple[str, str | None, int]:
    with factory() as session:
        job = records.get(session, job_id)
        assert job is not None
        return job.status, job.step, job.progress


def test_status_enum() -> None:
    assert JobStatus.COMPLETED.is_terminal and JobStatus.FAILED.is_terminal
    assert not JobStatus.QUEUED.is_terminal and not JobStatus.PROCESSING.is_terminal


def test_happy_path_transitions(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    assert status_of(factory, job_id) == ("queued", None, 0)
    assert records.claim(factory, job_id)
    assert not records.claim(factory, job_id), "a job is claimed once"
    assert status_of(factory, job_id) == ("processing", "segmentation", 10)
    assert records.report_step(factory, job_id, Step.INPAINTING)
    assert status_of(factory, job_id) == ("processing", "inpainting", 55)
    assert records.complete(
        factory,
        job_id,
        result_file_id="p",
        provider="local",
        processing_time=0.5,
        quality_score=None,
        confidence=None,
    )
    assert status_of(factory, job_id) == ("completed", "done", 100)


def test_terminal_jobs_never_change(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    assert records.fail(factory, job_id, "boom")
    assert not records.claim(factory, job_id)
    assert not records.report_step(factory, job_id, Step.WARP)
    assert not records.fail(factory, job_id, "again")
    with factory() as session:
        job = records.get(session, job_id)
        assert job is not None and job.status == "failed" and job.error == "boom"


def test_requeue_interrupted_returns_oldest_first(factory: sessionmaker[Session]) -> None:
    first, second, done = new_job(factory), new_job(factory), new_job(factory)
    records.claim(factory, second)
    records.claim(factory, done)
    records.fail(factory, done, "x")
    assert records.requeue_interrupted(factory) == [first, second]
    assert status_of(factory, second) == ("queued", None, 0)
    assert records.count_queued(factory) == 2


def test_progress_throttle_skips_close_steps() -> None:
    now = [0.0]
    written: list[Step] = []
    throttle = records.ProgressThrottle(written.append, 0.1, clock=lambda: now[0])
    for t, step in [(0.0, Step.SEGMENTATION), (0.05, Step.POSE), (0.12, Step.WARP), (0.3, Step.DONE)]:
        now[0] = t
        throttle(step)
    assert written == [Step.SEGMENTATION, Step.WARP]


def test_failing_a_job_refunds_its_gems_once(factory: sessionmaker[Session]) -> None:
    from fittingroom.billing import ledger

    job_id = new_job(factory)
    with transaction(factory) as session:
        ledger.ensure_user(session, "erin", initial_grant=5)
        records.get(session, job_id).user_id = "erin"  # type: ignore[union-attr]
        ledger.debit(session, "erin", 2, tryon_id=job_id)
    records.claim(factory, job_id)
    assert records.fail(factory, job_id, "model crashed")
    assert not records.fail(factory, job_id, "again")
    with factory() as session:
        assert ledger.balance(session, "erin") == 5 == ledger.ledger_sum(session, "erin")


def test_a_job_is_marked_for_the_broker_once(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    assert records.mark_enqueued(factory, job_id)
    assert not records.mark_enqueued(factory, job_id), "a second enqueue of one id sends nothing"
    claimed = new_job(factory)
    assert records.claim(factory, claimed) and not records.mark_enqueued(factory, claimed)


def test_redelivered_jobs_get_bounded_attempts(factory: sessionmaker[Session]) -> None:
    job_id = new_job(factory)
    assert records.claim(factory, job_id)  # attempt 1; its worker dies
    assert records.reclaim(factory, job_id, max_attempts=3)  # attempt 2
    assert records.reclaim(factory, job_id, max_attempts=3)  # attempt 3
    assert not records.reclaim(factory, job_id, max_attempts=3), "no fourth run"
    with factory() as session:
        job = records.get(session, job_id)
        assert job is not None and job.attempts == 3 and job.status == "processing"
    assert records.fail(factory, job_id, "given up")
    assert not records.reclaim(factory, job_id, max_attempts=9), "a failed job is never re-run"


def test_an_old_sqlite_schema_upgrades_with_its_data(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    from fittingroom.db.session import MIGRATIONS_DIR

    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, gems_balance, created_at) VALUES ('u', 4, '2026-01-01')")
        )
    migrate(engine)
    assert {"provider_attempts", "enqueued_at"} <= {
        c["name"] for c in inspect(engine).get_columns("tryon_sessions")
    }
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT gems_balance FROM users WHERE id = 'u'")) == 4
