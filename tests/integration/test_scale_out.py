"""Scale-out mode against real servers: two API processes, two Celery workers, Redis,
PostgreSQL and an S3 server (see conftest.py)."""

from __future__ import annotations

import base64
import io
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, inspect, select, text

from fittingroom.db.models import TryOnSession
from fittingroom.db.session import make_engine, make_session_factory, migrate
from tests import servers
from tests.conftest import PERSON, TEE
from tests.integration.conftest import Cluster

pytestmark = pytest.mark.integration


def upload_and_start(api: str, **options: Any) -> str:
    """A job on the processing API (so that options such as `provider` can be chosen)."""
    ids = []
    for data in (PERSON.read_bytes(), TEE.read_bytes()):
        response = httpx.post(f"{api}/api/files", files={"file": ("x.jpg", data)}, timeout=30)
        assert response.status_code == 201, response.text
        ids.append(response.json()["fileId"])
    response = httpx.post(
        f"{api}/api/tryon/process",
        json={"personFileId": ids[0], "garmentFileId": ids[1], "options": options},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["jobId"])


def row(api: str, job_id: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return dict(httpx.get(f"{api}/api/tryon/process/{job_id}", headers=headers, timeout=30).json())


def wait_for(
    api: str, job_id: str, statuses: tuple[str, ...], timeout: float = 120, token: str | None = None
) -> dict:  # type: ignore[type-arg]
    seen: dict[str, Any] = {}

    def reached() -> bool:
        seen.update(row(api, job_id, token))
        return seen["status"] in statuses

    servers.wait_until(reached, timeout, f"job {job_id} to be {statuses}", interval=0.05)
    return seen


def attempts(cluster: Cluster, job_id: str) -> int:
    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(TryOnSession.attempts).where(TryOnSession.id == job_id)) or 0)
    finally:
        engine.dispose()


def kill_running_workers(cluster: Cluster) -> list[int]:
    """SIGKILL every pool process (the processes that run jobs) of every worker."""
    victims = cluster.pool_processes()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    return victims


def edge_body(variant: int) -> dict[str, Any]:
    """A one-top /process-tryon body; `variant` makes the person bytes unique (no cache hit)."""
    image = Image.open(PERSON)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, comment=f"variant {variant}".encode())
    return {
        "model_image": base64.b64encode(buffer.getvalue()).decode(),
        "clothing_images": [{"image": base64.b64encode(TEE.read_bytes()).decode(), "category": "top"}],
        "quality": "standard",
    }


def test_jobs_submitted_to_either_api_complete(cluster: Cluster) -> None:
    first, second = (api.url for api in cluster.apis)
    submitted = []
    for index in range(4):
        api = (first, second)[index % 2]
        response = httpx.post(
            f"{api}/api/tryon",
            files={"person_image": PERSON.read_bytes(), "clothing_image": TEE.read_bytes()},
            data={"provider": "local"},  # the real pipeline, in the workers
            timeout=30,
        )
        assert response.status_code == 202, response.text
        submitted.append(response.json()["job_id"])
    for index, job_id in enumerate(submitted):
        other = (second, first)[index % 2]
        done = wait_for(other, job_id, ("completed", "failed"))
        assert (done["status"], done["provider"]) == ("completed", "local"), done
        answer = httpx.get(f"{other}/api/tryon/{job_id}", timeout=30).json()
        assert answer["result_url"].startswith(cluster.env["FITTINGROOM_S3_ENDPOINT_URL"]), "presigned S3 URL"
        image = httpx.get(answer["result_url"], timeout=30)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_the_rate_limit_is_shared_by_the_api_processes(cluster: Cluster) -> None:
    headers = {"Authorization": f"Bearer {cluster.token('rate-limited')}"}
    codes = []
    for index in range(6):  # the limit is 5 per minute; bodies are invalid, but every try counts
        api = cluster.apis[index % 2].url
        codes.append(httpx.post(f"{api}/process-tryon", json={}, headers=headers, timeout=30).status_code)
    assert codes == [400, 400, 400, 400, 400, 429]


def test_gems_stay_consistent_across_processes(cluster: Cluster) -> None:
    cluster.cli("gems", "grant", "shopper", "3")
    headers = {"Authorization": f"Bearer {cluster.token('shopper')}"}

    def post(index: int) -> int:
        api = cluster.apis[index % 2].url
        return httpx.post(
            f"{api}/process-tryon", json=edge_body(index), headers=headers, timeout=150
        ).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        codes = sorted(pool.map(post, range(5)))
    assert codes == [200, 200, 200, 402, 402]
    shown = cluster.cli("gems", "show", "shopper")
    assert "shopper: 0 gems" in shown


