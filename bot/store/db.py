"""The bot's database, whichever backend holds it, and versioned migrations.

Every domain store (`runs.py`, `audit.py`, `tracking.py`, `approvals.py`, `leases.py`) is
written once, against `Queries`: `execute`, `fetch_one`, `fetch_all` with `?` placeholders, rows
as dicts. A `Database` (SQLite in `sqlite.py`, PostgreSQL in `postgres.py`) runs them either
one statement at a time (`db.execute(...)`, autocommit) or inside `async with
db.transaction() as tx:`, where every statement on `tx` commits or rolls back together. The
few spellings the two disagree on live in its `Dialect` (`dialect.py`), nowhere else.

Each domain module declares its `Migrations` (`MIGRATIONS`), and `schema.py` lists them all;
opening a database applies them with the shared runner (`foundation.migrations`): per domain,
the steps newer than the version recorded in `schema_versions`, each domain in one transaction
taken under the dialect's migration lock (so replicas starting together on one PostgreSQL
migrate once). Steps are append-only: never edit a released one, add the next.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from foundation import migrations as runner
from foundation.migrations import Migrations

from .dialect import Dialect

# Steps are written in SQLite's spelling, using types both backends know; the PostgreSQL dialect
# maps the few SQLite-only type words (see `Dialect.ddl`).
__all__ = ["Database", "Migrations", "Queries", "Row"]

Row = dict[str, Any]

_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_versions (
    domain TEXT PRIMARY KEY,
    version INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class Result:
    """What one statement did: rows changed, and the rows it returned."""

    rowcount: int
    rows: list[Row]


class Queries(ABC):
    """Something statements run on: a database (autocommit) or an open transaction."""

    dialect: Dialect

    @abstractmethod
    async def run(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Run one statement written with `?` placeholders."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return (await self.run(sql, params)).rowcount

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""
        rows = (await self.run(sql, params)).rows
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        return (await self.run(sql, params)).rows


class Database(Queries):
    """The bot's database. Statements on it autocommit; `transaction()` groups them."""

    @abstractmethod
    def connection(self) -> AbstractAsyncContextManager[Queries]:
        """A connection of its own for a few autocommitted statements."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Queries]:
        """A transaction: statements on the yielded `Queries` commit together at the end of
        the block, or roll back together if it raises. Other writers wait for it."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connection(s)."""

    @abstractmethod
    async def tables(self) -> list[str]:
        """The bot's tables (not `schema_versions`), in the order they were created, so
        that a table comes after the tables its foreign keys name."""

    async def after_bulk_copy(self, tx: Queries, table: str) -> None:
        """Let generated IDs continue past rows copied in with explicit IDs (`transfer.py`)."""

    async def run(self, sql: str, params: Sequence[Any] = ()) -> Result:
        async with self.connection() as queries:
            return await queries.run(sql, params)

    async def ping(self) -> None:
        """Raise when the database does not answer a trivial query."""
        await self.fetch_one("SELECT 1 AS ok")

    async def migrate(self, migrations: Sequence[Migrations]) -> None:
        """Apply each domain's missing steps, each domain in one transaction."""
        await runner.migrate(_Versions(self), migrations)

    async def version(self, domain: str) -> int:
        """The schema version of `domain` (0 when never migrated)."""
        return await _version(self, domain)


async def _version(queries: Queries, domain: str) -> int:
    row = await queries.fetch_one("SELECT version FROM schema_versions WHERE domain = ?", (domain,))
    return int(row["version"]) if row else 0


class _Versions(runner.Schema[Queries]):
    """The bot's database to the migration runner: a version per domain in `schema_versions`.

    Steps log at DEBUG: a fresh store takes a dozen, which are no news at start-up."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def transaction(self) -> AbstractAsyncContextManager[Queries]:
        return self._database.transaction()

    async def lock(self, tx: Queries) -> None:
        if tx.dialect.migration_lock:
            await tx.execute(tx.dialect.migration_lock)

    async def prepare(self, tx: Queries) -> None:
        await tx.execute(_VERSIONS_TABLE)

    async def version(self, tx: Queries, domain: str) -> int:
        return await _version(tx, domain)

    async def record(self, tx: Queries, domain: str, version: int) -> None:
        await tx.execute(
            "INSERT INTO schema_versions (domain, version) VALUES (?, ?) "
            "ON CONFLICT (domain) DO UPDATE SET version = excluded.version",
            (domain, version),
        )

    async def run(self, tx: Queries, statement: str) -> None:
        await tx.execute(statement)

    def spell(self, step: str) -> str:
        return self._database.dialect.ddl(step)
