"""Throughput and queue overhead of a real server, with 1 and then 2 worker processes.

    .venv/bin/python bench/throughput.py [--jobs 12] [--queue embedded]
    .venv/bin/python bench/throughput.py --queue celery --broker redis://127.0.0.1:6379/0 \\
        --database-url postgresql+psycopg://user@127.0.0.1/fittingroom

For each worker count it starts `fittingroom serve` (and, with --queue celery, that many
`fittingroom worker` processes) on a fresh data dir, then:
1. overhead: submits `--overhead-jobs` jobs one at a time and reports the median of
   (submit -> completed, as a client sees it) minus the job's own `processingTime`: what the
   HTTP edge, storage, the queue and the database add to a job;
2. throughput: submits `--jobs` jobs at once and reports completed jobs per second, from the
   first submission to the last completion.
The ratio of the two throughputs is the scaling figure. This machine has 2 cores, so 2
workers can at best double it; the figures are medians of one run, on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from processes import free_port, start, stop

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PERSON = ROOT / "tests" / "fixtures" / "person_studio_avatar_a.jpg"
GARMENT = ROOT / "tests" / "fixtures" / "garment_top_shirt_b.jpg"
console = Console()


def wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=5).json().get("models_loaded"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise TimeoutError("server not ready")


def submit(client: httpx.Client, url: str) -> str:
    files = {"file": ("p.jpg", PERSON.read_bytes())}
    person = client.post(f"{url}/api/files", files=files).json()["fileId"]
    garment = client.post(f"{url}/api/files", files={"file": ("g.jpg", GARMENT.read_bytes())}).json()[
        "fileId"
    ]
    response = client.post(
        f"{url}/api/tryon/process", json={"personFileId": person, "garmentFileId": garment}
    )
    response.raise_for_status()
    return str(response.json()["jobId"])


def wait_done(client: httpx.Client, url: str, job_id: str) -> dict:  # type: ignore[type-arg]
    while True:
        row = client.get(f"{url}/api/tryon/process/{job_id}").json()
        if row["status"] in ("completed", "failed"):
            if row["status"] == "failed":
                raise RuntimeError(f"job failed: {row['error']}")
            return dict(row)
        time.sleep(0.01)


def measure(workers: int, args: argparse.Namespace, work: Path) -> dict[str, float]:
    port = free_port()
    data = work / f"w{workers}"
    env = {
        "FITTINGROOM_DATA_DIR": str(data),
        "FITTINGROOM_PORT": str(port),
        "FITTINGROOM_WORKERS": str(workers),
        "FITTINGROOM_PROGRESS_MIN_INTERVAL_S": "0.05",
        "FITTINGROOM_QUEUE_MAX_PENDING": "1000",
    }
    if args.queue == "celery":
        env |= {
            "FITTINGROOM_QUEUE": "celery",
            "FITTINGROOM_BROKER_URL": args.broker,
            "FITTINGROOM_DATABASE_URL": args.database_url,
            "FITTINGROOM_CELERY_QUEUE_NAME": f"bench-{os.getpid()}-{workers}",
        }
    processes = [start([str(BIN / "fittingroom"), "serve"], env, work / f"serve-{workers}.log")]
    if args.queue == "celery":
        for index in range(workers):
            log = work / f"worker-{workers}-{index}.log"
            processes.append(start([str(BIN / "fittingroom"), "worker", "--concurrency", "1"], env, log))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        with httpx.Client(timeout=120) as client:
            wait_done(client, url, submit(client, url))  # warm-up: first-job costs stay out
            overheads = []
            for _ in range(args.overhead_jobs):
                started = time.perf_counter()
                row = wait_done(client, url, submit(client, url))
                overheads.append(time.perf_counter() - started - row["processingTime"])
            started = time.perf_counter()
            jobs = [submit(client, url) for _ in range(args.jobs)]
            rows = [wait_done(client, url, job) for job in jobs]
            elapsed = time.perf_counter() - started
        return {
            "jobs_per_s": len(rows) / elapsed,
            "overhead_ms": statistics.median(overheads) * 1000,
            "pipeline_ms": statistics.median(r["processingTime"] for r in rows) * 1000,
        }
    finally:
        for process in processes:
            stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=12, help="jobs submitted at once per worker count")
    parser.add_argument(
        "--overhead-jobs", type=int, default=5, help="jobs run one at a time for the overhead"
    )
    parser.add_argument("--queue", choices=("embedded", "celery"), default="embedded")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database-url", default=None, help="required with --queue celery (shared database)")
    args = parser.parse_args()
    if args.queue == "celery" and not args.database_url:
        parser.error("--queue celery needs --database-url (the API and workers must share a database)")
    with tempfile.TemporaryDirectory(prefix="fittingroom-bench-") as tmp:
        results = {workers: measure(workers, args, Path(tmp)) for workers in (1, 2)}
    table = Table(title=f"throughput, queue={args.queue}, {args.jobs} jobs of one top (fixtures)")
    for column in ("workers", "jobs/s", "pipeline median ms", "overhead median ms"):
        table.add_column(column, justify="right")
    for workers, r in results.items():
        table.add_row(
            str(workers), f"{r['jobs_per_s']:.2f}", f"{r['pipeline_ms']:.0f}", f"{r['overhead_ms']:.0f}"
        )
    console.print(table)
    console.print(f"scaling 1 -> 2 workers: x{results[2]['jobs_per_s'] / results[1]['jobs_per_s']:.2f}")


if __name__ == "__main__":
    main()
