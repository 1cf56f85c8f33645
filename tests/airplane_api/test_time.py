"""Timestamps: whatever an Airplane server prints parses back to the same instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from airplane_api.models import format_time, parse_time

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
hour_offsets = st.integers(-23, 23).map(lambda h: timezone(timedelta(hours=h)))
aware = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets
)


@given(value=aware)
def test_rfc3339_round_trip(value: datetime) -> None:
    """RFC 3339 text (with `T` and a full offset) parses back to the same instant."""
    assert parse_time(value.isoformat()) == value


@given(value=aware)
def test_format_time_round_trip(value: datetime) -> None:
    """What the client sends as a filter (UTC with `Z`) parses back to the same instant."""
    text = format_time(value)
    assert text is not None
    assert text.endswith("Z")
    assert parse_time(text) == value


@given(
    value=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=hour_offsets
    ),
    digits=st.integers(0, 6),
)
def test_postgres_style_round_trip(value: datetime, digits: int) -> None:
    """`YYYY-MM-DD HH:MM:SS.ffffff+00` with 0-6 fraction digits parses to that instant."""
    offset = value.utcoffset()
    assert offset is not None
    hours = int(offset.total_seconds()) // 3600
    value = value.replace(microsecond=value.microsecond // 10 ** (6 - digits) * 10 ** (6 - digits))
    fraction = f".{value.microsecond:06d}"[: digits + 1] if digits else ""
    # Postgres pads the year to four digits; strftime's %Y does not on every platform.
    sign = "+" if hours >= 0 else "-"
    text = f"{value.year:04d}-{value:%m-%d %H:%M:%S}{fraction}{sign}{abs(hours):02d}"
    assert parse_time(text) == value


def test_empty_means_no_time() -> None:
    """`""` and null, as in 'Empty if this run has not started yet', mean none."""
    assert parse_time("") is None
    assert parse_time(None) is None
    assert parse_time("2022-01-11 22:32:45.707231+00") == datetime(
        2022, 1, 11, 22, 32, 45, 707231, tzinfo=UTC
    )
