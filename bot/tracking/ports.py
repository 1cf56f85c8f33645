"""The tracker's extension points: its store, its Slack writer, its Airplane source, prompt sink.

Each is a small Protocol so the SQLite store (`bot/store/tracking.py`), an in-memory store (tests,
bench), the slack_sdk writer and the approvals helper plug in without the tracker knowing them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from airplane_api.models import GetLogsResponse, Prompt, Run, Session

from .model import Progress, Tracked
from .render import FileBody, Message


@dataclass(frozen=True)
class Subscription:
    """Post a parent and thread in `channel` for every run of a task, wherever started."""

    channel: str
    task_slug: str
    task_id: str
    requested_by: str = ""


class TrackingStore(Protocol):
    """Where tracking state survives restarts. A post's ts is None between intent and answer."""

    async def track(self, tracked: Tracked) -> bool:
        """Start following `tracked`; False when it was already followed (nothing changes)."""
        ...

    async def active(self) -> list[tuple[Tracked, Progress]]:
        """Everything followed and not yet done, with its progress."""
        ...

    async def save_progress(self, tracked: Tracked, progress: Progress) -> None:
        """Remember what Slack now shows for `tracked`."""
        ...

    async def posts(self, tracked: Tracked) -> Mapping[str, str | None]:
        """Post key -> message ts (None: intent recorded, outcome unknown)."""
        ...

    async def record_intent(self, tracked: Tracked, key: str) -> None:
        """Note that a post under `key` is about to be sent."""
        ...

    async def record_ts(self, tracked: Tracked, key: str, ts: str) -> None:
        """Note the ts of the message posted under `key`."""
        ...

    async def subscriptions(self) -> list[Subscription]:
        """Every task subscription."""
        ...

    async def subscribe(self, subscription: Subscription) -> bool:
        """Add a subscription; False when the channel already had it."""
        ...

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Remove a subscription; False when there was none."""
        ...

    async def recent(self, requested_by: str, limit: int) -> list[tuple[Tracked, Progress]]:
        """The newest items requested by one person (App Home)."""
        ...


class SlackWriter(Protocol):
    """Slack writes of the tracker. `key` goes into message metadata so a post can be found."""

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        """Post a message; return its ts."""
        ...

    async def update(self, channel: str, ts: str, body: Message) -> None:
        """Rewrite a message."""
        ...

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        """Upload a file into a thread; return an ID that stands for it."""
        ...

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """The ts of a message posted earlier under `key`, if Slack has it."""
        ...

    async def direct_message(self, user_id: str, body: Message) -> None:
        """Tell one Slack user something in the bot's DM with them."""
        ...


class AirplaneSource(Protocol):
    """The Airplane calls the tracker makes (`AirplaneClient` satisfies it): the first page of
    a run's logs, and runs and sessions updated in a time window, page by page."""

    async def get_run(self, run_id: str) -> Run: ...

    async def get_run_outputs(self, run_id: str) -> Any: ...

    async def get_run_logs(self, run_id: str) -> GetLogsResponse: ...

    async def list_runs(
        self, *, since: datetime | None, until: datetime | None, limit: int, page: int
    ) -> list[Run]: ...

    async def get_session(self, session_id: str) -> Session: ...

    async def list_sessions(
        self,
        *,
        updated_after: datetime | None,
        updated_before: datetime | None,
        limit: int,
        page: int,
    ) -> list[Session]: ...

    async def list_prompts(self, run_id: str) -> list[Prompt]: ...

    async def get_prompt(self, prompt_id: str) -> Prompt: ...


class PromptSink(Protocol):
    """The approvals side: told about a tracked item's pending prompts, in its thread.

    Called whenever the tracker sees pending prompts (again on later cycles while they stay
    pending), so an implementation must be idempotent per prompt ID.
    """

    async def on_prompts(self, tracked: Tracked, thread_ts: str, prompts: Sequence[Prompt]) -> None:
        """Show or refresh these pending prompts in the thread at `thread_ts`."""
        ...
