"""Claims, leases and stamps on a shared PostgreSQL database, at the store level, plus the
pure helpers they use. The PostgreSQL tests skip without a server (fail under CI=true)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest

from airfield.cluster import decode_notice, encode_notice, host_of, lost_worker_reason
from airfield.ratelimit import RateLimit
from airfield.scheduler import Slot, claimable
from airfield.store import NewRun, Store
from airfield.store.postgres import placeholders, stamp_text


def _run(number: int, key: str = "", limit: int = 1, parent: str | None = None) -> NewRun:
    return NewRun(
        id=f"run{number:08d}",
        task_id="tsk_tally",
        task_slug="tally",
        env_id="env",
        param_values={},
        params=[],
        resources={},
        parent_id=parent,
        session_id=None,
        timeout=60,
        concurrency_key=key,
        concurrency_limit=limit,
        created_by="usr",
    )


def test_claimable_counts_keys_across_workers_and_the_limit_locally() -> None:
    """A key full elsewhere blocks its runs here; the local limit spares child runs."""
    queued = [
        Slot("a", "deploy", 1, False),
        Slot("b", "", 1, False),
        Slot("c", "", 1, True),
        Slot("d", "", 1, False),
    ]
    assert claimable(queued, {"deploy": 1}, top_level=1, global_limit=2) == ["b", "c"]
    assert claimable(queued, {}, top_level=0, global_limit=8) == ["a", "b", "c", "d"]


def test_notices_and_reasons() -> None:
    """A notice names its sender; a lost worker's reason says `worker` and its ID."""
    assert decode_notice(encode_notice("h:1:ab", "run:run1")) == ("h:1:ab", "run:run1")
    assert decode_notice(encode_notice("h:1:ab", "a|b")) == ("h:1:ab", "a|b")
    assert host_of("web-1.local:42:abcd") == "web-1.local"
    reason = lost_worker_reason("h:1:ab")
    assert "worker h:1:ab" in reason


def test_placeholders_and_stamps() -> None:
    """`?` becomes `%s` and a literal `%` doubles; stamps are the stored text form."""
    assert placeholders("SELECT '5%' WHERE a = ?") == "SELECT '5%%' WHERE a = %s"
    moment = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    micros = int(moment.timestamp()) * 1_000_000 + 678901
    assert stamp_text(micros) == "2030-01-02T03:04:05.678901Z"


@pytest.fixture
async def stores(postgres_url: str) -> AsyncIterator[list[Store]]:
    """Four stores on one fresh database, opened at once: they race to migrate it."""
    opened = await asyncio.gather(*(Store.open(postgres_url) for _ in range(4)))
    yield list(opened)
    for store in opened:
        await store.close()


async def test_concurrent_claims_never_share_a_run(stores: list[Store]) -> None:
    """Four claimers, 40 runs: each run is claimed exactly once, and a concurrency key with
    limit 1 is held by one claimer at a time, whichever claims it."""
    for number in range(40):
        key = "solo" if number % 10 == 0 else ""
        await stores[0].runs.create(_run(number, key=key))

    async def claim_all(store: Store, worker: str) -> list[str]:
        got: list[str] = []
        for _ in range(20):
            got += [r.id for r in await store.claims.claim(worker, 0, 100, 30.0)]
        return got

    results = await asyncio.gather(*(claim_all(s, f"w{i}") for i, s in enumerate(stores)))
    claimed = [run_id for result in results for run_id in result]
    assert len(claimed) == len(set(claimed))
    solo = {f"run{n:08d}" for n in range(0, 40, 10)}
    assert len(solo & set(claimed)) == 1, "a key of limit 1 was claimed twice at once"
    assert len(claimed) == 37


async def test_leases_lapse_unless_renewed(stores: list[Store]) -> None:
    """A lease not renewed lapses; renewing keeps it; a lapsed run is not Active-able."""
    store = stores[0]
    for number in range(2):
        await store.runs.create(_run(number))
    first, second = await store.claims.claim("w1", 0, 8, 0.3)
    assert await store.claims.mark_active(first.id, "w1", 123)
    assert await store.claims.renew("w1", 0.3) == {first.id, second.id}
    assert await store.claims.lapsed() == []
    await asyncio.sleep(0.5)
    assert {r.run_id for r in await store.claims.lapsed()} == {first.id, second.id}
    assert not await store.claims.mark_active(second.id, "w2", 1)  # another worker: fenced
    assert await store.claims.hand_back("w1", [second.id]) == 1
    assert {r.run_id for r in await store.claims.lapsed()} == {first.id}


async def test_stamps_follow_commit_order_across_connections(stores: list[Store]) -> None:
    """Writes through four stores at once get unique, increasing updatedAt stamps."""
    await asyncio.gather(
        *(stores[n % 4].runs.create(_run(n)) for n in range(40)),
    )
    stamps = [(await stores[0].runs.get(f"run{n:08d}")) for n in range(40)]
    updated = [run.updated_at for run in stamps if run is not None]
    assert len(set(updated)) == 40


async def test_rate_buckets_are_shared(stores: list[Store]) -> None:
    """One bucket, drawn through two stores: the burst is shared."""
    bucket = RateLimit(rate=0.01, burst=3)
    waits = [await stores[n % 2].buckets.take("key", bucket) for n in range(5)]
    assert [w == 0 for w in waits] == [True, True, True, False, False]


async def test_the_schema_is_migrated_once(stores: list[Store], postgres_url: str) -> None:
    """After four racing starts the schema is at its last version, recorded once."""
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT version FROM airfield_schema").fetchall()
    assert len(rows) == 1
