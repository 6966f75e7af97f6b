"""The watchdog: no job stays `processing` forever.

A job still processing `job_deadline_s` after it started (a hung provider, a worker lost in a
way no queue noticed) is failed with the reason, and its gems are refunded, by the same
conditional transition as any failure: if its worker finishes later, that result is ignored.
Every API process runs one; two watchdogs cannot fail one job twice.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from fittingroom.jobs import records

log = logging.getLogger(__name__)


def fail_overdue(factory: sessionmaker[Session], deadline_s: float) -> list[str]:
    """Fail every overdue job; returns the ids this call failed."""
    failed = []
    for job_id in records.overdue(factory, deadline_s):
        reason = f"The job did not finish within {deadline_s:g} s and was stopped"
        if records.fail(factory, job_id, reason):
            log.error("job %s: %s", job_id, reason)
            failed.append(job_id)
    return failed


class Watchdog:
    def __init__(self, factory: sessionmaker[Session], deadline_s: float, interval_s: float) -> None:
        self.factory = factory
        self.deadline_s = deadline_s
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                fail_overdue(self.factory, self.deadline_s)
            except Exception:  # the database may be away for a moment; look again next round
                log.exception("watchdog round failed")
