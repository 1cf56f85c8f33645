"""Runs, their logs and displays."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .base import NOW, Database, Row
from .listing import ListQuery, equalities, fetch_page

TERMINAL = ("Succeeded", "Failed", "Cancelled")
WAITING = ("NotStarted", "Queued")


@dataclass(frozen=True)
class NewRun:
    """What is known about a run when it is created."""

    id: str
    task_id: str
    task_slug: str
    env_id: str
    param_values: dict[str, Any]
    params: list[dict[str, Any]]
    resources: dict[str, str]
    parent_id: str | None
    session_id: str | None
    timeout: int
    concurrency_key: str
    concurrency_limit: int
    created_by: str


@dataclass(frozen=True)
class RunRecord(NewRun):
    """One run as stored: what it was created with (`NewRun`) and what has happened since."""

    status: str
    created_at: str
    queued_at: str | None
    active_at: str | None
    succeeded_at: str | None
    failed_at: str | None
    cancelled_at: str | None
    cancelled_by: str | None
    updated_at: str
    output: Any
    has_output: bool
    pgid: int | None

    @property
    def is_terminal(self) -> bool:
        """Whether the run has ended."""
        return self.status in TERMINAL

    @classmethod
    def from_row(cls, row: Row) -> RunRecord:
        """Decode a `runs` row."""
        output = row["output"]
        return cls(
            id=row["id"],
            task_id=row["task_id"],
            task_slug=row["task_slug"],
            env_id=row["env_id"],
            status=row["status"],
            param_values=json.loads(row["param_values"]),
            params=json.loads(row["params"]),
            resources=json.loads(row["resources"]),
            parent_id=row["parent_id"],
            session_id=row["session_id"],
            timeout=row["timeout"],
            concurrency_key=row["concurrency_key"],
            concurrency_limit=row["concurrency_limit"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            queued_at=row["queued_at"],
            active_at=row["active_at"],
            succeeded_at=row["succeeded_at"],
            failed_at=row["failed_at"],
            cancelled_at=row["cancelled_at"],
            cancelled_by=row["cancelled_by"],
            updated_at=row["updated_at"],
            output=json.loads(output) if output is not None else None,
            has_output=output is not None,
            pgid=row["pgid"],
        )


@dataclass(frozen=True)
class QueuedRun:
    """A run waiting to start, as the dispatcher needs it."""

    id: str
    concurrency_key: str
    concurrency_limit: int
    is_child: bool


@dataclass(frozen=True)
class RunFilter:
    """What runs/list asks for: equal task, slug and session; `since < updated_at < until`."""

    task_id: str | None = None
    task_slug: str | None = None
    session_id: str | None = None
    since: str | None = None
    until: str | None = None

    def to_query(self) -> ListQuery:
        """The list query; a session's runs are few, so only task filters get a window index."""
        index = None
        if (self.since or self.until) and not self.session_id:
            index = "runs_by_update"
            if self.task_id:
                index = "runs_by_task_id_update"
            elif self.task_slug:
                index = "runs_by_task_slug_update"
        return ListQuery(
            "runs",
            equalities(
                ("task_id", self.task_id),
                ("task_slug", self.task_slug),
                ("session_id", self.session_id),
            ),
            self.since,
            self.until,
            index,
        )


@dataclass(frozen=True)
class LogRecord:
    """One stored log line."""

    seq: int
    timestamp: str
    level: str
    text: str


