"""Tasks and runbooks as Airplane describes them, cached briefly: the modal, its submission and
the picker all need a schema within Slack's 3 s, so a second `tasks/get` should not be needed.

`runbooks/get` and `runbooks/list` are not in the documented v0 contract (Airplane's own CLI
calls them; airfield serves them): on a server without them they raise NotFoundError, which
callers treat as "not known here" rather than as a failure. Only answers are cached, and
concurrent asks for the same slug (a modal and its picker) share one call
(`foundation.cache.CoalescingCache`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from airplane_api import AirplaneClient
from airplane_api.models import Runbook, Task
from foundation.cache import CoalescingCache

__all__ = ["CATALOG_MAXSIZE", "TaskCatalog"]

# Slugs kept at most, per kind: more than a team's tasks, each a schema of a few kB.
CATALOG_MAXSIZE = 1_000
# The one key of a listing (`tasks/list`, `runbooks/list`).
_EVERY = "*"


class TaskCatalog:
    """`tasks/get`, `tasks/list`, `runbooks/get` and `runbooks/list`, remembered for `ttl` s."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._tasks: CoalescingCache[str, Task] = CoalescingCache(
            maxsize=CATALOG_MAXSIZE, ttl=ttl, timer=clock
        )
        self._listing: CoalescingCache[str, list[Task]] = CoalescingCache(
            maxsize=1, ttl=ttl, timer=clock
        )
        self._runbooks: CoalescingCache[str, Runbook] = CoalescingCache(
            maxsize=CATALOG_MAXSIZE, ttl=ttl, timer=clock
        )
        self._runbook_listing: CoalescingCache[str, list[Runbook]] = CoalescingCache(
            maxsize=1, ttl=ttl, timer=clock
        )

    async def task(self, client: AirplaneClient, slug: str) -> Task:
        """A task by slug (NotFoundError from the client when there is none)."""
        return await self._tasks.get(slug, partial(client.get_task, slug))

    async def tasks(self, client: AirplaneClient) -> list[Task]:
        """Every task, for the picker."""

        async def load() -> list[Task]:
            return [task for task in await client.list_tasks() if not task.is_archived]

        return await self._listing.get(_EVERY, load)

    async def runbook(self, client: AirplaneClient, slug: str) -> Runbook:
        """A runbook by slug (NotFoundError when there is none, or the API has no runbooks/get)."""
        return await self._runbooks.get(slug, partial(client.get_runbook, slug))

    async def runbooks(self, client: AirplaneClient) -> list[Runbook]:
        """Every runbook (NotFoundError when the API has no runbooks/list)."""

        async def load() -> list[Runbook]:
            return [rb for rb in await client.list_runbooks() if not rb.is_archived]

        return await self._runbook_listing.get(_EVERY, load)
