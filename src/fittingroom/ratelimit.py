"""Per-user rate limits with the `limits` library: a moving window, in memory or in Redis."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from fittingroom.config import Settings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: int  # seconds until a request is allowed again (0 when allowed now)

    def headers(self) -> dict[str, str]:
        """The IETF draft `RateLimit-*` headers, plus `Retry-After` when refused."""
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after_s),
        }
        if not self.allowed:
            out["Retry-After"] = str(max(1, self.reset_after_s))
        return out


class RateLimiter:
    """`hit(user)` counts a request against FITTINGROOM_RATE_LIMIT (e.g. "5/minute")."""

    def __init__(self, settings: Settings) -> None:
        self.item = parse(settings.rate_limit)
        self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))

    def hit(self, user_id: str, scope: str = "process-tryon") -> Decision:
        allowed = self._limiter.hit(self.item, scope, user_id)
        stats = self._limiter.get_window_stats(self.item, scope, user_id)
        reset_after = 0 if allowed else max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed, self.item.amount, max(0, stats.remaining), reset_after)
