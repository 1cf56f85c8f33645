"""Parsing of the tracking subcommands."""

from __future__ import annotations

import pytest

from bot.parsing import (
    SubscribeCommand,
    UnsubscribeCommand,
    UsageError,
    WatchCommand,
    parse_command,
)
from bot.tracking.render import who


def test_watch_subscribe_unsubscribe_parse() -> None:
    """Each takes exactly one argument."""
    assert parse_command("watch run123") == WatchCommand("run123")
    assert parse_command("subscribe deploy") == SubscribeCommand("deploy")
    assert parse_command("unsubscribe deploy") == UnsubscribeCommand("deploy")


@pytest.mark.parametrize("text", ["watch", "watch a b", "subscribe", "subscribe a=b"])
def test_bad_tracking_commands_say_why(text: str) -> None:
    """Missing or extra arguments are usage errors."""
    with pytest.raises(UsageError, match=r"\S"):
        parse_command(text)


def test_requesters_render_as_mentions_when_they_are_slack_users() -> None:
    """Slack user IDs (bare or as acting-for labels) become mentions; other labels stay."""
    assert who("U0ALICE") == "<@U0ALICE>"
    assert who("slack:U0ALICE") == "<@U0ALICE>"
    assert who("ci-key") == "ci-key"
