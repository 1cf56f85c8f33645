"""Text helpers for Slack's length limits and user mentions; pure."""

from __future__ import annotations

from ..people import slack_user

__all__ = ["ELLIPSIS", "actor_mention", "clip"]

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def actor_mention(actor: str) -> str:
    """How a submitter/canceller reads in mrkdwn: a mention for Slack users, else the label."""
    user = slack_user(actor)
    if user is not None:
        return f"<@{user}>"
    return f"`{actor}`" if actor else "someone outside Slack"
