"""The change feed's cursor, paging and fallback, and the per-run cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airplane_api.errors import InvalidRequestError
from airplane_api.models import Run
from bot.tracking.budget import RequestBudget
from bot.tracking.feed import Cadence, ChangeFeed, FeedUnsupported

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run(number: int, updated: float) -> Run:
    """A run updated `updated` seconds after T0."""
    return Run.model_validate(
        {
            "id": f"run_{number}",
            "status": "Active",
            "updatedAt": (T0 + timedelta(seconds=updated)).isoformat(),
        }
    )


class Listing:
    """runs/list semantics over a list: newest first, `since` inclusive, pages of 50."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.calls: list[tuple[datetime | None, int]] = []

    async def __call__(self, since: datetime | None, page: int) -> list[Run]:
        """Answer one page."""
        self.calls.append((since, page))
        chosen = [r for r in self.runs if since is None or (r.updated_at and r.updated_at >= since)]
        return chosen[page * 50 : (page + 1) * 50]


async def test_cursor_follows_server_time_and_pages() -> None:
    """120 changes take three pages; the next call asks from the newest updatedAt less overlap."""
    listing = Listing([run(n, n / 10) for n in range(120)])
    feed = ChangeFeed(listing, RequestBudget(1000), overlap=1.0, clock=lambda: 0.0)
    feed.start_now()
    feed.cursor = T0
    found = await feed.changes()
    assert len(found) == 120
    assert [page for _, page in listing.calls] == [0, 1, 2]
    assert feed.cursor == T0 + timedelta(seconds=11.9)
    await feed.changes()
    assert listing.calls[-1] == (T0 + timedelta(seconds=10.9), 0)
    assert feed.requests == 4


async def test_refusing_since_means_unsupported() -> None:
    """A 400 to a `since` query tells the tracker to poll per run."""

    async def refuse(since: datetime | None, page: int) -> list[Run]:
        raise InvalidRequestError(status=400, error="unknown since", method="GET", path="runs/list")

    feed = ChangeFeed(refuse, RequestBudget(1000), clock=lambda: T0.timestamp())
    feed.start_now()
    with pytest.raises(FeedUnsupported):
        await feed.changes()


def test_cadence_slows_with_age() -> None:
    """New items are looked at often, long ones rarely."""
    cadence = Cadence(fast=1, medium=5, slow=15, fast_for=60, medium_for=600)
    assert [cadence.interval(age) for age in (0, 59, 60, 599, 600, 10**6)] == [1, 1, 5, 5, 15, 15]
