"""Moments as Slack's date token, which each reader's client shows in their own time zone.

`<!date^UNIX_SECONDS^FORMAT|FALLBACK>` (or `…^FORMAT^LINK|FALLBACK>`) in mrkdwn is rendered by
the reader's Slack client: `{time}` in their zone and clock style, `{ago}` as "3 minutes ago",
kept current by the client. A message that says how long ago something happened therefore
never needs an edit to stay true, which saves `chat.update` calls (about 50 a minute per
workspace) for edits that say something new.

Where a client cannot render the token (notifications, some integrations) it shows the
fallback, plain text in UTC, which `slack_date` writes from the same format.
https://docs.slack.dev/messaging/formatting-message-text#date-formatting
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = [
    "AGO",
    "DATE_TIME",
    "DATE_TOKENS",
    "TIME_TOKENS",
    "slack_date",
    "utc_fallback",
]

# Tokens that show the day; each reads as YYYY-MM-DD in the fallback.
DATE_TOKENS = frozenset(
    {
        "date_num",
        "date_slash",
        "date",
        "date_short",
        "date_long",
        "date_long_full",
        "date_pretty",
        "date_short_pretty",
        "date_long_pretty",
        "day_divider_pretty",
    }
)
# Tokens that show the time of day, or how long ago it was.
TIME_TOKENS = frozenset({"time", "time_secs", "ago"})

# The formats the bot uses: a moment ("today 14:03") and a relative time ("3 minutes ago").
DATE_TIME = "{date_short_pretty} {time}"
AGO = "{ago}"

_TOKEN = re.compile(r"\{([a-z_]+)\}")


def _moment(moment: datetime | float) -> datetime:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("a naive datetime has no defined moment; give it a time zone")
        return moment.astimezone(UTC)
    return datetime.fromtimestamp(moment, UTC)


def utc_fallback(moment: datetime | float, fmt: str) -> str:
    """`fmt` with each token written out in UTC, as plain text: dates as 2026-11-27, times as
    20:03 (20:03:46 for `{time_secs}`), `{ago}` as the full date and time; " UTC" once, at
    the end, so the text says which zone it is in."""
    when = _moment(moment)

    def word(match: re.Match[str]) -> str:
        token = match.group(1)
        if token in DATE_TOKENS:
            return when.strftime("%Y-%m-%d")
        if token == "time":
            return when.strftime("%H:%M")
        if token == "time_secs":
            return when.strftime("%H:%M:%S")
        if token == "ago":
            return when.strftime("%Y-%m-%d %H:%M")
        raise ValueError(f"not a Slack date token: {{{token}}}")

    text, count = _TOKEN.subn(word, fmt)
    return f"{text} UTC" if count else text


def _escaped(text: str) -> str:
    """Text as mrkdwn shows it literally: Slack's three escapes, so a `>` cannot end the token
    (nor `<` start another) before the fallback does."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_date(
    moment: datetime | float,
    fmt: str = DATE_TIME,
    *,
    fallback: str | None = None,
    link: str = "",
) -> str:
    """`moment` as Slack's date token: `fmt`'s tokens (`{date_short_pretty}`, `{time}`,
    `{ago}`, … see DATE_TOKENS and TIME_TOKENS) in the reader's own time zone.

    `moment`: a Unix time in seconds, or an aware datetime (a naive one is refused: its
    moment depends on the machine). `fallback`: what a client that cannot render the token
    shows; by default `fmt` written out in UTC (`utc_fallback`). `link`: a URL the date
    links to. Text in `fmt` outside tokens is shown as it is, so it must not hold `^`, `|`
    or `>`, which end its part of the token; a fallback may hold anything (escaped here).
    """
    seconds = int(_moment(moment).timestamp())
    for token in _TOKEN.findall(fmt):
        if token not in DATE_TOKENS | TIME_TOKENS:
            raise ValueError(f"not a Slack date token: {{{token}}}")
    if any(mark in fmt for mark in "^|<>"):
        raise ValueError(f"a date format cannot hold ^, |, < or >: {fmt!r}")
    if any(mark in link for mark in "^|<> "):
        raise ValueError(f"a date link cannot hold ^, |, <, > or spaces: {link!r}")
    shown = utc_fallback(moment, fmt) if fallback is None else fallback
    target = f"{fmt}^{link}" if link else fmt
    return f"<!date^{seconds}^{target}|{_escaped(shown)}>"
