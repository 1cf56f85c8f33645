"""Idempotency-Key handling: fingerprints and one-at-a-time execution per key.

A POST with an `Idempotency-Key` runs once per (caller, key). Its response is stored; a repeat
with the same method, path and body gets that response again (status, body, and the key echoed);
a repeat with a different request gets 422. Concurrent repeats wait for the first to finish.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any


def fingerprint(method: str, path: str, body: Any) -> str:
    """A digest of what a request asks for; key order and whitespace do not matter."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def should_store(status: int) -> bool:
    """Whether a response is final: success or a client error that a retry cannot change.

    429 and 5xx are left out, so a retry with the same key tries again.
    """
    return status < 500 and status != 429


@dataclass
class KeyLocks:
    """One lock per (caller, key) while requests with it are in flight."""

    _locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)
    _users: dict[tuple[str, str], int] = field(default_factory=dict)

    @asynccontextmanager
    async def hold(self, caller: str, key: str) -> AsyncIterator[None]:
        """Hold the lock of (caller, key); dropped once nobody waits for it."""
        slot = (caller, key)
        lock = self._locks.setdefault(slot, asyncio.Lock())
        self._users[slot] = self._users.get(slot, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[slot] -= 1
            if self._users[slot] == 0:
                del self._users[slot]
                del self._locks[slot]
