"""Timestamps as airfield stores and serves them: RFC 3339, UTC, microseconds, `Z`.

That form sorts as text, so SQLite compares it directly, and every Airplane client parses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_SPACE_OFFSET = re.compile(r" (\d\d(?::?\d\d)?)$")


def to_text(moment: datetime) -> str:
    """Format a datetime as `2022-01-11T22:32:45.601486Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    """The current time, formatted with `to_text`."""
    return to_text(datetime.now(UTC))


def parse_query_time(text: str) -> str:
    """Parse an RFC 3339 query filter (`since`, `updatedAfter`, ...) into the stored form.

    Also taken: Airplane's response form (`2022-01-11 22:32:45.707231+00`), and a `+` offset
    that arrived as a space because the client did not URL-encode it.
    """
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    value = _SPACE_OFFSET.sub(r"+\1", value)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_text(moment)


class StampClock:
    """Strictly increasing timestamps, one per database write.

    The database takes a stamp while it holds its write lock, so stamps follow commit order and
    no two writes share one. That makes `updatedAt` a safe watermark: a client that asks for
    `since=<the greatest updatedAt it has seen>` misses no later change.
    """

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._last: datetime | None = None

    def advance_past(self, stamp: str) -> None:
        """Never give a stamp at or before `stamp` (one a previous airfield gave)."""
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if self._last is None or moment > self._last:
            self._last = moment

    def next(self) -> str:
        """A stamp later than every stamp this clock has given, even if the wall clock is not."""
        moment = self._now().astimezone(UTC)
        if self._last is not None and moment <= self._last:
            moment = self._last + timedelta(microseconds=1)
        self._last = moment
        return to_text(moment)
