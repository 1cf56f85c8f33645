"""The bot's state. Only this package runs SQL; listeners use the domain stores below.

Importing a domain module registers its migrations; add new domains' imports here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.tracking.model import Tracked

from . import approvals, audit, runs, tracking
from .approvals import ApprovalStore
from .audit import AuditAction, AuditEntry, AuditLog
from .db import Database, Migrations, register_migrations
from .runs import RunKind, RunStore, SlackRun, record_statement
from .tracking import SqliteTrackingStore, track_statement

__all__ = [
    "ApprovalStore",
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "Database",
    "Migrations",
    "RunKind",
    "RunStore",
    "SlackRun",
    "SqliteTrackingStore",
    "Store",
    "approvals",
    "audit",
    "register_migrations",
    "runs",
    "tracking",
]


@dataclass(frozen=True)
class Store:
    """The database and one store object per domain."""

    db: Database
    runs: RunStore
    audit: AuditLog
    tracking: SqliteTrackingStore
    approvals: ApprovalStore

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open and migrate the database at `path` (`:memory:` works for tests)."""
        db = await Database.open(path)
        return cls(
            db=db,
            runs=RunStore(db),
            audit=AuditLog(db),
            tracking=SqliteTrackingStore(db),
            approvals=ApprovalStore(db),
        )

    async def record_and_follow(self, run: SlackRun, tracked: Tracked) -> bool:
        """Record a started run and follow it, in one transaction; False if recorded before.

        One transaction, so a crash can never leave a run recorded that nobody follows.
        """
        recorded, _ = await self.db.atomic([record_statement(run), track_statement(tracked)])
        return recorded > 0

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
