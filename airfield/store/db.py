"""SQLite, the embedded default: one aiosqlite connection, its migrations, and the write stamps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from foundation import migrations as runner

from ..migrations import MIGRATIONS
from ..timeutil import StampClock
from .base import NOW, Database, Row, Transaction, bind_now, has_now

__all__ = ["NOW", "Database", "Row", "SqliteDatabase"]


def _bind(args: Sequence[Any], clock: StampClock) -> Sequence[Any]:
    # The stamp is taken under the connection's lock, so stamps follow commit order.
    return bind_now(args, clock.next()) if has_now(args) else args


class SqliteDatabase(Database):
    """Serialises statements on one connection; `transaction()` groups several atomically."""

    index_hints = True

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.clock = StampClock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
        """Open (creating if needed) and migrate the database at `path`."""
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        # WAL keeps readers and the writer apart; NORMAL sync loses nothing when only the
        # process dies (the case airfield must survive), only on power loss.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA foreign_keys=ON")
        # A page freed by an update (a resource's old ciphertext) is zeroed, not left readable,
        # whatever the SQLite build's default.
        await conn.execute("PRAGMA secure_delete=ON")
        db = cls(conn)
        await db.migrate()
        return db

    async def migrate(self) -> None:
        """Apply every migration newer than the database's `user_version`."""
        await runner.migrate(_UserVersion(self), (runner.Migrations("airfield", MIGRATIONS),))

    async def compact(self) -> bool:
        """Rewrite the database file without its free pages (VACUUM) and empty the WAL into it,
        truncating the WAL file to nothing, so rows overwritten or deleted before (an old
        ciphertext) are in neither file. False when another connection kept the WAL from being
        emptied (the copies are then gone once it is checkpointed, at the latest on close)."""
        async with self._lock:
            # Each cursor is read to its end: VACUUM refuses to run beside an unfinished one.
            await (await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")).fetchall()
            await self._conn.execute("VACUUM")  # in WAL mode, the new pages go to the WAL
            cursor = await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            rows = list(await cursor.fetchall())
        # wal_checkpoint answers (busy, WAL frames, frames checkpointed); busy 0: all done.
        return bool(rows) and int(rows[0][0]) == 0

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        async with self._lock:
            cursor = await self._conn.execute(sql, _bind(args, self.clock))
            return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows, in one transaction."""
        async with self._lock:
            await self._conn.execute("BEGIN")
            try:
                await self._conn.executemany(sql, rows)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query, as dicts."""
        async with self._lock:
            cursor = await self._conn.execute(sql, args)
            rows = await cursor.fetchall()
        return [dict(row) for row in rows]

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        async with self._lock:
            cursor = await self._conn.execute(sql, args)
            row = await cursor.fetchone()
        return dict(row) if row is not None else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Statements inside run atomically, with no other statement in between."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._conn, self.clock)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")


class _SqliteTransaction(Transaction):
    """Statement helpers bound to an open transaction."""

    def __init__(self, conn: aiosqlite.Connection, clock: StampClock) -> None:
        self._conn = conn
        self._clock = clock

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, _bind(args, self._clock))
        return cursor.rowcount

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        cursor = await self._conn.execute(sql, args)
        row = await cursor.fetchone()
        return dict(row) if row is not None else None

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        cursor = await self._conn.execute(sql, args)
        return [dict(row) for row in await cursor.fetchall()]


class _UserVersion(runner.Schema[Transaction]):
    """SQLite to the migration runner: its one domain's version is `PRAGMA user_version`."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        return self._db.transaction()

    async def version(self, tx: Transaction, domain: str) -> int:
        row = await tx.fetch_one("PRAGMA user_version")
        return int(row["user_version"]) if row else 0

    async def record(self, tx: Transaction, domain: str, version: int) -> None:
        await tx.execute(f"PRAGMA user_version = {int(version)}")

    async def run(self, tx: Transaction, statement: str) -> None:
        await tx.execute(statement)
