"""The bot's state. Only this package runs SQL; listeners use the domain stores below.

`BOT_DB` chooses the backend (`location.py`): an SQLite file, or a PostgreSQL database that
several replicas share. The domain stores are written once for both (`db.py`, `dialect.py`).
Each domain module declares its migrations; `schema.py` lists them (add a new domain there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.tracking.model import Tracked

from . import approvals, audit, budgets, forms, leases, runs, schema, tracking
from .approvals import ApprovalStore
from .audit import AuditAction, AuditEntry, AuditLog
from .budgets import BudgetStore
from .db import Database, Migrations, Queries
from .forms import FormGone, FormStore
from .leases import Lease, LeaseLost, LeaseStore
from .location import DbLocation, InvalidLocation, open_database, parse_location
from .postgres import DEFAULT_POOL_SIZE, DatabaseUnavailable
from .runs import RunStore, SlackRun, record_statement
from .tracking import SqlTrackingStore, track_statement

__all__ = [
    "DEFAULT_POOL_SIZE",
    "ApprovalStore",
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "BudgetStore",
    "Database",
    "DatabaseUnavailable",
    "DbLocation",
    "FormGone",
    "FormStore",
    "InvalidLocation",
    "Lease",
    "LeaseLost",
    "LeaseStore",
    "Migrations",
    "Queries",
    "RunStore",
    "SlackRun",
    "SqlTrackingStore",
    "Store",
    "approvals",
    "audit",
    "budgets",
    "forms",
    "leases",
    "open_database",
    "parse_location",
    "runs",
    "schema",
    "tracking",
]


@dataclass(frozen=True)
class Store:
    """The database and one store object per domain."""

    db: Database
    runs: RunStore
    audit: AuditLog
    tracking: SqlTrackingStore
    approvals: ApprovalStore
    leases: LeaseStore
    forms: FormStore
    budgets: BudgetStore

    @classmethod
    def over(cls, db: Database, *, clock: Callable[[], float] | None = None) -> Store:
        """The domain stores on an opened database (`clock`: the leases' and budgets' clock
        in tests)."""
        return cls(
            db=db,
            runs=RunStore(db),
            audit=AuditLog(db),
            tracking=SqlTrackingStore(db),
            approvals=ApprovalStore(db),
            leases=LeaseStore(db, clock),
            forms=FormStore(db),
            budgets=BudgetStore(db, clock),
        )

    @classmethod
    async def open(
        cls, location: str | Path | DbLocation, *, pool_size: int = DEFAULT_POOL_SIZE
    ) -> Store:
        """Open and migrate the database `location` names: a path (`:memory:` works for
        tests), `sqlite:PATH`, or a `postgresql://` URL."""
        where = location if isinstance(location, DbLocation) else parse_location(str(location))
        return cls.over(await open_database(where, pool_size=pool_size))

    async def record_and_follow(self, run: SlackRun, tracked: Tracked) -> bool:
        """Record a started run and follow it, in one transaction; False if recorded before.

        One transaction, so a crash can never leave a run recorded that nobody follows.
        """
        async with self.db.transaction() as tx:
            recorded = await tx.execute(*record_statement(run))
            await tx.execute(*track_statement(tracked))
        return recorded > 0

    @property
    def shared(self) -> bool:
        """Whether several replicas may share this database (PostgreSQL; an SQLite file is
        one replica's): they then take Slack's budgets from it (`budgets.py`)."""
        return self.db.dialect.name == "postgresql"

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
