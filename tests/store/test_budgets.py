"""Slack's budgets held in the database (`bot/store/budgets.py`) on each backend: replicas on
one database take tokens from one bucket per row, all or none, on the database's clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.held import Ask
from bot.store import Store
from bot.store.budgets import IDLE_ROW_SECONDS, PRUNE_EVERY

from .conftest import Clock, Replica

METHOD = Ask("T1/chat.update", rate=50 / 60, burst=9.0)
CHANNEL = Ask("T1/chat.postMessage/C1", rate=1.0, burst=2.0)
POSTS = Ask("T1/chat.postMessage", rate=5.0, burst=29.0)


async def test_replicas_take_from_one_bucket(replicas: Replica, clock: Clock) -> None:
    """Two replicas asking at once get the burst between them, no more; the row refills at
    its rate for either."""
    a, b = await replicas(), await replicas()
    takes = await asyncio.gather(*[(a if n % 2 else b).budgets.take([METHOD]) for n in range(14)])
    assert sum(take.granted for take in takes) == 9
    refused = [take for take in takes if not take.granted]
    assert all(take.wait == pytest.approx(1.2) for take in refused)
    clock.now += 1.2
    assert (await a.budgets.take([METHOD])).granted
    assert not (await b.budgets.take([METHOD])).granted


async def test_a_floor_keeps_the_last_tokens_for_urgent_calls(replicas: Replica) -> None:
    """With 4 tokens left, a call that must leave 4 is refused, and an urgent one is not."""
    a, b = await replicas(), await replicas()
    for _ in range(5):
        assert (await a.budgets.take([METHOD])).granted
    status = await b.budgets.take([Ask(METHOD.name, METHOD.rate, METHOD.burst, floor=4.0)])
    assert not status.granted
    assert status.tokens[METHOD.name] == pytest.approx(4.0)
    assert (await b.budgets.take([METHOD])).granted


async def test_all_or_none_across_a_method_and_its_channel(replicas: Replica) -> None:
    """chat.postMessage's channel pace spent: the workspace row keeps its token."""
    a = await replicas()
    for _ in range(2):
        assert (await a.budgets.take([POSTS, CHANNEL])).granted
    refused = await a.budgets.take([POSTS, CHANNEL])
    assert not refused.granted
    assert refused.wait == pytest.approx(1.0)
    assert refused.tokens[POSTS.name] == pytest.approx(27.0)
    other_channel = Ask("T1/chat.postMessage/C2", rate=1.0, burst=2.0)
    assert (await a.budgets.take([POSTS, other_channel])).granted


async def test_a_429_pauses_the_row_for_every_replica(replicas: Replica, clock: Clock) -> None:
    """A's call met a 429 with Retry-After 30: B's take waits the rest of it, then works."""
    a, b = await replicas(), await replicas()
    await a.budgets.pause(METHOD, 30.0)
    clock.now += 10
    refused = await b.budgets.take([METHOD])
    assert not refused.granted
    assert refused.paused_for == pytest.approx(20.0)
    assert refused.wait == pytest.approx(20.0)
    clock.now += 20.0
    assert (await b.budgets.take([METHOD])).granted


async def test_rows_idle_for_an_hour_are_pruned(replicas: Replica, clock: Clock) -> None:
    """A channel nobody wrote to for an hour loses its row (a missing row is a full bucket)."""
    a = await replicas()
    await a.budgets.take([POSTS, CHANNEL])
    clock.now += IDLE_ROW_SECONDS + 1
    for _ in range(PRUNE_EVERY - 1):
        await a.budgets.take([METHOD])
        clock.now += 2
    names = {row["name"] for row in await a.db.fetch_all("SELECT name FROM slack_budgets")}
    assert names == {METHOD.name}


async def test_only_a_database_replicas_can_share_holds_the_budgets(
    store: Store, db_location: str
) -> None:
    """PostgreSQL is shared by replicas, so they take Slack's budgets from it; an SQLite file
    is one replica's, whose own buckets are the budget (`open_services` reads this)."""
    assert store.shared == db_location.startswith("postgresql")
