"""What the emulated workspace holds: users, channels, messages, views, files and every call.

Everything here is plain data that tests read. Writers (the Web API routes, the client side)
call `touch()` after each change so that `wait_for` wakes up and re-checks its predicate; no
test ever sleeps a fixed time to see a change.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")

TEAM_ID = "T0EMULATE"
TEAM_DOMAIN = "emulated"
ENTERPRISE_ID = None
APP_ID = "A0EMULATE"
BOT_ID = "B0EMULATE"
BOT_USER_ID = "U0BOT"
BOT_TOKEN = "xoxb-emulator-bot-token"
APP_TOKEN = "xapp-1-emulator-app-token"
SIGNING_SECRET = "emulator-signing-secret"
WORKSPACE_URL = "https://emulated.slack.test/"

ALICE = "U0ALICE"
BOB = "U0BOB"
CAROL = "U0CAROL"
GENERAL = "C0GENERAL"
OPS = "C0OPS"


@dataclass(frozen=True)
class User:
    """A workspace member; `email` is the profile email approvals match reviewers against."""

    id: str
    name: str
    email: str | None = None
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False


@dataclass
class Channel:
    """A conversation: public/private channel or an IM (`is_im`, `user` is the other side)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None
    bot_is_member: bool = True
    members: set[str] = field(default_factory=set)
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass(frozen=True)
class MessageVersion:
    """One rendering of a message: what `chat.postMessage` or a later `chat.update` set."""

    text: str
    blocks: list[JSON] | None
    attachments: list[JSON] | None
    metadata: JSON | None


@dataclass
class Message:
    """A message in a channel (thread replies have `thread_ts` set to their parent's `ts`).

    `versions[0]` is what was posted, later entries are edits; `text`/`blocks` read the latest.
    """

    channel: str
    ts: str
    user: str
    versions: list[MessageVersion]
    thread_ts: str | None = None
    bot_id: str | None = BOT_ID
    deleted: bool = False
    reply_broadcast: bool = False
    files: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The current text."""
        return self.versions[-1].text

    @property
    def blocks(self) -> list[JSON]:
        """The current blocks (empty when the message has none)."""
        return self.versions[-1].blocks or []

    @property
    def edits(self) -> list[MessageVersion]:
        """Every `chat.update` applied, oldest first."""
        return self.versions[1:]

    @property
    def is_reply(self) -> bool:
        """True for a reply in a thread (not the parent itself)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self) -> JSON:
        """The message object as Slack returns it (e.g. in `chat.postMessage`'s `message`)."""
        version = self.versions[-1]
        body: JSON = {
            "type": "message",
            "user": self.user,
            "text": version.text,
            "ts": self.ts,
            "team": TEAM_ID,
        }
        if self.bot_id:
            body["bot_id"] = self.bot_id
            body["app_id"] = APP_ID
        if version.blocks is not None:
            body["blocks"] = version.blocks
        if version.attachments is not None:
            body["attachments"] = version.attachments
        if version.metadata is not None:
            body["metadata"] = version.metadata
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if len(self.versions) > 1:
            body["edited"] = {"user": self.user, "ts": self.ts}
        return body


@dataclass(frozen=True)
class Ephemeral:
    """A message only `user` sees (`chat.postEphemeral` or an ephemeral `response_url` post)."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON] | None
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"

    @property
    def all_blocks(self) -> list[JSON]:
        """The blocks, empty when there are none."""
        return self.blocks or []


@dataclass
class ViewRecord:
    """A modal or App Home view; `versions` holds each view payload the bot sent, oldest first.

    `values` is the input state (`state.values` shape: block_id -> action_id -> value object) that
    tests set before a click or a submission. `errors` holds the last `response_action: errors`.
    """

    id: str
    user: str
    type: str
    versions: list[JSON]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str | None = None
    values: dict[str, dict[str, JSON]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    @property
    def view(self) -> JSON:
        """The latest view payload the bot sent."""
        return self.versions[-1]

    @property
    def blocks(self) -> list[JSON]:
        """The latest blocks."""
        blocks: list[JSON] = self.view.get("blocks") or []
        return blocks

    @property
    def callback_id(self) -> str:
        """The latest `callback_id` (empty when unset)."""
        return str(self.view.get("callback_id") or "")

    @property
    def private_metadata(self) -> str:
        """The latest `private_metadata` (empty when unset)."""
        return str(self.view.get("private_metadata") or "")

    def to_api(self) -> JSON:
        """The full view object as Slack returns and sends it."""
        view = self.view
        body: JSON = {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": view.get("blocks") or [],
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "state": {"values": self.values},
            "hash": self.hash,
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": APP_ID,
            "external_id": self.external_id or "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded through `files.getUploadURLExternal` and its upload URL."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One Web API request: method, merged params (query, form and JSON), and what was answered."""

    method: str
    params: JSON
    token: str | None
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        """True when Slack would have said `ok: true`."""
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The `error` string of a failed call."""
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass(frozen=True)
class ResponseUrlPost:
    """A POST to a `response_url` the emulator handed out (with the JSON body sent)."""

    url: str
    body: JSON
    status: int


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
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, ViewRecord] = {}
        self.home_views: dict[str, ViewRecord] = {}
        self.files: dict[str, UploadedFile] = {}
        self.calls: list[ApiCall] = []
        self.response_url_posts: list[ResponseUrlPost] = []
        self.rate_limited: list[ApiCall] = []
        self.rejected: list[ApiCall] = []
        self.clock = TsClock()
        self.ids = IdMaker()
        self._changed = asyncio.Condition()
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

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every call of one Web API method, in order."""
        return [c for c in self.calls if c.method == method]

    # -- change notification --------------------------------------------------------------------

    async def touch(self) -> None:
        """Wake every `wait_for`; writers call this after each change."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[], T],
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
