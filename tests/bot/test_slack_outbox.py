"""The per-channel Slack outbox: pacing, Retry-After on 429, folding edits."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import metrics
from bot.slack.outbox import Outbox, Priority


class FakeTime:
    """A clock that only moves when the outbox sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance the fake time instead of waiting."""
        self.now += seconds
        await asyncio.sleep(0)


def rate_limited(retry_after: str) -> SlackApiError:
    """A SlackApiError as slack_sdk raises it for a 429."""
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": "ratelimited"},
        headers={"Retry-After": retry_after},
        status_code=429,
    )
    return SlackApiError("ratelimited", response)


async def test_slack_pace_per_channel_with_a_short_burst() -> None:
    """A channel gets a burst of 3, then one write a second; other channels are not held up."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=3, clock=time.clock, sleep=time.sleep)
    stamps: dict[str, list[float]] = {"A": [], "B": []}

    def write(channel: str) -> Any:
        async def call() -> float:
            stamps[channel].append(time.now)
            return time.now

        return call

    await asyncio.gather(
        *[outbox.send("A", write("A")) for _ in range(6)], outbox.send("B", write("B"))
    )
    assert len(stamps["A"]) == 6
    assert stamps["A"][:3] == [0.0, 0.0, 0.0]
    gaps = [b - a for a, b in zip(stamps["A"][2:], stamps["A"][3:], strict=False)]
    assert gaps == pytest.approx([1.0, 1.0, 1.0])
    assert len(stamps["B"]) == 1
    assert stamps["B"][0] < stamps["A"][-1]


def recorder(sent: list[str]) -> Any:
    """`write(name)`: a call that appends `name` to `sent` and returns it."""

    def write(name: str) -> Any:
        async def call() -> str:
            sent.append(name)
            return name

        return call

    return write


async def test_most_urgent_write_goes_first() -> None:
    """Queued behind routine thread lines, a prompt and then a status edit jump the queue."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    sent: list[str] = []
    write = recorder(sent)
    await asyncio.gather(
        *[outbox.send("C", write(f"line{n}"), priority=Priority.THREAD) for n in range(3)],
        outbox.send("C", write("elapsed"), priority=Priority.COSMETIC),
        outbox.send("C", write("status"), priority=Priority.STATUS),
        outbox.send("C", write("prompt"), priority=Priority.PROMPT),
    )
    # By urgency, in order within a level.
    assert sent == ["prompt", "status", "line0", "line1", "line2", "elapsed"]
    assert outbox.sent_by_priority[Priority.PROMPT] == 1


async def test_a_fold_takes_the_most_urgent_priority() -> None:
    """An elapsed-time edit folded with a status edit of the same message goes at status rank."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    sent: list[str] = []
    write = recorder(sent)

    await asyncio.gather(
        outbox.send("C", write("first"), priority=Priority.THREAD),
        outbox.send("C", write("line"), priority=Priority.THREAD),
        outbox.send("C", write("elapsed"), fold_key="parent", priority=Priority.COSMETIC),
        outbox.send("C", write("final"), fold_key="parent", priority=Priority.STATUS),
    )
    assert sent == ["final", "first", "line"]


async def test_expedite_raises_one_owners_queued_writes() -> None:
    """A run's queued thread line goes at status rank once its final edit waits behind it."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    sent: list[str] = []

    def write(name: str) -> Any:
        async def call() -> str:
            sent.append(name)
            return name

        return call

    queued = [
        *[outbox.send("C", write(f"other{n}"), priority=Priority.THREAD) for n in range(3)],
        outbox.send("C", write("elapsed"), priority=Priority.COSMETIC, owner="run:a"),
        outbox.send("C", write("line"), priority=Priority.THREAD, owner="run:a"),
    ]
    waiting = asyncio.gather(*queued)
    await asyncio.sleep(0)  # every write is queued, none sent yet
    assert outbox.expedite("C", "run:a", Priority.STATUS) == 2
    assert outbox.expedite("elsewhere", "run:a", Priority.STATUS) == 0
    await waiting
    # Raised to status rank, in their order; the other owner's writes keep theirs.
    assert sent == ["elapsed", "line", "other0", "other1", "other2"]
    assert outbox.sent_by_priority[Priority.STATUS] == 2


async def test_honours_retry_after_and_retries_the_same_call() -> None:
    """A 429 pauses the channel for Retry-After seconds, then the call is retried."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    attempts: list[float] = []

    async def call() -> str:
        attempts.append(time.now)
        if len(attempts) < 3:
            raise rate_limited("7")
        return "ok"

    assert await outbox.send("C", call) == "ok"
    assert attempts == [0.0, 7.0, 14.0]
    assert outbox.rate_limited == 2


