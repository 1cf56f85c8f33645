"""Versioned schema steps, and the one runner that applies them (the bot's store and airfield's).

A database's schema is one or more *domains*, each a tuple of steps: step N (1-based) brings the
domain to version N. Steps are append-only: never edit a released one, add the next. What differs
between databases is said by a `Schema`: how it opens a transaction, the lock that makes
processes starting together migrate one at a time, how a step is spelled for it, and where it
writes down each domain's version (a table of versions, SQLite's `user_version`, ...). The runner
is the same for all: each domain's missing steps in one transaction, under the lock, read again
under it, so a second process finds the work done.

Nothing is registered anywhere: each owner lists its domains explicitly and passes them in.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Migrations", "Schema", "check_distinct", "migrate", "statements"]

log = logging.getLogger(__name__)

Tx = TypeVar("Tx")


@dataclass(frozen=True)
class Migrations:
    """The schema steps of one domain; step N (1-based) brings the domain to version N."""

    domain: str
    steps: tuple[str, ...]


class Schema(ABC, Generic[Tx]):
    """One database's side of migrating; `Tx` is what its transactions yield."""

    # The level at which each applied step is logged.
    log_level: int = logging.DEBUG

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction: everything in it commits at the end, or nothing does."""

    async def lock(self, tx: Tx) -> None:
        """Hold, until `tx` ends, the lock that serialises migrating processes (none here)."""

    async def prepare(self, tx: Tx) -> None:
        """Create wherever versions are kept, if it is not there yet (nothing here)."""

    @abstractmethod
    async def version(self, tx: Tx, domain: str) -> int:
        """The version `domain` is at (0 when never migrated)."""

    @abstractmethod
    async def record(self, tx: Tx, domain: str, version: int) -> None:
        """Write down that `domain` is now at `version`."""

    @abstractmethod
    async def run(self, tx: Tx, statement: str) -> None:
        """Run one statement of a step."""

    def spell(self, step: str) -> str:
        """A step in this database's spelling (as written, here)."""
        return step


def check_distinct(migrations: Sequence[Migrations]) -> None:
    """Two different sets of steps under one domain name are a bug: say so before running."""
    seen: dict[str, Migrations] = {}
    for domain in migrations:
        known = seen.setdefault(domain.domain, domain)
        if known != domain:
            raise ValueError(f"migrations for domain {domain.domain!r} given twice")


async def migrate(schema: Schema[Tx], migrations: Sequence[Migrations]) -> None:
    """Apply each domain's missing steps, each domain in one transaction under the lock."""
    check_distinct(migrations)
    async with schema.transaction() as tx:
        await schema.lock(tx)
        await schema.prepare(tx)
    for domain in migrations:
        async with schema.transaction() as tx:
            # A look without the lock first: the common case, nothing to do, waits for nobody.
            if await schema.version(tx, domain.domain) >= len(domain.steps):
                continue
        async with schema.transaction() as tx:
            await schema.lock(tx)
            # Read again under the lock: another process may have just migrated it.
            current = await schema.version(tx, domain.domain)
            for number, step in enumerate(domain.steps[current:], start=current + 1):
                for statement in statements(schema.spell(step)):
                    await schema.run(tx, statement)
                await schema.record(tx, domain.domain, number)
                log.log(schema.log_level, "migrated %s to version %d", domain.domain, number)


def statements(script: str) -> list[str]:
    """A step split into statements (steps hold no semicolons inside strings)."""
    return [part.strip() for part in script.split(";") if part.strip()]
