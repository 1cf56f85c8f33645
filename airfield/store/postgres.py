"""PostgreSQL, the database several API nodes and workers share (psycopg 3, a connection pool).

Pool connections are in autocommit mode: a lone statement commits by itself, `transaction()`
borrows one connection for BEGIN ... COMMIT (READ COMMITTED).

Write stamps (NOW) come from one row, `airfield_clock`, updated inside the writing
transaction: its row lock is held until that transaction commits, so the next writer, on any
node, takes a later stamp only after this one is visible. Stamps are therefore unique and follow
commit order across every process, as the single SQLite connection's stamps do in one process;
a follower's `since=<greatest updatedAt seen>` stays exact on a cluster.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from foundation import migrations as runner
from foundation.postgres import ACQUIRE_TIMEOUT, Pool, new_pool, open_pool

from ..migrations import POSTGRES_MIGRATIONS
from ..timeutil import to_text
from .base import Database, Row, Transaction, bind_now, has_now

__all__ = ["DatabaseUnavailable", "PostgresDatabase", "is_postgres_url"]

log = logging.getLogger(__name__)
DEFAULT_POOL_SIZE = 10
# Connections that only hold Idempotency-Key locks (`exclusive`), apart from the statement
# pool: a request holding its lock must still get a connection for its own statements, so
# locks taken from the same pool could use it up and leave every holder waiting.
LOCK_POOL_SIZE = 8
# A fixed key for the transaction-scoped advisory lock that lets one process at a time
# migrate: processes starting together queue on it, and the later ones find nothing to do.
MIGRATION_LOCK = 0x41F1E1D
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TAKE_STAMP = (
    "UPDATE airfield_clock SET last_micros = GREATEST(last_micros + 1,"
    " CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) RETURNING last_micros"
)


class DatabaseUnavailable(Exception):
    """PostgreSQL did not answer in time."""


def is_postgres_url(target: str) -> bool:
    """Whether `--db` names a PostgreSQL server rather than a SQLite file."""
    return target.startswith(("postgresql://", "postgres://"))


@lru_cache(maxsize=1024)
def placeholders(statement: str) -> str:
    """The stores' `?` placeholders as psycopg's `%s` (a literal `%` doubles)."""
    return statement.replace("%", "%%").replace("?", "%s")


def stamp_text(micros: int) -> str:
    """A stamp from the clock row (microseconds since the epoch) in the stored form."""
    return to_text(_EPOCH + timedelta(microseconds=micros))


class _PgTransaction(Transaction):
    """Statements on the one connection of an open transaction."""

    def __init__(self, connection: AsyncConnection[DictRow]) -> None:
        self._connection = connection

    async def _args(self, args: Sequence[Any]) -> Sequence[Any]:
        if not has_now(args):
            return args
        cursor = await self._connection.execute(_TAKE_STAMP)
        row = await cursor.fetchone()
        assert row is not None
        return bind_now(args, stamp_text(int(row["last_micros"])))

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        cursor = await self._connection.execute(placeholders(sql), await self._args(args))
        return cursor.rowcount

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        cursor = await self._connection.execute(placeholders(sql), await self._args(args))
        row = await cursor.fetchone() if cursor.description is not None else None
        return dict(row) if row is not None else None

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        cursor = await self._connection.execute(placeholders(sql), await self._args(args))
        rows = await cursor.fetchall() if cursor.description is not None else []
        return [dict(row) for row in rows]


class PostgresDatabase(Database):
    """airfield's state in a PostgreSQL database, through a connection pool."""

    shared = True

    def __init__(self, pool: Pool, url: str, lock_pool: Pool) -> None:
        self._pool = pool
        self._lock_pool = lock_pool
        self.url = url

    @classmethod
    async def open(cls, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresDatabase:
        """Connect (DatabaseUnavailable when the server does not answer within
        ACQUIRE_TIMEOUT) and migrate."""
        pool = await open_pool(
            url,
            name="airfield",
            min_size=min(2, pool_size),
            max_size=pool_size,
            unavailable=DatabaseUnavailable,
        )
        lock_pool = new_pool(url, name="airfield-locks", min_size=1, max_size=LOCK_POOL_SIZE)
        db = cls(pool, url, lock_pool)
        try:
            await lock_pool.open(wait=True, timeout=ACQUIRE_TIMEOUT)
            await db.migrate()
        except BaseException:
            await lock_pool.close()
            await pool.close()
            raise
        return db

    async def migrate(self) -> None:
        """Apply every step newer than the recorded version, in one transaction under an
        advisory lock: of processes starting together, one migrates and the rest wait for its
        commit, then find the schema current."""
        steps = runner.Migrations("airfield", POSTGRES_MIGRATIONS)
        await runner.migrate(_SchemaTable(self), (steps,))

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        if has_now(args):
            async with self.transaction() as tx:
                return await tx.execute(sql, args)
        async with self._pool.connection() as conn:
            cursor = await conn.execute(placeholders(sql), args)
            return cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            await cursor.executemany(placeholders(sql), list(rows))

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(placeholders(sql), args)
            return [dict(row) for row in await cursor.fetchall()]

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(placeholders(sql), args)
            row = await cursor.fetchone()
            return dict(row) if row is not None else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._pool.connection() as conn, conn.transaction():
            yield _PgTransaction(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[DictRow]]:
        """One pooled connection for as long as the block runs (a session advisory lock)."""
        async with self._pool.connection() as conn:
            yield conn

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """A session advisory lock on a connection held for the block: requests with one
        Idempotency-Key on two nodes run one after the other. A node that dies mid-block
        loses its connection, and the server releases the lock."""
        key = "exclusive:" + name
        async with self._lock_pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 25))", (key,))
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 25))", (key,))

    async def compact(self) -> bool:
        """VACUUM FULL the resources table: it is rewritten into new files and the old ones,
        with their dead rows (old ciphertexts), are deleted. The write-ahead log and its
        archives, and backups, may still hold old rows; that is the operator's to rotate."""
        async with self._pool.connection() as conn:
            await conn.execute("VACUUM FULL resources")
        return True

    async def close(self) -> None:
        await self._lock_pool.close()
        await self._pool.close()


class _SchemaTable(runner.Schema[Transaction]):
    """PostgreSQL to the migration runner: the one domain's version is the one row of
    `airfield_schema`, written under a transaction-scoped advisory lock."""

    log_level = logging.INFO

    def __init__(self, db: PostgresDatabase) -> None:
        self._db = db

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        return self._db.transaction()

    async def lock(self, tx: Transaction) -> None:
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    async def prepare(self, tx: Transaction) -> None:
        await tx.execute("CREATE TABLE IF NOT EXISTS airfield_schema (version BIGINT)")
        await tx.execute(
            "INSERT INTO airfield_schema (version)"
            " SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM airfield_schema)"
        )

    async def version(self, tx: Transaction, domain: str) -> int:
        row = await tx.fetch_one("SELECT version FROM airfield_schema")
        return int(row["version"]) if row else 0

    async def record(self, tx: Transaction, domain: str, version: int) -> None:
        await tx.execute("UPDATE airfield_schema SET version = ?", (version,))

    async def run(self, tx: Transaction, statement: str) -> None:
        await tx.execute(statement)
