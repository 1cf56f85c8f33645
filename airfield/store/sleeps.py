"""Sleeps: pauses a run announces with `airplane.sleep` (the process sleeps on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import NOW, Database, Row


@dataclass(frozen=True)
class SleepRecord:
    """One sleep as stored."""

    id: str
    run_id: str
    duration_ms: int
    until: str
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> SleepRecord:
        """Decode a `sleeps` row."""
        return cls(row["id"], row["run_id"], row["duration_ms"], row["until"], row["created_at"])

    def to_wire(self) -> dict[str, Any]:
        """The sleep object airplanesdk reads from sleeps/get."""
        return {
            "id": self.id,
            "runID": self.run_id,
            "durationMs": self.duration_ms,
            "until": self.until,
            "createdAt": self.created_at,
            "skippedAt": None,
            "skippedBy": None,
        }


class SleepStore:
    """SQL for sleeps."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, sleep_id: str, run_id: str, duration_ms: int, until: str) -> None:
        """Record a sleep of a run."""
        await self._db.execute(
            "INSERT INTO sleeps (id, run_id, duration_ms, until, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (sleep_id, run_id, duration_ms, until, NOW),
        )

    async def get(self, sleep_id: str) -> SleepRecord | None:
        """A sleep by ID."""
        row = await self._db.fetch_one("SELECT * FROM sleeps WHERE id = ?", (sleep_id,))
        return SleepRecord.from_row(row) if row else None

    async def of_run(self, run_id: str) -> list[SleepRecord]:
        """A run's sleeps, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM sleeps WHERE run_id = ? ORDER BY created_at, id", (run_id,)
        )
        return [SleepRecord.from_row(row) for row in rows]
