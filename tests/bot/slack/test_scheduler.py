"""The workspace's Slack scheduler on fakes and an injected clock: budgets per method from the
tier table, one priority order across channels, folds, 429s, shedding. Replicas sharing one
budget: test_held_budgets.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core import metrics
from bot.core.errors import NotLeased
from bot.slack.lane import Job, Lane
from bot.slack.queueing import Origin, Priority, Queueing
from bot.slack.scheduler import SHED_AFTER, NothingQueued, SlackScheduler
from foundation.slack_limits import TIER_3, tier_of
from tests.support.slack_errors import rate_limited


class FakeTime:
    """A clock that only moves when the scheduler sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        """The current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Advance the fake time instead of waiting."""
        self.now += seconds
        await asyncio.sleep(0)


def scheduler(time: FakeTime, **kwargs: Any) -> SlackScheduler:
    return SlackScheduler(clock=time.clock, sleep=time.sleep, **kwargs)


def recorder(
    sent: list[tuple[str, float]], time: FakeTime
) -> Callable[[str], Callable[[], Awaitable[str]]]:
    """Calls that note their name and the time they were made."""

    def make(name: str) -> Callable[[], Awaitable[str]]:
        async def call() -> str:
            sent.append((name, time.now))
            return name

        return call

    return make


def send(
    slack: SlackScheduler,
    method: str,
    call: Callable[[], Awaitable[Any]],
    channel: str | None = "C1",
    **queueing: Any,
) -> asyncio.Future[Any]:
    return asyncio.ensure_future(
        slack.call(method, call, channel=channel, queueing=Queueing(**queueing))
    )


async def test_a_method_is_paced_by_its_tier_minus_one_token_of_burst() -> None:
    """chat.update (Tier 3: 50 a minute, bursts of 10) sends 9 at once, then one every 1.2 s,
    whatever the channels: Slack counts the workspace, not the channel."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    await asyncio.gather(*[send(slack, "chat.update", call(f"e{n}"), f"C{n}") for n in range(12)])
    stamps = [moment for _, moment in sent]
    assert stamps[:9] == [0.0] * 9
    assert stamps[9:] == pytest.approx([1.2, 2.4, 3.6])
    assert tier_of("chat.update") is TIER_3


async def test_each_method_has_its_own_budget() -> None:
    """A backlog of edits does not hold up posts, reads or modals."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    edits = [send(slack, "chat.update", call(f"e{n}")) for n in range(30)]
    others = [
        send(slack, "chat.postMessage", call("post"), "C2"),
        send(slack, "users.info", call("read"), None),
        send(slack, "views.open", call("modal"), None),
    ]
    await asyncio.gather(*others)
    assert {name: at for name, at in sent if not name.startswith("e")} == {
        "post": 0.0,
        "read": 0.0,
        "modal": 0.0,
    }
    await asyncio.gather(*edits)


async def test_post_message_is_paced_per_channel_on_top_of_its_workspace_budget() -> None:
    """chat.postMessage: about one a second in a channel (bursts of 3, one kept back), and a
    busy channel does not hold up another."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    await asyncio.gather(
        *[send(slack, "chat.postMessage", call(f"A{n}"), "A") for n in range(4)],
        send(slack, "chat.postMessage", call("B0"), "B"),
    )
    at = dict(sent)
    assert [at[f"A{n}"] for n in range(4)] == pytest.approx([0.0, 0.0, 1.0, 2.0])
    assert at["B0"] == 0.0


async def test_one_priority_order_across_channels() -> None:
    """With the budget spent, the next token goes to the most urgent call in any channel, and
    within a priority to a person's run before a subscription's copy."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    burst = [send(slack, "chat.update", call(f"b{n}"), "X") for n in range(9)]
    await asyncio.sleep(0)
    queued = [
        send(slack, "chat.update", call("status"), "C1", priority=Priority.STATUS),
        send(
            slack,
            "chat.update",
            call("final-subscribed"),
            "C2",
            priority=Priority.FINAL,
            origin=Origin.SUBSCRIPTION,
        ),
        send(slack, "chat.update", call("final-person"), "C3", priority=Priority.FINAL),
        send(slack, "chat.update", call("prompt"), "C4", priority=Priority.PROMPT),
    ]
    await asyncio.gather(*burst, *queued)
    assert [name for name, _ in sent[9:]] == [
        "prompt",
        "final-person",
        "final-subscribed",
        "status",
    ]


