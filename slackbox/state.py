"""The emulated workspace: every record, seeded people and channels, and change notification.

Everything here is plain data that tests read. Writers (the Web API routes, the client side)
call `touch()` after each change so that `wait_for` wakes up and re-checks its predicate; no
test ever sleeps a fixed time to see a change.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import TypeVar

from .records import (
    ALICE,
    APP_ID,
    APP_TOKEN,
    BOB,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CAROL,
    GENERAL,
    JSON,
    OPS,
    SIGNING_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
    WORKSPACE_URL,
    ApiCall,
    Channel,
    Ephemeral,
    Message,
    MessageVersion,
    MethodCount,
    ResponseUrlPost,
    UploadedFile,
    User,
    ViewRecord,
)

T = TypeVar("T")

__all__ = [
    "ALICE",
    "APP_ID",
    "APP_TOKEN",
    "BOB",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CAROL",
    "GENERAL",
    "JSON",
    "OPS",
    "SIGNING_SECRET",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "WORKSPACE_URL",
    "ApiCall",
    "Channel",
    "Ephemeral",
    "IdMaker",
    "Message",
    "MessageVersion",
    "MethodCount",
    "ResponseUrlPost",
    "TsClock",
    "UploadedFile",
    "User",
    "ViewRecord",
    "Workspace",
]


class TsClock:
    """Hands out Slack timestamps ("1700000000.000123"): unique, increasing, near wall time."""

    def __init__(self) -> None:
        self._last_us = 0

    def next(self) -> str:
        """The next timestamp, at least one microsecond after the previous one."""
        now_us = time.time_ns() // 1000
        self._last_us = max(now_us, self._last_us + 1)
        seconds, micros = divmod(self._last_us, 1_000_000)
        return f"{seconds}.{micros:06d}"


class IdMaker:
    """Makes Slack-looking IDs with a prefix (`V` views, `F` files, `D` IMs...)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def make(self, prefix: str) -> str:
        """A new ID such as `V0000000007`."""
        return f"{prefix}{next(self._counter):010d}"


class Workspace:
    """All the state of the emulated workspace, plus change notification for `wait_for`."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        # User groups (`S…` IDs) and their members, as usergroups.users.list answers.
        self.usergroups: dict[str, list[str]] = {}
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, ViewRecord] = {}
        self.home_views: dict[str, ViewRecord] = {}
        self.files: dict[str, UploadedFile] = {}
        self.calls: list[ApiCall] = []
        self.response_url_posts: list[ResponseUrlPost] = []
        self.rate_limited: list[ApiCall] = []
        self._counts: dict[str, MethodCount] = {}  # method -> served / refused (429)
        self.rejected: list[ApiCall] = []
        self.clock = TsClock()
        self.ids = IdMaker()
        self._changed = asyncio.Condition()
        # Counts `touch()` calls, so a watcher (the playground's live feed) can tell whether
        # anything changed since it last looked.
        self.changes = 0
        self._seed()

    def _seed(self) -> None:
        for user in (
            User(BOT_USER_ID, "airplane-bot", None, "Airplane Bot", is_bot=True),
            User(ALICE, "alice", "alice@example.com", "Alice Archer"),
            User(BOB, "bob", "bob@example.com", "Bob Baker"),
            User(CAROL, "carol", "carol@example.com", "Carol Cooper"),
        ):
            self.add_user(user)
        self.add_channel(Channel(GENERAL, "general"))
        self.add_channel(Channel(OPS, "ops"))

    # -- setup --------------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        """Add (or replace) a user; non-bot users join every public channel."""
        self.users[user.id] = user
        for channel in self.channels.values():
            if not channel.is_im and not channel.is_private:
                channel.members.add(user.id)
        return user

    def add_channel(self, channel: Channel) -> Channel:
        """Add (or replace) a channel; public channels get every user as a member."""
        if not channel.members and not channel.is_im and not channel.is_private:
            channel.members = set(self.users)
        self.channels[channel.id] = channel
        return channel

    def im_with(self, user_id: str) -> Channel:
        """The IM channel between the bot and `user_id`, created on first use."""
        for channel in self.channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(self.ids.make("D"), user_id, is_im=True, user=user_id)
        channel.members = {user_id, BOT_USER_ID}
        self.channels[channel.id] = channel
        return channel

    # -- reading --------------------------------------------------------------------------------

    def find_message(self, channel: str, ts: str) -> Message | None:
        """The message with this `ts` in this channel (deleted ones too)."""
        for message in self.messages:
            if message.channel == channel and message.ts == ts:
                return message
        return None

    def channel_messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """Top-level messages of a channel (no thread replies), oldest first."""
        return [
            m
            for m in self.messages
            if m.channel == channel and not m.is_reply and (include_deleted or not m.deleted)
        ]

    def thread(
        self, channel: str, thread_ts: str, *, include_deleted: bool = False
    ) -> list[Message]:
        """Replies in the thread under `thread_ts` (without the parent), oldest first."""
        return [
            m
            for m in self.messages
            if m.channel == channel
            and m.is_reply
            and m.thread_ts == thread_ts
            and (include_deleted or not m.deleted)
        ]

    def ephemerals_for(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages shown to `user` (in `channel` when given), oldest first."""
        return [
            e
            for e in self.ephemerals
            if e.user == user and (channel is None or e.channel == channel)
        ]

    def open_views(self, user: str | None = None) -> list[ViewRecord]:
        """Modals still open (for `user` when given), in the order they were opened."""
        return [
            v
            for v in self.views.values()
            if not v.closed and v.type == "modal" and (user is None or v.user == user)
        ]

    def method_counts(self) -> dict[str, MethodCount]:
        """Per Web API method, calls served and refused with 429, by method name (a copy)."""
        return dict(sorted(self._counts.items()))

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every call of one Web API method, in order."""
        return [c for c in self.calls if c.method == method]

    # -- recording --------------------------------------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        """Keep a Web API call and count it for its method (a 429 as refused)."""
        self.calls.append(call)
        count = self._counts.get(call.method, MethodCount())
        if call.status == 429:
            self.rate_limited.append(call)
            self._counts[call.method] = MethodCount(count.served, count.refused + 1)
        else:
            self._counts[call.method] = MethodCount(count.served + 1, count.refused)

    # -- change notification --------------------------------------------------------------------

    async def touch(self) -> None:
        """Wake every `wait_for`; writers call this after each change."""
        async with self._changed:
            self.changes += 1
            self._changed.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed test API: wait_for(pred, timeout=...)
    ) -> T:
        """Return the first truthy value of `predicate()`, re-checked after every state change.

        Raises `TimeoutError` (with the predicate's name) when it stays falsy for `timeout` s.
        """

        async def wait() -> T:
            async with self._changed:
                while True:
                    result = predicate()
                    if result:
                        return result
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            name = getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(f"state never satisfied {name} within {timeout}s") from None
