"""Runs and runbook sessions started from Slack: where their parent message is, who asked.

One row per Slack request (`request_key`), so a retried or double-submitted request finds the
run its first delivery started instead of starting or announcing another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core.kinds import Kind
from .db import Database, Migrations, Row

__all__ = ["MIGRATIONS", "RunStore", "SlackRun"]

MIGRATIONS = Migrations(
    domain="runs",
    steps=(
        """
        CREATE TABLE slack_runs (
            request_key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            run_id TEXT NOT NULL UNIQUE,
            slug TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            parent_ts TEXT,
            requester_id TEXT NOT NULL,
            requester_email TEXT,
            env_slug TEXT,
            params_json TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        );
        CREATE INDEX slack_runs_slug ON slack_runs (slug, created_at)
        """,
    ),
)


@dataclass(frozen=True)
class SlackRun:
    """A run (or session) started from Slack, with the message that announces it."""

    request_key: str
    kind: Kind
    run_id: str
    slug: str
    channel_id: str
    requester_id: str
    parent_ts: str | None = None
    requester_email: str | None = None
    env_slug: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _from_row(row: Row) -> SlackRun:
    return SlackRun(
        request_key=row["request_key"],
        kind=Kind(row["kind"]),  # `task`/`runbook`, as every row has held it
        run_id=row["run_id"],
        slug=row["slug"],
        channel_id=row["channel_id"],
        requester_id=row["requester_id"],
        parent_ts=row["parent_ts"],
        requester_email=row["requester_email"],
        env_slug=row["env_slug"],
        params=json.loads(row["params_json"]),
        created_at=datetime.fromisoformat(row["created_at"]),
    )


# Where a run's parent message is: the tracker's post ledger, its only writer, says so.
# (`slack_runs.parent_ts` predates the tracker posting parents and is no longer written.)
_SELECT = (
    "SELECT r.request_key, r.kind, r.run_id, r.slug, r.channel_id, r.requester_id,"
    " r.requester_email, r.env_slug, r.params_json, r.created_at, p.ts AS parent_ts"
    " FROM slack_runs r LEFT JOIN tracked_posts p ON p.item_id = r.run_id"
    " AND p.channel_id = r.channel_id AND p.post_key = 'parent'"
)


def record_statement(run: SlackRun) -> tuple[str, tuple[Any, ...]]:
    """The insert that records a started run; first record of a request wins."""
    return (
        "INSERT INTO slack_runs (request_key, kind, run_id, slug, channel_id, parent_ts,"
        " requester_id, requester_email, env_slug, params_json, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            run.request_key,
            run.kind.target,  # the column's spelling since its first row
            run.run_id,
            run.slug,
            run.channel_id,
            run.parent_ts,
            run.requester_id,
            run.requester_email,
            run.env_slug,
            json.dumps(run.params, sort_keys=True, default=str),
            run.created_at.isoformat(),
        ),
    )


class RunStore:
    """The `slack_runs` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, run: SlackRun) -> bool:
        """Remember a started run; False when this request (or run) was recorded already."""
        return await self._db.execute(*record_statement(run)) > 0

    async def by_request(self, request_key: str) -> SlackRun | None:
        """The run a Slack request started, if any."""
        row = await self._db.fetch_one(_SELECT + " WHERE r.request_key = ?", (request_key,))
        return _from_row(row) if row else None

    async def get(self, run_id: str) -> SlackRun | None:
        """A run started from Slack, by its run (or session) ID."""
        row = await self._db.fetch_one(_SELECT + " WHERE r.run_id = ?", (run_id,))
        return _from_row(row) if row else None

    async def recent(self, *, slug: str | None = None, limit: int = 20) -> list[SlackRun]:
        """The newest runs started from Slack, optionally of one task or runbook."""
        if slug:
            rows = await self._db.fetch_all(
                _SELECT + " WHERE r.slug = ? ORDER BY r.created_at DESC LIMIT ?",
                (slug, limit),
            )
        else:
            rows = await self._db.fetch_all(
                _SELECT + " ORDER BY r.created_at DESC LIMIT ?", (limit,)
            )
        return [_from_row(row) for row in rows]
