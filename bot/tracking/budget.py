"""A global request budget for the Airplane API: a token bucket that is never overdrawn.

`TokenBucket` is pure arithmetic on an injected clock: `reserve` books the next free slot and
says how long to wait for it, so concurrent callers queue fairly and the rate over any window
never exceeds `rate * window + burst`. `RequestBudget` is the async wrapper that sleeps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; reservations may go into debt."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        if self.tokens < 0:
            self.tokens = self.burst

    def reserve(self, now: float) -> float:
        """Take one token; return how many seconds to wait before using it."""
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class RequestBudget:
    """Every Airplane request the tracker makes waits here first."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bucket = TokenBucket(rate=rate, burst=burst if burst is not None else max(1.0, rate))
        self._clock = clock
        self._sleep = sleep
        self.spent = 0

    @property
    def rate(self) -> float:
        """Requests per second allowed."""
        return self._bucket.rate

    async def acquire(self) -> None:
        """Wait until one more request fits in the budget."""
        wait = self._bucket.reserve(self._clock())
        self.spent += 1
        if wait > 0:
            await self._sleep(wait)
