"""One token bucket: `rate` tokens a second, holding at most `burst`. Pure arithmetic on a
clock the caller passes in, so the bot's pacing and the stand-in's enforcement are the same
rule and tests need no real time."""

from __future__ import annotations

from dataclasses import dataclass

# Refills are float arithmetic: a bucket that should hold exactly one token may hold
# 0.9999999999999998, and a wait of 2e-16 s added to a clock near 3.6 does not move it. A
# token this close to whole counts as whole, so no caller spins on a wait too small to pass.
WHOLE = 1.0 - 1e-9


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

    def _refill(self, now: float) -> None:
        if now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now

    def reserve(self, now: float) -> float:
        """Take one token; return how many seconds to wait before using it."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def wait_for_token(self, now: float, *, leaving: float = 0.0) -> float:
        """Seconds until a whole token is free with `leaving` tokens still in the bucket after
        it is taken (0 when it is free now); takes nothing."""
        self._refill(now)
        missing = 1.0 + leaving - self.tokens
        return 0.0 if missing <= 1.0 - WHOLE else missing / self.rate

    def take(self, now: float) -> float:
        """Take a token if a whole one is free (0.0), else take nothing: the seconds to wait.

        What an enforcer does: a refused call spends nothing.
        """
        wait = self.wait_for_token(now)
        if wait == 0.0:
            self.tokens -= 1
        return wait

    def full(self, now: float) -> bool:
        """Whether the bucket is full again by `now` (it then says nothing of the past)."""
        self._refill(now)
        return self.tokens >= self.burst

    def resize(self, rate: float, burst: float, now: float) -> None:
        """Change the rate and size (a replica's share of a budget), keeping what is saved."""
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._refill(now)
        self.rate, self.burst = rate, burst
        self.tokens = min(self.tokens, burst)
