"""All of airfield's SQL: a SQLite file (one process) or a shared PostgreSQL database.

Nothing outside this package writes SQL; routes, the runner and the session engine call these.
"""

from __future__ import annotations

from pathlib import Path

from ..secret_box import SecretBox
from .accounts import (
    AccountStore,
    Binding,
    KeyRecord,
    ResourceRecord,
    SlugTaken,
    StoredResponse,
    UserRecord,
)
from .base import Database
from .buckets import BucketStore
from .claims import ClaimStore, LapsedRun
from .db import SqliteDatabase
from .postgres import PostgresDatabase, is_postgres_url
from .prompts import NewPrompt, PromptRecord, PromptStore
from .runs import TERMINAL, WAITING, LogRecord, NewRun, RunFilter, RunRecord, RunStore
from .sessions import SessionFilter, SessionRecord, SessionStore
from .sleeps import SleepRecord, SleepStore


class Store:
    """The database and a store per kind of record."""

    def __init__(self, db: Database, box: SecretBox | None = None) -> None:
        self.db = db
        self.runs = RunStore(db)
        self.prompts = PromptStore(db)
        self.sessions = SessionStore(db)
        self.accounts = AccountStore(db, box)
        self.sleeps = SleepStore(db)
        # Only on a shared database (db.shared): claims, leases and rate-limit buckets.
        self.claims = ClaimStore(db)
        self.buckets = BucketStore(db)

    @classmethod
    async def open(cls, target: str | Path, box: SecretBox | None = None) -> Store:
        """Open and migrate the database `target` names: a `postgresql://` URL, else a SQLite
        file; SQLite's stamps continue after the stored ones (PostgreSQL keeps its clock in a
        row). `box` seals resource configurations (None: resources cannot be read or written)."""
        if isinstance(target, str) and is_postgres_url(target):
            return cls(await PostgresDatabase.open(target), box)
        db = await SqliteDatabase.open(target)
        for table in ("runs", "sessions"):
            row = await db.fetch_one(f"SELECT MAX(updated_at) AS last FROM {table}")
            if row and row["last"]:
                db.clock.advance_past(row["last"])
        return cls(db, box)

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()


__all__ = [
    "TERMINAL",
    "WAITING",
    "AccountStore",
    "Binding",
    "BucketStore",
    "ClaimStore",
    "Database",
    "KeyRecord",
    "LapsedRun",
    "LogRecord",
    "NewPrompt",
    "NewRun",
    "PostgresDatabase",
    "PromptRecord",
    "PromptStore",
    "ResourceRecord",
    "RunFilter",
    "RunRecord",
    "RunStore",
    "SessionFilter",
    "SessionRecord",
    "SessionStore",
    "SleepRecord",
    "SleepStore",
    "SlugTaken",
    "SqliteDatabase",
    "Store",
    "StoredResponse",
    "UserRecord",
]
