"""A token bucket per caller. The arithmetic is the shared `foundation.token_bucket.TokenBucket`
(pure, over a clock the caller passes in); this module only keeps one bucket per key."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from foundation.token_bucket import TokenBucket

# Buckets kept before the full ones (which carry no information) are dropped.
MAX_KEYS = 10_000


@dataclass(frozen=True)
class RateLimit:
    """`rate` requests per second, in bursts of up to `burst`: what every caller's bucket is."""

    rate: float
    burst: float

    def __post_init__(self) -> None:
        self.bucket(0.0)  # TokenBucket says what is wrong with a rate or burst

    def bucket(self, now: float, tokens: float | None = None) -> TokenBucket:
        """A bucket of this size holding `tokens` at `now` (full when not said)."""
        held = self.burst if tokens is None else tokens
        return TokenBucket(self.rate, self.burst, tokens=held, stamp=now)


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value for a wait: whole seconds, at least 1."""
    return max(1, math.ceil(wait))


@dataclass
class RateLimiter:
    """Buckets by caller key. Holds state, does no I/O; the HTTP layer passes the clock."""

    limit: RateLimit
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def check(self, key: str, now: float) -> float:
        """0 when `key` may proceed now, else the seconds until it may."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = self.limit.bucket(now)
        wait = bucket.take(now)
        if len(self._buckets) > MAX_KEYS:
            self._forget_full(now)
        return wait

    def _forget_full(self, now: float) -> None:
        # Buckets that have refilled carry no information; dropping them bounds memory.
        for key, bucket in list(self._buckets.items()):
            if bucket.full(now):
                del self._buckets[key]
