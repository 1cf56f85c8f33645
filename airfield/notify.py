"""Change notices: a waiter sleeps until a key (`run:<id>`) changes or a timeout.

`Notifier` wakes waiters in this process. On a shared database, cluster.ClusterNotifier also
carries every notice to the other processes (PostgreSQL LISTEN/NOTIFY), so a prompt answered
through one node wakes the run waiting on another at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Notifier:
    """Wakes coroutines waiting on a key. Waiters always re-read the database afterwards."""

    _waiters: dict[str, set[asyncio.Event]] = field(default_factory=dict)
    _subscribers: dict[str, list[Callable[[], None]]] = field(default_factory=dict)

    def notify(self, key: str) -> None:
        """Wake every waiter of `key` (in this process; see ClusterNotifier for the rest)."""
        self.notify_here(key)

    def notify_here(self, key: str) -> None:
        """Wake the waiters and subscribers of `key` in this process only."""
        for event in self._waiters.pop(key, set()):
            event.set()
        for callback in self._subscribers.get(key, ()):
            callback()

    def wake_everyone(self) -> None:
        """Wake every waiter (notices may have been missed): each re-reads and waits again."""
        for key in list(self._waiters):
            self.notify_here(key)

    def subscribe(self, key: str, callback: Callable[[], None]) -> None:
        """Call `callback` on every notice of `key`, for as long as the process lives."""
        self._subscribers.setdefault(key, []).append(callback)

    async def wait(self, key: str, seconds: float) -> None:
        """Return when `key` is notified or after `seconds`, whichever comes first."""
        event = asyncio.Event()
        self._waiters.setdefault(key, set()).add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), seconds)
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[key]
