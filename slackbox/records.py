"""The records tests read: users, channels, messages, ephemerals, views, files and calls.

Also the emulated workspace's fixed identity (team, app, bot, tokens) and seeded people/channels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .inputs import state_values, with_ids

JSON = dict[str, Any]

TEAM_ID = "T0EMULATE"
TEAM_DOMAIN = "emulated"
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


def block_text(blocks: list[JSON] | None) -> str:
    """Every text string in `blocks`, one per line: what a person reads (for assertions)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn", "text") and isinstance(
                node.get("text"), str
            ):
                found.append(node["text"])
            for key, value in node.items():
                if key not in ("text",) or not isinstance(value, str):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(found)


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
    values: dict[str, dict[str, JSON]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The current text."""
        return self.versions[-1].text

    @property
    def blocks(self) -> list[JSON]:
        """The current blocks (empty when the message has none)."""
        return self.versions[-1].blocks or []

    @property
    def rendered(self) -> str:
        """The text and every text in the blocks, one per line."""
        return "\n".join(t for t in (self.text, block_text(self.versions[-1].blocks)) if t)

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
    def rendered(self) -> str:
        """The text and every text in the blocks, one per line."""
        return "\n".join(t for t in (self.text, block_text(self.blocks)) if t)

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
    def rendered(self) -> str:
        """The title and every text in the blocks, one per line."""
        title = self.view.get("title") or {}
        return "\n".join(t for t in (title.get("text", ""), block_text(self.blocks)) if t)

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
            "blocks": with_ids(self.blocks),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "state": {"values": state_values(self.blocks, self.values)},
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
class MethodCount:
    """How one Web API method fared: calls served (past the rate limits) and refused (429)."""

    served: int = 0
    refused: int = 0


@dataclass(frozen=True)
class ResponseUrlPost:
    """A POST to a `response_url` the emulator handed out (with the JSON body sent)."""

    url: str
    body: JSON
    status: int
