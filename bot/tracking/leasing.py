"""Which replica follows which item: the tracker's port onto leases.

Several bot replicas share one store. Each followed run or session is worked by the one replica
holding its lease; the others leave it alone until the lease lapses (the holder died or paused
past it), then one of them takes it over with a higher fencing token. Every Slack write checks
the lease first (`holds`), so a replica that lost its lease while paused writes nothing more; the
post ledger makes whatever it did post findable by the new holder (executor.py), so nothing shows
twice.

`bot.store.leasing.StoreLeasing` is the I/O behind this port (the store implements the tracker's
ports, so the arrow points from the store to tracking, never back); a tracker without one (tests,
the bench, a single in-memory store) simply follows everything it knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from .model import Identity, Tracked


class Leasing(Protocol):
    """The tracker's view of leases: claim items, keep them, let them go, check before writes."""

    @property
    def ttl(self) -> float:
        """Seconds a lease lives without renewal (takeover time after a replica dies)."""
        ...

    async def claim(self, items: Iterable[Tracked]) -> set[Identity]:
        """Take the leases of `items` nobody else holds; the identities now held by us."""
        ...

    async def renew(self) -> set[Identity]:
        """Renew every lease held; the identities still held (the rest were taken over)."""
        ...

    async def release(self, tracked: Tracked) -> None:
        """Let an item's lease go (it ended)."""
        ...

    async def holds(self, tracked: Tracked) -> bool:
        """Whether this replica still holds the item's lease (checked before each write)."""
        ...