async def test_other_errors_reach_the_caller() -> None:
    """An error that is not a 429 is raised to whoever sent the call."""
    outbox = Outbox(per_second=1000.0)

    async def call() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await outbox.send("C", call)


async def test_queued_edits_of_one_message_fold() -> None:
    """Edits queued behind a busy channel collapse into the newest one."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    sent: list[str] = []
    edit = recorder(sent)

    results = await asyncio.gather(
        outbox.send("C", edit("post")),
        *[outbox.send("C", edit(f"v{n}"), fold_key="ts1") for n in range(5)],
    )
    assert sent == ["post", "v4"]
    assert results[1:] == ["v4"] * 5
    assert outbox.folded == 4


async def test_pending_counts_follow_folds_and_priority_changes() -> None:
    """The queue depth by priority stays exact through folds, expedites and sends."""
    time = FakeTime()
    outbox = Outbox(per_second=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    sent: list[str] = []
    write = recorder(sent)
    sends = [
        asyncio.ensure_future(outbox.send("C", write("a"), priority=Priority.THREAD, owner="x")),
        asyncio.ensure_future(
            outbox.send("C", write("b"), fold_key="m", priority=Priority.COSMETIC)
        ),
        asyncio.ensure_future(outbox.send("C", write("c"), fold_key="m", priority=Priority.STATUS)),
    ]
    await asyncio.sleep(0)
    counts = {p: outbox.pending(p) for p in Priority}
    actual = Counter(job.priority for state in outbox._channels.values() for job in state.queue)
    assert counts == {p: actual.get(p, 0) for p in Priority}
    outbox.expedite("C", "x", Priority.FINAL)
    actual = Counter(job.priority for state in outbox._channels.values() for job in state.queue)
    assert {p: outbox.pending(p) for p in Priority} == {p: actual.get(p, 0) for p in Priority}
    await asyncio.gather(*sends)
    assert outbox.pending() == 0
    assert all(outbox.pending(p) == 0 for p in Priority)


async def test_the_worker_outlives_a_bug_in_its_own_bookkeeping(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Recording a send fails (a bug, not the call's error) twice: the two callers get that
    error, the writes queued behind them still go out, and the log has one warning."""
    outbox = Outbox(per_second=1000.0, burst=100)
    real = metrics.outbox_sent
    broken = [2]

    def failing(priority: str, waited: float) -> None:
        if broken[0]:
            broken[0] -= 1
            raise RuntimeError("metrics registry closed")
        real(priority, waited)

    monkeypatch.setattr(metrics, "outbox_sent", failing)
    sent: list[str] = []
    with caplog.at_level(logging.DEBUG, logger="bot.slack.outbox"):
        results = await asyncio.wait_for(
            asyncio.gather(
                *[outbox.send("C", recorder(sent)(f"m{n}")) for n in range(4)],
                return_exceptions=True,
            ),
            timeout=5,
        )
    assert [type(r).__name__ for r in results[:2]] == ["RuntimeError", "RuntimeError"]
    assert results[2:] == ["m2", "m3"]
    assert sent == ["m0", "m1", "m2", "m3"]
    assert outbox.pending() == 0
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "outbox worker failed" in warnings[0].getMessage()
