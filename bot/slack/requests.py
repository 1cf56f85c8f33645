"""One Slack request, one identity, one Idempotency-Key; and a lock per identity.

Slack redelivers a request it thinks went unanswered (`X-Slack-Retry-Num` over HTTP,
`retry_attempt` over Socket Mode) with the same payload, and a double click submits the same
view twice. The identity is taken from what stays the same across those deliveries: the
command's `trigger_id`, the view's `id`. The Idempotency-Key is derived from it, so even a
delivery that reaches Airplane twice starts one run, and the store remembers which.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

__all__ = [
    "InFlight",
    "RequestGuard",
    "command_request_key",
    "idempotency_key",
    "view_request_key",
]

_NAMESPACE = uuid.UUID("5b0f5d1e-9c3a-4c64-8a52-3f1f6b8e2a10")


def _team(body: Mapping[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
    return str(team)


def command_request_key(body: Mapping[str, Any]) -> str:
    """A slash command's identity: its team and `trigger_id` (same in every redelivery)."""
    trigger = body.get("trigger_id")
    if not trigger:
        raise ValueError("a slash command without trigger_id")
    return f"command:{_team(body)}:{trigger}"


def view_request_key(body: Mapping[str, Any], form_id: str | None = None) -> str:
    """A view submission's identity: the form's own ID when it has one, else the view's ID.

    Both stay the same when a form is submitted twice or Slack redelivers the submission;
    the form ID (random, in `private_metadata`) is also unique across workspaces and restarts.
    """
    if form_id:
        return f"form:{form_id}"
    view_id = (body.get("view") or {}).get("id")
    if not view_id:
        raise ValueError("a view submission without view.id")
    return f"view:{_team(body)}:{view_id}"


def idempotency_key(request_key: str) -> str:
    """The Idempotency-Key sent to Airplane for the run a request starts (a UUID)."""
    return str(uuid.uuid5(_NAMESPACE, request_key))


class RequestGuard:
    """Serialises work on one request identity, so concurrent redeliveries queue up."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, request_key: str) -> AsyncIterator[None]:
        """Hold the lock of `request_key` (locks vanish when nobody holds or waits)."""
        lock = self._locks.get(request_key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[request_key] = lock
        async with lock:
            yield


class InFlight:
    """Counts listener work in progress (after the ack), so a stop can let it finish first."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        """Work items in progress now."""
        return self._count

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Mark one item of work as in progress for the duration of the block."""
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def drain(self, within: float) -> bool:
        """Wait until no work is in progress; False if some is still running after `within` s."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True
