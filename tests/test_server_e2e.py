"""The real thing: `fittingroom serve` as a process, with real worker processes and models.

Covers the full flow on fixture images, a worker killed mid-job, and a restart that resumes
the jobs that were queued or running.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fittingroom.images import decode_rgb
from tests import servers
from tests.conftest import PERSON, PERSON_FULLBODY, SHIRT, TEE
from tests.servers import Server, launch

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = launch(tmp_path / "data", workers=2)
    yield s
    servers.stop(s.process)


def test_full_flow_on_fixture_images(server: Server) -> None:
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok" and health["models_loaded"] is True
    jobs = [server.submit(PERSON, TEE), server.submit(PERSON_FULLBODY, SHIRT)]
    steps_seen: set[str] = set()
    for job_id in jobs:
        deadline = time.monotonic() + 90
        while (body := server.poll(job_id))["status"] not in ("completed", "failed"):
            assert body["status"] in ("pending", "processing")
            if body["status"] == "processing":
                steps_seen.add(body["step"])
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert body["status"] == "completed", body
        image = decode_rgb(base64.b64decode(body["result_b64"]), max_pixels=10**8)
        assert image.ndim == 3 and max(image.shape[:2]) == 1024
    assert steps_seen <= {"segmentation", "pose", "warp", "inpainting", "blend"} and steps_seen


def test_killed_worker_fails_its_job_and_is_replaced(tmp_path: Path) -> None:
    server = launch(tmp_path / "data", workers=1)
    try:
        [worker] = server.worker_pids()
        job_id = server.submit()
        servers.wait_until(
            lambda: server.poll(job_id)["status"] == "processing", 30, "job to start", interval=0.01
        )
        os.kill(worker, signal.SIGKILL)
        body = server.wait_terminal(job_id, timeout=30)
        assert body["status"] == "failed"
        assert "worker process running this job died unexpectedly" in body["detail"]["error"]
        assert httpx.get(server.url + "/health").status_code == 200  # the API kept answering
        servers.wait_until(
            lambda: httpx.get(server.url + "/health").json()["models_loaded"], 60, "replacement worker"
        )
        [replacement] = server.worker_pids()
        assert replacement != worker
        assert server.wait_terminal(server.submit())["status"] == "completed"
    finally:
        servers.stop(server.process)


def test_restart_resumes_queued_and_running_jobs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = launch(data_dir, workers=1)
    try:
        jobs = [first.submit() for _ in range(4)]
        servers.wait_until(
            lambda: first.poll(jobs[0])["status"] == "processing", 30, "first job to start", interval=0.01
        )
        before = [first.poll(j)["status"] for j in jobs]
    finally:
        servers.stop(first.process, sig=signal.SIGKILL)  # a crash: nothing gets to clean up
    assert before.count("pending") >= 2, before  # jobs that only the restart can finish
    second = launch(data_dir, workers=1)
    try:
        for job_id in jobs:
            assert second.wait_terminal(job_id)["status"] == "completed"
    finally:
        servers.stop(second.process)


def test_sigterm_to_the_process_group_loses_no_job(tmp_path: Path) -> None:
    # What `docker stop`, systemd or a terminal does: SIGTERM to every process of the group.
    data_dir = tmp_path / "data"
    first = launch(data_dir, workers=1)
    job_id = first.submit()
    servers.wait_until(
        lambda: first.poll(job_id)["status"] == "processing", 30, "job to start", interval=0.01
    )
    os.killpg(first.process.pid, signal.SIGTERM)
    first.process.wait(timeout=30)
    servers.stop(first.process)
    second = launch(data_dir, workers=1)
    try:
        assert second.wait_terminal(job_id)["status"] == "completed"
    finally:
        servers.stop(second.process)


def test_sigterm_stops_server_and_workers(tmp_path: Path) -> None:
    server = launch(tmp_path / "data", workers=2)
    workers = server.worker_pids()
    assert len(workers) == 2
    os.kill(server.process.pid, signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    log = (server.data_dir.parent / f"server-{server.url.rsplit(':', 1)[1]}.log").read_text()
    assert "Application shutdown complete" in log
    for pid in workers:
        servers.wait_until(
            lambda pid=pid: (
                not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
            ),
            10,
            f"worker {pid} to exit",
        )
    servers.stop(server.process)


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The same JPEG with a COM segment: other bytes (another cache fingerprint), same pixels."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def test_hundred_concurrent_tryons_against_ten_gems(tmp_path: Path) -> None:
    import base64
    from concurrent.futures import ThreadPoolExecutor

    data_dir = tmp_path / "data"
    env = {**os.environ, "FITTINGROOM_DATA_DIR": str(data_dir), "FITTINGROOM_RATE_LIMIT": "1000/minute"}
    cli = str(servers.BIN / "fittingroom")
    subprocess.run([cli, "gems", "grant", "alice", "10"], env=env, check=True, capture_output=True)
    token = (
        subprocess.run([cli, "users", "token", "alice"], env=env, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    server = launch(data_dir, workers=2, extra_env={"FITTINGROOM_RATE_LIMIT": "1000/minute"})
    person = base64.b64encode(PERSON.read_bytes()).decode()

    def post(i: int) -> tuple[int, int]:
        garment = base64.b64encode(with_comment(TEE.read_bytes(), f"request {i}")).decode()
        response = httpx.post(
            f"{server.url}/process-tryon",
            timeout=120,
            headers={"Authorization": f"Bearer {token}"},
            json={
                "model_image": person,
                "quality": "standard",
                "clothing_images": [{"image": garment, "category": "top"}],
            },
        )
        return response.status_code, int(response.json().get("gems_used", 0))

    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            outcomes = list(pool.map(post, range(100)))
    finally:
        servers.stop(server.process)
    assert sorted(outcomes).count((200, 1)) == 10, outcomes
    assert sorted(outcomes).count((402, 0)) == 90, outcomes
    shown = subprocess.run(
        [cli, "gems", "show", "alice"], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert shown.strip().endswith("alice: 0 gems")
    assert shown.count("debit") == 10 and "refund" not in shown