def test_a_worker_killed_mid_job_does_not_lose_it(cluster: Cluster) -> None:
    cluster.replicate.delay_s = 30.0  # the job waits on Replicate: surely mid-run when killed
    api = cluster.apis[0].url
    job_id = upload_and_start(api, provider="replicate")
    wait_for(api, job_id, ("processing",))
    time.sleep(0.5)
    assert kill_running_workers(cluster), "pool processes to kill"
    cluster.replicate.delay_s = 0.0
    done = wait_for(api, job_id, ("completed", "failed"), timeout=180)
    assert (done["status"], done["provider"]) == ("completed", "replicate"), done
    assert attempts(cluster, job_id) == 2, (
        "re-run once, by a worker that was not killed or a fresh pool process"
    )


def test_a_job_that_keeps_killing_workers_is_failed_and_refunded(cluster: Cluster) -> None:
    cluster.cli("gems", "grant", "unlucky", "1")
    token = cluster.token("unlucky")
    cluster.replicate.delay_s = 60.0
    api = cluster.apis[1].url
    response = httpx.post(
        f"{api}/process-tryon",
        json=edge_body(99),
        headers={"Authorization": f"Bearer {token}", "Prefer": "respond-async"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["tryon_id"]
    try:
        for attempt in (1, 2, 3):
            servers.wait_until(
                lambda attempt=attempt: (
                    attempts(cluster, job_id) == attempt and bool(cluster.pool_processes())
                ),  # type: ignore[misc]
                120,
                f"attempt {attempt}",
                interval=0.1,
            )
            time.sleep(1.0)
            kill_running_workers(cluster)
        done = wait_for(api, job_id, ("completed", "failed"), timeout=120, token=token)
    finally:
        cluster.replicate.delay_s = 0.0
    assert (
        done["status"] == "failed" and done["error"] == "The job stopped its worker 3 times; it was given up"
    )
    assert "unlucky: 1 gems" in cluster.cli("gems", "show", "unlucky"), "the gem came back"


def test_stopping_and_restarting_all_workers_loses_nothing(cluster: Cluster) -> None:
    cluster.replicate.delay_s = 3.0  # each job takes seconds, so most are still queued at the stop
    api = cluster.apis[0].url
    try:
        jobs = [upload_and_start(api, provider="replicate") for _ in range(4)]
        cluster.stop_workers()  # SIGTERM: Celery's warm shutdown finishes what runs, leaves the rest queued
        waiting = [job for job in jobs if row(api, job)["status"] == "queued"]
        assert waiting, "some jobs were still queued when every worker had stopped"
        cluster.start_worker()
        cluster.start_worker()
        cluster.wait_for_workers(2)
        for job_id in jobs:
            done = wait_for(api, job_id, ("completed", "failed"), timeout=180)
            assert done["status"] == "completed", done
    finally:
        cluster.replicate.delay_s = 0.0


def test_migrations_on_an_empty_postgres_and_from_an_old_schema(cluster: Cluster) -> None:
    admin = create_engine(cluster.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS upgrade_check"))
        connection.execute(text("CREATE DATABASE upgrade_check"))
    admin.dispose()
    engine = make_engine(cluster.database_url.rsplit("/", 1)[0] + "/upgrade_check")
    try:
        from alembic import command
        from alembic.config import Config

        from fittingroom.db.session import MIGRATIONS_DIR

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as connection:  # the schema as the first release left it
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO users (id, gems_balance, created_at) VALUES ('old-user', 4, now())")
            )
        migrate(engine)  # as a newer server does at start
        columns = {c["name"] for c in inspect(engine).get_columns("tryon_sessions")}
        assert {"provider_attempts", "enqueued_at"} <= columns
        assert "webhook_deliveries" in inspect(engine).get_table_names()
        with make_session_factory(engine)() as session:
            assert session.scalar(text("SELECT gems_balance FROM users WHERE id = 'old-user'")) == 4
        migrate(engine)  # idempotent
    finally:
        engine.dispose()


def test_the_database_going_away_and_coming_back(cluster: Cluster) -> None:
    api = cluster.apis[0].url
    cluster.stop_postgres()
    try:
        for server in cluster.apis:
            health = httpx.get(f"{server.url}/health", timeout=30).json()
            assert health["status"] == "degraded" and health["checks"]["database"].startswith("unreachable")
        refused = httpx.post(
            f"{api}/api/tryon",
            files={"person_image": PERSON.read_bytes(), "clothing_image": TEE.read_bytes()},
            timeout=30,
        )
        assert refused.status_code == 503 and "database" in refused.json()["detail"]
        assert refused.headers["Retry-After"]
    finally:
        cluster.start_postgres()
    servers.wait_until(lambda: httpx.get(f"{api}/health").json()["status"] == "ok", 60, "health ok again")
    job_id = upload_and_start(api)
    assert wait_for(api, job_id, ("completed", "failed"), timeout=120)["status"] == "completed"
