"""The pure retry rules: which failures, how long to wait, and the deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airplane_api.retry import (
    RetryPolicy,
    backoff_delay,
    cap_to_deadline,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 20),
    base_delay=st.floats(0, 100, allow_nan=False),
    max_delay=st.floats(0, 1000, allow_nan=False),
    jitter=st.booleans(),
    deadline=st.none() | st.floats(0.001, 1e6, allow_nan=False),
)
unit = st.floats(0, 1, exclude_max=True, allow_nan=False)
remaining_times = st.none() | st.floats(-10, 1e6, allow_nan=False)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (501, {}, False),
        (400, {}, False),
        (404, {}, False),
        (503, {"X-Airplane-Retryable": "false"}, False),
        (400, {"x-airplane-retryable": "true"}, True),
        (501, {"X-Airplane-Retryable": "TRUE"}, True),
        (503, {"X-Airplane-Retryable": "maybe"}, True),
    ],
)
def test_retryable_status(status: int, headers: dict[str, str], expected: bool) -> None:
    """429 and 5xx but 501 are retried; the X-Airplane-Retryable header overrides either way."""
    assert is_retryable_status(status, headers) is expected


@given(policy=policies, attempt=st.integers(1, 10_000), draw=unit, remaining=remaining_times)
def test_backoff_within_bounds(
    policy: RetryPolicy, attempt: int, draw: float, remaining: float | None
) -> None:
    """A backoff wait is never negative, never above max_delay, never past the deadline."""
    delay = backoff_delay(attempt, policy, lambda: draw, remaining=remaining)
    assert 0 <= delay <= policy.max_delay
    if remaining is not None:
        assert delay <= max(remaining, 0)


@given(policy=policies, attempt=st.integers(1, 60))
def test_backoff_grows_until_the_cap(policy: RetryPolicy, attempt: int) -> None:
    """Without jitter, each wait is at least the previous one."""
    fixed = RetryPolicy(base_delay=policy.base_delay, max_delay=policy.max_delay, jitter=False)
    assert backoff_delay(attempt + 1, fixed, lambda: 0.5) >= backoff_delay(
        attempt, fixed, lambda: 0.5
    )


def test_full_jitter_scales_the_ceiling() -> None:
    """With jitter, the wait is the random draw times the exponential ceiling."""
    policy = RetryPolicy(base_delay=1, max_delay=100)
    assert backoff_delay(4, policy, lambda: 0.25) == 2.0
    assert backoff_delay(4, RetryPolicy(base_delay=1, jitter=False), lambda: 0.25) == 8.0


@given(delay=st.floats(-100, 1e6, allow_nan=False), remaining=remaining_times)
def test_cap_to_deadline(delay: float, remaining: float | None) -> None:
    """A capped wait is never negative and never longer than the time left."""
    capped = cap_to_deadline(delay, remaining)
    assert capped >= 0
    assert capped <= max(delay, 0)
    if remaining is not None:
        assert capped <= max(remaining, 0)


@given(
    policy=policies,
    attempt=st.integers(1, 100),
    draw=unit,
    retry_after=st.none() | st.floats(0, 1e5, allow_nan=False),
    remaining=remaining_times,
)
def test_retry_delay_respects_the_deadline(
    policy: RetryPolicy,
    attempt: int,
    draw: float,
    retry_after: float | None,
    remaining: float | None,
) -> None:
    """A retry wait always ends before the deadline; a server's wait is never shortened."""
    delay = retry_delay(
        attempt, policy, retry_after=retry_after, remaining=remaining, random=lambda: draw
    )
    if delay is None:
        assert remaining is not None
        return
    assert delay >= 0
    if remaining is not None:
        assert delay < remaining
    if retry_after is not None:
        assert delay == retry_after


@given(seconds=st.integers(0, 10**9))
def test_retry_after_seconds(seconds: int) -> None:
    """Delta seconds read as themselves."""
    assert parse_retry_after(str(seconds), NOW) == seconds
    assert parse_retry_after(f" {seconds} ", NOW) == seconds


@given(
    now=st.datetimes(
        min_value=datetime(1980, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.integers(0, 10**7),
)
def test_retry_after_http_date(now: datetime, seconds: int) -> None:
    """An HTTP date reads as the seconds from now until then."""
    now = now.replace(microsecond=0)
    value = format_datetime(now + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(value, now) == seconds


def test_retry_after_in_the_past_means_now() -> None:
    """A date that has passed means no wait."""
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 0


@given(text=st.text())
def test_retry_after_never_crashes(text: str) -> None:
    """Any header value gives a non-negative wait or None."""
    result = parse_retry_after(text, NOW)
    assert result is None or result >= 0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "nan", "inf", "Wed, 99 Foo 2015"])
def test_retry_after_unreadable(value: str | None) -> None:
    """Missing, negative or unreadable values mean the server gave no wait."""
    assert parse_retry_after(value, NOW) is None


@pytest.mark.parametrize(
    "options",
    [{"max_attempts": 0}, {"base_delay": -1}, {"max_delay": -1}, {"deadline": 0}],
)
def test_policy_rejects_nonsense(options: dict[str, float]) -> None:
    """A policy that could never make an attempt, or waits negative time, is refused."""
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**options)  # type: ignore[arg-type]
