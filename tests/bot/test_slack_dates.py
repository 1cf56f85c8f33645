"""Slack's date token: the reader's client shows the moment; others read a UTC fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.blocks.runs import plain
from bot.slack.dates import AGO, DATE_TIME, DATE_TOKENS, TIME_TOKENS, slack_date, utc_fallback

# 2026-11-27 20:03:46 UTC; in UTC+02:00 it is already 22:03 local time.
MOMENT = datetime(2026, 11, 27, 20, 3, 46, tzinfo=UTC)
SECONDS = 1795809826


def test_the_token_carries_the_unix_time_the_format_and_a_utc_fallback() -> None:
    assert MOMENT.timestamp() == SECONDS
    assert slack_date(MOMENT) == (
        f"<!date^{SECONDS}^{{date_short_pretty}} {{time}}|2026-11-27 20:03 UTC>"
    )
    assert DATE_TIME == "{date_short_pretty} {time}"


def test_seconds_and_datetimes_in_any_zone_are_the_same_moment() -> None:
    local = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert slack_date(local, AGO) == slack_date(float(SECONDS), AGO) == slack_date(SECONDS, AGO)
    # Fractions of a second are cut, not rounded into the next second.
    assert slack_date(SECONDS + 0.9, "{time_secs}").startswith(f"<!date^{SECONDS}^")


def test_the_fallback_is_in_utc_whatever_the_zone_given() -> None:
    local = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert slack_date(local, "{time}").endswith("|20:03 UTC>")
    assert "22:03" not in slack_date(local, DATE_TIME)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        slack_date(datetime(2026, 11, 27, 20, 3))


@pytest.mark.parametrize(
    ("fmt", "fallback"),
    [
        ("{date_num}", "2026-11-27 UTC"),
        ("{date}", "2026-11-27 UTC"),
        ("{date_short}", "2026-11-27 UTC"),
        ("{date_long}", "2026-11-27 UTC"),
        ("{date_pretty}", "2026-11-27 UTC"),
        ("{date_short_pretty}", "2026-11-27 UTC"),
        ("{date_long_pretty}", "2026-11-27 UTC"),
        ("{time}", "20:03 UTC"),
        ("{time_secs}", "20:03:46 UTC"),
        ("{ago}", "2026-11-27 20:03 UTC"),
        ("{date_short_pretty} at {time}", "2026-11-27 at 20:03 UTC"),
        ("since {time}", "since 20:03 UTC"),
        ("no token at all", "no token at all"),
    ],
)
def test_each_token_has_a_plain_utc_fallback(fmt: str, fallback: str) -> None:
    assert utc_fallback(MOMENT, fmt) == fallback
    assert slack_date(MOMENT, fmt) == f"<!date^{SECONDS}^{fmt}|{fallback}>"


def test_every_documented_token_is_known() -> None:
    documented = {
        "date_num", "date_slash", "date", "date_short", "date_long", "date_long_full",
        "date_pretty", "date_short_pretty", "date_long_pretty", "day_divider_pretty",
        "time", "time_secs", "ago",
    }  # fmt: skip
    assert documented == DATE_TOKENS | TIME_TOKENS


def test_an_unknown_token_or_a_format_that_would_end_the_token_is_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        slack_date(MOMENT, "{weekday}")
    for bad in ("{time} | later", "{time}>", "a^b", "<{time}"):
        with pytest.raises(ValueError, match="format"):
            slack_date(MOMENT, bad)


def test_a_link_goes_before_the_fallback() -> None:
    token = slack_date(MOMENT, AGO, link="https://app.airplane.test/runs/run_1")
    assert token == (
        f"<!date^{SECONDS}^{{ago}}^https://app.airplane.test/runs/run_1|2026-11-27 20:03 UTC>"
    )
    with pytest.raises(ValueError, match="link"):
        slack_date(MOMENT, AGO, link="https://x.test/a|b")


def test_a_given_fallback_is_escaped_so_it_cannot_end_the_token_early() -> None:
    token = slack_date(MOMENT, AGO, fallback="a > b | c < d & e")
    assert token == f"<!date^{SECONDS}^{{ago}}|a &gt; b | c &lt; d &amp; e>"
    # One `<`, one `>`: the token is whole, and the first `|` is still the one that
    # separates the format from the fallback.
    assert token.count("<") == token.count(">") == 1
    assert token.index("|") == token.index("{ago}") + len("{ago}")


def test_a_notification_reads_the_fallback() -> None:
    assert plain(f"Active · started {slack_date(MOMENT, AGO)}") == (
        "Active · started 2026-11-27 20:03 UTC"
    )