async def test_queued_edits_of_one_message_fold_into_the_newest_at_the_most_urgent() -> None:
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    burst = [send(slack, "chat.update", call(f"b{n}"), "X") for n in range(9)]
    await asyncio.sleep(0)
    other = send(slack, "chat.update", call("other"), "C2", priority=Priority.STATUS)
    edits = [
        send(slack, "chat.update", call("v0"), fold_key="C1:1", priority=Priority.STATUS),
        send(slack, "chat.update", call("v1"), fold_key="C1:1", priority=Priority.FINAL),
        send(slack, "chat.update", call("v2"), fold_key="C1:1", priority=Priority.STATUS),
    ]
    results = await asyncio.gather(*burst, other, *edits)
    assert [name for name, _ in sent[9:]] == ["v2", "other"]
    assert results[-3:] == ["v2", "v2", "v2"]
    assert slack.folded == 2


async def test_a_fold_only_call_replaces_a_queued_one_and_is_not_made_alone() -> None:
    """A parent still queued goes with newer text; once sent, a fold-only call is refused."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    burst = [send(slack, "chat.postMessage", call(f"b{n}"), f"C{n}") for n in range(29)]
    await asyncio.sleep(0)
    queued = send(slack, "chat.postMessage", call("Queued"), "X", fold_key="X:post:parent")
    ended = send(
        slack,
        "chat.postMessage",
        call("Succeeded"),
        "X",
        fold_key="X:post:parent",
        fold_only=True,
        priority=Priority.FINAL,
    )
    assert await asyncio.gather(queued, ended) == ["Succeeded", "Succeeded"]
    await asyncio.gather(*burst)
    assert [name for name, _ in sent].count("Succeeded") == 1
    assert "Queued" not in [name for name, _ in sent]
    with pytest.raises(NothingQueued):
        await slack.call(
            "chat.postMessage",
            call("late"),
            channel="X",
            queueing=Queueing(fold_key="X:post:parent", fold_only=True),
        )
    assert "late" not in [name for name, _ in sent]


async def test_a_newer_edit_waits_for_the_older_one_on_its_way() -> None:
    """Two edits of one message are never in flight together: the newer could land first."""
    time = FakeTime()
    slack = scheduler(time)
    events: list[str] = []
    release = asyncio.Event()

    async def slow() -> str:
        events.append("old starts")
        await release.wait()
        events.append("old lands")
        return "old"

    async def newer() -> str:
        events.append("new starts")
        return "new"

    first = send(slack, "chat.update", slow, fold_key="m")
    await asyncio.sleep(0.01)
    second = send(slack, "chat.update", newer, fold_key="m")
    for _ in range(5):
        await asyncio.sleep(0)
    assert events == ["old starts"]
    release.set()
    assert await asyncio.gather(first, second) == ["old", "new"]
    assert events == ["old starts", "old lands", "new starts"]


async def test_a_429_pauses_the_method_for_the_workspace_and_keeps_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A method refused for 30 s: every call waits it out, nothing is lost, and the log has
    one line for the reason (and one when it works again), not one per refusal."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    refusals: list[float] = []

    def edit(name: str) -> Callable[[], Awaitable[str]]:
        async def call() -> str:
            if time.now < 30.0:
                refusals.append(time.now)
                raise rate_limited("10")
            sent.append((name, time.now))
            return name

        return call

    with caplog.at_level(logging.INFO, logger="bot.slack.scheduler"):
        results = await asyncio.gather(
            *[send(slack, "chat.update", edit(f"e{n}"), f"C{n}") for n in range(5)]
        )
    assert sorted(results) == [f"e{n}" for n in range(5)]
    assert all(at >= 30.0 for _, at in sent)
    # The first burst meets the 429; then the paused method tries once per Retry-After.
    assert len(refusals) <= 5 + 3
    assert slack.rate_limited == len(refusals)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.scheduler"]
    assert len([line for line in lines if "429 from Slack" in line]) == 1
    assert len([line for line in lines if "works again" in line]) == 1


async def test_errors_other_than_429_reach_the_caller() -> None:
    slack = SlackScheduler()

    async def boom() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await slack.call("chat.update", boom, channel="C", queueing=Queueing())


async def test_cosmetic_calls_are_dropped_under_a_backlog_and_finals_never() -> None:
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    cosmetic = [
        send(slack, "chat.update", call(f"c{n}"), priority=Priority.COSMETIC) for n in range(10)
    ]
    finals = [send(slack, "chat.update", call(f"f{n}"), priority=Priority.FINAL) for n in range(20)]
    results = await asyncio.gather(*cosmetic, *finals)
    names = {name for name, _ in sent}
    assert {f"f{n}" for n in range(20)} <= names
    assert slack.dropped > 0
    assert results.count(None) == slack.dropped
    assert SHED_AFTER < 30 * 1.2  # the backlog was long enough to shed


async def test_expedite_raises_one_owners_queued_calls_in_every_method() -> None:
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    burst = [send(slack, "chat.update", call(f"b{n}"), "X") for n in range(9)]
    await asyncio.sleep(0)
    others = [send(slack, "chat.update", call(f"o{n}"), priority=Priority.STATUS) for n in range(2)]
    mine = send(slack, "chat.update", call("mine"), priority=Priority.THREAD, owner="run:1")
    await asyncio.sleep(0)
    assert slack.expedite("run:1", Priority.FINAL) == 1
    await asyncio.gather(*burst, *others, mine)
    assert [name for name, _ in sent[9:]] == ["mine", "o0", "o1"]


async def test_a_guard_that_refuses_stops_the_call_when_its_turn_comes() -> None:
    """A replica that lost a run's lease while its write waited makes no call."""
    time = FakeTime()
    slack = scheduler(time)
    made: list[str] = []
    leased = [True]

    async def guard() -> None:
        if not leased[0]:
            raise NotLeased("run_1")

    async def write() -> str:
        made.append("write")
        return "ok"

    burst = [send(slack, "chat.update", write) for _ in range(9)]
    await asyncio.sleep(0)
    late = send(slack, "chat.update", write, guard=guard)
    leased[0] = False
    await asyncio.gather(*burst)
    with pytest.raises(NotLeased):
        await late
    assert len(made) == 9


