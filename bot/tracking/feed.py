"""The cheap poller's two halves: the change feed (`runs/list` + `since`) and adaptive intervals.

`ChangeFeed.runs()` asks what changed since the last call with one `runs/list` request per page
(usually one page), each request paid for from the global budget. The cursor is the newest
`updatedAt` the server reported (its own clock, so no skew), minus a small overlap for updates
committed out of order; repeats are filtered by the caller's fingerprints. A server that refuses
`since` (400/404/501) makes the feed report itself unsupported, and the tracker falls back to
`runs/get` per run on the adaptive schedule.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from airplane_api.errors import APIError
from airplane_api.models import Run, Session

from ..core.errors import FeedUnsupported
from .budget import Lane, RequestBudget

T = TypeVar("T", Run, Session)
PAGE = 50
UNSUPPORTED_STATUSES = frozenset({400, 404, 405, 422, 501})


@dataclass(frozen=True)
class Cadence:
    """How often to look at one item in per-run mode, by how long it has been followed."""

    fast: float = 1.0
    medium: float = 5.0
    slow: float = 15.0
    fast_for: float = 60.0
    medium_for: float = 600.0

    def interval(self, age: float) -> float:
        """Seconds until the next look at an item followed for `age` seconds."""
        if age < self.fast_for:
            return self.fast
        if age < self.medium_for:
            return self.medium
        return self.slow


class ChangeFeed(Generic[T]):
    """Runs or sessions updated since the previous call, page by page, within the budget."""

    def __init__(
        self,
        fetch: Callable[[datetime | None, datetime | None, int], Awaitable[Sequence[T]]],
        budget: RequestBudget,
        *,
        overlap: float = 1.0,
        clock: Callable[[], float] = time.time,
        max_pages: int = 200,
    ) -> None:
        self._fetch: Callable[[datetime | None, datetime | None, int], Awaitable[Sequence[T]]] = (
            fetch
        )
        self._budget = budget
        self._overlap = timedelta(seconds=overlap)
        self._clock = clock
        self._max_pages = max_pages
        self.cursor: datetime | None = None
        self._server_cursor = False
        self._until_works = True
        self.requests = 0
        # IDs the last call found only in the overlap window (see `changes`).
        self.repeats: set[str] = set()

    def start_now(self) -> None:
        """Look only at changes from now on (items already followed are fetched directly)."""
        self.cursor = datetime.fromtimestamp(self._clock(), UTC)
        self._server_cursor = False

    async def changes(self, lane: Lane = Lane.FEED) -> list[T]:
        """Everything updated since the last call (with a small overlap), deduplicated by ID.

        Without server timestamps (the documented API: runs carry no `updatedAt`) the overlap
        is asked for on its own (`until` the cursor), so `repeats` can name what only the
        overlap returned: updates already seen, most likely, which prompt discovery must not
        mistake for new, invisible ones.
        """
        cursor = self.cursor
        found: dict[str, T] = {}
        newest: datetime | None = None
        overlap: list[T] = []
        since: datetime | None
        if cursor is not None and not self._server_cursor and self._until_works:
            try:
                # `until` is exclusive: a microsecond past the cursor, so nothing falls between.
                edge = cursor + timedelta(microseconds=1)
                overlap = (await self._walk(cursor - self._overlap, edge, lane))[0]
                since = cursor
            except FeedUnsupported:
                self._until_works = False  # the server ignores or refuses `until`: one window
                since = cursor - self._overlap
        else:
            since = cursor - self._overlap if cursor else None
        listed, asked = await self._walk(since, None, lane)
        for item in listed:
            found.setdefault(item.id, item)
            if item.updated_at and (newest is None or item.updated_at > newest):
                newest = item.updated_at
        self.repeats = {item.id for item in overlap} - set(found)
        if newest is not None:
            # Once the server's own times are known they replace our clock, skew and all.
            keep = self.cursor is not None and self._server_cursor and self.cursor > newest
            self.cursor = self.cursor if keep else newest
            self._server_cursor = True
        elif found or self.cursor is None:
            # No server timestamps: our clock when the window's first page was asked is the
            # best bound. (An earlier one would list updates made before that request
            # again, and a live run listed again unchanged looks like a new prompt.)
            self.cursor = asked
        # Repeats are still routed: a late commit may carry a status change.
        return list(found.values()) + [item for item in overlap if item.id in self.repeats]

    async def _walk(
        self, since: datetime | None, until: datetime | None, lane: Lane
    ) -> tuple[list[T], datetime]:
        """Every page of one window, each request paid for from the budget; and when the
        first page was asked (the server has shown every update made before then)."""
        items: list[T] = []
        asked = datetime.fromtimestamp(self._clock(), UTC)
        for page in range(self._max_pages):
            await self._budget.acquire(lane)
            if page == 0:
                asked = datetime.fromtimestamp(self._clock(), UTC)
            self.requests += 1
            try:
                batch = await self._fetch(since, until, page)
            except APIError as error:
                if error.status in UNSUPPORTED_STATUSES and page == 0 and since is not None:
                    raise FeedUnsupported(str(error)) from error
                raise
            items.extend(batch)
            if len(batch) < PAGE:
                break
        return items, asked
