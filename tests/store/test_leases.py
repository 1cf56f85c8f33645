"""Leases and fleet turns on each backend: one holder at a time, takeover after a lapse with
a new fencing token, writes fenced by it, periodic jobs once across replicas."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.kinds import Kind
from bot.store import LeaseLost, Store
from bot.store.leases import Lease, LeaseState, extend, grant, new_holder_id
from bot.tracking.model import Tracked
from tests.support.eventually import eventually

from .conftest import Clock, Replica

RUN = Tracked(kind=Kind.RUN, id="run_1", channel="C1", label="deploy", requested_by="U1", since=5)
NAME = "tracked:run:run_1:C1"


async def test_one_holder_at_a_time_and_takeover_after_a_lapse(
    replicas: Replica, clock: Clock
) -> None:
    """A live lease refuses others; once lapsed, the next asker gets it with the next token."""
    a, b = await replicas(), await replicas()
    held = await a.leases.acquire(NAME, "A", ttl=15)
    assert held == Lease(NAME, "A", 1, clock.now + 15)
    assert await b.leases.acquire(NAME, "B", ttl=15) is None
    again = await a.leases.acquire(NAME, "A", ttl=15)
    assert again is not None
    assert again.token == 1  # its own live lease: re-acquired, not taken over
    clock.now += 15  # expires_at is exclusive: lapsed exactly at the expiry
    taken = await b.leases.acquire(NAME, "B", ttl=15)
    assert taken is not None
    assert (taken.holder, taken.token) == ("B", 2)
    assert not await a.leases.holds(NAME, 1)
    assert await a.leases.holds(NAME, 2)


async def test_renewal_keeps_the_token_and_fails_after_a_takeover(
    replicas: Replica, clock: Clock
) -> None:
    """Renewing extends the expiry; a lapsed lease nobody took renews; a taken one does not."""
    a, b = await replicas(), await replicas()
    held = await a.leases.acquire(NAME, "A", ttl=10)
    assert held is not None
    clock.now += 8
    renewed = await a.leases.renew(held, ttl=10)
    assert renewed == Lease(NAME, "A", 1, clock.now + 10)
    clock.now += 11  # lapsed, but nobody took it: the token proves nobody else wrote
    renewed_late = await a.leases.renew(held, ttl=10)
    assert renewed_late is not None
    assert renewed_late.token == 1
    clock.now += 11
    assert await b.leases.acquire(NAME, "B", ttl=10) is not None
    assert await a.leases.renew(held, ttl=10) is None


async def test_renew_all_renews_what_is_still_held_in_one_call(
    replicas: Replica, clock: Clock
) -> None:
    """A replica renews its leases together; taken-over, released and turn leases are left."""
    a, b = await replicas(), await replicas()
    for n in range(4):
        await a.leases.acquire(f"tracked:{n}", "A", ttl=10)
    await a.leases.take_turn("sweep", "A", every=10)
    released = await a.leases.acquire("tracked:released", "A", ttl=10)
    assert released is not None
    await a.leases.release(released)
    clock.now += 11
    assert await b.leases.acquire("tracked:0", "B", ttl=10) is not None
    renewed = await a.leases.renew_all("A", ttl=10, prefix="tracked:")
    assert sorted(renewed) == ["tracked:1", "tracked:2", "tracked:3"]
    assert {lease.token for lease in renewed.values()} == {1}
    assert all(lease.expires_at == clock.now + 10 for lease in renewed.values())
    assert all([await b.leases.holds(name, 1) for name in renewed])
    assert not await b.leases.holds("turn:sweep", 1)


async def test_release_frees_the_lease_for_the_next_holder(replicas: Replica) -> None:
    """A released lease is taken at once (next token); a stale lease releases nothing."""
    a, b = await replicas(), await replicas()
    held = await a.leases.acquire(NAME, "A", ttl=60)
    assert held is not None
    assert await a.leases.release(held)
    assert not await a.leases.holds(NAME, held.token)
    taken = await b.leases.acquire(NAME, "B", ttl=60)
    assert taken is not None
    assert taken.token == 2
    assert not await a.leases.release(held)
    assert await b.leases.holds(NAME, 2)


async def test_a_fenced_write_commits_only_under_the_live_token(
    replicas: Replica, clock: Clock
) -> None:
    """The post ledger written inside `fenced`: recorded while held, nothing once taken over."""
    a, b = await replicas(), await replicas()
    await a.tracking.track(RUN)
    held = await a.leases.acquire(NAME, "A", ttl=15)
    assert held is not None
    async with a.leases.fenced(held) as tx:
        await a.tracking.record_intent(RUN, "status:1:Queued", within=tx)
    clock.now += 16  # A paused past its lease; B takes over
    assert await b.leases.acquire(NAME, "B", ttl=15) is not None
    with pytest.raises(LeaseLost):
        async with a.leases.fenced(held) as tx:
            await a.tracking.record_intent(RUN, "status:2:Active", within=tx)
    assert await b.tracking.posts(RUN) == {"status:1:Queued": None}


async def _waits_for_a_lock(db_location: str, probe: Store) -> bool:
    """Whether a write on the database now waits for a lock someone holds: on PostgreSQL a
    session is seen waiting for one; SQLite locks the whole database for a write transaction,
    so another writer's BEGIN IMMEDIATE is refused at once (no busy wait)."""
    if probe.db.dialect.name == "postgresql":
        async with probe.db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT count(*) AS waiting FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        return row is not None and int(row["waiting"]) > 0
    connection = sqlite3.connect(db_location, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    else:
        connection.execute("ROLLBACK")
        return False
    finally:
        connection.close()


async def test_a_fenced_transaction_holds_off_a_takeover_until_it_commits(
    db_location: str, replicas: Replica, clock: Clock
) -> None:
    """A takeover waits for a fenced write in progress, so that write is never lost or late."""
    a, b, probe = await replicas(), await replicas(), await replicas()
    await a.tracking.track(RUN)
    held = await a.leases.acquire(NAME, "A", ttl=15)
    assert held is not None
    async with a.leases.fenced(held) as tx:
        clock.now += 16
        takeover = asyncio.create_task(b.leases.acquire(NAME, "B", ttl=15))

        async def takeover_held_off() -> bool:
            assert not takeover.done(), "the takeover went ahead inside a fenced transaction"
            return await _waits_for_a_lock(db_location, probe)

        await eventually(takeover_held_off)
        assert not takeover.done()
        await a.tracking.record_intent(RUN, "status:1:Queued", within=tx)
    taken = await takeover
    assert taken is not None
    assert taken.token == 2
    assert await b.tracking.posts(RUN) == {"status:1:Queued": None}


async def test_concurrent_replicas_acquire_one_lease_once(replicas: Replica) -> None:
    """Five replicas asking at the same moment: exactly one holds the lease."""
    stores = [await replicas() for _ in range(5)]
    got = await asyncio.gather(
        *(store.leases.acquire(NAME, f"R{i}", ttl=15) for i, store in enumerate(stores))
    )
    winners = [lease for lease in got if lease is not None]
    assert len(winners) == 1
    assert winners[0].token == 1


async def test_a_periodic_job_runs_once_per_period_across_the_fleet(
    replicas: Replica, clock: Clock
) -> None:
    """Three replicas ticking together: one turn per period, whoever had the last one."""
    stores = [await replicas() for _ in range(3)]
    turns: list[str] = []
    for _period in range(4):
        got = await asyncio.gather(
            *(s.leases.take_turn("upkeep", f"R{i}", every=30) for i, s in enumerate(stores))
        )
        assert sum(turn is not None for turn in got) == 1
        turns += [turn.holder for turn in got if turn is not None]
        clock.now += 10
        assert await stores[0].leases.take_turn("upkeep", turns[-1], every=30) is None
        clock.now += 20
    assert len(turns) == 4


async def test_live_lists_held_leases_by_prefix(replicas: Replica, clock: Clock) -> None:
    """What others hold right now, to skip their items; lapsed leases are not listed."""
    a = await replicas()
    await a.leases.acquire("tracked:run:1", "A", ttl=10)
    await a.leases.acquire("tracked:run:2", "A", ttl=30)
    await a.leases.take_turn("sweep", "A", every=30)
    clock.now += 20
    assert [lease.name for lease in await a.leases.live("tracked:")] == ["tracked:run:2"]
    assert len(await a.leases.live()) == 2


async def test_the_database_clock_is_used_without_an_injected_one(db_location: str) -> None:
    """In production the expiry is the database's time plus the ttl."""
    store = await Store.open(db_location)
    try:
        before = time.time()
        held = await store.leases.acquire(NAME, new_holder_id(), ttl=60)
        assert held is not None
        assert before + 59 < held.expires_at < time.time() + 61
        assert await store.leases.holds(NAME, held.token)
        with pytest.raises(ValueError, match="positive time to live"):
            await store.leases.acquire(NAME, "A", ttl=0)
    finally:
        await store.close()


states = st.builds(
    LeaseState,
    holder=st.sampled_from(["", "A", "B"]),
    token=st.integers(min_value=0, max_value=10),
    expires_at=st.floats(min_value=0, max_value=100),
)


@given(states, st.sampled_from(["A", "B"]), st.floats(0, 100), st.booleans())
def test_grant_never_hands_a_live_lease_to_another_holder(
    state: LeaseState, holder: str, now: float, renew_own: bool
) -> None:
    """Pure rule: a live lease stays its holder's; a lapsed one moves on with token + 1."""
    granted = grant(state, holder, now, 5.0, renew_own=renew_own)
    if state.live(now) and (state.holder != holder or not renew_own):
        assert granted is None
    elif state.live(now):
        assert granted == LeaseState(holder, state.token, now + 5.0)
    else:
        assert granted == LeaseState(holder, state.token + 1, now + 5.0)


@given(states, st.sampled_from(["A", "B"]), st.integers(0, 10))
def test_extend_only_renews_the_same_holder_and_token(
    state: LeaseState, holder: str, token: int
) -> None:
    """Pure rule: renewal needs the holder and the token unchanged since acquiring."""
    lease = Lease("x", holder, token, 0.0)
    extended = extend(state, lease, 50.0, 5.0)
    if (state.holder, state.token) == (holder, token):
        assert extended == LeaseState(holder, token, 55.0)
    else:
        assert extended is None


async def test_acquire_free_grants_each_name_to_one_replica_in_one_go(
    replicas: Replica, clock: Clock
) -> None:
    """Replicas taking over hundreds of items at once: every name to exactly one of them,
    lapsed ones with the next token, live ones left alone."""
    a, b, c = await replicas(), await replicas(), await replicas()
    names = [f"tracked:run:run_{n}:C1" for n in range(450)]
    first = await a.leases.acquire_free(names, "A", ttl=15)
    assert [lease.token for lease in first] == [1] * 450
    assert await b.leases.acquire_free(names, "B", ttl=15) == []  # all live
    clock.now += 15  # A died: every lease lapses
    raced = await asyncio.gather(
        b.leases.acquire_free(names, "B", ttl=15), c.leases.acquire_free(names, "C", ttl=15)
    )
    won = [lease.name for leases in raced for lease in leases]
    assert sorted(won) == sorted(names)  # each exactly once
    assert {lease.token for leases in raced for lease in leases} == {2}
