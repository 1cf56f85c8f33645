"""Timestamps as airfield stores and serves them: RFC 3339, UTC, microseconds, `Z`.

That form sorts as text, so SQLite compares it directly, and every Airplane client parses it.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    """Format a datetime as `2022-01-11T22:32:45.601486Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_text() -> str:
    """The current time, formatted with `to_text`."""
    return to_text(datetime.now(UTC))


def parse_query_time(text: str) -> str:
    """Parse an RFC 3339 query filter (`since`, `updatedAfter`, ...) into the stored form."""
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_text(moment)
