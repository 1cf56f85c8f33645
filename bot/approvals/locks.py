"""One asyncio lock per prompt, dropped when nobody holds or waits for it.

Posting a prompt's copies and rewriting them with a decision must not interleave in one
process, or a copy posted after the rewrite would keep its buttons. The store's claim already
makes decisions exactly-once across processes; these locks only order one process's writes.
A lock lives while someone holds or waits for it, so the table stays as small as the number of
prompts being worked on right now, however many prompts the bot has seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["PromptLocks"]


class PromptLocks:
    """Per-prompt locks, counted by users and pruned when the last one leaves."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        """Prompts with a lock right now (held or waited for)."""
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, prompt_id: str) -> AsyncIterator[None]:
        """Hold `prompt_id`'s lock for the block."""
        lock, users = self._locks.get(prompt_id, (asyncio.Lock(), 0))
        self._locks[prompt_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            # Counted even when cancelled while waiting, so a lock never outlives its users.
            lock, users = self._locks[prompt_id]
            if users == 1:
                del self._locks[prompt_id]
            else:
                self._locks[prompt_id] = (lock, users - 1)
