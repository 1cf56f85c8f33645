"""Text helpers for Slack's length limits and user mentions; pure."""

from __future__ import annotations

__all__ = ["ELLIPSIS", "actor_mention", "clip", "slack_user_of"]

ELLIPSIS = "…"
SLACK_ACTOR_PREFIX = "slack:"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def slack_user_of(actor: str) -> str | None:
    """The Slack user ID in an actor label `slack:<USERID>` (the bot's acting-for), else None."""
    if actor.startswith(SLACK_ACTOR_PREFIX) and len(actor) > len(SLACK_ACTOR_PREFIX):
        return actor[len(SLACK_ACTOR_PREFIX) :]
    return None


def actor_mention(actor: str) -> str:
    """How a submitter/canceller reads in mrkdwn: a mention for Slack users, else the label."""
    user = slack_user_of(actor)
    if user is not None:
        return f"<@{user}>"
    return f"`{actor}`" if actor else "someone outside Slack"
