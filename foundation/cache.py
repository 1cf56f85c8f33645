"""`CoalescingCache`: an async read kept for `ttl` seconds, and loaded once however many ask.

Built on `cachetools.TTLCache` (bounded: past `maxsize` the least recently used entry goes).
`await cache.get(key, load)` answers from the cache while the entry is fresh; otherwise it
starts `load()` once for that key, and every caller asking for the key meanwhile awaits that
same load instead of starting its own. Why coalesce: Slack limits each Web API method per
workspace (users.info to 100 a minute), and a burst of 50 commands by one person arrives before
the first answer does; a plain cache would still cost 50 calls, this one costs one.

A load that raises is not cached: every caller waiting on it gets the error, and the next `get`
loads again. A caller cancelled while waiting does not cancel the load (the others still want
it, and its answer is cached). `timer` (seconds, monotonic) is injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

__all__ = ["CoalescingCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CoalescingCache(Generic[K, V]):
    """At most `maxsize` values, each kept `ttl` seconds; one load per key in flight."""

    def __init__(
        self, *, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._values: TTLCache[K, V] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._loading: dict[K, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        """Fresh values held (expired ones are dropped first)."""
        return len(self._values)

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The fresh value of `key`, else the answer of the one `load()` in flight for it."""
        try:
            return self._values[key]
        except KeyError:
            pass
        loading = self._loading.get(key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(key, load))
            # Nobody may be left to read a failure (all waiters cancelled): read it here so
            # asyncio does not log "exception was never retrieved".
            loading.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._loading[key] = loading
        return await asyncio.shield(loading)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await load()
            self._values[key] = value
            return value
        finally:
            del self._loading[key]
