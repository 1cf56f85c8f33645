"""The token bucket behind the global Airplane request budget."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.tracking.budget import Lane, RequestBudget
from foundation.token_bucket import TokenBucket


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


class FakeTime:
    """A clock that moves only when the budget sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        """The fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance the fake time."""
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_budget_sleeps_when_overdrawn() -> None:
    """The async budget waits for the bucket's next token and counts requests."""
    time = FakeTime()
    budget = RequestBudget(2.0, burst=1, clock=time.clock, sleep=time.sleep)
    for _ in range(3):
        await budget.acquire()
    assert time.slept == [0.5, 0.5]
    assert budget.spent == 3


async def test_feed_goes_before_older_less_urgent_requests() -> None:
    """With the budget spent, the feed is served first, then prompts, then details."""
    time = FakeTime()
    budget = RequestBudget(1.0, burst=1, clock=time.clock, sleep=time.sleep)
    await budget.acquire(Lane.DETAILS)  # spends the only token
    served: list[str] = []

    async def ask(name: str, lane: Lane) -> None:
        await budget.acquire(lane)
        served.append(name)

    await asyncio.gather(
        ask("output1", Lane.DETAILS),
        ask("output2", Lane.DETAILS),
        ask("safety", Lane.SAFETY),
        ask("prompts", Lane.PROMPTS),
        ask("feed", Lane.FEED),
    )
    assert served == ["feed", "prompts", "output1", "output2", "safety"]
    assert budget.spent_by_lane[Lane.FEED] == 1
    assert time.now == pytest.approx(105.0)  # one a second: the rate still holds


async def test_within_a_lane_a_lower_order_goes_first_then_first_come() -> None:
    """Runs that went live: the one live longest unseen (lowest order) is asked first; equal
    orders keep their arrival order; a more urgent lane still goes before all of them."""
    time = FakeTime()
    budget = RequestBudget(1.0, burst=1, clock=time.clock, sleep=time.sleep)
    await budget.acquire(Lane.DETAILS)  # spends the only token
    served: list[str] = []

    async def ask(name: str, lane: Lane, order: float = 0.0) -> None:
        await budget.acquire(lane, order)
        served.append(name)

    await asyncio.gather(
        ask("live 0.2 s", Lane.STARTED, -0.2),
        ask("live 4 s", Lane.STARTED, -4.0),
        ask("unknown a", Lane.STARTED),
        ask("unknown b", Lane.STARTED),
        ask("live 1 s", Lane.STARTED, -1.0),
        ask("output", Lane.DETAILS, -100.0),
        ask("prompt", Lane.PROMPTS),
    )
    first = ["prompt", "live 4 s", "live 1 s", "live 0.2 s"]
    assert served == [*first, "unknown a", "unknown b", "output"]


async def test_try_acquire_uses_only_what_is_left_over() -> None:
    """A safety poll gets a token only when one is free and nobody waits."""
    time = FakeTime()
    budget = RequestBudget(1.0, burst=2, clock=time.clock, sleep=time.sleep)
    assert budget.try_acquire()
    assert budget.try_acquire()
    assert not budget.try_acquire()
    time.now += 1.0
    assert budget.try_acquire()


async def test_the_dispatcher_outlives_a_failing_sleep(caplog: pytest.LogCaptureFixture) -> None:
    """The dispatcher's sleep fails (a bug) three times: requests queued behind it are still
    served at the rate, and the log has one warning."""
    time = FakeTime()
    broken = [3]

    async def sleep(seconds: float) -> None:
        if broken[0]:
            broken[0] -= 1
            raise RuntimeError("event loop hiccup")
        await time.sleep(seconds)

    budget = RequestBudget(1.0, burst=1, clock=time.clock, sleep=sleep)
    await budget.acquire()  # spends the only token: the next ones wait on the dispatcher
    with caplog.at_level(logging.DEBUG, logger="bot.tracking.budget"):
        await asyncio.wait_for(asyncio.gather(budget.acquire(), budget.acquire()), timeout=5)
    assert budget.spent == 3
    assert time.slept == [1.0, 1.0]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "request budget failed" in warnings[0].getMessage()
