"""The audit log: every run, refusal, cancel (and, from approvals, every decision)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .db import Database, Migrations

__all__ = ["MIGRATIONS", "AuditAction", "AuditEntry", "AuditLog"]

MIGRATIONS = Migrations(
    domain="audit",
    steps=(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            target TEXT NOT NULL,
            channel_id TEXT,
            run_id TEXT,
            detail_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_log_run ON audit_log (run_id)
        """,
    ),
)


class AuditAction(StrEnum):
    """What happened. Other domains may log their own actions as plain strings."""

    RUN = "run"
    RUNBOOK = "runbook"
    REFUSED = "refused"
    CANCEL = "cancel"
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log. `actor` is a Slack user ID, `target` a task/runbook/run."""

    action: str
    actor: str
    target: str
    channel_id: str | None = None
    run_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class AuditLog:
    """The `audit_log` table: append and read, never update."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, entry: AuditEntry) -> None:
        """Append one entry."""
        await self._db.execute(
            "INSERT INTO audit_log (at, action, actor, target, channel_id, run_id, detail_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.at.isoformat(),
                str(entry.action),
                entry.actor,
                entry.target,
                entry.channel_id,
                entry.run_id,
                json.dumps(entry.detail, sort_keys=True, default=str),
            ),
        )

    async def last_actors(self, action: str, run_ids: Sequence[str]) -> dict[str, str]:
        """For each of `run_ids` that has an entry of `action`, who did it last: one indexed
        query for a whole list (`runs` asks it for the rejections the bot recorded)."""
        if not run_ids:
            return {}
        marks = ", ".join("?" for _ in run_ids)
        rows = await self._db.fetch_all(
            "SELECT run_id, actor FROM audit_log"
            f" WHERE run_id IN ({marks}) AND action = ? ORDER BY id",
            (*run_ids, action),
        )
        return {row["run_id"]: row["actor"] for row in rows}

    async def entries(self, *, run_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest entries first, optionally about one run."""
        where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        rows = await self._db.fetch_all(
            f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [
            AuditEntry(
                action=row["action"],
                actor=row["actor"],
                target=row["target"],
                channel_id=row["channel_id"],
                run_id=row["run_id"],
                detail=json.loads(row["detail_json"]),
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]
