"""What people read about following runs and tasks in a channel: the answers to `watch`,
`subscribe` and `unsubscribe`, and the tracker's notes when following a run goes wrong. Pure.

The listener (`listeners/commands/tracking.py`) and the tracker (`tracking/render.py`) say
these; the wording lives here, next to the other messages about runs (`runs.py`).
"""

from __future__ import annotations

from ..slack.mrkdwn import escape

__all__ = [
    "already_followed",
    "already_subscribed",
    "channel_gone",
    "following",
    "not_subscribed",
    "subscribed",
    "trouble",
    "unsubscribed",
    "vanished",
]


def following(target: str, label: str) -> str:
    """`watch` took: the run or session is followed here from now on."""
    return f":eyes: Following `{escape(target)}` ({escape(label)}) in this channel."


def already_followed(target: str) -> str:
    """`watch` of something this channel already follows."""
    return f"`{escape(target)}` is already followed in this channel."


def subscribed(slug: str) -> str:
    """`subscribe` took: every new run of the task gets a parent here."""
    return f":bell: Every new run of `{escape(slug)}` will be shown here."


def already_subscribed(slug: str) -> str:
    """`subscribe` to a task this channel already follows."""
    return f"This channel already follows `{escape(slug)}`."


def unsubscribed(slug: str) -> str:
    """`unsubscribe` took (runs already shown keep their threads)."""
    return f":no_bell: New runs of `{escape(slug)}` will no longer be shown here."


def not_subscribed(slug: str) -> str:
    """`unsubscribe` from a task this channel does not follow."""
    return f"This channel does not follow `{escape(slug)}`."


def trouble(noun: str, item_id: str, reason: str, command: str) -> str:
    """A thread note: following this run keeps failing (said once, while retries go on)."""
    return (
        f":warning: I keep failing to follow this {noun} (`{escape(reason)}`). "
        "I will keep trying every few minutes; "
        f"`{command} status {escape(item_id)}` asks Airplane directly."
    )


def vanished(noun: str, item_id: str) -> str:
    """A thread note: the run or session no longer exists in Airplane."""
    return (
        f":grey_question: Airplane no longer knows {noun} `{escape(item_id)}`, "
        "so I stopped following it."
    )


def channel_gone(
    noun: str, item_id: str, label: str, channel: str, reason: str, command: str
) -> str:
    """A DM to the requester: their run's channel no longer takes the bot's messages."""
    return (
        f":warning: I can no longer post in <#{channel}> (Slack says `{escape(reason)}`: "
        f"I was removed, or the channel was archived), so updates of {noun} "
        f"`{escape(item_id)}` ({escape(label)}) stop there. To follow it elsewhere, "
        f"type `{command} watch {escape(item_id)}` in another channel."
    )
