"""A token bucket per caller, as pure arithmetic over a clock the caller passes in."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BucketState:
    """Tokens left at `updated` (seconds on a monotonic clock)."""

    tokens: float
    updated: float


@dataclass(frozen=True)
class TokenBucket:
    """`rate` tokens per second refill a bucket of `burst`; each request takes one."""

    rate: float
    burst: float

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")

    def full(self, now: float) -> BucketState:
        """A bucket nobody has drawn from yet."""
        return BucketState(self.burst, now)

    def take(self, state: BucketState, now: float) -> tuple[BucketState, float]:
        """Draw one token. Returns the new state and 0, or the unchanged state and the wait."""
        elapsed = max(0.0, now - state.updated)
        tokens = min(self.burst, state.tokens + elapsed * self.rate)
        if tokens >= 1:
            return BucketState(tokens - 1, now), 0.0
        return BucketState(tokens, now), (1 - tokens) / self.rate


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value for a wait: whole seconds, at least 1."""
    return max(1, math.ceil(wait))


@dataclass
class RateLimiter:
    """Buckets by caller key. Holds state, does no I/O; the HTTP layer passes the clock."""

    bucket: TokenBucket
    _states: dict[str, BucketState] = field(default_factory=dict)

    def check(self, key: str, now: float) -> float:
        """0 when `key` may proceed now, else the seconds until it may."""
        state = self._states.get(key) or self.bucket.full(now)
        state, wait = self.bucket.take(state, now)
        self._states[key] = state
        if len(self._states) > 10_000:
            self._forget_full(now)
        return wait

    def _forget_full(self, now: float) -> None:
        # Buckets that have refilled carry no information; dropping them bounds memory.
        for key, state in list(self._states.items()):
            if state.tokens + (now - state.updated) * self.bucket.rate >= self.bucket.burst:
                del self._states[key]
