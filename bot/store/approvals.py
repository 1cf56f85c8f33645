"""Approvals: which prompts were posted where, and the one claimed decision of each prompt.

`approval_prompts` has one row per prompt the bot shows. Its `state` moves
pending -> claimed -> decided (or closed, when the run ended unanswered); `claim` is a single
conditional UPDATE, so of any number of clicks (double clicks, two approvers, Slack retries)
exactly one wins. The winner's `claim_key` is also the Idempotency-Key of its Airplane call, so
a bot restarted between the click and Airplane's answer replays the same call (`claimed()`),
and Airplane applies it once. `approval_copies` has one row per message showing the prompt
(the run's thread and each reviewer's DM): a copy is reserved before it is posted, so a prompt
seen again is not posted again, and a copy whose post never finished is retried.

Reminders are counted in the row (`reminders_sent`, `reminded_at`), not in a process, so a
restart or another replica neither reminds early nor past the limit; taking the next reminder
is a conditional UPDATE on the count, so two replicas cannot both send it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .db import Database, Migrations, Row

__all__ = [
    "MIGRATIONS",
    "ApprovalCopy",
    "ApprovalRecord",
    "ApprovalState",
    "ApprovalStore",
    "Claim",
]

MIGRATIONS = Migrations(
    domain="approvals",
    steps=(
        """
        CREATE TABLE approval_prompts (
            prompt_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            thread_ts TEXT NOT NULL,
            requester_id TEXT,
            run_url TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            intent TEXT,
            actor_id TEXT,
            actor_email TEXT,
            values_json TEXT,
            claim_key TEXT,
            claimed_at TEXT,
            decided_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX approval_prompts_state ON approval_prompts (state);
        CREATE TABLE approval_copies (
            prompt_id TEXT NOT NULL REFERENCES approval_prompts (prompt_id),
            channel_id TEXT NOT NULL,
            ts TEXT,
            dm_user_id TEXT,
            PRIMARY KEY (prompt_id, channel_id)
        );
        CREATE INDEX approval_copies_user ON approval_copies (dm_user_id)
        """,
        # Reminders survive restarts and are shared by replicas (issue 16).
        """
        ALTER TABLE approval_prompts ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE approval_prompts ADD COLUMN reminded_at TEXT
        """,
    ),
)


class ApprovalState(StrEnum):
    """Where a shown prompt stands in the bot."""

    PENDING = "pending"
    CLAIMED = "claimed"  # a decision won the race; Airplane's answer not yet recorded
    DECIDED = "decided"
    CLOSED = "closed"  # no longer answerable (the run ended)


@dataclass(frozen=True)
class Claim:
    """The decision that won: who, approve or reject, the values, and its Idempotency-Key."""

    intent: str
    actor_id: str
    key: str
    actor_email: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    claimed_at: datetime | None = None  # set by the store when read back


@dataclass(frozen=True)
class ApprovalRecord:
    """A prompt the bot shows, where its run's thread is, and its claimed decision if any."""

    prompt_id: str
    run_id: str
    channel_id: str
    thread_ts: str
    requester_id: str | None = None
    run_url: str = ""
    description: str = ""
    state: ApprovalState = ApprovalState.PENDING
    claim: Claim | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reminders_sent: int = 0
    reminded_at: datetime | None = None  # when the last reminder went out


@dataclass(frozen=True)
class ApprovalCopy:
    """One message showing a prompt; `ts` None while its post has not completed."""

    prompt_id: str
    channel_id: str
    ts: str | None
    dm_user_id: str | None = None


def _record(row: Row) -> ApprovalRecord:
    claim = None
    if row["claim_key"]:
        claim = Claim(
            intent=row["intent"],
            actor_id=row["actor_id"],
            key=row["claim_key"],
            actor_email=row["actor_email"],
            values=json.loads(row["values_json"] or "{}"),
            claimed_at=datetime.fromisoformat(row["claimed_at"]) if row["claimed_at"] else None,
        )
    return ApprovalRecord(
        prompt_id=row["prompt_id"],
        run_id=row["run_id"],
        channel_id=row["channel_id"],
        thread_ts=row["thread_ts"],
        requester_id=row["requester_id"],
        run_url=row["run_url"],
        description=row["description"],
        state=ApprovalState(row["state"]),
        claim=claim,
        created_at=datetime.fromisoformat(row["created_at"]),
        reminders_sent=int(row["reminders_sent"]),
        reminded_at=datetime.fromisoformat(row["reminded_at"]) if row["reminded_at"] else None,
    )


def _copy(row: Row) -> ApprovalCopy:
    return ApprovalCopy(row["prompt_id"], row["channel_id"], row["ts"], row["dm_user_id"])


class ApprovalStore:
    """The `approval_prompts` and `approval_copies` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(self, record: ApprovalRecord) -> bool:
        """Start showing a prompt; False when it is known already (nothing changes then)."""
        changed = await self._db.execute(
            "INSERT INTO approval_prompts (prompt_id, run_id, channel_id, thread_ts,"
            " requester_id, run_url, description, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                record.prompt_id,
                record.run_id,
                record.channel_id,
                record.thread_ts,
                record.requester_id,
                record.run_url,
                record.description,
                record.state.value,
                record.created_at.isoformat(),
            ),
        )
        return changed > 0

    async def get(self, prompt_id: str) -> ApprovalRecord | None:
        """A shown prompt."""
        row = await self._db.fetch_one(
            "SELECT * FROM approval_prompts WHERE prompt_id = ?", (prompt_id,)
        )
        return _record(row) if row else None

    async def in_state(self, state: ApprovalState) -> list[ApprovalRecord]:
        """Every shown prompt in `state`, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM approval_prompts WHERE state = ? ORDER BY created_at", (state.value,)
        )
        return [_record(row) for row in rows]

    async def claim(self, prompt_id: str, claim: Claim) -> bool:
        """Take the decision of a pending prompt; False when someone else's claim came first.
        Stamped `claim.claimed_at` (the caller's clock), else now."""
        changed = await self._db.execute(
            "UPDATE approval_prompts SET state = ?, intent = ?, actor_id = ?, actor_email = ?,"
            " values_json = ?, claim_key = ?, claimed_at = ? WHERE prompt_id = ? AND state = ?",
            (
                ApprovalState.CLAIMED.value,
                claim.intent,
                claim.actor_id,
                claim.actor_email,
                json.dumps(claim.values, sort_keys=True, default=str),
                claim.key,
                (claim.claimed_at or datetime.now(UTC)).isoformat(),
                prompt_id,
                ApprovalState.PENDING.value,
            ),
        )
        return changed > 0

    async def release(self, prompt_id: str, key: str) -> bool:
        """Give a claim back (Airplane refused it for a reason the clicker can fix)."""
        changed = await self._db.execute(
            "UPDATE approval_prompts SET state = ?, intent = NULL, actor_id = NULL,"
            " actor_email = NULL, values_json = NULL, claim_key = NULL, claimed_at = NULL"
            " WHERE prompt_id = ? AND state = ? AND claim_key = ?",
            (ApprovalState.PENDING.value, prompt_id, ApprovalState.CLAIMED.value, key),
        )
        return changed > 0

    async def settle_claim(self, prompt_id: str, key: str) -> bool:
        """Mark a claimed prompt decided by that claim; False when it was settled already
        (a resumed claim racing its own first attempt), so the caller records nothing twice."""
        changed = await self._db.execute(
            "UPDATE approval_prompts SET state = ?, decided_at = ?"
            " WHERE prompt_id = ? AND state = ? AND claim_key = ?",
            (
                ApprovalState.DECIDED.value,
                datetime.now(UTC).isoformat(),
                prompt_id,
                ApprovalState.CLAIMED.value,
                key,
            ),
        )
        return changed > 0

    async def finish(self, prompt_id: str, state: ApprovalState) -> None:
        """Mark a prompt decided or closed: nothing more will be asked of anyone."""
        await self._db.execute(
            "UPDATE approval_prompts SET state = ?, decided_at = ? WHERE prompt_id = ?",
            (state.value, datetime.now(UTC).isoformat(), prompt_id),
        )

    async def take_reminder(self, prompt_id: str, sent_before: int, at: datetime) -> bool:
        """Count the next reminder of a pending prompt, before sending it; False when another
        replica (or an earlier round) counted it first, or the prompt no longer waits."""
        changed = await self._db.execute(
            "UPDATE approval_prompts SET reminders_sent = ?, reminded_at = ?"
            " WHERE prompt_id = ? AND state = ? AND reminders_sent = ?",
            (sent_before + 1, at.isoformat(), prompt_id, ApprovalState.PENDING.value, sent_before),
        )
        return changed > 0

    async def reserve_copy(self, prompt_id: str, channel_id: str, dm_user_id: str | None) -> bool:
        """Reserve the copy in `channel_id` before posting it; False when it exists already."""
        changed = await self._db.execute(
            "INSERT INTO approval_copies (prompt_id, channel_id, dm_user_id) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (prompt_id, channel_id, dm_user_id),
        )
        return changed > 0

    async def set_copy_ts(self, prompt_id: str, channel_id: str, ts: str) -> None:
        """Where a posted copy is."""
        await self._db.execute(
            "UPDATE approval_copies SET ts = ? WHERE prompt_id = ? AND channel_id = ?",
            (ts, prompt_id, channel_id),
        )

    async def copies(self, prompt_id: str) -> list[ApprovalCopy]:
        """Every copy of a prompt, the run thread's first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM approval_copies WHERE prompt_id = ?"
            " ORDER BY dm_user_id IS NOT NULL, channel_id",
            (prompt_id,),
        )
        return [_copy(row) for row in rows]

    async def waiting_for(self, user_id: str) -> list[tuple[ApprovalRecord, ApprovalCopy]]:
        """Pending prompts sent to `user_id` as a reviewer, with their DM copy, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT p.*, c.channel_id AS copy_channel, c.ts AS copy_ts"
            " FROM approval_prompts p JOIN approval_copies c USING (prompt_id)"
            " WHERE c.dm_user_id = ? AND p.state = ? ORDER BY p.created_at",
            (user_id, ApprovalState.PENDING.value),
        )
        return [
            (
                _record(row),
                ApprovalCopy(row["prompt_id"], row["copy_channel"], row["copy_ts"], user_id),
            )
            for row in rows
        ]
