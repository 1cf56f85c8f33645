"""Store bench: the operations a replica fleet leans on, on SQLite and on PostgreSQL.

    PYTHONPATH=. python bench/store.py [--items 1000] [--replicas 3]

For N tracked items, on each backend (PostgreSQL: a throwaway Debian server started like the
tests do, `tests/support/postgres.py`), with R replicas = R stores opened on one database:

- `acquire`: every replica tries to lease every item at once (N x R calls; N succeed);
- `renew`: each holder renews its leases (N calls);
- `fenced write`: a post-ledger record under the lease, holds-check and write in one
  transaction (N calls);
- `record run`: one Slack request recorded by all R replicas at once (N requests; one wins each);
- `claim`: R clicks per prompt on R replicas at once (N prompts; one wins each);
- `slack take`: each replica takes N tokens from chat.postMessage's workspace row and one of
  ten channels' rows (`bot/store/budgets.py`), every replica on the same hot rows at once: the
  price of holding Slack's budget in the database, which a replica pays once per Slack call
  (Slack's own budgets allow a few calls a second); `take alone`: the same, one at a time
  from one replica.

Printed per backend and operation: calls per second over the whole batch and p50/p95 latency
per call, with up to 64 calls in flight per replica (the bots' loops are concurrent too).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bot.core.kinds import Kind
from bot.slack.held import Ask
from bot.store import Lease, SlackRun, Store
from bot.store.approvals import ApprovalRecord, Claim
from bot.tracking.model import Tracked
from tests.support.postgres import PostgresServer, unavailable_reason

IN_FLIGHT = 64


async def _timed(
    calls: Sequence[Callable[[], Awaitable[Any]]],
) -> tuple[float, list[float], list[Any]]:
    """Run `calls` with at most IN_FLIGHT x replicas at once; wall time, latencies, results."""
    gate = asyncio.Semaphore(IN_FLIGHT * 3)
    latencies: list[float] = []

    async def one(call: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            start = time.perf_counter()
            result = await call()
            latencies.append(time.perf_counter() - start)
            return result

    start = time.perf_counter()
    results = await asyncio.gather(*(one(call) for call in calls))
    return time.perf_counter() - start, latencies, list(results)


def _line(backend: str, operation: str, wall: float, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{backend:<11} {operation:<13} {len(latencies) / wall:>9,.0f}/s"
        f"   p50 {statistics.median(ordered) * 1000:>7.1f} ms   p95 {p95 * 1000:>7.1f} ms"
    )


async def bench(backend: str, location: str, items: int, replicas: int) -> list[str]:
    stores = [await Store.open(location, pool_size=IN_FLIGHT // 4) for _ in range(replicas)]
    lines: list[str] = []
    try:
        names = [f"tracked:run:run_{n}:C1" for n in range(items)]
        wall, lat, results = await _timed(
            [
                partial(s.leases.acquire, name, f"R{r}", ttl=15)
                for name in names
                for r, s in enumerate(stores)
            ]
        )
        held: list[Lease] = [lease for lease in results if lease is not None]
        assert len(held) == items, f"{len(held)} leases held for {items} items"
        lines.append(_line(backend, "acquire", wall, lat))
        by_holder = {f"R{r}": s for r, s in enumerate(stores)}
        wall, lat, _ = await _timed(
            [partial(by_holder[lease.holder].leases.renew, lease, 15) for lease in held]
        )
        lines.append(_line(backend, "renew", wall, lat))

        async def fenced_write(lease: Lease, n: int) -> None:
            store = by_holder[lease.holder]
            tracked = Tracked(Kind.RUN, f"run_{n}", "C1", "bench", since=0.0)
            async with store.leases.fenced(lease) as tx:
                await store.tracking.record_intent(tracked, "status:1:Active", within=tx)

        wall, lat, _ = await _timed(
            [partial(fenced_write, lease, n) for n, lease in enumerate(held)]
        )
        lines.append(_line(backend, "fenced write", wall, lat))
        wall, lat, results = await _timed(
            [
                partial(
                    s.runs.record,
                    SlackRun(f"command:T:{n}", Kind.RUN, f"run_{n}", "x", "C1", "U1"),
                )
                for n in range(items)
                for s in stores
            ]
        )
        assert sum(results) == items
        lines.append(_line(backend, "record run", wall, lat))
        for n in range(items):
            await stores[0].approvals.remember(ApprovalRecord(f"pmt{n}", f"run_{n}", "C1", "1.0"))
        wall, lat, results = await _timed(
            [
                partial(
                    s.approvals.claim,
                    f"pmt{n}",
                    Claim(intent="approve", actor_id=f"U{r}", key=f"k{n}-{r}"),
                )
                for n in range(items)
                for r, s in enumerate(stores)
            ]
        )
        assert sum(results) == items
        lines.append(_line(backend, "claim", wall, lat))
        unlimited = 1e9  # never refuse: the figure is the take's own cost, not Slack's pace
        workspace = Ask("T/chat.postMessage", unlimited, unlimited)
        wall, lat, results = await _timed(
            [
                partial(
                    s.budgets.take,
                    [workspace, Ask(f"T/chat.postMessage/C{n % 10}", unlimited, unlimited)],
                )
                for n in range(items)
                for s in stores
            ]
        )
        assert all(take.granted for take in results)
        lines.append(_line(backend, "slack take", wall, lat))
        lone: list[float] = []
        start = time.perf_counter()
        for n in range(items):  # one replica, one take at a time: what one Slack call pays
            began = time.perf_counter()
            await stores[0].budgets.take([workspace, Ask(f"T/chat.postMessage/C{n % 10}", 1, 1)])
            lone.append(time.perf_counter() - began)
        lines.append(_line(backend, "take alone", time.perf_counter() - start, lone))
    finally:
        for store in stores:
            await store.close()
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args()
    print(f"N = {args.items} items, {args.replicas} replicas on one database")
    with tempfile.TemporaryDirectory() as tmp:
        for line in await bench("sqlite", str(Path(tmp) / "bench.db"), args.items, args.replicas):
            print(line)
    reason = unavailable_reason()
    if reason:
        print(f"postgresql  skipped: {reason}")
        return
    with PostgresServer() as server:
        location = server.create_database()
        for line in await bench("postgresql", location, args.items, args.replicas):
            print(line)


if __name__ == "__main__":
    asyncio.run(main())
