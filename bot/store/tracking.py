"""Tracking state: followed runs and sessions, their progress, the post ledger, subscriptions.

The post ledger is what makes Slack posts exactly-once: a row (key, ts NULL) is written before
a post and its ts after it, so a restart knows which posts may need reconciling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.core.kinds import Kind
from bot.slack.queueing import Origin
from bot.tracking.model import Progress, Tracked
from bot.tracking.ports import Subscription

from .db import Database, Migrations, Queries, Row

__all__ = ["MIGRATIONS", "SqlTrackingStore", "track_statement"]

MIGRATIONS = Migrations(
    domain="tracking",
    steps=(
        """
        CREATE TABLE tracked (
            kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            label TEXT NOT NULL,
            requested_by TEXT NOT NULL DEFAULT '',
            env TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            task_id TEXT NOT NULL DEFAULT '',
            since REAL NOT NULL,
            progress_json TEXT NOT NULL DEFAULT '{}',
            done INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, item_id, channel_id)
        );
        CREATE INDEX tracked_active ON tracked (done);
        CREATE INDEX tracked_requester ON tracked (requested_by, since);
        CREATE TABLE tracked_posts (
            kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            post_key TEXT NOT NULL,
            ts TEXT,
            PRIMARY KEY (kind, item_id, channel_id, post_key)
        );
        CREATE TABLE task_subscriptions (
            channel_id TEXT NOT NULL,
            task_slug TEXT NOT NULL,
            task_id TEXT NOT NULL,
            requested_by TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (channel_id, task_slug)
        )
        """,
        # The parent shows the task's name and parameters from its first post on.
        """
        ALTER TABLE tracked ADD COLUMN name TEXT NOT NULL DEFAULT '';
        ALTER TABLE tracked ADD COLUMN params_json TEXT NOT NULL DEFAULT '{}'
        """,
        # A subscription's copy is told apart after a restart: it mentions nobody and is
        # nobody's own run (Home, `recent`).
        """
        ALTER TABLE tracked ADD COLUMN origin INTEGER NOT NULL DEFAULT 0
        """,
    ),
)


def _progress_json(progress: Progress) -> str:
    return json.dumps(
        {
            "parent_status": progress.parent_status,
            "thread_status": progress.thread_status,
            "status_seq": progress.status_seq,
            "steps_shown": dict(progress.steps_shown),
            "seen_status": progress.seen_status,
            "seen_since": progress.seen_since,
            "done": progress.done,
            "parent_facts": progress.parent_facts,
            "shown_status": progress.shown_status,
            "shown_phrase": progress.shown_phrase,
        }
    )


def _progress(text: str) -> Progress:
    # Keys this version no longer keeps are ignored: rows written before it (which had
    # `parent_elapsed` and `parent_edited_at`, for elapsed-time edits now gone) still load.
    raw: dict[str, Any] = json.loads(text or "{}")
    return Progress(
        parent_status=str(raw.get("parent_status", "")),
        thread_status=str(raw.get("thread_status", "")),
        status_seq=int(raw.get("status_seq", 0)),
        steps_shown={str(k): str(v) for k, v in dict(raw.get("steps_shown", {})).items()},
        seen_status=str(raw.get("seen_status", "")),
        seen_since=float(raw.get("seen_since", 0.0)),
        done=bool(raw.get("done", False)),
        parent_facts=str(raw.get("parent_facts", "")),
        shown_status=str(raw.get("shown_status", "")),
        shown_phrase=str(raw.get("shown_phrase", "")),
    )


def _item(row: Row) -> tuple[Tracked, Progress]:
    tracked = Tracked(
        kind=Kind(row["kind"]),
        id=row["item_id"],
        channel=row["channel_id"],
        label=row["label"],
        requested_by=row["requested_by"],
        env=row["env"],
        link=row["link"],
        task_id=row["task_id"],
        since=float(row["since"]),
        name=row["name"],
        params=json.loads(row["params_json"] or "{}"),
        origin=Origin(int(row["origin"])),
    )
    return tracked, _progress(row["progress_json"])


def _ident(tracked: Tracked) -> tuple[str, str, str]:
    return (tracked.kind.value, tracked.id, tracked.channel)


def track_statement(tracked: Tracked) -> tuple[str, tuple[Any, ...]]:
    """The insert that starts following `tracked` (also run inside the launch transaction)."""
    return (
        "INSERT INTO tracked (kind, item_id, channel_id, label, requested_by, env,"
        " link, task_id, since, name, params_json, origin)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (
            *_ident(tracked),
            tracked.label,
            tracked.requested_by,
            tracked.env,
            tracked.link,
            tracked.task_id,
            tracked.since,
            tracked.name,
            json.dumps(dict(tracked.params), default=str),
            int(tracked.origin),
        ),
    )


class SqlTrackingStore:
    """The TrackingStore protocol on the bot's database (SQLite or PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def track(self, tracked: Tracked) -> bool:
        """Insert `tracked` unless present."""
        return await self._db.execute(*track_statement(tracked)) == 1

    async def active(self) -> list[tuple[Tracked, Progress]]:
        """Items not done."""
        rows = await self._db.fetch_all("SELECT * FROM tracked WHERE done = 0 ORDER BY since")
        return [_item(row) for row in rows]

    async def save_progress(self, tracked: Tracked, progress: Progress) -> None:
        """Store progress (and whether the item is done)."""
        await self._db.execute(
            "UPDATE tracked SET progress_json = ?, done = ?"
            " WHERE kind = ? AND item_id = ? AND channel_id = ?",
            (_progress_json(progress), int(progress.done), *_ident(tracked)),
        )

    async def posts(self, tracked: Tracked) -> Mapping[str, str | None]:
        """The post ledger of one item."""
        rows = await self._db.fetch_all(
            "SELECT post_key, ts FROM tracked_posts"
            " WHERE kind = ? AND item_id = ? AND channel_id = ?",
            _ident(tracked),
        )
        return {row["post_key"]: row["ts"] for row in rows}

    async def record_intent(
        self, tracked: Tracked, key: str, *, within: Queries | None = None
    ) -> None:
        """Note a post about to be sent (kept as is when already known). `within`: a
        transaction to record it in, e.g. `LeaseStore.fenced`, so only a lease holder does."""
        await (within or self._db).execute(
            "INSERT INTO tracked_posts (kind, item_id, channel_id, post_key, ts)"
            " VALUES (?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
            (*_ident(tracked), key),
        )

    async def record_ts(
        self, tracked: Tracked, key: str, ts: str, *, within: Queries | None = None
    ) -> None:
        """Note a post's ts (`within`: as for `record_intent`)."""
        await (within or self._db).execute(
            "INSERT INTO tracked_posts (kind, item_id, channel_id, post_key, ts)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (kind, item_id, channel_id, post_key) DO UPDATE SET ts = excluded.ts",
            (*_ident(tracked), key, ts),
        )

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription."""
        rows = await self._db.fetch_all("SELECT * FROM task_subscriptions ORDER BY channel_id")
        return [
            Subscription(row["channel_id"], row["task_slug"], row["task_id"], row["requested_by"])
            for row in rows
        ]

    async def subscribe(self, subscription: Subscription) -> bool:
        """Add a subscription unless the channel has it."""
        changed = await self._db.execute(
            "INSERT INTO task_subscriptions (channel_id, task_slug, task_id,"
            " requested_by) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                subscription.channel,
                subscription.task_slug,
                subscription.task_id,
                subscription.requested_by,
            ),
        )
        return changed == 1

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Drop a subscription."""
        changed = await self._db.execute(
            "DELETE FROM task_subscriptions WHERE channel_id = ? AND task_slug = ?",
            (channel, task_slug),
        )
        return changed == 1

    async def recent(self, requested_by: str, limit: int) -> list[tuple[Tracked, Progress]]:
        """Newest items one person asked for (a subscription's copy of their run is not theirs)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM tracked WHERE requested_by = ? AND origin = ?"
            " ORDER BY since DESC LIMIT ?",
            (requested_by, int(Origin.PERSON), limit),
        )
        return [_item(row) for row in rows]
