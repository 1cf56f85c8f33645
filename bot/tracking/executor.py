"""Carry out a plan exactly once: intent, Slack call, ts; reconcile intents left by a crash.

A post is recorded as an intent (key, no ts) before the Slack call and completed with its ts
after. If the process dies in between, the next run finds the intent without a ts and asks
Slack whether a message with that key (in its metadata) exists in the thread before posting
again, so a kill -9 at any point neither loses nor doubles a post. Edits are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cachetools import LRUCache

from ..core.errors import ChannelGone, NotLeased
from ..core.loops import one_line
from ..slack.errors import slack_error
from ..slack.queueing import Priority, queued_as
from ..slack.scheduler import NothingQueued, SlackScheduler
from .model import Tracked
from .plan import PARENT_KEY, Edit, Plan, Post
from .ports import SlackWriter, TrackingStore
from .render import FileBody, Message

log = logging.getLogger(__name__)
# Seconds a write may wait for Slack's budget before its lease is checked again.
FENCE_AGAIN_AFTER = 1.0
# Messages whose last edit is remembered, to skip repeating it.
SHOWN_EDITS = 10_000
T = TypeVar("T")


def metadata_key(tracked: Tracked, key: str) -> str:
    """The key stored in a message's metadata: unique across tracked items."""
    return f"{writer_of(tracked)}:{key}"


def writer_of(tracked: Tracked) -> str:
    """The owner of a tracked item's Slack calls (see `SlackScheduler.expedite`)."""
    return f"{tracked.kind.value}:{tracked.id}:{tracked.channel}"


