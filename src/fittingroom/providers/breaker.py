"""A circuit breaker per provider: after `threshold` consecutive failures the provider is skipped
for `cooldown_s`; then one trial request goes through (half-open), and its outcome closes the
circuit again or reopens it for another cool-down.

State is per worker process. Each worker learns of an outage from its own failures, so an
outage costs at most `threshold` failed attempts per worker, not per job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None  # clock reading when it opened; None while closed


class CircuitBreaker:
    def __init__(
        self, threshold: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._circuits: dict[str, _Circuit] = {}
        self._lock = threading.Lock()

    def open_for(self, provider: str) -> float | None:
        """Seconds the provider stays skipped, or None when a request may go to it."""
        with self._lock:
            circuit = self._circuits.get(provider)
            if circuit is None or circuit.opened_at is None:
                return None
            remaining = circuit.opened_at + self.cooldown_s - self._clock()
            return remaining if remaining > 0 else None

    def record_success(self, provider: str) -> None:
        with self._lock:
            self._circuits[provider] = _Circuit()

    def record_failure(self, provider: str) -> None:
        with self._lock:
            circuit = self._circuits.setdefault(provider, _Circuit())
            circuit.failures += 1
            if circuit.failures >= self.threshold:
                circuit.opened_at = self._clock()  # (re)opens; a failed half-open trial lands here too
