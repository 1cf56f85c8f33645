"""`Leasing` (the tracker's port, `bot.tracking.leasing`) on the store's lease table.

A lease per tracked item (`tracked:<kind>:<id>:<channel>`), renewed while the replica lives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..core import metrics
from ..tracking.model import Identity, Tracked, identity
from .leases import Lease, LeaseStore

log = logging.getLogger(__name__)

PREFIX = "tracked:"


def lease_name(tracked: Tracked) -> str:
    """The lease of one tracked item."""
    kind, item_id, channel = identity(tracked)
    return f"{PREFIX}{kind}:{item_id}:{channel}"


class StoreLeasing:
    """`Leasing` on the bot store's lease table, for one replica (`holder`)."""

    def __init__(self, leases: LeaseStore, holder: str, ttl: float = 15.0) -> None:
        self._leases = leases
        self._holder = holder
        self._ttl = ttl
        self._held: dict[str, tuple[Identity, Lease]] = {}
        self.takeovers = 0

    @property
    def ttl(self) -> float:
        """Seconds a lease lives without renewal."""
        return self._ttl

    async def claim(self, items: Iterable[Tracked]) -> set[Identity]:
        """Acquire, in one transaction, each item's lease that no other live holder has."""
        wanted = {lease_name(t): identity(t) for t in items if lease_name(t) not in self._held}
        granted = await self._leases.acquire_free(list(wanted), self._holder, self._ttl)
        for lease in granted:
            name = lease.name
            self._held[name] = (wanted[name], lease)
            if lease.token > 1:
                # Token 1 is a first grant; a higher one means a lapsed holder's work moved here.
                self.takeovers += 1
                metrics.lease_taken_over()
                log.info("took over %s (token %d)", name, lease.token)
        metrics.set_leases_owned(len(self._held))
        return self._identities()

    async def renew(self) -> set[Identity]:
        """One statement renews them all; any missing from its answer was lost."""
        renewed = await self._leases.renew_all(self._holder, self._ttl, prefix=PREFIX)
        for name in list(self._held):
            if name in renewed:
                self._held[name] = (self._held[name][0], renewed[name])
            else:
                log.warning("lost the lease %s to another replica; no longer writing it", name)
                del self._held[name]
        metrics.set_leases_owned(len(self._held))
        return self._identities()

    async def release(self, tracked: Tracked) -> None:
        """Release a finished item's lease so it costs no renewals."""
        held = self._held.pop(lease_name(tracked), None)
        if held is not None:
            await self._leases.release(held[1])
        metrics.set_leases_owned(len(self._held))

    async def holds(self, tracked: Tracked) -> bool:
        """Ask the store: is our token still the live one?"""
        held = self._held.get(lease_name(tracked))
        if held is None:
            return False
        if await self._leases.holds(held[1].name, held[1].token):
            return True
        del self._held[held[1].name]
        return False

    def _identities(self) -> set[Identity]:
        return {ident for ident, _ in self._held.values()}
