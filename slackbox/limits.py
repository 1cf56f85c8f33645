"""Rate limits tests switch on: answer 429 with `Retry-After` for some calls.

A rule matches a method (or every method), optionally one channel, for the next `count` calls
or until `seconds` have passed (or both: whichever ends first). Rules are checked in the order
they were added; the first match answers.

`ChannelPace` is Slack's own posting limit: about one message per second per channel with short
bursts. Switched on, it answers 429 to posts that come faster (a token bucket per channel), so a
test can check the bot paces its writes and honours `Retry-After` without timing anything itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .state import JSON


@dataclass
class RateLimitRule:
    """One 429 rule; `remaining=None` means no call budget, `until=None` no deadline."""

    method: str | None
    channel: str | None
    retry_after: int
    remaining: int | None
    until: float | None

    def matches(self, method: str, params: JSON, now: float) -> bool:
        """True when this call should get a 429."""
        if self.until is not None and now >= self.until:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        channel = params.get("channel") or params.get("channel_id")
        return self.channel is None or self.channel == channel


@dataclass
class ChannelPace:
    """A token bucket per channel for posting methods: `per_second` refill, `burst` capacity."""

    methods: frozenset[str]
    per_second: float
    burst: int
    buckets: dict[str, tuple[float, float]]  # channel -> (tokens, last refill time)

    def retry_after(self, method: str, params: JSON, now: float) -> int | None:
        """Seconds to wait when this post would exceed the pace (and take a token otherwise)."""
        channel = params.get("channel") or params.get("channel_id")
        if method not in self.methods or not isinstance(channel, str):
            return None
        tokens, last = self.buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens < 1.0:
            self.buckets[channel] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.per_second))
        self.buckets[channel] = (tokens - 1.0, now)
        return None


POSTING_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "chat.postEphemeral", "files.completeUploadExternal"}
)


class RateLimiter:
    """The active 429 rules."""

    def __init__(self) -> None:
        self.rules: list[RateLimitRule] = []
        self.pace: ChannelPace | None = None

    def pace_channels(
        self, *, per_second: float = 1.0, burst: int = 3, methods: frozenset[str] = POSTING_METHODS
    ) -> ChannelPace:
        """Answer 429 to posts in one channel faster than `per_second` after a `burst`."""
        self.pace = ChannelPace(methods, per_second, burst, {})
        return self.pace

    def add(
        self,
        method: str | None = None,
        *,
        channel: str | None = None,
        count: int | None = 1,
        seconds: float | None = None,
        retry_after: int = 1,
    ) -> RateLimitRule:
        """Answer 429 to matching calls; `count=None` with `seconds` limits by time only."""
        until = time.monotonic() + seconds if seconds is not None else None
        if count is None and until is None:
            raise ValueError("a rate limit needs a count, a period, or both")
        rule = RateLimitRule(method, channel, retry_after, count, until)
        self.rules.append(rule)
        return rule

    def check(self, method: str, params: JSON) -> int | None:
        """The `Retry-After` seconds when this call is limited (and count it), else None."""
        now = time.monotonic()
        for rule in self.rules:
            if rule.matches(method, params, now):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.retry_after
        return self.pace.retry_after(method, params, now) if self.pace else None

    def clear(self) -> None:
        """Drop every rule and the channel pace."""
        self.rules.clear()
        self.pace = None
