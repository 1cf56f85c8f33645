"""`SlackEmulator`: the one object tests use (server, state, client side, rate limits)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

import aiohttp

from .limits import Clock
from .response_urls import ResponseUrls
from .server import DEFAULT_SCOPES, EmulatorServer
from .shortcuts import ShortcutsAndEvents
from .socket_mode import SocketModeServer
from .state import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    ApiCall,
    Channel,
    Ephemeral,
    Message,
    MessageVersion,
    MethodCount,
    User,
    ViewRecord,
    Workspace,
)

T = TypeVar("T")


class SlackEmulator(ShortcutsAndEvents):
    """A local Slack: `async with SlackEmulator() as slack:`, the app pointed at `slack.api_url`.

    Like Slack, it enforces the Web API rate tiers of `foundation/slack_limits.py` (per method
    for the workspace, and chat.postMessage per channel too), answering 429 with `Retry-After`;
    `enforce_limits=False` switches that off for a test that must call faster than Slack allows.
    `limits_clock` (monotonic seconds) lets a test step the budgets' time instead of sleeping.
    """

    def __init__(
        self,
        *,
        events_url: str | None = None,
        signing_secret: str = SIGNING_SECRET,
        trigger_ttl: float = 3.0,
        scopes: list[str] | None = None,
        port: int = 0,
        enforce_limits: bool = True,
        limits_clock: Clock | None = None,
        secret_tokens: bool = False,
    ) -> None:
        self.port = port
        self.workspace = Workspace()
        self.server = EmulatorServer(
            self.workspace,
            trigger_ttl=trigger_ttl,
            scopes=scopes or list(DEFAULT_SCOPES),
            enforce_limits=enforce_limits,
            limits_clock=limits_clock,
        )
        self.context = self.server.context
        # `slack.rate_limit(method, channel=, count=, seconds=, retry_after=)`: the limiter's
        # own `add` (documented there), so the test API and the rule it makes cannot drift.
        self.rate_limit = self.server.limiter.add
        self.response_urls = ResponseUrls(self.workspace)
        self.server.app.router.add_post("/response/{key}", self.response_urls.handle)
        self.socket_mode = SocketModeServer(self.workspace)
        self.server.app.router.add_get("/link/", self.socket_mode.handle)
        self.context.socket_url = self.socket_mode.issue_url
        self.signing_secret = signing_secret
        self.events_url = events_url
        self.bot_token = BOT_TOKEN
        self.app_token = APP_TOKEN
        if secret_tokens:
            # Fixed tokens are for tests; a server a browser can reach (the playground) takes
            # only tokens made for this start, so no page elsewhere can call its Web API.
            self.bot_token = f"xoxb-{secrets.token_urlsafe(24)}"
            self.app_token = f"xapp-1-{secrets.token_urlsafe(24)}"
            self.server.bot_tokens = {self.bot_token}
            self.server.app_tokens = {self.app_token}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SlackEmulator:
        await self.server.start(port=self.port)
        self.response_urls.base_url = self.server.base_url
        self.socket_mode.base_url = self.server.base_url
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.socket_mode.close_all()  # open WebSockets would hold the server's shutdown
        await self.server.stop()

    # -- addresses --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`."""
        return self.server.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL (ends with `/`): `SLACK_API_URL`, `AsyncWebClient(base_url=...)`."""
        return f"{self.server.base_url}api/"

    # -- setup ------------------------------------------------------------------------------------

    def add_user(
        self, user_id: str, name: str, email: str | None = None, *, real_name: str = ""
    ) -> User:
        """Add a workspace member (joins every public channel)."""
        return self.workspace.add_user(User(user_id, name, email, real_name))

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
        members: set[str] | None = None,
    ) -> Channel:
        """Add a channel; public ones get every user as a member unless `members` is given."""
        channel = Channel(channel_id, name, is_private=is_private, bot_is_member=bot_is_member)
        channel.members = set(members or ())
        return self.workspace.add_channel(channel)

    def add_usergroup(self, group_id: str, members: list[str]) -> None:
        """Add (or replace) a user group such as `S0ONCALL` with these member user IDs."""
        self.workspace.usergroups[group_id] = list(members)

    async def user_says(
        self, user: str, channel: str, text: str, *, thread_ts: str | None = None
    ) -> Message:
        """A message typed by a person (the bot may not edit or delete it)."""
        message = Message(
            channel=channel,
            ts=self.workspace.clock.next(),
            user=user,
            versions=[MessageVersion(text, None, None, None)],
            thread_ts=thread_ts,
            bot_id=None,
        )
        self.workspace.messages.append(message)
        await self.workspace.touch()
        return message

    @property
    def enforce_limits(self) -> bool:
        """Whether Slack's documented rate tiers answer 429 (on unless switched off)."""
        return self.server.limiter.enforce_tiers

    @enforce_limits.setter
    def enforce_limits(self, on: bool) -> None:
        self.server.limiter.enforce_tiers = on

    def clear_rate_limits(self) -> None:
        """Drop the `rate_limit` rules and refill every tier budget (enforcement stays as is)."""
        self.server.limiter.clear()

    def method_counts(self) -> dict[str, MethodCount]:
        """Per Web API method (sorted by name): calls served, and refused with 429."""
        return self.workspace.method_counts()

    # -- reading state ----------------------------------------------------------------------------

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        """Top-level messages in a channel, oldest first."""
        return self.workspace.channel_messages(channel, include_deleted=include_deleted)

    def thread(
        self, channel: str, thread_ts: str, *, include_deleted: bool = False
    ) -> list[Message]:
        """Replies under a parent message, oldest first."""
        return self.workspace.thread(channel, thread_ts, include_deleted=include_deleted)

    def message(self, channel: str, ts: str) -> Message:
        """One message by channel and ts (KeyError when absent)."""
        found = self.workspace.find_message(channel, ts)
        if found is None:
            raise KeyError(f"no message {ts} in {channel}")
        return found

    def ephemerals(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages shown to a user, oldest first."""
        return self.workspace.ephemerals_for(user, channel)

    def open_views(self, user: str | None = None) -> list[ViewRecord]:
        """Open modals (of a user), in opening order; the last is on top."""
        return self.workspace.open_views(user)

    def home_view(self, user: str) -> ViewRecord | None:
        """The user's published App Home view."""
        return self.workspace.home_views.get(user)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Web API calls made (of one method), in order."""
        return list(self.workspace.calls) if method is None else self.workspace.calls_to(method)

    @property
    def rate_limited(self) -> list[ApiCall]:
        """Calls answered 429."""
        return self.workspace.rate_limited

    @property
    def rejected(self) -> list[ApiCall]:
        """Calls refused for invalid blocks or views (`invalid_blocks`/`invalid_arguments`)."""
        return self.workspace.rejected

    async def wait_for_message(
        self,
        channel: str,
        *,
        thread_ts: str | None = None,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - same API as wait_for
    ) -> Message:
        """The newest message in the channel (or in the thread under `thread_ts`) whose rendered
        text contains `contains`, once there is one."""

        def newest() -> Message | None:
            found = self.thread(channel, thread_ts) if thread_ts else self.messages(channel)
            matching = [m for m in found if contains is None or contains in m.rendered]
            return matching[-1] if matching else None

        return await self.wait_for(newest, timeout=timeout)

    async def wait_for_ephemeral(
        self,
        user: str,
        *,
        contains: str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - same API as wait_for
    ) -> Ephemeral:
        """The newest ephemeral shown to `user` whose rendered text contains `contains`."""

        def newest() -> Ephemeral | None:
            matching = [
                e for e in self.ephemerals(user) if contains is None or contains in e.rendered
            ]
            return matching[-1] if matching else None

        return await self.wait_for(newest, timeout=timeout)

    async def wait_for_view(
        self,
        user: str,
        callback_id: str | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - same API as wait_for
    ) -> ViewRecord:
        """The user's top open modal (with this callback_id), once it is open."""

        def top() -> ViewRecord | None:
            views = self.open_views(user)
            if views and (callback_id is None or views[-1].callback_id == callback_id):
                return views[-1]
            return None

        return await self.wait_for(top, timeout=timeout)

    # -- Socket Mode (envelopes, acks, disconnects: `socket_mode`) --------------------------------

    def socket_connections(self) -> int:
        """How many Socket Mode connections are open now."""
        return len(self.socket_mode.live())

    async def wait_for_socket(self, count: int = 1, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the app has `count` Socket Mode connections open."""
        await self.wait_for(lambda: self.socket_connections() >= count, timeout=timeout)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the agreed test API: wait_for(pred, timeout=...)
    ) -> T:
        """The first truthy `predicate()`, re-checked on every state change (TimeoutError after)."""
        return await self.workspace.wait_for(predicate, timeout=timeout)
