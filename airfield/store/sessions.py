"""Runbook sessions and the progress of their steps."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .base import NOW, Database, Row
from .listing import ListQuery, equalities, fetch_page


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored; `steps` holds each step's progress (see runbooks.py)."""

    id: str
    runbook_id: str
    runbook_slug: str
    name: str
    env_id: str
    status: str
    param_values: dict[str, Any]
    params: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    error: str
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str

    @classmethod
    def from_row(cls, row: Row) -> SessionRecord:
        """Decode a `sessions` row."""
        return cls(
            id=row["id"],
            runbook_id=row["runbook_id"],
            runbook_slug=row["runbook_slug"],
            name=row["name"],
            env_id=row["env_id"],
            status=row["status"],
            param_values=json.loads(row["param_values"]),
            params=json.loads(row["params"]),
            steps=json.loads(row["steps"]),
            error=row["error"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            updated_at=row["updated_at"],
            updated_by=row["updated_by"],
        )


@dataclass(frozen=True)
class SessionFilter:
    """What sessions/list asks for: a runbook, and `updated_after < updated_at < updated_before`."""

    runbook_id: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None

    def to_query(self) -> ListQuery:
        """The list query, with the index that finds its time window."""
        index = None
        if self.updated_after or self.updated_before:
            index = "sessions_by_runbook_update" if self.runbook_id else "sessions_by_update"
        return ListQuery(
            "sessions",
            equalities(("runbook_id", self.runbook_id)),
            self.updated_after,
            self.updated_before,
            index,
        )


class SessionStore:
    """SQL for sessions."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, record: SessionRecord) -> None:
        """Insert a session (its timestamps are set here)."""
        await self._db.execute(
            "INSERT INTO sessions (id, runbook_id, runbook_slug, name, env_id, status,"
            " param_values, params, steps, error, created_at, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.runbook_id,
                record.runbook_slug,
                record.name,
                record.env_id,
                record.status,
                json.dumps(record.param_values),
                json.dumps(record.params),
                json.dumps(record.steps),
                record.error,
                NOW,
                record.created_by,
                NOW,
                record.updated_by,
            ),
        )

    async def get(self, session_id: str) -> SessionRecord | None:
        """A session by ID."""
        row = await self._db.fetch_one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return SessionRecord.from_row(row) if row else None

    async def update(
        self,
        session_id: str,
        *,
        status: str | None = None,
        steps: list[dict[str, Any]] | None = None,
        error: str | None = None,
        by: str | None = None,
    ) -> None:
        """Change a session's status, step progress or error."""
        sets = ["updated_at = ?"]
        args: list[Any] = [NOW]
        for column, value in (
            ("status", status),
            ("steps", json.dumps(steps) if steps is not None else None),
            ("error", error),
            ("updated_by", by),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        await self._db.execute(
            f"UPDATE sessions SET {', '.join(sets)} WHERE id = ?", (*args, session_id)
        )

    async def query(
        self, where: SessionFilter, *, limit: int = 50, offset: int = 0
    ) -> list[SessionRecord]:
        """Sessions newest first (by creation, then ID), filtered by `where`."""
        rows = await fetch_page(self._db, where.to_query(), limit=limit, offset=offset)
        return [SessionRecord.from_row(row) for row in rows]

    async def unfinished(self) -> list[SessionRecord]:
        """Sessions that have not ended, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM sessions WHERE status NOT IN ('Succeeded', 'Failed', 'Cancelled')"
            " ORDER BY created_at"
        )
        return [SessionRecord.from_row(row) for row in rows]
