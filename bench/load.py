"""Bounded load tests on loopback: polling throughput, submission latency, and a soak.

    .venv/bin/python bench/load.py [--polls 3000] [--clients 16] [--submissions 64] [--soak-jobs 500]

1. Polling: `GET /api/tryon/{id}` of a pending job on `fittingroom serve`, against a bare
   FastAPI endpoint that returns the same JSON from memory (same uvicorn, one process each),
   measured in alternating rounds in one run; the ratio of their median requests/second is
   the figure (target: at least 0.6).
2. Submission: `--clients` concurrent clients each uploading a ~1 MB person photo with a
   garment to `POST /api/tryon`; latency p50 and p99 (the jobs queue up; only the answer to
   the upload is timed).
3. Soak: `--soak-jobs` jobs through the worker processes; their resident memory is sampled
   after a warm-up and at the end (target: growth within 10%).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image
from rich.console import Console
from rich.table import Table

from processes import free_port, start, stop

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PERSON = ROOT / "tests" / "fixtures" / "person_studio_avatar_a.jpg"
GARMENT = ROOT / "tests" / "fixtures" / "garment_top_shirt_b.jpg"
console = Console()

BARE_APP = textwrap.dedent(
    """
    import json, sys
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    app = FastAPI()
    ANSWER = json.load(open(sys.argv[1]))
    @app.get("/api/tryon/{job_id}")
    def poll(job_id: str):
        return JSONResponse(ANSWER)
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def wait_for(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    pids = []
    for task in Path(f"/proc/{server.pid}/task").glob("*"):
        pids += [int(p) for p in (task / "children").read_text().split()]
    return [p for p in pids if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def one_mb_photo() -> bytes:
    """The fixture person upscaled until its JPEG is about 1 MB."""
    image = Image.open(PERSON).convert("RGB")
    scale = 1.0
    while True:
        buffer = io.BytesIO()
        image.resize((int(image.width * scale), int(image.height * scale))).save(buffer, "JPEG", quality=92)
        if buffer.tell() >= 1_000_000:
            return buffer.getvalue()
        scale *= 1.2


def submit(client: httpx.Client, url: str, person: bytes) -> str:
    response = client.post(
        f"{url}/api/tryon", files={"person_image": person, "clothing_image": GARMENT.read_bytes()}
    )
    response.raise_for_status()
    return str(response.json()["job_id"])


def wait_done(client: httpx.Client, url: str, job_id: str, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(f"{url}/api/tryon/{job_id}")
        if answer.json()["status"] in ("completed", "failed"):
            return
        time.sleep(0.05)
    raise TimeoutError(job_id)


def polls_per_second(url: str, path: str, count: int, clients: int) -> float:
    """`count` GETs spread over `clients` threads, each with its own keep-alive connection."""
    per_client = count // clients

    def run(_: int) -> None:
        with httpx.Client(timeout=30) as client:
            for _ in range(per_client):
                client.get(url + path).raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    return per_client * clients / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--polls", type=int, default=3000, help="GETs per polling round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating polling rounds per server")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--submissions", type=int, default=64, help="uploads timed for the latency figure")
    parser.add_argument("--soak-jobs", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fittingroom-load-"))
    port = free_port()
    env = {
        "FITTINGROOM_DATA_DIR": str(work / "data"),
        "FITTINGROOM_PORT": str(port),
        "FITTINGROOM_WORKERS": str(args.workers),
        "FITTINGROOM_QUEUE_MAX_PENDING": "100000",
    }
    url = f"http://127.0.0.1:{port}"
    server = start([str(BIN / "fittingroom"), "serve"], env, work / "serve.log")
    bare = None
    try:
        wait_for(url + "/health")
        with httpx.Client(timeout=120) as client:
            wait_done(client, url, submit(client, url, PERSON.read_bytes()))  # models loaded, warm
            # What clients poll most: a job waiting for a worker. The workers are paused
            # (SIGSTOP) so that it stays pending and they take no CPU from the measurement.
            paused = worker_pids(server)
            for pid in paused:
                os.kill(pid, signal.SIGSTOP)
            job_id = submit(client, url, PERSON.read_bytes())
            answer = client.get(f"{url}/api/tryon/{job_id}").text
        bare_port = free_port()
        (work / "answer.json").write_text(answer)
        bare = start(
            [sys.executable, "-c", BARE_APP, str(work / "answer.json"), str(bare_port)], {}, work / "bare.log"
        )
        bare_url = f"http://127.0.0.1:{bare_port}"
        wait_for(f"{bare_url}/api/tryon/{job_id}")

        # 1. polling, alternating rounds
        ours, theirs = [], []
        path = f"/api/tryon/{job_id}"
        polls_per_second(url, path, 300, args.clients)  # warm-up
        polls_per_second(bare_url, path, 300, args.clients)
        for _ in range(args.rounds):
            ours.append(polls_per_second(url, path, args.polls, args.clients))
            theirs.append(polls_per_second(bare_url, path, args.polls, args.clients))
        ratio = statistics.median(ours) / statistics.median(theirs)
        for pid in paused:
            os.kill(pid, signal.SIGCONT)

        # 2. submission latency with concurrent uploads of ~1 MB photos
        photo = one_mb_photo()
        latencies: list[float] = []
        lock = threading.Lock()

        def upload(_: int) -> str:
            with httpx.Client(timeout=120) as client:
                started = time.perf_counter()
                job = submit(client, url, photo)
                with lock:
                    latencies.append(time.perf_counter() - started)
                return job

        with ThreadPoolExecutor(args.clients) as pool:
            submitted = list(pool.map(upload, range(args.submissions)))
        latencies.sort()
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        with httpx.Client(timeout=120) as client:
            for job in submitted:
                wait_done(client, url, job)

        # 3. soak
        pids = worker_pids(server)
        before = sum(rss_kib(p) for p in pids)
        started = time.perf_counter()
        with httpx.Client(timeout=120) as client:
            soak = [submit(client, url, PERSON.read_bytes()) for _ in range(args.soak_jobs)]
            for job in soak:
                wait_done(client, url, job)
        soak_s = time.perf_counter() - started
        after_pids = worker_pids(server)
        after = sum(rss_kib(p) for p in after_pids)
    finally:
        stop(server)
        if bare is not None:
            stop(bare)
        shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"load on loopback ({os.cpu_count()} cores, {args.workers} workers)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("polling, fittingroom (median req/s)", f"{statistics.median(ours):.0f}", "")
    table.add_row("polling, bare FastAPI (median req/s)", f"{statistics.median(theirs):.0f}", "")
    table.add_row("polling ratio", f"{ratio:.2f}", ">= 0.60")
    table.add_row(f"submission p50 ({args.clients} clients, 1 MB)", f"{p50:.0f} ms", "")
    table.add_row(f"submission p99 ({args.clients} clients, 1 MB)", f"{p99:.0f} ms", "")
    table.add_row(f"soak: {args.soak_jobs} jobs", f"{soak_s:.0f} s", "")
    growth = (after - before) / before * 100 if before else float("nan")
    same = "same" if sorted(pids) == sorted(after_pids) else "REPLACED"
    table.add_row(
        f"worker RSS before / after ({same} processes)", f"{before / 1024:.0f} / {after / 1024:.0f} MiB", ""
    )
    table.add_row("worker RSS growth", f"{growth:+.1f}%", "<= +10%")
    console.print(table)


if __name__ == "__main__":
    main()