class RunStore:
    """SQL for runs, logs and displays."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, run: NewRun) -> RunRecord:
        """Insert a run, already Queued (NotStarted lasts only inside this insert)."""
        await self._db.execute(
            "INSERT INTO runs (id, task_id, task_slug, env_id, status, param_values, params,"
            " resources, parent_id, session_id, timeout, concurrency_key, concurrency_limit,"
            " created_at, created_by, queued_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'Queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                run.task_id,
                run.task_slug,
                run.env_id,
                json.dumps(run.param_values),
                json.dumps(run.params),
                json.dumps(run.resources),
                run.parent_id,
                run.session_id,
                run.timeout,
                run.concurrency_key,
                run.concurrency_limit,
                NOW,
                run.created_by,
                NOW,
                NOW,
            ),
        )
        found = await self.get(run.id)
        assert found is not None
        return found

    async def get(self, run_id: str) -> RunRecord | None:
        """A run by ID."""
        row = await self._db.fetch_one("SELECT * FROM runs WHERE id = ?", (run_id,))
        return RunRecord.from_row(row) if row else None

    async def by_token(self, token_hash: str) -> RunRecord | None:
        """The run a run token belongs to."""
        row = await self._db.fetch_one("SELECT * FROM runs WHERE token_hash = ?", (token_hash,))
        return RunRecord.from_row(row) if row else None

    async def child_ids(self, run_id: str) -> list[str]:
        """IDs of the runs this run started, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id FROM runs WHERE parent_id = ? ORDER BY created_at, id", (run_id,)
        )
        return [row["id"] for row in rows]

    async def child_ids_of(self, run_ids: Sequence[str]) -> dict[str, list[str]]:
        """`child_ids` of many runs in one query (a page of runs/list)."""
        children: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
        if not run_ids:
            return children
        marks = ", ".join("?" for _ in run_ids)
        rows = await self._db.fetch_all(
            f"SELECT id, parent_id FROM runs WHERE parent_id IN ({marks}) ORDER BY created_at, id",
            tuple(run_ids),
        )
        for row in rows:
            children[row["parent_id"]].append(row["id"])
        return children

    async def query(self, where: RunFilter, *, limit: int = 50, offset: int = 0) -> list[RunRecord]:
        """Runs newest first (by creation, then ID: a run never moves, so pages only shift when
        runs are added), filtered by `where`."""
        rows = await fetch_page(self._db, where.to_query(), limit=limit, offset=offset)
        return [RunRecord.from_row(row) for row in rows]

    async def waiting(self) -> list[QueuedRun]:
        """Runs that wait to start, oldest first: only what scheduling needs, since the
        dispatcher reads them every time a run is added or ends."""
        rows = await self._db.fetch_all(
            "SELECT id, concurrency_key, concurrency_limit, parent_id FROM runs"
            " WHERE status IN ('NotStarted', 'Queued') ORDER BY created_at, id"
        )
        return [
            QueuedRun(
                r["id"], r["concurrency_key"], r["concurrency_limit"], r["parent_id"] is not None
            )
            for r in rows
        ]

    async def with_status(self, statuses: Sequence[str]) -> list[RunRecord]:
        """Runs in any of `statuses`, oldest first."""
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetch_all(
            f"SELECT * FROM runs WHERE status IN ({marks}) ORDER BY created_at, id",
            tuple(statuses),
        )
        return [RunRecord.from_row(row) for row in rows]

    async def count_by_status(self) -> dict[str, int]:
        """How many runs have each status (one pass over the status index)."""
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM runs GROUP BY status")
        return {row["status"]: row["n"] for row in rows}

    async def set_token(self, run_id: str, token_hash: str) -> None:
        """Give a run the token its process will use (a new one each time it starts)."""
        await self._db.execute("UPDATE runs SET token_hash = ? WHERE id = ?", (token_hash, run_id))

    async def mark_active(self, run_id: str, pgid: int) -> bool:
        """Queued -> Active with its process group; False if the run left Queued meanwhile."""
        changed = await self._db.execute(
            "UPDATE runs SET status = 'Active', active_at = ?, updated_at = ?, pgid = ?"
            " WHERE id = ? AND status IN ('NotStarted', 'Queued')",
            (NOW, NOW, pgid, run_id),
        )
        return changed == 1

    async def finish(self, run_id: str, status: str, *, by: str | None = None) -> bool:
        """Move a run that has not ended to a terminal status; False if it had ended."""
        column = {"Succeeded": "succeeded_at", "Failed": "failed_at", "Cancelled": "cancelled_at"}
        changed = await self._db.execute(
            f"UPDATE runs SET status = ?, {column[status]} = ?, updated_at = ?,"
            " cancelled_by = COALESCE(?, cancelled_by), token_hash = NULL"
            " WHERE id = ? AND status NOT IN ('Succeeded', 'Failed', 'Cancelled')",
            (status, NOW, NOW, by, run_id),
        )
        return changed == 1

    async def set_output(self, run_id: str, output: Any) -> None:
        """Replace a run's output."""
        await self._db.execute(
            "UPDATE runs SET output = ?, updated_at = ? WHERE id = ?",
            (json.dumps(output), NOW, run_id),
        )

    async def append_logs(self, run_id: str, lines: Sequence[LogRecord]) -> None:
        """Store log lines."""
        if lines:
            await self._db.execute_many(
                "INSERT INTO run_logs (run_id, seq, timestamp, level, text)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET"
                " timestamp = excluded.timestamp, level = excluded.level, text = excluded.text",
                [(run_id, line.seq, line.timestamp, line.level, line.text) for line in lines],
            )

    async def last_log_seq(self, run_id: str) -> int:
        """The highest log sequence number of a run (0 without logs)."""
        row = await self._db.fetch_one(
            "SELECT MAX(seq) AS seq FROM run_logs WHERE run_id = ?", (run_id,)
        )
        return int(row["seq"]) if row and row["seq"] is not None else 0

    async def logs(
        self, run_id: str, *, after: int | None, before: int | None, limit: int
    ) -> list[LogRecord]:
        """Log lines in order: the first `limit` after `after`, the last before `before`,
        or the newest `limit` when neither is given."""
        if after is not None:
            sql = "SELECT * FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?"
            rows = await self._db.fetch_all(sql, (run_id, after, limit))
        else:
            bound = before if before is not None else 2**62
            sql = "SELECT * FROM run_logs WHERE run_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
            rows = list(reversed(await self._db.fetch_all(sql, (run_id, bound, limit))))
        return [LogRecord(r["seq"], r["timestamp"], r["level"], r["text"]) for r in rows]

    async def add_display(self, display_id: str, run_id: str, display: dict[str, Any]) -> None:
        """Store a display a run created."""
        await self._db.execute(
            "INSERT INTO displays (id, run_id, display, created_at) VALUES (?, ?, ?, ?)",
            (display_id, run_id, json.dumps(display), NOW),
        )

    async def displays(self, run_id: str) -> list[dict[str, Any]]:
        """A run's displays, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM displays WHERE run_id = ? ORDER BY created_at, id", (run_id,)
        )
        return [
            {
                "id": r["id"],
                "runID": run_id,
                "createdAt": r["created_at"],
                **json.loads(r["display"]),
            }
            for r in rows
        ]
