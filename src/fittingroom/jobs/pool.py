"""The embedded queue: worker processes owned by the server.

A dispatcher thread in the server process keeps a FIFO of job ids and hands each to an idle
worker over its pipe. Worker processes are *spawned* (not forked: the server has threads,
and the models are not fork-safe) and load the models once. When a worker dies, its job is
failed with the reason and a new worker takes its place; the API never notices.

The database is the source of truth: a job is a row before it is enqueued, so `start()`
re-enqueues whatever was queued or running when the server last stopped.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from sqlalchemy.orm import Session, sessionmaker

from fittingroom.config import Settings
from fittingroom.jobs import records
from fittingroom.jobs.worker import worker_main

log = logging.getLogger(__name__)

_RESPAWN_BACKOFF_S = (0.0, 1.0, 2.0, 5.0, 10.0)  # after consecutive deaths before "ready"


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job_id: str | None = None
    started: float = field(default_factory=time.monotonic)


class EmbeddedQueue:
    """Bounded by the caller (see `jobs.submit`); enqueueing is idempotent by job id."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session]) -> None:
        self._settings = settings
        self._factory = factory
        self._ctx = mp.get_context("spawn")
        self._pending: collections.deque[str] = collections.deque()
        self._known: set[str] = set()  # queued here or running on a worker
        self._lock = threading.Lock()
        self._wake_recv, self._wake_send = self._ctx.Pipe(duplex=False)
        self._workers: list[_Worker] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._early_deaths = 0

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        for _ in range(self._settings.workers):
            self._workers.append(self._spawn())
        for job_id in records.requeue_interrupted(self._factory):
            self.enqueue(job_id)
        self._thread = threading.Thread(
            target=self._dispatch_loop, name="fittingroom-dispatcher", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop dispatching, let running jobs finish within `timeout`, then stop the workers.

        A job still running at the deadline stays `processing` in the database and is re-run
        at the next start (its worker is killed; workers ignore SIGTERM).
        """
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        deadline = time.monotonic() + timeout
        for worker in self._workers:  # a busy worker reads this after finishing its job
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=max(0.1, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=2)
            worker.conn.close()
        self._workers.clear()

    # --- the public face ---------------------------------------------------------------------
    def enqueue(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._known:
                return
            self._known.add(job_id)
            self._pending.append(job_id)
        self._wake()

    @property
    def models_loaded(self) -> bool:
        return any(w.ready and w.process.is_alive() for w in self._workers)

    def problem(self) -> str | None:
        """None when healthy, else what is wrong (for /health)."""
        if self._thread is None or not self._thread.is_alive():
            return "dispatcher is not running"
        if not any(w.process.is_alive() for w in self._workers):
            return "no worker process is alive"
        return None

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            pending = len(self._pending)
        return {
            "workers": len(self._workers),
            "ready": sum(w.ready for w in self._workers),
            "busy": sum(w.job_id is not None for w in self._workers),
            "pending": pending,
        }

    def worker_pids(self) -> list[int | None]:
        return [w.process.pid for w in self._workers]

    # --- dispatcher thread -------------------------------------------------------------------
    def _wake(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            self._wake_send.send(None)

    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker_main, args=(self._settings, child_conn), name="fittingroom-worker", daemon=True
        )
        process.start()
        child_conn.close()
        return _Worker(process=process, conn=parent_conn)

    def _dispatch_loop(self) -> None:
        while not self._stopping.is_set():
            waitables: list[object] = [self._wake_recv]
            for w in self._workers:
                waitables += [w.conn, w.process.sentinel]
            try:
                ready = wait(waitables, timeout=1.0)  # type: ignore[arg-type]
            except OSError:
                ready = []
            if self._wake_recv in ready:
                while self._wake_recv.poll():
                    self._wake_recv.recv()
            for worker in list(self._workers):
                if worker.conn in ready:
                    self._read(worker)
            for worker in list(self._workers):
                if not worker.process.is_alive():
                    self._replace(worker)
            self._assign()

    def _read(self, worker: _Worker) -> None:
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "ready":
                    worker.ready = True
                    self._early_deaths = 0
                    log.info("worker %s ready (models loaded in %.2fs)", worker.process.pid, message[1])
                elif message[0] == "done":
                    with self._lock:
                        self._known.discard(message[1])
                    worker.job_id = None
        except (EOFError, OSError):
            pass  # the process died; _replace deals with it

    def _replace(self, worker: _Worker) -> None:
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        if worker.job_id is not None and self._stopping.is_set():
            log.warning(
                "worker %s stopped during shutdown; job %s will re-run at the next start",
                worker.process.pid,
                worker.job_id,
            )
        elif worker.job_id is not None:
            reason = f"The worker process running this job died unexpectedly (exit code {code})"
            records.fail(self._factory, worker.job_id, reason)
            log.error("worker %s died running job %s (exit code %s)", worker.process.pid, worker.job_id, code)
            with self._lock:
                self._known.discard(worker.job_id)
        else:
            log.error("worker %s died (exit code %s)", worker.process.pid, code)
        worker.conn.close()
        self._workers.remove(worker)
        if self._stopping.is_set():
            return
        if not worker.ready:  # died while loading: back off so a broken install does not spin
            self._early_deaths += 1
            delay = _RESPAWN_BACKOFF_S[min(self._early_deaths, len(_RESPAWN_BACKOFF_S) - 1)]
            if self._stopping.wait(delay):
                return
        self._workers.append(self._spawn())

    def _assign(self) -> None:
        for worker in self._workers:
            if not (worker.ready and worker.job_id is None and worker.process.is_alive()):
                continue
            with self._lock:
                if not self._pending:
                    return
                job_id = self._pending.popleft()
            try:
                worker.conn.send(job_id)
                worker.job_id = job_id
            except OSError:
                with self._lock:
                    self._pending.appendleft(job_id)
