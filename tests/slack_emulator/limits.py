"""Rate limits tests switch on: answer 429 with `Retry-After` for some calls.

A rule matches a method (or every method), optionally one channel, for the next `count` calls
or until `seconds` have passed (or both: whichever ends first). Rules are checked in the order
they were added; the first match answers.
"""

from __future__ import annotations

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


class RateLimiter:
    """The active 429 rules."""

    def __init__(self) -> None:
        self.rules: list[RateLimitRule] = []

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
        return None

    def clear(self) -> None:
        """Drop every rule."""
        self.rules.clear()
