"""Tracker test support, for tests and the bench: an in-memory TrackingStore (the bot itself
uses the store's, on SQLite or PostgreSQL), and waiting for a running tracker's cycles."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.slack.queueing import Origin
from bot.tracking.model import Progress, Tracked, identity
from bot.tracking.ports import Subscription
from bot.tracking.tracker import Tracker
from tests.support.eventually import eventually


async def cycles_pass(tracker: Tracker, count: int = 1, within: float = 10.0) -> None:
    """Wait until a started tracker's loop has finished `count` more cycles."""
    target = tracker.cycles + count

    async def done() -> bool:
        return tracker.cycles >= target

    await eventually(done, within=within)


class MemoryTrackingStore:
    """Dictionaries behind the TrackingStore protocol; lost with the process.

    `latency`: seconds each call waits, as a database round trip would (the bench's choice:
    with none, every call completes without yielding, and orderings a real store allows,
    such as a run's end showing while its next write is recorded, never happen).
    """

    def __init__(self, latency: float = 0.0) -> None:
        self._latency = latency
        self._items: dict[tuple[str, str, str], tuple[Tracked, Progress]] = {}
        self._posts: dict[tuple[str, str, str], dict[str, str | None]] = {}
        self._subscriptions: dict[tuple[str, str], Subscription] = {}

    async def track(self, tracked: Tracked) -> bool:
        """Start following `tracked` unless it already is."""
        await self._round_trip()
        if identity(tracked) in self._items:
            return False
        self._items[identity(tracked)] = (tracked, Progress())
        return True

    async def active(self) -> list[tuple[Tracked, Progress]]:
        """Items not yet done."""
        await self._round_trip()
        return [item for item in self._items.values() if not item[1].done]

    async def save_progress(self, tracked: Tracked, progress: Progress) -> None:
        """Replace the progress of `tracked`."""
        await self._round_trip()
        self._items[identity(tracked)] = (tracked, progress)

    async def posts(self, tracked: Tracked) -> Mapping[str, str | None]:
        """Post ledger of `tracked`."""
        await self._round_trip()
        return dict(self._posts.get(identity(tracked), {}))

    async def record_intent(self, tracked: Tracked, key: str) -> None:
        """Record an intent unless the post is already known."""
        await self._round_trip()
        self._posts.setdefault(identity(tracked), {}).setdefault(key, None)

    async def record_ts(self, tracked: Tracked, key: str, ts: str) -> None:
        """Record a post's ts."""
        await self._round_trip()
        self._posts.setdefault(identity(tracked), {})[key] = ts

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription."""
        await self._round_trip()
        return list(self._subscriptions.values())

    async def subscribe(self, subscription: Subscription) -> bool:
        """Add a subscription unless the channel has it."""
        await self._round_trip()
        key = (subscription.channel, subscription.task_slug)
        if key in self._subscriptions:
            return False
        self._subscriptions[key] = subscription
        return True

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Drop a subscription."""
        await self._round_trip()
        return self._subscriptions.pop((channel, task_slug), None) is not None

    async def recent(self, requested_by: str, limit: int) -> list[tuple[Tracked, Progress]]:
        """Newest items of one requester (a subscription's copy of their run is not theirs)."""
        await self._round_trip()
        mine = [
            item
            for item in self._items.values()
            if item[0].requested_by == requested_by and item[0].origin is Origin.PERSON
        ]
        return sorted(mine, key=lambda item: item[0].since, reverse=True)[:limit]

    async def _round_trip(self) -> None:
        if self._latency > 0:
            await asyncio.sleep(self._latency)
