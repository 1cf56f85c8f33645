"""Two tracker replicas on one store: one works each item, the other takes over when it stops.

Real stores (SQLite here; the lease store's contract tests cover PostgreSQL) whose leases read
the test's clock, fake Airplane and Slack shared by both replicas, cycles driven by the test: a
lease lapses when the test moves the clock past it, never because the machine was slow.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store import Store, open_database
from bot.store.leases import new_holder_id
from bot.store.leasing import StoreLeasing
from bot.tracking.tracker import Tracker, TrackerSettings

from .test_tracker_faults import Clock, FakeAirplane, FakeSlack, run, watched

TTL = 0.6


async def opened(path: Path, clock: Clock) -> Store:
    """A replica's own store connection, its leases on the test's clock."""
    return Store.over(await open_database(str(path)), clock=clock)


async def replica(
    path: Path, airplane: FakeAirplane, slack: FakeSlack, clock: Clock
) -> tuple[Tracker, Store]:
    """A tracker with its own store connection and lease holder identity."""
    store = await opened(path, clock)
    tracker = Tracker(
        airplane,
        store.tracking,
        slack,
        TrackerSettings(requests_per_second=1000.0),
        leasing=StoreLeasing(store.leases, new_holder_id(), ttl=TTL),
    )
    return tracker, store


async def cycle(*trackers: Tracker) -> None:
    """One cycle of each replica, and their work finished."""
    for tracker in trackers:
        tracker.leases.next_round = 0.0  # a lease round every cycle: the test's time is short
        await tracker.cycle()
        while tracker.shared.workers:
            await asyncio.gather(*list(tracker.shared.workers))
            await asyncio.sleep(0)


def parents(slack: FakeSlack) -> list[str]:
    return [text for _, thread, text in slack.posts if thread is None]


async def test_one_replica_writes_and_the_other_takes_over(tmp_path: Path) -> None:
    """A posts and follows; B never writes while A lives; A stops; B finishes the thread once."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    airplane.runs = {"run_x": run("run_x", "Active")}
    path = tmp_path / "bot.db"
    a, store_a = await replica(path, airplane, slack, clock)
    b, store_b = await replica(path, airplane, slack, clock)
    tracked = watched("run_x")
    assert await store_a.tracking.track(tracked)
    await a.adopt(tracked, initial_status="Queued")
    for _ in range(3):
        await cycle(a, b)
    assert len(parents(slack)) == 1
    assert b.following == 1  # B knows the item (from the store) but does not work it
    writes_by_a = len(slack.posts) + len(slack.edits)

    # A stops (no more cycles: no renewals). Its lease lapses; B takes over and finishes.
    clock.now += TTL * 1.5
    airplane.runs["run_x"] = run("run_x", "Succeeded")
    for _ in range(3):
        await cycle(b)
    assert b.leasing is not None
    assert b.leasing.takeovers == 1  # type: ignore[attr-defined]
    assert len(parents(slack)) == 1  # B edits A's parent, found in the shared ledger
    assert any("Succeeded" in blocks for _, _, blocks in slack.edits)
    assert len(slack.posts) + len(slack.edits) > writes_by_a
    assert b.following == 0

    # A wakes from a pause mid-work, before any lease round: it still believes it holds the
    # item and tries to write what it sees. The fence (a lease check before each Slack
    # write) stops it.
    before = len(slack.posts) + len(slack.edits)
    [paused] = a.shared.items.values()
    assert paused.held
    paused.fingerprint, paused.fresh = "", True
    a.leases.next_round = float("inf")
    await a.cycle()
    while a.shared.workers:
        await asyncio.gather(*list(a.shared.workers))
        await asyncio.sleep(0)
    assert len(slack.posts) + len(slack.edits) == before
    assert not paused.held
    await store_a.close()
    await store_b.close()


async def test_items_are_spread_over_replicas_once_each(tmp_path: Path) -> None:
    """Items recorded by either replica are each worked by exactly one: one parent per run."""
    airplane, slack, clock = FakeAirplane(), FakeSlack(), Clock()
    path = tmp_path / "bot.db"
    a, store_a = await replica(path, airplane, slack, clock)
    b, store_b = await replica(path, airplane, slack, clock)
    for n in range(6):
        airplane.runs[f"run_{n}"] = run(f"run_{n}", "Active")
        tracked = watched(f"run_{n}", channel=f"C{n}")
        await store_a.tracking.track(tracked)  # recorded, e.g., by a replica that then died
    for _ in range(3):
        await cycle(b, a)
    assert len(parents(slack)) == 6
    assert sorted(channel for channel, thread, _ in slack.posts if thread is None) == [
        f"C{n}" for n in range(6)
    ]
    await store_a.close()
    await store_b.close()