async def test_bookkeeping_failures_never_strand_calls(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Recording a send fails (a bug, not the call's error) twice: the callers still get what
    Slack answered, later calls go out, and the log has one warning."""
    slack = SlackScheduler()
    real = metrics.slack_queue_waited
    broken = [2]

    def failing(priority: str, waited: float) -> None:
        if broken[0]:
            broken[0] -= 1
            raise RuntimeError("metrics registry closed")
        real(priority, waited)

    monkeypatch.setattr(metrics, "slack_queue_waited", failing)

    def call(n: int) -> Callable[[], Awaitable[str]]:
        async def made() -> str:
            return f"m{n}"

        return made

    with caplog.at_level(logging.DEBUG, logger="bot.slack.scheduler"):
        results = await asyncio.wait_for(
            asyncio.gather(*[send(slack, "chat.update", call(n)) for n in range(4)]), timeout=5
        )
    assert results == ["m0", "m1", "m2", "m3"]
    assert slack.pending() == 0
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "bookkeeping" in warnings[0].getMessage()


def test_status_edits_leave_half_the_burst_for_final_edits() -> None:
    """A wave of status edits may not spend the last half of chat.update's burst: a run that
    ends just after still gets its final edit at once (the lane's pure decision)."""
    lane = Lane("chat.update", tier_of("chat.update"), 0.0)

    def job(order: int, priority: Priority) -> Job:
        return Job.of("chat.update", "C1", Queueing(priority), order, 0.0, _never, None)

    for order in range(8):
        lane.add(job(order, Priority.STATUS))
    sent = 0
    while lane.ready(0.0)[0] is not None:
        sent += 1
    assert sent == 9 - 4  # a burst of 9 (Slack's 10 less one), 4 kept back
    assert lane.ready(0.0)[1] == pytest.approx(1.2)  # then at the refill rate
    lane.add(job(8, Priority.FINAL))
    final, wait = lane.ready(0.0)
    assert final is not None
    assert final.priority is Priority.FINAL
    assert wait == 0.0


def test_an_ends_second_sign_is_not_held_off_the_burst() -> None:
    """A final edit stepped back to SHOWN (its run's line is out) still spends the reserve
    status edits keep off: it is a final state, only behind other runs' first signs."""
    lane = Lane("chat.update", tier_of("chat.update"), 0.0)

    def job(order: int, priority: Priority) -> Job:
        return Job.of("chat.update", "C1", Queueing(priority), order, 0.0, _never, None)

    for order in range(10):
        lane.add(job(order, Priority.STATUS if order < 2 else Priority.SHOWN))
    sent = []
    while (ready := lane.ready(0.0)[0]) is not None:
        sent.append(ready.priority)
    # All 8 SHOWN edits go out of a burst of 9; status edits find the kept-back half spent.
    assert sent == [Priority.SHOWN] * 8


def test_subscription_copies_leave_half_the_burst_to_peoples_runs() -> None:
    """Copies' final edits take what people's runs leave, but never the last half of the
    burst: a person's run that ends next still finds a token at once."""
    lane = Lane("chat.update", tier_of("chat.update"), 0.0)

    def job(order: int, origin: Origin) -> Job:
        queueing = Queueing(Priority.FINAL, origin=origin)
        return Job.of("chat.update", "C1", queueing, order, 0.0, _never, None)

    for order in range(8):
        lane.add(job(order, Origin.SUBSCRIPTION))
    sent = 0
    while lane.ready(0.0)[0] is not None:
        sent += 1
    assert sent == 9 - 4
    lane.add(job(8, Origin.PERSON))
    person, wait = lane.ready(0.0)
    assert person is not None
    assert person.origin is Origin.PERSON
    assert wait == 0.0


async def _never() -> None:
    raise AssertionError("a pure test makes no call")


async def test_a_fold_that_raises_a_call_puts_it_at_the_back_of_its_new_level() -> None:
    """Final edits go in the order the runs ended: a status edit queued early that becomes a
    final one later does not jump ahead of runs that ended before it."""
    time = FakeTime()
    slack = scheduler(time)
    sent: list[tuple[str, float]] = []
    call = recorder(sent, time)
    burst = [send(slack, "chat.update", call(f"b{n}"), "X") for n in range(9)]
    await asyncio.sleep(0)
    early = send(slack, "chat.update", call("a-active"), fold_key="a", priority=Priority.STATUS)
    first_end = send(slack, "chat.update", call("b-final"), fold_key="b", priority=Priority.FINAL)
    late_end = send(slack, "chat.update", call("a-final"), fold_key="a", priority=Priority.FINAL)
    await asyncio.gather(*burst, early, first_end, late_end)
    assert [name for name, _ in sent[9:]] == ["b-final", "a-final"]


def test_under_a_backlog_status_edits_take_only_what_would_overflow() -> None:
    """Past SHED_AFTER seconds of queue, status edits spend a token only when the bucket is
    full, so the burst is whole for the final edits that come next."""
    lane = Lane("chat.update", tier_of("chat.update"), 0.0)
    for order in range(20):  # 20 queued: 24 s to drain at 50 a minute
        lane.add(Job.of("chat.update", "C1", Queueing(Priority.STATUS), order, 0.0, _never, None))
    first, _ = lane.ready(0.0, backlog_after=SHED_AFTER)
    assert first is not None  # the bucket was full: that token would have overflowed
    second, wait = lane.ready(0.0, backlog_after=SHED_AFTER)
    assert second is None
    assert wait == pytest.approx(1.2)  # until the bucket is full again
    assert lane.bucket.tokens == pytest.approx(8.0)
