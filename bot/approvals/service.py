"""`Approvals`: approvals wired together, the one object the rest of the bot holds.

It builds the I/O modules over the production ports (the store's tables, `AirplaneClient`,
`SlackApprovals`), and callers use the one that owns what they need, by its name: `posting`
(tracking's `PromptSink`), `deciding` (clicks, the modal: `listeners/actions/approvals.py`),
`upkeep` (the background rounds). What is its own: telling a clicker what came of a click
(`tell`) and App Home's list (`pending_for`). The rules they all follow are in `decision.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from slack_sdk.web.async_client import AsyncWebClient

from airplane_api import AirplaneClient

from ..store import Store
from .deciding import Deciding
from .decision import Outcome, OutcomeKind
from .directory import SlackDirectory
from .groups import ReviewerGroups
from .ports import Clock, PendingApproval, TrackedRun, utc_now
from .posting import Posting
from .slack import SlackApprovals
from .upkeep import Upkeep

__all__ = ["Approvals", "Outcome", "OutcomeKind", "TrackedRun"]


class Approvals:
    """The approvals side assembled: `posting` is tracking's `PromptSink`, `deciding` takes
    the clicks, `upkeep` runs the rounds; itself, App Home's `PendingApprovals`."""

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

    # -- its own ----------------------------------------------------------------------------

    async def tell(
        self, channel: str, user_id: str, outcome: Outcome, *, thread_ts: str | None = None
    ) -> None:
        """Tell the clicker what their click came to, only to them, where they clicked: in
        the thread of the clicked message when it is in one (`thread_ts`)."""
        if outcome.message and channel:
            await self._slack.post_ephemeral(channel, user_id, outcome.message, thread_ts)

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
