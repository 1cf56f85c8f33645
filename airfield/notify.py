"""In-process change notices: a waiter sleeps until a key (`run:<id>`) changes or a timeout."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class Notifier:
    """Wakes coroutines waiting on a key. Waiters always re-read the database afterwards."""

    _waiters: dict[str, set[asyncio.Event]] = field(default_factory=dict)

    def notify(self, key: str) -> None:
        """Wake every waiter of `key`."""
        for event in self._waiters.pop(key, set()):
            event.set()

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
