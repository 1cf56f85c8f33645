"""When to retry and how long to wait: pure functions, no clock and no sleeping.

The client asks these questions after every failed attempt; tests ask them directly. The rules
come from the API reference: retry 429 and 5xx except 501, and honour `Retry-After`. Like
Airplane's own CLI, a response header `X-Airplane-Retryable: true|false` overrides the status
rule. Transport failures (no answer at all, so no status) are always retried, because every POST
carries an `Idempotency-Key` that makes a replay safe; `_core` says so where it classifies them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = [
    "RETRYABLE_HEADER",
    "RetryPolicy",
    "backoff_delay",
    "cap_to_deadline",
    "is_retryable_status",
    "parse_retry_after",
    "retry_delay",
]

RETRYABLE_HEADER = "X-Airplane-Retryable"

# Beyond this the exponential term is far above any sane max_delay; clamping keeps 2**n finite.
_MAX_EXPONENT = 62


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts a call gets, how long to back off between them, and when to give up.

    `deadline` bounds the whole call (every attempt and every wait), in seconds; None means only
    `max_attempts` bounds it. With `jitter` the wait is drawn uniformly from [0, backoff) ("full
    jitter"), which spreads out clients that failed together.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: bool = True
    deadline: float | None = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("deadline must be positive (or None for no deadline)")

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries (the deadline still bounds it)."""
        return cls(max_attempts=1)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that works on plain dicts as well as `httpx.Headers`."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def is_retryable_status(status: int, headers: Mapping[str, str] | None = None) -> bool:
    """Whether an error response is worth retrying: 429 and 5xx but 501, unless the header says."""
    override = _header(headers, RETRYABLE_HEADER) if headers else None
    if override is not None:
        flag = override.strip().lower()
        if flag == "true":
            return True
        if flag == "false":
            return False
    return status == 429 or (500 <= status <= 599 and status != 501)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta seconds or an HTTP date); None if absent
    or unreadable. A date in the past means no wait."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; `-0000` parses as naive.
        when = when.replace(tzinfo=UTC)
    reference = now if now.tzinfo else now.replace(tzinfo=UTC)
    return max(0.0, (when - reference).total_seconds())


def cap_to_deadline(delay: float, remaining: float | None) -> float:
    """A wait shortened so that it ends no later than the deadline (never negative)."""
    if remaining is None:
        return max(0.0, delay)
    return max(0.0, min(delay, remaining))


def backoff_delay(
    attempt: int,
    policy: RetryPolicy,
    random: Callable[[], float],
    *,
    remaining: float | None = None,
) -> float:
    """The wait after failed attempt number `attempt` (1-based).

    The ceiling is base * 2**(attempt-1), at most `max_delay` and at most what the deadline
    leaves; with jitter the wait is `random()` (in [0, 1)) times that ceiling, so a jittered
    wait ends before the deadline and the next attempt still gets some time.
    """
    exponent = min(max(attempt - 1, 0), _MAX_EXPONENT)
    ceiling = cap_to_deadline(min(policy.max_delay, policy.base_delay * 2.0**exponent), remaining)
    if not policy.jitter:
        return ceiling
    return ceiling * min(max(random(), 0.0), 1.0)


def retry_delay(
    attempt: int,
    policy: RetryPolicy,
    *,
    retry_after: float | None,
    remaining: float | None,
    random: Callable[[], float],
) -> float | None:
    """How long to wait before the next attempt, or None when the deadline leaves no room.

    A server's `Retry-After` is obeyed as given; if it runs past the deadline, waiting is
    pointless and the answer is None. Our own backoff is shortened to fit the deadline instead,
    and None when even that would end exactly at the deadline.
    The caller has already decided that the failure is retryable and attempts remain.
    """
    if remaining is not None and remaining <= 0:
        return None
    if retry_after is not None:
        if remaining is not None and retry_after >= remaining:
            return None
        return retry_after
    delay = backoff_delay(attempt, policy, random, remaining=remaining)
    if remaining is not None and delay >= remaining:
        return None  # waiting until the deadline would leave the next attempt no time at all
    return delay
