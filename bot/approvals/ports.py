"""What approvals offers other parts of the bot: App Home's list of waiting approvals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["PendingApprovals", "WaitingApproval"]


@dataclass(frozen=True)
class WaitingApproval:
    """A prompt waiting for a reviewer: what it asks, and where its DM copy is (to link it)."""

    prompt_id: str
    run_id: str
    description: str
    channel_id: str
    message_ts: str | None
    run_url: str = ""


class PendingApprovals(Protocol):
    """Read by App Home (tracking): the approvals waiting for a Slack user."""

    async def waiting_for(self, user_id: str) -> list[WaitingApproval]:
        """Pending prompts `user_id` was asked to answer, oldest first."""
        ...
