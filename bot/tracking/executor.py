"""Carry out a plan exactly once: intent, Slack call, ts; reconcile intents left by a crash.

A post is recorded as an intent (key, no ts) before the Slack call and completed with its ts
after. If the process dies in between, the next run finds the intent without a ts and asks
Slack whether a message with that key (in its metadata) exists in the thread before posting
again, so a kill -9 at any point neither loses nor doubles a post. Edits are idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .model import Tracked
from .outbox import Outbox
from .plan import PARENT_KEY, Edit, Plan, Post
from .ports import SlackWriter, TrackingStore
from .render import FileBody, Message

log = logging.getLogger(__name__)


def metadata_key(tracked: Tracked, key: str) -> str:
    """The key stored in a message's metadata: unique across tracked items."""
    return f"{tracked.kind.value}:{tracked.id}:{tracked.channel}:{key}"


@dataclass
class Executor:
    """Applies plans through the outbox, keeping the store's post ledger exact."""

    store: TrackingStore
    slack: SlackWriter
    outbox: Outbox

    async def apply(self, tracked: Tracked, plan: Plan) -> None:
        """Run every operation of `plan`, then store its progress."""
        posts = dict(await self.store.posts(tracked))
        for op in plan.ops:
            if isinstance(op, Post):
                await self._post(tracked, op, posts)
            else:
                await self._edit(tracked, op, posts)
        await self.store.save_progress(tracked, plan.progress)

    async def _post(self, tracked: Tracked, op: Post, posts: dict[str, str | None]) -> None:
        channel = tracked.channel
        thread = posts.get(PARENT_KEY) if op.in_thread else None
        if op.in_thread and thread is None:
            log.warning("no parent for %s %s; skipping %s", tracked.kind, tracked.id, op.key)
            return
        key = metadata_key(tracked, op.key)
        if op.key in posts:
            ts = posts[op.key]
            if ts is None:
                ts = await self.slack.find(channel, thread, key)
                if ts is not None:
                    log.info("reconciled %s from Slack after a restart", key)
                    posts[op.key] = ts
                    await self.store.record_ts(tracked, op.key, ts)
            if ts is not None:
                if op.key == PARENT_KEY and isinstance(op.body, Message):
                    # A parent posted by someone else (the run command) gets our rendering.
                    await self._edit(tracked, Edit(PARENT_KEY, op.body), posts)
                return
        else:
            await self.store.record_intent(tracked, op.key)
            posts[op.key] = None
        body = op.body
        if isinstance(body, FileBody):
            ts = await self.outbox.send(
                channel, lambda: self.slack.upload(channel, thread, body, key)
            )
        else:
            ts = await self.outbox.send(
                channel, lambda: self.slack.post(channel, thread, body, key)
            )
        posts[op.key] = ts
        await self.store.record_ts(tracked, op.key, ts)

    async def _edit(self, tracked: Tracked, op: Edit, posts: dict[str, str | None]) -> None:
        ts = posts.get(op.key)
        if ts is None:
            log.warning("cannot edit %s of %s: never posted", op.key, tracked.id)
            return
        channel, body = tracked.channel, op.body
        await self.outbox.send(
            channel, lambda: self.slack.update(channel, ts, body), fold_key=f"{channel}:{ts}"
        )
