"""Carry out a plan exactly once: intent, Slack call, ts; reconcile intents left by a crash.

A post is recorded as an intent (key, no ts) before the Slack call and completed with its ts
after. If the process dies in between, the next run finds the intent without a ts and asks
Slack whether a message with that key (in its metadata) exists in the thread before posting
again, so a kill -9 at any point neither loses nor doubles a post. Edits are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ChannelGone, NotLeased
from ..slack.errors import slack_error
from ..slack.outbox import Outbox
from .model import Tracked
from .plan import PARENT_KEY, Edit, Plan, Post
from .ports import SlackWriter, TrackingStore
from .render import FileBody, Message

log = logging.getLogger(__name__)
T = TypeVar("T")


def metadata_key(tracked: Tracked, key: str) -> str:
    """The key stored in a message's metadata: unique across tracked items."""
    return f"{writer_of(tracked)}:{key}"


def writer_of(tracked: Tracked) -> str:
    """The outbox owner of a tracked item's writes (see `Outbox.expedite`)."""
    return f"{tracked.kind.value}:{tracked.id}:{tracked.channel}"


@dataclass
class Executor:
    """Applies plans through the outbox, keeping the store's post ledger exact."""

    store: TrackingStore
    slack: SlackWriter
    outbox: Outbox
    # Checked right before each Slack write (replicas: does this one still hold the lease?).
    fence: Callable[[Tracked], Awaitable[bool]] | None = None

    def _fenced(
        self, tracked: Tracked, call: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T]]:
        """`call`, run only while the fence lets this replica write `tracked`."""
        fence = self.fence
        if fence is None:
            return call

        async def checked() -> T:
            if not await fence(tracked):
                raise NotLeased(tracked.id)
            return await call()

        return checked

    async def apply(self, tracked: Tracked, plan: Plan) -> None:
        """Run every operation of `plan`, then store its progress.

        Raises ChannelGone when Slack refuses the channel itself.
        """
        posts = dict(await self.store.posts(tracked))
        try:
            for op in plan.ops:
                if isinstance(op, Post):
                    await self._post(tracked, op, posts)
                else:
                    await self._edit(tracked, op, posts)
        except Exception as error:
            gone = slack_error(error, channel=tracked.channel)
            if not isinstance(gone, ChannelGone) or gone is error:
                raise
            raise gone from error
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
                    # A parent adopted from elsewhere (`watch` of a message) gets our rendering.
                    await self._edit(tracked, Edit(PARENT_KEY, op.body), posts)
                return
        else:
            await self.store.record_intent(tracked, op.key)
            posts[op.key] = None
        body = op.body
        owner = writer_of(tracked)
        if isinstance(body, FileBody):
            ts = await self.outbox.send(
                channel,
                self._fenced(tracked, lambda: self.slack.upload(channel, thread, body, key)),
                priority=op.priority,
                owner=owner,
            )
        else:
            ts = await self.outbox.send(
                channel,
                self._fenced(tracked, lambda: self.slack.post(channel, thread, body, key)),
                priority=op.priority,
                owner=owner,
            )
        posts[op.key] = ts
        await self.store.record_ts(tracked, op.key, ts)

    async def edit(self, tracked: Tracked, op: Edit) -> None:
        """One edit outside any plan (the parent showing a run's end while its worker is busy
        with earlier writes); it folds with a queued edit of the same message."""
        await self._edit(tracked, op, dict(await self.store.posts(tracked)))

    async def _edit(self, tracked: Tracked, op: Edit, posts: dict[str, str | None]) -> None:
        ts = posts.get(op.key)
        if ts is None:
            log.warning("cannot edit %s of %s: never posted", op.key, tracked.id)
            return
        channel, body = tracked.channel, op.body
        await self.outbox.send(
            channel,
            self._fenced(tracked, lambda: self.slack.update(channel, ts, body)),
            fold_key=f"{channel}:{ts}",
            priority=op.priority,
            owner=writer_of(tracked),
        )
