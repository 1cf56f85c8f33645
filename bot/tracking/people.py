"""Moved to `bot.people`. Kept only for `bot/approvals/render.py`'s import until it imports
`bot.people` itself; then delete this file."""

from ..people import slack_user

__all__ = ["slack_user"]
