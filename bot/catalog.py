"""Tasks as Airplane describes them, cached briefly: the modal, its submission and the picker
all need a task's schema within Slack's 3 s, so a second `tasks/get` should not be needed."""

from __future__ import annotations

import time
from collections.abc import Callable

from airplane_api import AirplaneClient
from airplane_api.models import Task

__all__ = ["TaskCatalog"]


class TaskCatalog:
    """`tasks/get` and `tasks/list`, remembered for `ttl` seconds."""

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._tasks: dict[str, tuple[float, Task]] = {}
        self._listing: tuple[float, list[Task]] | None = None

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
