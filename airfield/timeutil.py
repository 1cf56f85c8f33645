"""Timestamps as airfield stores and serves them: RFC 3339, UTC, microseconds, `Z`.

That form sorts as text, so SQLite compares it directly, and every Airplane client parses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def to_text(moment: datetime) -> str:
    """Format a datetime as `2022-01-11T22:32:45.601486Z`, the year always four digits.

    strftime's `%Y` writes year 999 as `999` (glibc), which sorts after `2022` as text, so a
    filter `since=0999-...` listed nothing and `until=0999-...` everything."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"


def now_text() -> str:
    """The current time, formatted with `to_text`."""
    return to_text(datetime.now(UTC))


# RFC 3339 date-time (`T`, `t` or a space between date and time; `Z` or an offset), and
# Airplane's own `2022-01-11 22:32:45.707231+00` (an hour-only offset). An offset's `+` that
# arrived as a space (an unencoded query string) is read as `+`.
_MOMENT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+\- ])(?P<hours>\d{2})(?::?(?P<minutes>\d{2}))?)",
    re.ASCII,
)


def parse_moment(text: str) -> datetime:
    """An RFC 3339 time (or Airplane's form) as an aware datetime in UTC; ValueError saying
    what is wrong for anything else, including a time outside years 1-9999 once in UTC."""
    match = _MOMENT.fullmatch(text.strip())
    if match is None:
        raise ValueError("not an RFC 3339 time with an offset, like 2022-01-11T22:32:45Z")
    fraction = (match["fraction"] or "0")[:6].ljust(6, "0")
    if match["utc"]:
        offset = "+00:00"
    else:
        sign = "-" if match["sign"] == "-" else "+"
        offset = f"{sign}{match['hours']}:{match['minutes'] or '00'}"
    moment = datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: it falls outside years 1-9999 in UTC") from None


def parse_query_time(text: str) -> str:
    """Parse a query filter (`since`, `updatedAfter`, ...) into the stored form; ValueError
    for anything `parse_moment` refuses."""
    return to_text(parse_moment(text))


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
