"""The token bucket behind the global Airplane request budget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.tracking.budget import RequestBudget, TokenBucket


@given(
    rate=st.floats(0.5, 50),
    burst=st.integers(1, 20),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_never_exceeds_rate_over_any_window(rate: float, burst: int, gaps: list[float]) -> None:
    """Requests released by the bucket fit rate * window + burst for every window."""
    bucket = TokenBucket(rate=rate, burst=burst)
    now, released = 0.0, []
    for gap in gaps:
        now += gap
        released.append(now + bucket.reserve(now))
    released.sort()
    for i, start in enumerate(released):
        for j in range(i, len(released)):
            window = released[j] - start
            assert j - i + 1 <= rate * window + burst + 1e-6


def test_rejects_nonsense() -> None:
    """A zero rate is a configuration error."""
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(rate=0, burst=1)


async def test_budget_sleeps_when_overdrawn() -> None:
    """The async budget sleeps for the bucket's wait and counts requests."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    budget = RequestBudget(2.0, burst=1, clock=lambda: 100.0, sleep=sleep)
    for _ in range(3):
        await budget.acquire()
    assert slept == [0.5, 1.0]
    assert budget.spent == 3
