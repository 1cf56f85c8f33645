"""The change feed's cursor, paging and fallback, and the per-run cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airplane_api.errors import InvalidRequestError
from airplane_api.models import Run
from bot.core.errors import FeedUnsupported
from bot.tracking.budget import RequestBudget
from bot.tracking.feed import Cadence, ChangeFeed

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
    """runs/list over a list: `since` and `until` exclusive, on `updated` (which the documented
    shape does not show: `show_updated=False`), pages of 50."""

    def __init__(self, updates: dict[str, float], *, show_updated: bool = True) -> None:
        self.updates = updates
        self.show_updated = show_updated
        self.calls: list[tuple[datetime | None, datetime | None, int]] = []

    async def __call__(
        self, since: datetime | None, until: datetime | None, page: int
    ) -> list[Run]:
        """Answer one page."""
        self.calls.append((since, until, page))
        chosen = []
        for number, (run_id, updated) in enumerate(self.updates.items()):
            moment = T0 + timedelta(seconds=updated)
            if (since is None or moment > since) and (until is None or moment < until):
                body = run(number, updated).model_dump(by_alias=True, exclude_none=True)
                body["id"] = run_id
                if not self.show_updated:
                    body.pop("updatedAt", None)
                chosen.append(Run.model_validate(body))
        return chosen[page * 50 : (page + 1) * 50]


async def test_cursor_follows_server_time_and_pages() -> None:
    """120 changes take three pages; the next call asks from the newest updatedAt less overlap."""
    listing = Listing({f"run_{n}": n / 10 + 0.05 for n in range(120)})
    feed = ChangeFeed(listing, RequestBudget(1000), overlap=1.0, clock=lambda: T0.timestamp())
    found = await feed.changes()
    assert len(found) == 120
    assert [page for _, _, page in listing.calls] == [0, 1, 2]
    assert feed.cursor == T0 + timedelta(seconds=11.95)
    await feed.changes()
    assert listing.calls[-1] == (T0 + timedelta(seconds=10.95), None, 0)
    assert feed.requests == 4


async def test_without_server_times_the_overlap_is_asked_apart() -> None:
    """Documented runs carry no updatedAt: what only the overlap window returns is a repeat."""
    now = [T0.timestamp() + 10]
    listing = Listing({"run_old": 9.5, "run_new": 10.5}, show_updated=False)
    feed = ChangeFeed(listing, RequestBudget(1000), overlap=1.0, clock=lambda: now[0])
    feed.start_now()  # cursor: T0 + 10 s, our clock
    now[0] = T0.timestamp() + 11
    found = await feed.changes()
    assert {r.id for r in found} == {"run_old", "run_new"}  # both routed (status may differ)
    assert feed.repeats == {"run_old"}  # but only run_new changed since the last call
    edge = T0 + timedelta(seconds=10, microseconds=1)
    assert listing.calls[0] == (T0 + timedelta(seconds=9), edge, 0)
    assert listing.calls[1] == (T0 + timedelta(seconds=10), None, 0)


async def test_without_server_times_the_cursor_is_when_the_window_was_asked() -> None:
    """The next window starts when this one's first page was asked, not when the call began:
    an update made while the overlap was being asked is listed once, not twice (a live run
    listed twice unchanged would look like a new prompt)."""
    now = [T0.timestamp() + 10]
    listing = Listing({"run_a": 11.2}, show_updated=False)

    async def slow(since: datetime | None, until: datetime | None, page: int) -> list[Run]:
        if until is not None:  # the overlap window, asked first, takes half a second
            now[0] += 0.5
        return await listing(since, until, page)

    feed = ChangeFeed(slow, RequestBudget(1000), overlap=1.0, clock=lambda: now[0])
    feed.start_now()
    now[0] = T0.timestamp() + 11
    await feed.changes()
    assert feed.cursor == T0 + timedelta(seconds=11.5)


async def test_refusing_since_means_unsupported() -> None:
    """A 400 to a `since` query tells the tracker to poll per run."""

    async def refuse(since: datetime | None, until: datetime | None, page: int) -> list[Run]:
        raise InvalidRequestError(status=400, error="unknown since", method="GET", path="runs/list")

    feed = ChangeFeed(refuse, RequestBudget(1000), clock=lambda: T0.timestamp())
    feed.start_now()
    with pytest.raises(FeedUnsupported):
        await feed.changes()


def test_cadence_slows_with_age() -> None:
    """New items are looked at often, long ones rarely."""
    cadence = Cadence(fast=1, medium=5, slow=15, fast_for=60, medium_for=600)
    assert [cadence.interval(age) for age in (0, 59, 60, 599, 600, 10**6)] == [1, 1, 5, 5, 15, 15]
