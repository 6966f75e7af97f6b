"""Per-user moving-window limits with the `limits` library (memory storage)."""

from __future__ import annotations

from fittingroom.config import Settings
from fittingroom.ratelimit import RateLimiter


def test_five_per_minute_per_user(settings: Settings) -> None:
    limiter = RateLimiter(settings)
    decisions = [limiter.hit("alice") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    refused = decisions[-1].headers()
    assert refused["RateLimit-Limit"] == "5" and refused["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused["Retry-After"]) <= 60 and refused["RateLimit-Reset"] == refused["Retry-After"]
    assert "Retry-After" not in decisions[0].headers()
    assert limiter.hit("bob").allowed, "limits are per user"


def test_limit_is_configurable(settings: Settings) -> None:
    settings.rate_limit = "2/second"
    limiter = RateLimiter(settings)
    assert [limiter.hit("carol").allowed for _ in range(3)] == [True, True, False]
