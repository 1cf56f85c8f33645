"""PostgreSQL: a psycopg 3 async connection pool, the backend several replicas share.

Connections are in autocommit mode, so a lone statement commits by itself; `transaction()`
borrows one connection for the whole block (BEGIN ... COMMIT, READ COMMITTED). The stores'
cross-replica guarantees rest on what PostgreSQL does under READ COMMITTED: a conditional
UPDATE re-checks its WHERE against the row another transaction just committed (one approval
claim wins), a unique key admits one INSERT (one run per Slack request), and SELECT ... FOR
UPDATE queues read-then-write logic on a row (leases).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from foundation.postgres import Pool, open_pool

from ..core.errors import DatabaseUnavailable
from .db import Database, Migrations, Queries, Result
from .dialect import POSTGRES

__all__ = ["DEFAULT_POOL_SIZE", "DatabaseUnavailable", "PostgresDatabase"]

# Connections per replica; the fleet needs replicas x this within the server's max_connections.
DEFAULT_POOL_SIZE = 10


class _Connection(Queries):
    """Statements on one pooled connection."""

    dialect = POSTGRES

    def __init__(self, connection: AsyncConnection[DictRow]) -> None:
        self._connection = connection

    async def run(self, sql: str, params: Sequence[Any] = ()) -> Result:
        async with self._connection.cursor() as cursor:
            await cursor.execute(POSTGRES.sql(sql), tuple(params))
            rows = await cursor.fetchall() if cursor.description is not None else []
            return Result(cursor.rowcount, [dict(row) for row in rows])


class PostgresDatabase(Database):
    """The bot's state in a PostgreSQL database, through a connection pool."""

    dialect = POSTGRES

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    @classmethod
    async def open(
        cls,
        url: str,
        migrations: Iterable[Migrations],
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> PostgresDatabase:
        """Connect (DatabaseUnavailable within ACQUIRE_TIMEOUT when the server does not answer)
        and migrate every domain."""
        pool = await open_pool(
            url,
            name="airplane-bot",
            min_size=min(2, pool_size),
            max_size=pool_size,
            unavailable=DatabaseUnavailable,
        )
        database = cls(pool)
        try:
            await database.migrate(tuple(migrations))
        except BaseException:
            await pool.close()
            raise
        return database

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Queries]:
        async with self._pool.connection() as connection:
            yield _Connection(connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        async with self._pool.connection() as connection, connection.transaction():
            yield _Connection(connection)

    async def close(self) -> None:
        await self._pool.close()

    async def tables(self) -> list[str]:
        # A table's OID grows with its creation, as SQLite's rowid in sqlite_master does.
        rows = await self.fetch_all(
            "SELECT c.relname AS name FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()"
            " AND c.relname != 'schema_versions' ORDER BY c.oid"
        )
        return [str(row["name"]) for row in rows]

    async def after_bulk_copy(self, tx: Queries, table: str) -> None:
        # Identity columns keep a sequence that rows inserted with explicit IDs do not move.
        columns = await tx.fetch_all(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'",
            (table,),
        )
        for column in columns:
            name = column["column_name"]
            await tx.fetch_one(
                f"SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX({name}), 0) + 1,"
                f" false) FROM {table}",
                (table, name),
            )
