"""Tasks and runbooks as Airplane describes them, cached briefly: the modal, its submission and
the picker all need a schema within Slack's 3 s, so a second `tasks/get` should not be needed.

`runbooks/get` and `runbooks/list` are not in the documented v0 contract (Airplane's own CLI
calls them; airfield serves them): on a server without them they raise NotFoundError, which
callers treat as "not known here" rather than as a failure. Only answers are cached."""

from __future__ import annotations

import time
from collections.abc import Callable

from airplane_api import AirplaneClient
from airplane_api.models import Runbook, Task

__all__ = ["TaskCatalog"]


class TaskCatalog:
    """`tasks/get`, `tasks/list`, `runbooks/get` and `runbooks/list`, remembered for `ttl` s."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._tasks: dict[str, tuple[float, Task]] = {}
        self._listing: tuple[float, list[Task]] | None = None
        self._runbooks: dict[str, tuple[float, Runbook]] = {}
        self._runbook_listing: tuple[float, list[Runbook]] | None = None

    async def task(self, client: AirplaneClient, slug: str) -> Task:
        """A task by slug (NotFoundError from the client when there is none)."""
        now = self._clock()
        cached = self._tasks.get(slug)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        task = await client.get_task(slug)
        self._tasks[slug] = (now, task)
        return task

    async def tasks(self, client: AirplaneClient) -> list[Task]:
        """Every task, for the picker."""
        now = self._clock()
        if self._listing and now - self._listing[0] < self._ttl:
            return self._listing[1]
        tasks = [task for task in await client.list_tasks() if not task.is_archived]
        self._listing = (now, tasks)
        return tasks

    async def runbook(self, client: AirplaneClient, slug: str) -> Runbook:
        """A runbook by slug (NotFoundError when there is none, or the API has no runbooks/get)."""
        now = self._clock()
        cached = self._runbooks.get(slug)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        runbook = await client.get_runbook(slug)
        self._runbooks[slug] = (now, runbook)
        return runbook

    async def runbooks(self, client: AirplaneClient) -> list[Runbook]:
        """Every runbook (NotFoundError when the API has no runbooks/list)."""
        now = self._clock()
        if self._runbook_listing and now - self._runbook_listing[0] < self._ttl:
            return self._runbook_listing[1]
        runbooks = [rb for rb in await client.list_runbooks() if not rb.is_archived]
        self._runbook_listing = (now, runbooks)
        return runbooks
