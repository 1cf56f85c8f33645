"""Claims and leases on a shared (PostgreSQL) database: which worker runs a queued run, which
node drives a session, and finding the ones whose holder is gone.

A queued run is claimed in a transaction with `SELECT ... FOR UPDATE SKIP LOCKED`: PostgreSQL,
already the database every node shares, hands each claimer rows no other claimer holds, without
waiting on them, so no extra service or queue library is needed. The claim writes the worker's
ID and a lease expiry (by the database's clock, so nodes' clocks need not agree); the worker
renews the leases of everything it holds while it runs, and any node fails the runs whose lease
lapsed (never queues them again: a run that may have started is never started a second time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..scheduler import Slot, claimable
from .base import NOW, Database
from .runs import RunRecord

_DB_NOW = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"
_HELD = "('Queued', 'Active')"
# How many queued runs one claim looks at: the oldest, unclaimed and not locked by another
# claim right now. A run blocked by its concurrency key stays queued for a later look.
CLAIM_WINDOW = 64


@dataclass(frozen=True)
class LapsedRun:
    """A run whose worker stopped renewing its lease."""

    run_id: str
    worker_id: str
    pgid: int | None
    has_output: bool


class ClaimStore:
    """SQL for claims and leases; only for a shared database (Database.shared)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self, worker_id: str, top_level: int, limit: int, lease_seconds: float
    ) -> list[RunRecord]:
        """Claim what this worker may start now (scheduler.claimable), oldest first.

        Concurrency keys hold across workers: each key among the candidates is locked
        (a transaction advisory lock, in sorted order so two claimers never deadlock) before
        the runs holding it are counted, so two claimers never both take a key's last place.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetch_all(
                "SELECT id, concurrency_key, concurrency_limit, parent_id FROM runs"
                " WHERE status = 'Queued' AND worker_id IS NULL ORDER BY created_at, id"
                f" LIMIT {CLAIM_WINDOW} FOR UPDATE SKIP LOCKED"
            )
            if not rows:
                return []
            keys = sorted({row["concurrency_key"] for row in rows if row["concurrency_key"]})
            for key in keys:
                await tx.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(?, 25))", ("key:" + key,)
                )
            counts: dict[str, int] = {}
            if keys:
                held = await tx.fetch_all(
                    "SELECT concurrency_key, COUNT(*) AS n FROM runs WHERE worker_id IS NOT NULL"
                    f" AND status IN {_HELD} AND concurrency_key = ANY(?)"
                    " GROUP BY concurrency_key",
                    (keys,),
                )
                counts = {row["concurrency_key"]: int(row["n"]) for row in held}
            slots = [
                Slot(
                    r["id"],
                    r["concurrency_key"],
                    r["concurrency_limit"],
                    r["parent_id"] is not None,
                )
                for r in rows
            ]
            chosen = claimable(slots, counts, top_level, limit)
            if not chosen:
                return []
            claimed = await tx.fetch_all(
                f"UPDATE runs SET worker_id = ?, lease_until = {_DB_NOW} + ?"
                " WHERE id = ANY(?) RETURNING *",
                (worker_id, lease_seconds, chosen),
            )
        by_id = {row["id"]: RunRecord.from_row(row) for row in claimed}
        return [by_id[run_id] for run_id in chosen if run_id in by_id]

    async def mark_active(self, run_id: str, worker_id: str, pgid: int) -> bool:
        """Queued -> Active, only while this worker still holds the run (a fence: a run a
        sweeper has failed, or one cancelled meanwhile, does not become Active)."""
        changed = await self._db.execute(
            "UPDATE runs SET status = 'Active', active_at = ?, updated_at = ?, pgid = ?"
            " WHERE id = ? AND status = 'Queued' AND worker_id = ?",
            (NOW, NOW, pgid, run_id, worker_id),
        )
        return changed == 1

    async def renew(self, worker_id: str, lease_seconds: float) -> set[str]:
        """Extend the lease of every run this worker holds; the IDs still held."""
        rows = await self._db.fetch_all(
            f"UPDATE runs SET lease_until = {_DB_NOW} + ?"
            f" WHERE worker_id = ? AND status IN {_HELD} RETURNING id",
            (lease_seconds, worker_id),
        )
        return {row["id"] for row in rows}

    async def hand_back(self, worker_id: str, run_ids: Iterable[str]) -> int:
        """Return claimed runs that never started to the queue (a worker stopping)."""
        ids = list(run_ids)
        if not ids:
            return 0
        return await self._db.execute(
            "UPDATE runs SET worker_id = NULL, lease_until = NULL"
            " WHERE id = ANY(?) AND worker_id = ? AND status = 'Queued'",
            (ids, worker_id),
        )

    async def lapsed(self) -> list[LapsedRun]:
        """Runs held by a worker whose lease has lapsed, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id, worker_id, pgid, output IS NOT NULL AS has_output FROM runs"
            f" WHERE worker_id IS NOT NULL AND status IN {_HELD} AND lease_until < {_DB_NOW}"
            " ORDER BY created_at, id"
        )
        return [
            LapsedRun(row["id"], row["worker_id"], row["pgid"], bool(row["has_output"]))
            for row in rows
        ]

    async def queue_depth(self) -> int:
        """Runs queued and not yet claimed by any worker."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n FROM runs WHERE status = 'Queued' AND worker_id IS NULL"
        )
        return int(row["n"]) if row else 0

    async def held_by_worker(self) -> dict[str, int]:
        """How many runs (queued-claimed or active) each worker holds now."""
        rows = await self._db.fetch_all(
            f"SELECT worker_id, COUNT(*) AS n FROM runs WHERE worker_id IS NOT NULL"
            f" AND status IN {_HELD} GROUP BY worker_id"
        )
        return {row["worker_id"]: int(row["n"]) for row in rows}

    async def drive_session(self, session_id: str, node_id: str, lease_seconds: float) -> bool:
        """Become the driver of a session unless another live node drives it."""
        changed = await self._db.execute(
            f"UPDATE sessions SET driver_id = ?, lease_until = {_DB_NOW} + ?"
            " WHERE id = ? AND (driver_id IS NULL OR driver_id = ?"
            f" OR lease_until < {_DB_NOW})",
            (node_id, lease_seconds, session_id, node_id),
        )
        return changed == 1

    async def orphaned_sessions(self, node_id: str, lease_seconds: float) -> list[str]:
        """Adopt unfinished sessions whose driver is gone (or that never had one); their IDs."""
        rows = await self._db.fetch_all(
            f"UPDATE sessions SET driver_id = ?, lease_until = {_DB_NOW} + ?"
            " WHERE id IN (SELECT id FROM sessions"
            " WHERE status NOT IN ('Succeeded', 'Failed', 'Cancelled')"
            f" AND (driver_id IS NULL OR lease_until < {_DB_NOW})"
            " ORDER BY created_at FOR UPDATE SKIP LOCKED) RETURNING id",
            (node_id, lease_seconds),
        )
        return [row["id"] for row in rows]

    async def renew_sessions(self, node_id: str, session_ids: Sequence[str], lease: float) -> None:
        """Extend the lease of the sessions this node drives."""
        if session_ids:
            await self._db.execute(
                f"UPDATE sessions SET lease_until = {_DB_NOW} + ?"
                " WHERE driver_id = ? AND id = ANY(?)",
                (lease, node_id, list(session_ids)),
            )

    async def forget_full_buckets(self, idle_seconds: float) -> None:
        """Drop rate-limit buckets untouched for `idle_seconds` (they have refilled)."""
        await self._db.execute(
            f"DELETE FROM rate_buckets WHERE updated < {_DB_NOW} - ?", (idle_seconds,)
        )
