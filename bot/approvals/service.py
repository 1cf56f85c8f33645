"""`Approvals`: approvals wired together, the one object the rest of the bot holds.

It builds the I/O modules over the production ports (the store's tables, `AirplaneClient`,
`SlackApprovals`) and hands each call to the module that owns it: `Posting` (tracking's
`PromptSink`), `Deciding` (clicks, the modal), `Upkeep` (the background rounds), and App
Home's list (`pending_for`). The rules they follow are in `decision.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from airplane_api import AirplaneClient
from airplane_api.models import Prompt

from ..home import PendingApproval
from ..store import Store
from .deciding import Deciding
from .decision import Outcome, OutcomeKind
from .directory import SlackDirectory
from .groups import ReviewerGroups
from .ports import Clock, TrackedRun, utc_now
from .posting import Posting
from .reviewers import Clicker, Intent
from .slack import SlackApprovals
from .upkeep import Upkeep
from .validate import CheckedValues

__all__ = ["Approvals", "Outcome", "OutcomeKind", "TrackedRun"]


class Approvals:
    """Posts and decides prompts; tracking's `PromptSink` and App Home's `PendingApprovals`."""

    def __init__(
        self,
        *,
        store: Store,
        airplane: AirplaneClient,
        slack: AsyncWebClient,
        reviewer_groups: Mapping[str, Iterable[str]],
        directory: SlackDirectory | None = None,
        reminder_after: float = 30 * 60.0,
        reminders: int = 3,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._slack = writer = SlackApprovals(slack)
        directory = directory or SlackDirectory(slack)
        self.groups = ReviewerGroups(reviewer_groups, writer.usergroup_members, clock=clock)
        self.posting = Posting(
            records=store.approvals,
            slack=writer,
            directory=directory,
            groups=self.groups,
            clock=clock,
        )
        self.deciding = Deciding(
            records=store.approvals,
            audit=store.audit,
            runs=store.runs,
            forms=store.forms,
            airplane=airplane,
            posting=self.posting,
            slack=writer,
            directory=directory,
            groups=self.groups,
            clock=clock,
        )
        self.upkeep = Upkeep(
            records=store.approvals,
            airplane=airplane,
            posting=self.posting,
            deciding=self.deciding,
            clock=clock,
            reminder_after=reminder_after,
            reminders=reminders,
        )

    # -- posting (tracking's PromptSink) -----------------------------------------------------

    async def on_prompts(
        self, tracked: TrackedRun, thread_ts: str, prompts: Sequence[Prompt]
    ) -> None:
        """Show each pending prompt once in the run's thread and by DM to its reviewers."""
        await self.posting.on_prompts(tracked, thread_ts, prompts)

    # -- deciding ----------------------------------------------------------------------------

    async def decide(
        self,
        prompt_id: str,
        clicker: Clicker,
        intent: Intent,
        state_values: Mapping[str, Any] | None,
        *,
        channel: str | None = None,
    ) -> Outcome:
        """Apply one click; safe under any number of repeats (`deciding.py`)."""
        return await self.deciding.decide(prompt_id, clicker, intent, state_values, channel=channel)

    async def may_respond(self, prompt_id: str, user_id: str) -> Outcome | None:
        """Before opening the modal: None when `user_id` may approve, else why not."""
        return await self.deciding.may_respond(prompt_id, user_id)

    async def open_modal(
        self,
        prompt_id: str,
        trigger_id: str,
        *,
        channel: str = "",
        message_ts: str = "",
        thread_ts: str = "",
    ) -> Outcome | None:
        """Open the prompt's modal; None when it opened, else what to tell the clicker."""
        return await self.deciding.open_modal(
            prompt_id, trigger_id, channel=channel, message_ts=message_ts, thread_ts=thread_ts
        )

    async def check_modal(self, prompt_id: str, state_values: Mapping[str, Any]) -> CheckedValues:
        """Check a modal's values against the schema kept when it opened (before the ack)."""
        return await self.deciding.check_modal(prompt_id, state_values)

    async def show_errors(
        self, prompt_id: str, channel: str, ts: str, checked: CheckedValues
    ) -> None:
        """Rewrite the clicked copy with the values entered and an error under each bad input."""
        await self.deciding.show_errors(prompt_id, channel, ts, checked)

    async def tell(
        self, channel: str, user_id: str, outcome: Outcome, *, thread_ts: str | None = None
    ) -> None:
        """Tell the clicker what their click came to, only to them, where they clicked: in
        the thread of the clicked message when it is in one (`thread_ts`)."""
        if outcome.message and channel:
            await self._slack.post_ephemeral(channel, user_id, outcome.message, thread_ts)

    # -- upkeep ------------------------------------------------------------------------------

    async def run_upkeep(
        self,
        *,
        interval: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        turn: Callable[[float], Awaitable[bool]] | None = None,
    ) -> None:
        """The upkeep loop (`upkeep.py`); never ends by itself."""
        await self.upkeep.run(interval=interval, sleep=sleep, turn=turn)

    async def sweep(self) -> None:
        """One sweep of the pending prompts (upkeep does this every round)."""
        await self.upkeep.sweep()

    async def resume(self, *, older_than: float = 0.0) -> None:
        """Send again the claims Airplane did not answer (upkeep does this every round)."""
        await self.upkeep.resume(older_than=older_than)

    # -- App Home (PendingApprovals) ---------------------------------------------------------

    async def pending_for(self, user_id: str) -> list[PendingApproval]:
        """Prompts waiting for `user_id` as a reviewer: what each asks, where its DM copy is
        (to link it), where the run's thread is and who started it; newest first."""
        waiting = await self._store.approvals.waiting_for(user_id)  # oldest first
        return [
            PendingApproval(
                prompt_id=record.prompt_id,
                description=record.description,
                channel=copy.channel_id,
                thread_ts=copy.ts or "",
                run_id=record.run_id,
                run_channel=record.channel_id,
                requester=record.requester_id or "",
            )
            for record, copy in reversed(waiting)
        ]
