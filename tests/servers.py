"""Real processes for tests: free ports, waiting for readiness, and clean teardown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx

from tests.conftest import PERSON, TEE

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def start(
    args: list[str], env: dict[str, str] | None = None, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a process in its own session, so that `stop` can end it with all its children."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        args, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Signal the process group; SIGKILL it if it outlives `timeout`."""
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    # Children of a killed server (worker processes) stay in its process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def start_moto(log: Path, buckets: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str]:
    """moto's S3 server on a free loopback port, with `buckets` created: (process, URL)."""
    port = free_port()
    process = start([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(url + "/moto-api/").status_code == 200, 30, "moto_server")
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        for bucket in buckets:
            client.create_bucket(Bucket=bucket)
    except BaseException:
        stop(process)
        raise
    return process, url


def children(pid: int) -> list[int]:
    """Direct child pids (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path

    def submit(self, person: Path = PERSON, garment: Path = TEE) -> str:
        response = httpx.post(
            f"{self.url}/api/tryon",
            files={"person_image": person.read_bytes(), "clothing_image": garment.read_bytes()},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])

    def poll(self, job_id: str) -> dict:  # type: ignore[type-arg]
        return dict(httpx.get(f"{self.url}/api/tryon/{job_id}", timeout=30).json())

    def wait_terminal(self, job_id: str, timeout: float = 90) -> dict:  # type: ignore[type-arg]
        seen: dict = {}  # type: ignore[type-arg]

        def done() -> bool:
            seen.update(self.poll(job_id))
            return seen["status"] in ("completed", "failed")

        wait_until(done, timeout, f"job {job_id}", interval=0.05)
        return seen

    def worker_pids(self) -> list[int]:
        return [p for p in children(self.process.pid) if "spawn_main" in cmdline(p)]


def launch(
    data_dir: Path, workers: int, extra_env: dict[str, str] | None = None, ready: str = "models"
) -> Server:
    """`fittingroom serve` on a free port; returns once /health reports models loaded
    (`ready="models"`) or merely answers (`ready="health"`: workers are elsewhere)."""
    port = free_port()
    env = {
        **(extra_env or {}),
        "FITTINGROOM_DATA_DIR": str(data_dir),
        "FITTINGROOM_WORKERS": str(workers),
        "FITTINGROOM_PORT": str(port),
    }
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    process = start([str(BIN / "fittingroom"), "serve"], env=env, log=data_dir.parent / f"server-{port}.log")
    server = Server(process=process, url=f"http://127.0.0.1:{port}", data_dir=data_dir)

    def is_ready() -> bool:
        health = httpx.get(server.url + "/health").json()
        return bool(health["models_loaded"]) if ready == "models" else "status" in health

    try:
        wait_until(is_ready, 120, f"server ({ready})")
    except BaseException:
        stop(process)
        raise
    return server
