"""The bot's database, whichever backend holds it, and versioned migrations.

Every domain store (`runs.py`, `audit.py`, `tracking.py`, `approvals.py`, `leases.py`) is
written once, against `Queries`: `execute`, `fetch_one`, `fetch_all` with `?` placeholders, rows
as dicts. A `Database` (SQLite in `sqlite.py`, PostgreSQL in `postgres.py`) runs them either
one statement at a time (`db.execute(...)`, autocommit) or inside `async with
db.transaction() as tx:`, where every statement on `tx` commits or rolls back together. The
few spellings the two disagree on live in its `Dialect` (`dialect.py`), nowhere else.

Each domain module registers its own `Migrations` under a distinct domain name at import
time; `Database.open` applies, per domain, the steps newer than the version recorded in
`schema_versions`, each domain in one transaction taken under the dialect's migration lock (so
replicas starting together on one PostgreSQL migrate once). Steps are append-only: never edit
a released one, add the next.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from .dialect import Dialect

__all__ = [
    "Database",
    "Migrations",
    "Queries",
    "Row",
    "register_migrations",
    "registered_migrations",
]

log = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass(frozen=True)
class Migrations:
    """The schema steps of one domain; step N (1-based) brings the domain to version N.

    Steps are written in SQLite's spelling, using types both backends know; the PostgreSQL
    dialect maps the few SQLite-only type words (see `Dialect.ddl`).
    """

    domain: str
    steps: tuple[str, ...]


_REGISTRY: dict[str, Migrations] = {}


def register_migrations(migrations: Migrations) -> Migrations:
    """Add a domain's migrations; a second, different set under the same name is a bug."""
    known = _REGISTRY.get(migrations.domain)
    if known is not None and known != migrations:
        raise ValueError(f"migrations for domain {migrations.domain!r} registered twice")
    _REGISTRY[migrations.domain] = migrations
    return migrations


def registered_migrations() -> tuple[Migrations, ...]:
    """Every registered domain, sorted by name so the order is stable."""
    return tuple(_REGISTRY[name] for name in sorted(_REGISTRY))


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
        async with self.transaction() as tx:
            await self._lock_for_migrations(tx)
            await tx.execute(_VERSIONS_TABLE)
        for domain in migrations:
            if await self.version(domain.domain) >= len(domain.steps):
                continue
            async with self.transaction() as tx:
                await self._lock_for_migrations(tx)
                # Read again under the lock: another replica may have just migrated it.
                current = await _version(tx, domain.domain)
                for number, step in enumerate(domain.steps[current:], start=current + 1):
                    for statement in _statements(self.dialect.ddl(step)):
                        await tx.execute(statement)
                    # DEBUG: a fresh store takes a dozen steps, which are no news at start-up.
                    log.debug("migrated %s to version %d", domain.domain, number)
                await tx.execute(
                    "INSERT INTO schema_versions (domain, version) VALUES (?, ?) "
                    "ON CONFLICT (domain) DO UPDATE SET version = excluded.version",
                    (domain.domain, len(domain.steps)),
                )

    async def _lock_for_migrations(self, tx: Queries) -> None:
        if self.dialect.migration_lock:
            await tx.execute(self.dialect.migration_lock)

    async def version(self, domain: str) -> int:
        """The schema version of `domain` (0 when never migrated)."""
        return await _version(self, domain)


async def _version(queries: Queries, domain: str) -> int:
    row = await queries.fetch_one("SELECT version FROM schema_versions WHERE domain = ?", (domain,))
    return int(row["version"]) if row else 0


def _statements(script: str) -> list[str]:
    """A migration step split into statements (steps hold DDL without semicolons in strings)."""
    return [part.strip() for part in script.split(";") if part.strip()]
