"""The bot's SQLite database: one aiosqlite connection in WAL mode, and versioned migrations.

Each domain module (`runs.py`, `audit.py`, `tracking.py`, `approvals.py`) registers its own
`Migrations` under a distinct domain name at import time; `Database.open` applies, per domain,
the steps newer than the version recorded in `schema_versions`. Steps are append-only: never
edit a released one, add the next.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

__all__ = ["Database", "Migrations", "register_migrations", "registered_migrations"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migrations:
    """The schema steps of one domain; step N (1-based) brings the domain to version N."""

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


class Database:
    """One aiosqlite connection; every statement of the bot goes through `execute`/`fetch*`."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        # One connection serves every coroutine: a transaction holds it so that no other
        # coroutine's statement slips in between its BEGIN and COMMIT.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: str | Path, migrations: Iterable[Migrations] | None = None
    ) -> Database:
        """Open (creating) the database, switch on WAL, and migrate every domain."""
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        connection.row_factory = aiosqlite.Row
        database = cls(connection)
        try:
            if str(path) != ":memory:":
                await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA foreign_keys=ON")
            await connection.execute("PRAGMA busy_timeout=5000")
            chosen = registered_migrations() if migrations is None else tuple(migrations)
            await database.migrate(chosen)
        except BaseException:
            await connection.close()
            raise
        return database

    async def migrate(self, migrations: Sequence[Migrations]) -> None:
        """Apply each domain's missing steps, each domain in one transaction."""
        await self._connection.execute(_VERSIONS_TABLE)
        for domain in migrations:
            current = await self.version(domain.domain)
            if current >= len(domain.steps):
                continue
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                for number, step in enumerate(domain.steps[current:], start=current + 1):
                    for statement in _statements(step):
                        await self._connection.execute(statement)
                    log.info("migrated %s to version %d", domain.domain, number)
                await self._connection.execute(
                    "INSERT INTO schema_versions (domain, version) VALUES (?, ?) "
                    "ON CONFLICT (domain) DO UPDATE SET version = excluded.version",
                    (domain.domain, len(domain.steps)),
                )
                await self._connection.execute("COMMIT")
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise

    async def version(self, domain: str) -> int:
        """The schema version of `domain` (0 when never migrated)."""
        row = await self.fetch_one(
            "SELECT version FROM schema_versions WHERE domain = ?", (domain,)
        )
        return int(row["version"]) if row else 0

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        async with self._lock:
            return await self._execute(sql, params)

    async def atomic(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> list[int]:
        """Run statements in one transaction (all or none); rows each changed."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                changed = [await self._execute(sql, params) for sql, params in statements]
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")
            return changed

    async def _execute(self, sql: str, params: Sequence[Any]) -> int:
        cursor = await self._connection.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query, or None."""
        async with self._lock, self._connection.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """Every row of a query."""
        async with self._lock, self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def close(self) -> None:
        """Close the connection."""
        await self._connection.close()


def _statements(script: str) -> list[str]:
    """A migration step split into statements (steps hold DDL without semicolons in strings)."""
    return [part.strip() for part in script.split(";") if part.strip()]
