"""Faults: storage that cannot be written, a database that is locked. Requests get a 503 in
their surface's shape, jobs fail with the reason and are refunded, /health says `degraded`,
and service resumes when the fault is gone. (A hanging provider: its adapter's deadline in
tests/providers, and the watchdog in tests/jobs/test_watchdog.py. The database going away
entirely: tests/integration.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fittingroom.billing import ledger
from fittingroom.config import Settings
from fittingroom.pipeline.models import Models
from tests.api.conftest import Harness, make_harness
from tests.api.test_edge import IdleQueue, body, token
from tests.conftest import PERSON, TEE


@pytest.fixture
def app(settings: Settings, models: Models) -> Iterator[Harness]:
    settings.database_busy_timeout_s = 0.3
    settings.rate_limit = "100/minute"
    for harness in make_harness(settings, models):
        harness.services.queue = IdleQueue(harness)  # type: ignore[assignment] - jobs are run by hand
        yield harness


@contextmanager
def unwritable(directory: Path) -> Iterator[None]:
    """A plain file where the store's directory was: every write fails, even for root."""
    aside = directory.with_name(directory.name + ".aside")
    directory.mkdir(parents=True, exist_ok=True)
    directory.rename(aside)
    directory.write_text("not a directory")
    try:
        yield
    finally:
        directory.unlink()
        aside.rename(directory)


@contextmanager
def locked(database: Path) -> Iterator[None]:
    """Another connection holding SQLite's write lock."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def submit(app: Harness) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = app.client.post(
        "/api/tryon", files={"person_image": PERSON.read_bytes(), "clothing_image": TEE.read_bytes()}
    )
    return response.status_code, response.json()


def balance(app: Harness, user: str) -> int:
    with app.services.factory() as session:
        return ledger.balance(session, user)


def test_storage_that_cannot_be_written(app: Harness) -> None:
    alice = token(app, "alice", gems=2)
    queued = app.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers={**alice, "Prefer": "respond-async"}
    )
    assert queued.status_code == 202 and balance(app, "alice") == 1
    job_id = queued.json()["tryon_id"]

    with unwritable(app.services.settings.blob_dir):
        health = app.client.get("/health").json()
        assert health["status"] == "degraded" and health["checks"]["storage"].startswith(
            "Storage is not writable"
        )
        code, answer = submit(app)
        assert code == 503 and answer["detail"].startswith("Cannot write to storage")
        files = app.client.post("/api/files", files={"file": ("t.jpg", TEE.read_bytes())})
        assert files.status_code == 503 and files.json()["success"] is False
        assert files.headers["Retry-After"] == "5"
        edge = app.client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=alice)
        assert edge.status_code == 503 and edge.json()["error"] == "SERVICE_UNAVAILABLE"
        assert balance(app, "alice") == 1, "nothing taken for the refused request"
        assert app.run(job_id) == "failed", "the queued job cannot store its result"

    failed = app.client.get(f"/api/tryon/process/{job_id}", headers=alice).json()
    assert failed["error"] == "Cannot read from storage: Not a directory", "its inputs are unreachable"
    assert balance(app, "alice") == 2, "its gem came back"
    assert app.client.get("/health").json()["status"] == "ok"
    code, answer = submit(app)
    assert code == 202 and app.run(answer["job_id"]) == "completed", "service resumes"


def test_a_locked_database(app: Harness) -> None:
    alice = token(app, "alice", gems=1)
    database = Path(app.services.settings.resolved_database_url.removeprefix("sqlite:///"))
    with locked(database):
        code, answer = submit(app)
        assert (code, answer) == (503, {"detail": "The database is unavailable; retry in a moment"})
        files = app.client.post("/api/files", files={"file": ("t.jpg", TEE.read_bytes())})
        assert files.status_code == 503 and files.json() == {
            "success": False,
            "message": "The database is unavailable; retry in a moment",
        }
        edge = app.client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=alice)
        assert edge.status_code == 503 and edge.json()["error"] == "SERVICE_UNAVAILABLE"
    assert balance(app, "alice") == 1
    code, answer = submit(app)
    assert code == 202 and app.run(answer["job_id"]) == "completed", "service resumes"
    blobs = app.services.settings.blob_dir
    assert not any(p.name.startswith(".tmp-") for p in blobs.rglob("*")), "no half-written files left"
