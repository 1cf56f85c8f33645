"""SQLite: one aiosqlite connection in WAL mode, the embedded default backend.

One connection serves the whole process, so a lock keeps other statements out while a
transaction is open on it (they would otherwise land inside that transaction). Transactions
start with BEGIN IMMEDIATE: they take SQLite's write lock at once, so read-then-write logic
(leases, claims) sees no other writer in between, in this process or another on the same file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from .db import Database, Migrations, Queries, Result
from .dialect import SQLITE

__all__ = ["SqliteDatabase"]


class _Connection(Queries):
    """Statements on the one aiosqlite connection."""

    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def run(self, sql: str, params: Sequence[Any] = ()) -> Result:
        async with self._connection.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
            names = [column[0] for column in cursor.description or ()]
            return Result(cursor.rowcount, [dict(zip(names, row, strict=True)) for row in rows])


class SqliteDatabase(Database):
    """The bot's state in one SQLite file (`:memory:` works for tests)."""

    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = _Connection(connection)
        self._raw = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, migrations: Iterable[Migrations]) -> SqliteDatabase:
        """Open (creating) the database, switch on WAL, and migrate every domain."""
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        database = cls(connection)
        try:
            if str(path) != ":memory:":
                await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            await database.migrate(tuple(migrations))
        except BaseException:
            await connection.close()
            raise
        return database

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Queries]:
        async with self._lock:
            yield self._connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._lock:
            await self._raw.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._raw.execute("ROLLBACK")
                raise
            await self._raw.execute("COMMIT")

    async def close(self) -> None:
        await self._raw.close()

    async def tables(self) -> list[str]:
        rows = await self.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name != 'schema_versions' ORDER BY rowid"
        )
        return [str(row["name"]) for row in rows]
