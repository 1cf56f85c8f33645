"""What every airfield database offers the stores: statements, transactions, write stamps.

Two implementations: SQLite (`db.py`, one process, the embedded default) and PostgreSQL
(`postgres.py`, any number of API nodes and workers). The stores write one SQL for both: `?`
placeholders, `ON CONFLICT`, types both know; a backend rewrites only what it must.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final

import psycopg

Row = dict[str, Any]

# A unique key refused a row (a resource slug taken), whichever backend said so.
INTEGRITY_ERRORS: Final = (sqlite3.IntegrityError, psycopg.IntegrityError)


class _Now:
    """The type of NOW."""

    def __repr__(self) -> str:
        return "NOW"


NOW: Final = _Now()
"""A statement argument replaced by the write's stamp, taken under the write lock, so that
stamps follow commit order (see StampClock). Every NOW in one statement gets the same stamp."""


def has_now(args: Sequence[Any]) -> bool:
    """Whether a statement's arguments ask for a write stamp."""
    return any(arg is NOW for arg in args)


def bind_now(args: Sequence[Any], stamp: str) -> list[Any]:
    """`args` with every NOW replaced by `stamp`."""
    return [stamp if arg is NOW else arg for arg in args]


class Transaction(ABC):
    """Statement helpers bound to an open transaction."""

    @abstractmethod
    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abstractmethod
    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""


class Database(ABC):
    """A database the stores run their SQL on."""

    # Several processes share this database (PostgreSQL): runs are claimed with leases and
    # changes are announced to the other processes.
    shared: bool = False
    # The backend takes `INDEXED BY` hints (SQLite); PostgreSQL's planner chooses by itself.
    index_hints: bool = False

    @abstractmethod
    async def execute(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    @abstractmethod
    async def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for many rows, in one transaction."""

    @abstractmethod
    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query, as dicts."""

    @abstractmethod
    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        """The first row of a query, or None."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Statements inside run atomically."""

    @abstractmethod
    async def compact(self) -> bool:
        """Rewrite storage so overwritten rows (an old ciphertext) are gone from it; False
        when that could not be completed (see the implementations)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connection(s)."""

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Hold a lock named `name` across every process sharing the database. One process
        needs none beyond its own (idempotency.KeyLocks), so by default this holds nothing."""
        yield

    async def ping(self) -> None:
        """Raise unless the database answers a trivial query now."""
        await self.fetch_one("SELECT 1 AS one")