@dataclass
class Executor:
    """Applies plans through Slack's scheduler, keeping the store's post ledger exact."""

    store: TrackingStore
    slack: SlackWriter
    # Checked right before each Slack write (replicas: does this one still hold the lease?).
    fence: Callable[[Tracked], Awaitable[bool]] | None = None
    # Where the item's queued writes wait (to lower those another write made less urgent).
    scheduler: SlackScheduler | None = None
    # Intermediate edits on their way, not waited for, by the item they show (kept so they
    # are not collected, and so an item's last plan can wait for them: see `apply`).
    _behind: dict[str, set[asyncio.Future[None]]] = field(default_factory=dict)
    # Parents on their way, by writer: what a prompt found before its thread existed waits on.
    _parents: dict[str, asyncio.Future[str]] = field(default_factory=dict)
    # What each message (channel, ts) was last edited to: the same text again costs a
    # chat.update token for nothing (the end shown early, then by the plan).
    _shown: LRUCache[tuple[str, str], Message] = field(
        default_factory=lambda: LRUCache(maxsize=SHOWN_EDITS)
    )
    # By writer: the (method, priority) of the end's other sign, once one sign shows the end.
    # A call queued later (its store write was in flight when the end showed) goes at SHOWN
    # from the start, as the queued ones are lowered (`_end_shown`).
    _second_signs: LRUCache[str, tuple[str, Priority]] = field(
        default_factory=lambda: LRUCache(maxsize=SHOWN_EDITS)
    )

    async def _write(
        self,
        tracked: Tracked,
        priority: Priority,
        call: Callable[[], Awaitable[T]],
        *,
        fold_key: str | None = None,
        fold_only: bool = False,
    ) -> T:
        """`call` (one writer call: one or two Web API calls) queued at `priority`, made only
        while the fence lets this replica write `tracked`: asked now, and again when a Web
        API call's turn comes after waiting for Slack's budget (a lease can lapse meanwhile)."""
        fence = self.fence
        if fence is not None and not await fence(tracked):
            raise NotLeased(tracked.id)
        asked = time.monotonic()

        async def guard() -> None:
            if fence is None or time.monotonic() - asked < FENCE_AGAIN_AFTER:
                return
            if not await fence(tracked):
                raise NotLeased(tracked.id)

        with queued_as(
            priority,
            fold_key=fold_key,
            owner=writer_of(tracked),
            origin=tracked.origin,
            guard=guard if fence is not None else None,
            fold_only=fold_only,
        ):
            return await call()

    async def apply(self, tracked: Tracked, plan: Plan) -> None:
        """Run every operation of `plan`, then store its progress.

        Edits go beside the posts, not after them: each method has its own Slack budget, so
        a run's ending line (chat.postMessage) is not held behind its parent's edit
        (chat.update) when edits are the ones backed up, and the other way round. An
        intermediate edit (below FINAL: Queued to Active, a step's status) is not waited for
        at all: the item's next plan goes ahead, and its edit of the same message folds into
        the queued one, so a run that ends while its Active edit waits shows the end in one
        edit. A final edit is waited for: a final state is never left unsaid.

        Raises ChannelGone when Slack refuses the channel itself.
        """
        posts = dict(await self.store.posts(tracked))
        edits = []
        for op in plan.ops:
            if isinstance(op, Edit):
                edit = asyncio.ensure_future(self._edit(tracked, op, posts))
                if op.priority <= Priority.FINAL:
                    edits.append(edit)
                else:
                    self._leave_behind(tracked, edit)
        try:
            for op in plan.ops:
                if isinstance(op, Post):
                    await self._post(tracked, op, posts)
        finally:  # a failed post still lets the edits land (they are idempotent)
            results = await asyncio.gather(*edits, return_exceptions=True)
        failed = [error for error in results if isinstance(error, BaseException)]
        if failed:
            raise _channel_gone(tracked, failed[0])
        if plan.progress.done:
            await self._catch_up(tracked)
        await self.store.save_progress(tracked, plan.progress)

    def _leave_behind(self, tracked: Tracked, edit: asyncio.Future[None]) -> None:
        """Let `edit` land on its own; `_catch_up` waits for it if the item ends first."""
        writer = writer_of(tracked)
        pending = self._behind.setdefault(writer, set())
        pending.add(edit)

        def landed(edit: asyncio.Future[None]) -> None:
            pending.discard(edit)
            if not pending and self._behind.get(writer) is pending:
                del self._behind[writer]
            if not edit.cancelled() and (error := edit.exception()) is not None:
                log.info(
                    "an intermediate edit failed (the next one shows more): %s", one_line(error)
                )

        edit.add_done_callback(landed)

    async def _catch_up(self, tracked: Tracked) -> None:
        """Wait for `tracked`'s edits still on their way (failures were logged as they came)."""
        pending = list(self._behind.get(writer_of(tracked), ()))
        if pending:
            await asyncio.wait(pending)

    async def _post(self, tracked: Tracked, op: Post, posts: dict[str, str | None]) -> None:
        try:
            await self._post_once(tracked, op, posts)
        except Exception as error:
            raise _channel_gone(tracked, error) from error

    async def _post_once(self, tracked: Tracked, op: Post, posts: dict[str, str | None]) -> None:
        channel = tracked.channel
        thread = posts.get(PARENT_KEY) if op.in_thread else None
        if op.in_thread and thread is None:
            log.warning("no parent for %s %s; skipping %s", tracked.kind, tracked.id, op.key)
            return
        key = metadata_key(tracked, op.key)
        if op.key in posts:
            ts = posts[op.key]
            if ts is None:
                ts = await self._write(
                    tracked, op.priority, lambda: self.slack.find(channel, thread, key)
                )
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
        if isinstance(body, FileBody):
            ts = await self._write(
                tracked, op.priority, lambda: self.slack.upload(channel, thread, body, key)
            )
        else:
            ts = await self._write(
                tracked,
                self._unless_shown(tracked, "chat.postMessage", op.priority),
                lambda: self.slack.post(channel, thread, body, key),
                fold_key=_post_fold_key(tracked, op.key),
            )
            if op.priority is Priority.ENDING:
                self._end_shown(tracked, "chat.update", Priority.FINAL)
        posts[op.key] = ts
        await self.store.record_ts(tracked, op.key, ts)
        waiting = self._parents.pop(writer_of(tracked), None) if op.key == PARENT_KEY else None
        if waiting is not None and not waiting.done():
            waiting.set_result(ts)

    async def parent_posted(self, tracked: Tracked, within: float) -> str | None:
        """The parent's ts once it is posted (it may be queued behind other runs' posts), or
        None if it is not posted within `within` seconds."""
        ts = (await self.store.posts(tracked)).get(PARENT_KEY)
        if ts:
            return ts
        waiting = self._parents.get(writer_of(tracked))
        if waiting is None:
            waiting = self._parents[writer_of(tracked)] = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), within)
        except TimeoutError:
            return None

    async def edit(self, tracked: Tracked, op: Edit) -> None:
        """One edit outside any plan (the parent showing a run's end while its worker is busy
        with earlier writes); it folds with a queued edit of the same message."""
        await self._edit(tracked, op, dict(await self.store.posts(tracked)))

    async def _edit(self, tracked: Tracked, op: Edit, posts: dict[str, str | None]) -> None:
        ts = posts.get(op.key)
        channel, body = tracked.channel, op.body
        if ts is None and op.key in posts:  # its post is on its way, perhaps still queued
            await self._post_instead(tracked, op)
            return
        if ts is None:
            log.warning("cannot edit %s of %s: never posted", op.key, tracked.id)
            return
        if self._shown.get((channel, ts)) == body:
            return
        await self._write(
            tracked,
            self._unless_shown(tracked, "chat.update", op.priority),
            lambda: self.slack.update(channel, ts, body),
            fold_key=f"{channel}:{ts}",
        )
        self._shown[(channel, ts)] = body
        if op.priority is Priority.FINAL and op.key == PARENT_KEY:
            self._end_shown(tracked, "chat.postMessage", Priority.ENDING)

    async def _post_instead(self, tracked: Tracked, op: Edit) -> None:
        """Show `op` by the post of its message if that is still queued: a run that ends
        before its parent's turn comes (a burst of runs, chat.postMessage's budget spent)
        has its parent posted showing the end, not posted as Queued and edited later."""
        channel, body = tracked.channel, op.body
        key = metadata_key(tracked, op.key)
        try:
            ts = await self._write(
                tracked,
                op.priority,
                lambda: self.slack.post(channel, None, body, key),
                fold_key=_post_fold_key(tracked, op.key),
                fold_only=True,
            )
        except NothingQueued:
            # Sent meanwhile (its ts on its way to the store): the plan's own edit shows it.
            log.debug("%s of %s no longer queued; its plan edits it", op.key, tracked.id)
            return
        self._shown[(channel, ts)] = body
        if op.priority is Priority.FINAL:
            self._end_shown(tracked, "chat.postMessage", Priority.ENDING)

    def _end_shown(self, tracked: Tracked, method: str, waiting: Priority) -> None:
        """Slack shows `tracked`'s end now: its `method` call still waiting at `waiting` (the
        other sign of the end) steps back to SHOWN, behind the first sign of other runs'
        ends. When `chat.postMessage` or `chat.update` is the scarce budget, each end is
        shown by whichever of the two comes first, and the other follows."""
        self._second_signs[writer_of(tracked)] = (method, waiting)
        if self.scheduler is not None:
            self.scheduler.lower(writer_of(tracked), method, waiting, Priority.SHOWN)

    def _unless_shown(self, tracked: Tracked, method: str, priority: Priority) -> Priority:
        """`priority`, or SHOWN for the end's second sign once the first one shows it."""
        second = self._second_signs.get(writer_of(tracked))
        return Priority.SHOWN if second == (method, priority) else priority


def _post_fold_key(tracked: Tracked, key: str) -> str | None:
    """The fold key of a post that may go with newer text while queued: the parent only
    (a thread line says what happened when it happened)."""
    return f"{tracked.channel}:post:{metadata_key(tracked, key)}" if key == PARENT_KEY else None


def _channel_gone(tracked: Tracked, error: BaseException) -> BaseException:
    """`error`, or the ChannelGone it means when Slack refused the channel itself."""
    if not isinstance(error, Exception):
        return error
    gone = slack_error(error, channel=tracked.channel)
    return gone if isinstance(gone, ChannelGone) else error
