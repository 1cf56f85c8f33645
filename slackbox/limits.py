"""Slack's Web API rate limits, enforced: 429 with `Retry-After` for calls past a budget.

Two sources of 429, checked in this order:

1. Rules a test adds (`RateLimiter.add`): a method (or every method), optionally one channel,
   for the next `count` calls or until `seconds` have passed (whichever ends first). Checked in
   the order added; the first match answers with its own `retry_after`.
2. Slack's documented tiers (`TierLimits`), read from the one table in
   `foundation/slack_limits.py` (the same the bot paces itself by): a token bucket per method
   for the workspace (`tier_of(method)`: refill `per_second`, capacity `burst`), and for the
   methods in `CHANNEL_PACED` (chat.postMessage) a bucket per channel too (`CHANNEL_PACE`: about
   one message a second). A call needs a whole token in every bucket it meets; past one it gets
   `Retry-After` = the wait rounded up to whole seconds (at least 1) and spends no token at all.

The clock is injected (`time.monotonic` by default), so tests step time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from foundation.slack_limits import CHANNEL_PACE, CHANNEL_PACED, tier_of
from foundation.token_bucket import TokenBucket

from .state import JSON

Clock = Callable[[], float]


def channel_of(params: JSON) -> str | None:
    """The channel a call is about (`channel`, or `channel_id` for file shares)."""
    channel = params.get("channel") or params.get("channel_id")
    return channel if isinstance(channel, str) and channel else None


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
        return self.channel is None or self.channel == channel_of(params)


class TierLimits:
    """Slack's budgets per method (workspace) and, for posting, per channel: token buckets."""

    def __init__(self) -> None:
        self.methods: dict[str, TokenBucket] = {}
        self.channels: dict[tuple[str, str], TokenBucket] = {}  # (method, channel)

    def _buckets(self, method: str, channel: str | None, now: float) -> list[TokenBucket]:
        method_bucket = self.methods.get(method)
        if method_bucket is None:
            tier = tier_of(method)
            method_bucket = TokenBucket(tier.per_second, tier.burst, stamp=now)
            self.methods[method] = method_bucket
        buckets = [method_bucket]
        if method in CHANNEL_PACED and channel is not None:
            channel_bucket = self.channels.get((method, channel))
            if channel_bucket is None:
                channel_bucket = TokenBucket(CHANNEL_PACE.per_second, CHANNEL_PACE.burst, stamp=now)
                self.channels[(method, channel)] = channel_bucket
            buckets.append(channel_bucket)
        return buckets

    def retry_after(self, method: str, channel: str | None, now: float) -> int | None:
        """Whole seconds to wait when this call is past a budget (nothing spent), else None
        (a token taken from every bucket the call meets)."""
        buckets = self._buckets(method, channel, now)
        wait = max(bucket.wait_for_token(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take(now)
        return None


class RateLimiter:
    """Test rules first, then Slack's tiers (when `enforce_tiers`), on one injected clock."""

    def __init__(self, *, enforce_tiers: bool = True, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or time.monotonic
        self.rules: list[RateLimitRule] = []
        self.tiers: TierLimits | None = TierLimits() if enforce_tiers else None

    @property
    def enforce_tiers(self) -> bool:
        """Whether Slack's documented tiers answer 429 (test rules apply either way)."""
        return self.tiers is not None

    @enforce_tiers.setter
    def enforce_tiers(self, on: bool) -> None:
        # Switching on starts from full buckets, as after a quiet while.
        if on != self.enforce_tiers:
            self.tiers = TierLimits() if on else None

    def add(
        self,
        method: str | None = None,
        *,
        channel: str | None = None,
        count: int | None = 1,
        seconds: float | None = None,
        retry_after: int = 1,
    ) -> RateLimitRule:
        """Answer 429 + `Retry-After` to `method` (None: all) calls, per channel if given, for
        the next `count` calls and/or `seconds` (`count=None` with `seconds`: by time only);
        `slack.rate_limited` records them. Checked before Slack's tiers; a call it refuses
        spends no tier budget. Tests call it as `slack.rate_limit(...)`."""
        until = self.clock() + seconds if seconds is not None else None
        if count is None and until is None:
            raise ValueError("a rate limit needs a count, a period, or both")
        rule = RateLimitRule(method, channel, retry_after, count, until)
        self.rules.append(rule)
        return rule

    def check(self, method: str, params: JSON) -> int | None:
        """The `Retry-After` seconds when this call is limited, else None (the call is counted
        against its budgets)."""
        now = self.clock()
        for rule in self.rules:
            if rule.matches(method, params, now):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.retry_after
        if self.tiers is None:
            return None
        return self.tiers.retry_after(method, channel_of(params), now)

    def clear(self) -> None:
        """Drop every test rule and refill Slack's budgets (enforcement stays as it was)."""
        self.rules.clear()
        if self.tiers is not None:
            self.tiers = TierLimits()
