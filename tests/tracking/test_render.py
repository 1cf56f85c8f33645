"""Pure rendering helpers of the tracking messages."""

from __future__ import annotations

from bot.tracking.render import who


def test_requesters_render_as_mentions_when_they_are_slack_users() -> None:
    """Slack user IDs (bare or as acting-for labels) become mentions; other labels stay."""
    assert who("U0ALICE") == "<@U0ALICE>"
    assert who("slack:U0ALICE") == "<@U0ALICE>"
    assert who("ci-key") == "ci-key"
