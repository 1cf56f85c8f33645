"""Replicas spending one workspace's Slack budget held in one place (`bot/slack/held.py`): two
schedulers on one set of rows and one virtual clock, as two bot processes on one PostgreSQL.

Together they never make more calls than Slack's own bucket allows; one alone spends it all
(a dead or idle replica holds nothing back); across replicas the last tokens still go to what
people wait for; a 429 one replica meets pauses the other; a database away does not stop
calls; an edit whose take was refused folds into a newer one queued meanwhile."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.held import Ask, RowState, decide
from bot.slack.queueing import Priority, Queueing
from bot.slack.scheduler import SlackScheduler
from foundation.slack_limits import TIER_3
from foundation.token_bucket import TokenBucket
from tests.support.held import MemoryHeld
from tests.support.slack_errors import rate_limited

Sent = list[tuple[str, float]]


class VirtualTime:
    """One clock for several schedulers: a sleep waits until the clock reaches its deadline,
    and the clock jumps to the next deadline once every task has settled."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        """The virtual time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, work: Awaitable[Any]) -> Any:
        """Run `work`, moving the clock whenever everything waits on it."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(50):  # let every ready task run to its next wait
                await asyncio.sleep(0)
            if task.done() or not self._sleepers:
                continue
            deadline, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, deadline)
            if not future.done():
                future.set_result(None)
        return task.result()


def replica(time: VirtualTime, held: MemoryHeld) -> SlackScheduler:
    return SlackScheduler(clock=time.clock, sleep=time.sleep, held=held)


def edit(sent: Sent, time: VirtualTime, name: str) -> Callable[[], Awaitable[str]]:
    async def call() -> str:
        sent.append((name, time.now))
        return name

    return call


def send(
    slack: SlackScheduler, call: Callable[[], Awaitable[Any]], channel: str = "C1", **queueing: Any
) -> asyncio.Future[Any]:
    return asyncio.ensure_future(
        slack.call("chat.update", call, channel=channel, queueing=Queueing(**queueing))
    )


def within_slacks_bucket(stamps: list[float]) -> bool:
    """Whether Slack's own bucket for chat.update (Tier 3) would have served every call."""
    bucket = TokenBucket(TIER_3.per_second, TIER_3.burst)
    return all(bucket.take(at) == 0.0 for at in sorted(stamps))


async def test_two_replicas_together_stay_inside_one_workspace_budget() -> None:
    """Forty edits from two replicas at once: Slack's bucket serves every one, and they go as
    fast as one replica alone would send forty (9 at once, then one every 1.2 s)."""
    time = VirtualTime()
    held = MemoryHeld(time.clock)
    a, b = replica(time, held), replica(time, held)
    sent: Sent = []
    calls = [send(a, edit(sent, time, f"a{n}"), f"C{n}") for n in range(20)]
    calls += [send(b, edit(sent, time, f"b{n}"), f"D{n}") for n in range(20)]
    await time.run(asyncio.gather(*calls))
    stamps = sorted(at for _, at in sent)
    assert len(stamps) == 40
    assert within_slacks_bucket(stamps)
    assert stamps[-1] == pytest.approx((40 - 9) * 1.2, abs=0.25)
    assert {name[0] for name, _ in sent} == {"a", "b"}


async def test_a_replica_alone_spends_the_whole_budget() -> None:
    """The other replica idle (or dead): this one sends at the full tier, not a share of it."""
    time = VirtualTime()
    held = MemoryHeld(time.clock)
    a, _idle = replica(time, held), replica(time, held)
    sent: Sent = []
    await time.run(asyncio.gather(*[send(a, edit(sent, time, f"a{n}")) for n in range(12)]))
    stamps = [at for _, at in sent]
    assert stamps[:9] == [0.0] * 9
    assert stamps[9:] == pytest.approx([1.2, 2.4, 3.6], abs=0.05)


async def test_across_replicas_the_last_tokens_go_to_final_edits() -> None:
    """A's final edits and B's status edit wait for the same spent budget: B asked as early,
    but a status edit must leave half the burst, so every final edit of A goes first."""
    time = VirtualTime()
    held = MemoryHeld(time.clock)
    a, b = replica(time, held), replica(time, held)
    sent: Sent = []
    burst = [send(a, edit(sent, time, f"x{n}"), priority=Priority.FINAL) for n in range(9)]
    await time.run(asyncio.gather(*burst))
    status = send(b, edit(sent, time, "status"), priority=Priority.STATUS)
    finals = [send(a, edit(sent, time, f"final{n}"), priority=Priority.FINAL) for n in range(5)]
    await time.run(asyncio.gather(status, *finals))
    at = dict(sent)
    assert max(at[f"final{n}"] for n in range(5)) < at["status"]
    assert within_slacks_bucket(list(at.values()))


