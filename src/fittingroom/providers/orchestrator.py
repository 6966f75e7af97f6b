"""Running a job's provider chain: the first provider that delivers wins.

A provider is skipped when this worker lacks it (no key), when it lacks a capability the
request needs, or while its circuit is open; on failure or timeout the next one is tried.
Every provider's part is recorded as an `Attempt`, so the job says which one produced the
result and why the others did not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fittingroom.errors import ProviderError, TryOnFailed
from fittingroom.providers.base import ProgressCallback, Provider, ProviderResult, TryOnRequest
from fittingroom.providers.breaker import CircuitBreaker
from fittingroom.providers.catalog import LOCAL, Attempt, lacks

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """`result` and `provider` are set when one delivered; else `error` says why none did."""

    attempts: list[Attempt] = field(default_factory=list)
    result: ProviderResult | None = None
    provider: str | None = None
    error: TryOnFailed | None = None


class Orchestrator:
    def __init__(self, providers: Mapping[str, Provider], breaker: CircuitBreaker) -> None:
        self.providers = dict(providers)
        self.breaker = breaker

    def run(self, request: TryOnRequest, order: Sequence[str], on_progress: ProgressCallback) -> Outcome:
        outcome = Outcome()
        categories = [g.category for g in request.garments]
        errors: list[TryOnFailed] = []
        for name in order:
            provider = self.providers.get(name)
            reason = (
                "not configured on this worker"
                if provider is None
                else lacks(provider.capabilities, categories)
            )
            cooling = self.breaker.open_for(name)
            if reason is None and cooling is not None:
                reason = f"circuit open after repeated failures; retried in {cooling:.0f} s"
            if reason is not None or provider is None:
                outcome.attempts.append(Attempt(name, "skipped", reason))
                continue
            started = time.perf_counter()
            try:
                result = provider.tryon(request, on_progress)
            except TryOnFailed as exc:
                errors.append(exc)
                if isinstance(exc, ProviderError):
                    self._failed(outcome, name, exc.detail, started, exc.counts_against_provider)
                else:  # the local pipeline's verdict on the inputs (no person found ...)
                    self._failed(outcome, name, str(exc), started, False)
                continue
            except Exception as exc:  # a bug in one provider must not stop the others
                log.exception("provider %s crashed", name)
                errors.append(TryOnFailed(f"{name}: internal error ({type(exc).__name__})"))
                # The local pipeline is the fallback of last resort: its circuit never opens.
                self._failed(outcome, name, f"internal error ({type(exc).__name__})", started, name != LOCAL)
                continue
            self.breaker.record_success(name)
            outcome.attempts.append(
                Attempt(name, "completed", seconds=round(time.perf_counter() - started, 3))
            )
            outcome.result, outcome.provider = result, name
            return outcome
        outcome.error = _summary(errors, outcome.attempts)
        return outcome

    def _failed(self, outcome: Outcome, name: str, reason: str, started: float, counts: bool) -> None:
        if counts:
            self.breaker.record_failure(name)
        outcome.attempts.append(Attempt(name, "failed", reason, round(time.perf_counter() - started, 3)))


def _summary(errors: list[TryOnFailed], attempts: list[Attempt]) -> TryOnFailed:
    """One error for a chain that delivered nothing: a lone failure as it is, else every reason."""
    if len(errors) == 1:
        return errors[0]
    reasons = "; ".join(f"{a.provider} {a.outcome}: {a.reason}" for a in attempts)
    return TryOnFailed(f"No provider delivered ({reasons})")
