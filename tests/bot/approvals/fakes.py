"""Approvals' I/O modules over a real store (SQLite in memory) and in-memory Airplane and Slack
that keep what was asked of them: the ports of `bot/approvals/ports.py`, filled by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from airplane_api import ServerError, TransportError
from airplane_api.models import Prompt, Run, Session
from bot.approvals.deciding import Deciding
from bot.approvals.groups import ReviewerGroups
from bot.approvals.posting import Posting
from bot.approvals.render import ApprovalMessage
from bot.approvals.upkeep import Upkeep
from bot.store import Store

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """Now, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class FakeAirplane:
    """Prompts and run statuses in memory; `down` makes every call fail as an outage does."""

    def __init__(self) -> None:
        self.prompts: dict[str, Prompt] = {}
        self.statuses: dict[str, str] = {}
        self.down = False
        self.decisions: list[tuple[str, str, str | None]] = []  # (prompt, intent, key)

    def _check(self, path: str) -> None:
        if self.down:
            raise TransportError(method="GET", path=path, reason="connection refused")

    async def get_prompt(self, prompt_id: str) -> Prompt:
        self._check("prompts/get")
        return self.prompts[prompt_id]

    async def submit_prompt(
        self,
        prompt_id: str,
        values: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        self._check("prompts/submit")
        self.decisions.append((prompt_id, "approve", idempotency_key))
        self.prompts[prompt_id] = self.prompts[prompt_id].model_copy(
            update={"submitted_at": datetime.now(UTC), "submitted_by": acting_for or ""}
        )
        return prompt_id

    async def cancel_prompt(
        self,
        prompt_id: str,
        *,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        self._check("prompts/cancel")
        self.decisions.append((prompt_id, "reject", idempotency_key))
        self.prompts[prompt_id] = self.prompts[prompt_id].model_copy(
            update={"cancelled_at": datetime.now(UTC), "cancelled_by": acting_for or ""}
        )
        return prompt_id

    async def get_run(self, run_id: str) -> Run:
        self._check("runs/get")
        if run_id not in self.statuses:
            raise ServerError(status=500, error="no such run here", method="GET", path="runs/get")
        return Run.model_validate({"id": run_id, "status": self.statuses[run_id]})

    async def get_session(self, session_id: str) -> Session:
        raise AssertionError("no sessions in these tests")


@dataclass
class FakeSlack:
    """Every post and edit, in order; DM channels are `D` + the user ID."""

    posts: list[tuple[str, str, str | None]] = field(default_factory=list)  # channel, text, thread
    updates: list[tuple[str, str, str]] = field(default_factory=list)  # channel, ts, text
    ephemerals: list[tuple[str, str, str]] = field(default_factory=list)
    usergroups: dict[str, frozenset[str]] = field(default_factory=dict)

    async def post(
        self, channel: str, message: ApprovalMessage, thread_ts: str | None
    ) -> str | None:
        self.posts.append((channel, message.text, thread_ts))
        return f"{len(self.posts)}.0"

    async def update(self, channel: str, ts: str, message: ApprovalMessage) -> bool:
        self.updates.append((channel, ts, message.text))
        return True

    async def open_dm(self, user_id: str) -> str | None:
        return f"D{user_id}"

    async def permalink(self, channel: str, ts: str) -> str:
        return f"https://slack.test/{channel}/{ts}"

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        return True

    async def post_ephemeral(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> bool:
        self.ephemerals.append((channel, user_id, text))
        return True

    async def usergroup_members(self, group_id: str) -> frozenset[str] | None:
        return self.usergroups.get(group_id)

    def reminders(self) -> list[tuple[str, str, str | None]]:
        return [post for post in self.posts if "Still waiting" in post[1]]


class FakeDirectory:
    """Reviewer emails -> Slack users, by a fixed table."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = dict(users)

    async def email_of(self, user_id: str) -> str | None:
        return next((e for e, u in self._users.items() if u == user_id), None)

    async def users_by_email(self, emails: frozenset[str]) -> dict[str, str]:
        return {e: self._users[e] for e in emails if e in self._users}


@dataclass
class Parts:
    """Approvals' I/O modules built over one store and the fakes."""

    store: Store
    airplane: FakeAirplane
    slack: FakeSlack
    clock: FakeClock
    posting: Posting
    deciding: Deciding
    upkeep: Upkeep


def build(
    store: Store,
    *,
    airplane: FakeAirplane | None = None,
    slack: FakeSlack | None = None,
    clock: FakeClock | None = None,
    reviewer_groups: Mapping[str, frozenset[str]] | None = None,
    reminders: int = 3,
) -> Parts:
    """A fresh set of modules (a new process, when given the store of an earlier set)."""
    airplane = airplane or FakeAirplane()
    slack = slack or FakeSlack()
    clock = clock or FakeClock()
    directory = FakeDirectory({"bob@example.com": "UBOB"})
    groups = ReviewerGroups(reviewer_groups or {}, slack.usergroup_members, clock=clock)
    posting = Posting(
        records=store.approvals, slack=slack, directory=directory, groups=groups, clock=clock
    )
    deciding = Deciding(
        records=store.approvals,
        audit=store.audit,
        runs=store.runs,
        forms=store.forms,
        airplane=airplane,
        posting=posting,
        slack=slack,
        directory=directory,
        groups=groups,
        clock=clock,
    )
    upkeep = Upkeep(
        records=store.approvals,
        airplane=airplane,
        posting=posting,
        deciding=deciding,
        clock=clock,
        reminder_after=30 * 60.0,
        reminders=reminders,
    )
    return Parts(store, airplane, slack, clock, posting, deciding, upkeep)
