"""What approvals' I/O modules need of the outside world, as small Protocols, and the clock.

`posting.py`, `deciding.py` and `upkeep.py` talk to the store, Airplane and Slack only through
these, so a test can hand them fakes and the production wiring (`service.py`) hands them the
SQL store, `AirplaneClient` and `SlackApprovals` (`slack.py`). The shapes other packages see of
approvals live here too: what tracking hands over about a run (`TrackedRun`), and what waits
for a person (`PendingApproval`, `PendingApprovals`), which App Home lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from airplane_api.models import ParameterSchema, Prompt, Run, Session

from ..store.approvals import ApprovalCopy, ApprovalRecord, ApprovalState, Claim
from ..store.audit import AuditEntry
from .render import ApprovalMessage

__all__ = [
    "ApprovalRecords",
    "ApprovalSlack",
    "AuditTrail",
    "Clock",
    "KnownRuns",
    "PendingApproval",
    "PendingApprovals",
    "PromptForms",
    "PromptSource",
    "ReviewerDirectory",
    "TrackedRun",
    "utc_now",
]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The production clock: now, in UTC."""
    return datetime.now(UTC)


class TrackedRun(Protocol):
    """What approvals needs of a tracked run or session (tracking's `Tracked` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def requested_by(self) -> str: ...

    @property
    def link(self) -> str: ...

    # issue 16: what the prompt's messages say it is about.
    @property
    def label(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def params(self) -> Mapping[str, Any]: ...


class ApprovalRecords(Protocol):
    """The approvals tables (`bot/store/approvals.py`'s `ApprovalStore`)."""

    async def remember(self, record: ApprovalRecord) -> bool: ...

    async def get(self, prompt_id: str) -> ApprovalRecord | None: ...

    async def in_state(self, state: ApprovalState) -> list[ApprovalRecord]: ...

    async def claim(self, prompt_id: str, claim: Claim) -> bool: ...

    async def release(self, prompt_id: str, key: str) -> bool: ...

    async def settle_claim(self, prompt_id: str, key: str) -> bool: ...

    async def finish(self, prompt_id: str, state: ApprovalState) -> None: ...

    async def take_reminder(self, prompt_id: str, sent_before: int, at: datetime) -> bool: ...

    async def reserve_copy(
        self, prompt_id: str, channel_id: str, dm_user_id: str | None
    ) -> bool: ...

    async def set_copy_ts(self, prompt_id: str, channel_id: str, ts: str) -> None: ...

    async def copies(self, prompt_id: str) -> list[ApprovalCopy]: ...

    async def waiting_for(self, user_id: str) -> list[tuple[ApprovalRecord, ApprovalCopy]]: ...


class AuditTrail(Protocol):
    """Where decisions and refusals are written (`bot/store/audit.py`)."""

    async def record(self, entry: AuditEntry) -> None: ...


class StartedRun(Protocol):
    """A run the bot started from Slack: who asked."""

    @property
    def requester_id(self) -> str: ...


class KnownRuns(Protocol):
    """Runs started from Slack (`bot/store/runs.py`), to know who started a prompt's run."""

    async def get(self, run_id: str) -> StartedRun | None: ...


class PromptForms(Protocol):
    """A prompt's schema kept when its modal opens, so the submission is checked before the
    ack without asking Airplane (`bot/store/forms.py`)."""

    async def keep_prompt_schema(self, prompt_id: str, schema: ParameterSchema) -> None: ...

    async def prompt_schema(self, prompt_id: str) -> ParameterSchema: ...


class PromptSource(Protocol):
    """The Airplane calls approvals make (`AirplaneClient` satisfies it). A decision is always
    sent under its claim's Idempotency-Key and on behalf of the person who made it, so those
    are required here (the client leaves them optional)."""

    async def get_prompt(self, prompt_id: str) -> Prompt: ...

    async def submit_prompt(
        self,
        prompt_id: str,
        values: Mapping[str, Any],
        *,
        idempotency_key: str,
        acting_for: str,
        acting_for_email: str | None,
    ) -> str: ...

    async def cancel_prompt(
        self, prompt_id: str, *, idempotency_key: str, acting_for: str, acting_for_email: str | None
    ) -> str: ...

    async def get_run(self, run_id: str) -> Run: ...

    async def get_session(self, session_id: str) -> Session: ...


class ApprovalSlack(Protocol):
    """Approvals' Slack writes and reads (`slack.py`). A refusal by Slack is logged there and
    comes back as None / False / "", so callers decide on values, not on exceptions."""

    async def post(
        self, channel: str, message: ApprovalMessage, thread_ts: str | None
    ) -> str | None:
        """Post a message; its ts, or None when Slack refused."""
        ...

    async def update(self, channel: str, ts: str, message: ApprovalMessage) -> bool:
        """Rewrite a message; False when Slack refused."""
        ...

    async def open_dm(self, user_id: str) -> str | None:
        """The bot's DM channel with a user, or None."""
        ...

    async def permalink(self, channel: str, ts: str) -> str:
        """A link to a message, or "" when Slack gives none."""
        ...

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """Open a modal; False when Slack refused (an expired trigger, say)."""
        ...

    async def post_ephemeral(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> bool:
        """Tell one person something only they see, in `thread_ts`'s thread when given."""
        ...


class ReviewerDirectory(Protocol):
    """Slack users by profile email and back (`directory.py`)."""

    async def email_of(self, user_id: str) -> str | None: ...

    async def users_by_email(self, emails: frozenset[str]) -> dict[str, str]: ...


@dataclass(frozen=True)
class PendingApproval:
    """A prompt waiting for one person's decision, as App Home lists it.

    `description` is Airplane's Markdown, as the prompt was asked; `channel` and `thread_ts`
    are the reader's own copy (the Answer button links it); `run_channel` is where the run's
    thread is, and `requester` who started the run (a Slack ID or an Airplane label).
    """

    prompt_id: str
    description: str
    channel: str = ""
    thread_ts: str = ""
    run_id: str = ""
    run_channel: str = ""
    requester: str = ""


class PendingApprovals(Protocol):
    """The approvals side's answer to "what waits for this Slack user?" (App Home)."""

    async def pending_for(self, user_id: str) -> Sequence[PendingApproval]:
        """Prompts `user_id` may decide and nobody has yet, newest first."""
        ...
