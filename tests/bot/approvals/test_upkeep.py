"""Upkeep over a real store with in-memory Airplane and Slack: reminders kept in the store
(a restart neither reminds early nor past the limit), and a loop no error ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from bot.store import Store
from bot.store.approvals import ApprovalState

from .fakes import START, FakeClock, Parts, build
from .harness import TrackedRun
from .prompts import prompt

GATE = prompt(
    [],
    id="pmt_gate",
    runID="run_gate",
    createdAt=START.isoformat(),
    reviewers={"users": ["bob@example.com"]},
)


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await Store.open(":memory:")
    yield opened
    await opened.close()


async def _shown(store: Store, clock: FakeClock) -> Parts:
    parts = build(store, clock=clock)
    parts.airplane.prompts[GATE.id] = GATE
    parts.airplane.statuses[GATE.run_id] = "Active"
    await parts.posting.on_prompts(TrackedRun(id="run_gate", channel="C1"), "1.0", [GATE])
    return parts


async def test_a_restart_does_not_remind_again_and_the_limit_holds(store: Store) -> None:
    """Reminders at 30, 60 and 90 minutes, each by DM and in the thread; a new process (over
    the same store) at every step sends nothing early, nothing twice and nothing past 3."""
    clock = FakeClock()
    first = await _shown(store, clock)
    assert len(first.slack.posts) == 2  # the thread copy and BOB's DM
    clock.advance(29)
    await first.upkeep.sweep()
    assert first.slack.reminders() == []
    clock.advance(2)  # 31 min
    await first.upkeep.sweep()
    assert {(c, t) for c, _, t in first.slack.reminders()} == {("C1", "1.0"), ("DUBOB", None)}
    sent = len(first.slack.reminders())
    for minutes in (1, 5, 20):  # restarts within the half hour after the first reminder
        clock.advance(minutes)
        restarted = build(store, airplane=first.airplane, slack=first.slack, clock=clock)
        await restarted.upkeep.sweep()
        assert len(first.slack.reminders()) == sent, f"reminded again {minutes} min later"
    clock.advance(10 * 60)  # hours later, many restarts and sweeps
    for _ in range(5):
        restarted = build(store, airplane=first.airplane, slack=first.slack, clock=clock)
        await restarted.upkeep.sweep()
        clock.advance(31)
    record = await store.approvals.get(GATE.id)
    assert record is not None
    assert record.reminders_sent == 3
    assert len(first.slack.reminders()) == 3 * 2  # three reminders, each on both copies
    assert "Still waiting for approval" in first.slack.reminders()[-1][1]


async def test_two_replicas_sweeping_at_once_remind_once(store: Store) -> None:
    clock = FakeClock()
    first = await _shown(store, clock)
    second = build(store, airplane=first.airplane, slack=first.slack, clock=clock)
    clock.advance(31)
    await asyncio.gather(first.upkeep.sweep(), second.upkeep.sweep())
    assert len(first.slack.reminders()) == 2  # one reminder, on both copies


async def test_the_loop_survives_every_error_logs_each_reason_once_and_backs_off(
    store: Store, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Airplane down for five rounds, then the store failing once, then both fine: the loop
    keeps going, says each reason once, waits longer while failing and recovers."""
    clock = FakeClock()
    parts = await _shown(store, clock)
    parts.airplane.down = True
    delays: list[float] = []
    rounds = 0

    async def failing_in_state(state: ApprovalState) -> object:
        raise RuntimeError("database is locked")

    async def sleep(delay: float) -> None:
        nonlocal rounds
        delays.append(delay)
        rounds += 1
        if rounds == 6:
            parts.airplane.down = False
            monkeypatch.setattr(store.approvals, "in_state", failing_in_state)
        if rounds == 7:
            monkeypatch.undo()
        if rounds == 9:
            raise asyncio.CancelledError

    caplog.set_level(logging.INFO, logger="bot.approvals.upkeep")
    with pytest.raises(asyncio.CancelledError):
        await parts.upkeep.run(interval=30.0, sleep=sleep)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "approvals upkeep failed (sweep: prompts/get answered nothing); carrying on with backoff",
        "approvals upkeep failed (resume failed: RuntimeError); carrying on with backoff",
        "approvals upkeep failed (sweep failed: RuntimeError); carrying on with backoff",
    ]
    assert delays == [30.0, 60.0, 120.0, 240.0, 300.0, 300.0, 300.0, 30.0, 30.0]
    assert any(m.startswith("approvals upkeep works again") for m in caplog.messages)


async def test_a_failing_turn_is_logged_once_and_retried(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    parts = await _shown(store, FakeClock())
    turns = 0

    async def turn(_interval: float) -> bool:
        nonlocal turns
        turns += 1
        if turns <= 3:
            raise ConnectionError("store unreachable")
        return False  # another replica's turn

    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) > 5:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await parts.upkeep.run(interval=10.0, sleep=sleep, turn=turn)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "approvals upkeep failed (taking the turn failed: ConnectionError);"
        " carrying on with backoff"
    ]
    assert delays[:5] == [10.0, 20.0, 40.0, 80.0, 10.0]  # the store answers again: no backoff
