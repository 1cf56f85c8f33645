"""Moved to `bot.slack_outbox` (every channel write uses it, not only the tracker's). Kept only
for the imports of `bot/approvals/service.py` and `tests/bot/approvals/harness.py` until they
import `bot.slack_outbox` themselves; then delete this file."""

from ..slack_outbox import Outbox, Priority

__all__ = ["Outbox", "Priority"]