async def test_a_429_one_replica_meets_pauses_the_other() -> None:
    """Slack refuses A's edit for 30 s: B, which met nothing, waits it out too (asking the rows
    once, not all along), and A's edit goes once the pause ends."""
    time = VirtualTime()
    held = MemoryHeld(time.clock)
    a, b = replica(time, held), replica(time, held)
    sent: Sent = []

    async def refused_once() -> str:
        if not sent:
            sent.append(("refused", time.now))
            raise rate_limited("30")
        sent.append(("a", time.now))
        return "a"

    first = send(a, refused_once)
    await time.run(time.sleep(0.5))
    later = send(b, edit(sent, time, "b"), "C2")
    await time.run(asyncio.gather(first, later))
    at = dict(sent)
    assert at["refused"] == 0.0
    assert at["b"] >= 30.0
    assert at["a"] >= 30.0
    # B learned the pause from its refused take and waits it out, not asking every moment.
    assert held.takes <= 6


async def test_calls_go_on_when_the_database_is_away(caplog: pytest.LogCaptureFixture) -> None:
    """Taking from the rows fails three times: the calls go on this replica's own pacing, and
    the log says so once (and once when it works again)."""
    time = VirtualTime()
    held = MemoryHeld(time.clock)
    held.fail = 3
    a = replica(time, held)
    sent: Sent = []
    with caplog.at_level(logging.INFO, logger="bot.slack.scheduler"):
        await time.run(asyncio.gather(*[send(a, edit(sent, time, f"a{n}")) for n in range(5)]))
    assert [at for _, at in sent] == [0.0] * 5
    lines = [r.getMessage() for r in caplog.records if "budget from the database" in r.getMessage()]
    assert len(lines) == 2, lines


class GatedHeld:
    """One replica's way to the shared rows, whose takes wait for `gate` (a slow round trip)."""

    def __init__(self, rows: MemoryHeld) -> None:
        self.rows = rows
        self.gate = asyncio.Event()

    async def take(self, asks: Any) -> Any:
        await self.gate.wait()
        return await self.rows.take(asks)

    async def pause(self, ask: Ask, seconds: float) -> None:
        await self.rows.pause(ask, seconds)


async def test_a_refused_edit_folds_into_a_newer_one_queued_while_it_asked() -> None:
    """A's edit asks the rows; meanwhile a newer edit of the same message is queued and B
    spends the budget. Refused, the older edit folds into the newer: one call, with the newer
    content, and both callers get its answer."""
    time = VirtualTime()
    rows = MemoryHeld(time.clock)
    gated = GatedHeld(rows)
    a = SlackScheduler(clock=time.clock, sleep=time.sleep, held=gated)
    b = replica(time, rows)
    sent: Sent = []
    older = send(a, edit(sent, time, "v1"), fold_key="run_1")
    await asyncio.sleep(0)  # A's driver is now waiting on its take
    newer = send(a, edit(sent, time, "v2"), fold_key="run_1")
    await time.run(asyncio.gather(*[send(b, edit(sent, time, f"b{n}"), f"D{n}") for n in range(9)]))
    gated.gate.set()
    results = await time.run(asyncio.gather(older, newer))
    assert results[:2] == ["v2", "v2"]
    assert [name for name, _ in sent if name.startswith("v")] == ["v2"]
    assert a.folded == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 5), st.sampled_from([0.0, 4.0, 8.0])), min_size=1, max_size=60)
)
def test_granted_takes_never_outrun_the_bucket(asks: list[tuple[float, float]]) -> None:
    """Whatever the times and floors of the takes, the granted ones fit a bucket of the row's
    rate and burst: the rule the database applies cannot overspend."""
    ask = Ask("team/chat.update", TIER_3.per_second, 9.0)
    row: RowState | None = None
    now = 0.0
    granted: list[float] = []
    for gap, floor in asks:
        now += gap
        take, stored = decide([Ask(ask.name, ask.rate, ask.burst, floor)], {ask.name: row}, now)
        row = stored[ask.name]
        if take.granted:
            granted.append(now)
        else:
            assert take.wait > 0
    bucket = TokenBucket(ask.rate, ask.burst)
    assert all(bucket.take(at) == 0.0 for at in granted)


def test_all_or_none_a_channels_pace_keeps_the_methods_token() -> None:
    """chat.postMessage's channel row is spent: the workspace row gives nothing either."""
    method = Ask("T/chat.postMessage", 5.0, 29.0)
    channel = Ask("T/chat.postMessage/C1", 1.0, 2.0)
    rows = {method.name: RowState(10.0, 0.0), channel.name: RowState(0.0, 0.0)}
    take, stored = decide([method, channel], rows, 0.0)
    assert not take.granted
    assert take.wait == pytest.approx(1.0)
    assert stored[method.name].tokens == 10.0


async def test_closing_while_a_take_is_on_its_way_cancels_that_call() -> None:
    """The scheduler closes while a call's take waits on the database: its caller is told
    (cancelled), not left waiting for ever."""
    rows = MemoryHeld(lambda: 0.0)
    gated = GatedHeld(rows)
    slack = SlackScheduler(held=gated)
    sent: Sent = []

    async def call() -> str:
        sent.append(("made", 0.0))
        return "made"

    waiting = send(slack, call)
    await asyncio.sleep(0.01)  # its take now waits at the gate
    await slack.aclose()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 1.0)
    assert sent == []
