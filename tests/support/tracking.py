"""Tracker test support, for tests and the bench: an in-memory TrackingStore (the bot itself
uses the store's, on SQLite or PostgreSQL), and waiting for a running tracker's cycles."""

from __future__ import annotations

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
    """Dictionaries behind the TrackingStore protocol; lost with the process."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, str], tuple[Tracked, Progress]] = {}
        self._posts: dict[tuple[str, str, str], dict[str, str | None]] = {}
        self._subscriptions: dict[tuple[str, str], Subscription] = {}

    async def track(self, tracked: Tracked) -> bool:
        """Start following `tracked` unless it already is."""
        if identity(tracked) in self._items:
            return False
        self._items[identity(tracked)] = (tracked, Progress())
        return True

    async def active(self) -> list[tuple[Tracked, Progress]]:
        """Items not yet done."""
        return [item for item in self._items.values() if not item[1].done]

    async def save_progress(self, tracked: Tracked, progress: Progress) -> None:
        """Replace the progress of `tracked`."""
        self._items[identity(tracked)] = (tracked, progress)

    async def posts(self, tracked: Tracked) -> Mapping[str, str | None]:
        """Post ledger of `tracked`."""
        return dict(self._posts.get(identity(tracked), {}))

    async def record_intent(self, tracked: Tracked, key: str) -> None:
        """Record an intent unless the post is already known."""
        self._posts.setdefault(identity(tracked), {}).setdefault(key, None)

    async def record_ts(self, tracked: Tracked, key: str, ts: str) -> None:
        """Record a post's ts."""
        self._posts.setdefault(identity(tracked), {})[key] = ts

    async def subscriptions(self) -> list[Subscription]:
        """Every subscription."""
        return list(self._subscriptions.values())

    async def subscribe(self, subscription: Subscription) -> bool:
        """Add a subscription unless the channel has it."""
        key = (subscription.channel, subscription.task_slug)
        if key in self._subscriptions:
            return False
        self._subscriptions[key] = subscription
        return True

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Drop a subscription."""
        return self._subscriptions.pop((channel, task_slug), None) is not None

    async def recent(self, requested_by: str, limit: int) -> list[tuple[Tracked, Progress]]:
        """Newest items of one requester (a subscription's copy of their run is not theirs)."""
        mine = [
            item
            for item in self._items.values()
            if item[0].requested_by == requested_by and item[0].origin is Origin.PERSON
        ]
        return sorted(mine, key=lambda item: item[0].since, reverse=True)[:limit]
