"""Prompts: questions runs and runbook sessions ask people."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .base import NOW, Database, Row


@dataclass(frozen=True)
class PromptRecord:
    """One prompt as stored."""

    id: str
    run_id: str
    session_id: str
    schema: dict[str, Any]
    values: dict[str, Any]
    reviewers: dict[str, Any]
    confirm_text: str
    cancel_text: str
    description: str
    created_at: str
    submitted_at: str | None
    submitted_by: str | None
    cancelled_at: str | None
    cancelled_by: str | None

    @property
    def is_open(self) -> bool:
        """Whether the prompt still waits for an answer."""
        return self.submitted_at is None and self.cancelled_at is None

    @classmethod
    def from_row(cls, row: Row) -> PromptRecord:
        """Decode a `prompts` row."""
        return cls(
            id=row["id"],
            run_id=row["run_id"],
            session_id=row["session_id"],
            schema=json.loads(row["schema"]),
            values=json.loads(row["submitted_values"]),
            reviewers=json.loads(row["reviewers"]),
            confirm_text=row["confirm_text"],
            cancel_text=row["cancel_text"],
            description=row["description"],
            created_at=row["created_at"],
            submitted_at=row["submitted_at"],
            submitted_by=row["submitted_by"],
            cancelled_at=row["cancelled_at"],
            cancelled_by=row["cancelled_by"],
        )


@dataclass(frozen=True)
class NewPrompt:
    """What a prompt is created with."""

    id: str
    run_id: str
    session_id: str
    schema: dict[str, Any]
    reviewers: dict[str, Any]
    confirm_text: str
    cancel_text: str
    description: str


class PromptStore:
    """SQL for prompts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _write_touching_run(self, sql: str, args: Sequence[Any], prompt_id: str) -> int:
        """Run a prompt write and, when it changed something, move the updatedAt of the
        prompt's run past it: a follower polling runs/list by `since` then sees that a run has a
        new or answered prompt without asking prompts/list about every run."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(sql, args)
            if changed:
                await tx.execute(
                    "UPDATE runs SET updated_at = ?"
                    " WHERE id = (SELECT run_id FROM prompts WHERE id = ?)",
                    (NOW, prompt_id),
                )
        return changed

    async def create(self, prompt: NewPrompt) -> None:
        """Insert a new, open prompt."""
        await self._write_touching_run(
            "INSERT INTO prompts (id, run_id, session_id, schema, reviewers, confirm_text,"
            " cancel_text, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                prompt.id,
                prompt.run_id,
                prompt.session_id,
                json.dumps(prompt.schema),
                json.dumps(prompt.reviewers),
                prompt.confirm_text,
                prompt.cancel_text,
                prompt.description,
                NOW,
            ),
            prompt.id,
        )

    async def get(self, prompt_id: str) -> PromptRecord | None:
        """A prompt by ID."""
        row = await self._db.fetch_one("SELECT * FROM prompts WHERE id = ?", (prompt_id,))
        return PromptRecord.from_row(row) if row else None

    async def query(self, *, run_id: str | None, session_id: str | None) -> list[PromptRecord]:
        """Prompts of a run or of a session, oldest first."""
        if run_id:
            sql, arg = "SELECT * FROM prompts WHERE run_id = ? ORDER BY created_at, id", run_id
        else:
            sql = "SELECT * FROM prompts WHERE session_id = ? ORDER BY created_at, id"
            arg = session_id or ""
        return [PromptRecord.from_row(row) for row in await self._db.fetch_all(sql, (arg,))]

    async def submit(self, prompt_id: str, values: dict[str, Any], by: str) -> bool:
        """Record an answer; False when the prompt was no longer open."""
        changed = await self._write_touching_run(
            "UPDATE prompts SET submitted_values = ?, submitted_at = ?, submitted_by = ?"
            " WHERE id = ? AND submitted_at IS NULL AND cancelled_at IS NULL",
            (json.dumps(values), NOW, by, prompt_id),
            prompt_id,
        )
        return changed == 1

    async def cancel(self, prompt_id: str, by: str) -> bool:
        """Record a cancellation; False when the prompt was no longer open."""
        changed = await self._write_touching_run(
            "UPDATE prompts SET cancelled_at = ?, cancelled_by = ?"
            " WHERE id = ? AND submitted_at IS NULL AND cancelled_at IS NULL",
            (NOW, by, prompt_id),
            prompt_id,
        )
        return changed == 1

    async def open_summary(self) -> tuple[int, str | None]:
        """How many prompts wait for an answer, and when the oldest of them was created."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM prompts"
            " WHERE submitted_at IS NULL AND cancelled_at IS NULL"
        )
        if row is None:
            return 0, None
        return int(row["n"]), row["oldest"]

    async def cancel_open_of_run(self, run_id: str, by: str) -> list[str]:
        """Cancel every open prompt of a run that ended; returns their IDs."""
        rows = await self._db.fetch_all(
            "SELECT id FROM prompts WHERE run_id = ? AND submitted_at IS NULL"
            " AND cancelled_at IS NULL",
            (run_id,),
        )
        for row in rows:
            await self.cancel(row["id"], by)
        return [row["id"] for row in rows]
