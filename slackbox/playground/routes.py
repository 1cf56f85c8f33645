"""The playground's HTTP side: the page, its live feed (server-sent events), and what a person does.

Every action goes through the emulator's own client side (`slash_command`, `send_action`,
`submit_view`...), so the app sees exactly the payloads the tests send, over Socket Mode or HTTP.
The page is static files (`static/`); it reads `GET /ui/state` after each change the feed
announces and posts a person's actions to `/ui/...`.

Only this page may act: a page on another origin, or one reached through a rebinding host
name, could otherwise start runs on the machine. Every request to the page and `/ui/` must name
this server by `Host` (127.0.0.1, localhost or [::1], with its port); every POST must be JSON,
come from the same origin when the browser says (`Origin`), and carry the token made for this
start (`X-Playground-Token`), which only the served page holds (a `<meta>` in it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from .. import payloads
from ..emulator import SlackEmulator
from ..inputs import with_ids
from ..interactions import Target
from ..state import JSON, Ephemeral, ViewRecord, Workspace
from .commands import SlashCommand
from .snapshot import snapshot, visible_channels

__all__ = ["NOTICE", "TOKEN_HEADER", "Playground", "page_token"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")

NOTICE = "Local playground: a stand-in for Slack on this computer, not Slack. Nothing leaves it."

# How often the live feed says it is still there when nothing changes (proxies drop idle streams).
KEEPALIVE_SECONDS = 15.0

# The header every POST from the page carries, with the token in the page's <meta>.
TOKEN_HEADER = "X-Playground-Token"
_TOKEN_META = '<meta name="playground-token" content="{token}">'
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page_token(page: str) -> str:
    """The token in a served page (what the page's script sends), or "" when there is none."""
    start = page.find('<meta name="playground-token" content="')
    if start < 0:
        return ""
    start = page.index('content="', start) + len('content="')
    return page[start : page.index('"', start)]


# What Slack itself answers when a command's app does not ack in time or cannot be reached.
_COMMAND_FAILURES = {504: "operation_timeout"}


class BadRequest(web.HTTPBadRequest):
    """A request from the page that names something that does not exist or lacks a field."""

    def __init__(self, message: str) -> None:
        super().__init__(text=message, content_type="text/plain")


class Playground:
    """Adds the page and the `/ui/` routes to a `SlackEmulator` (call `install()` before start)."""

    def __init__(
        self,
        slack: SlackEmulator,
        *,
        commands: Sequence[SlashCommand] = (),
        notice: str = NOTICE,
    ) -> None:
        self.slack = slack
        self.commands = tuple(commands)
        self.notice = notice
        self.token = secrets.token_urlsafe(32)  # made for this start; only the page holds it
        self._feeds: set[asyncio.Task[Any]] = set()

    def install(self) -> None:
        """Register the routes and give each seeded person a DM with the app."""
        self.slack.server.app.middlewares.append(self._guard)
        router = self.slack.server.app.router
        router.add_get("/", self._index)
        router.add_static("/static/", STATIC, show_index=False)
        router.add_get("/ui/state", self._state)
        router.add_get("/ui/events", self._events)
        router.add_get("/ui/files/{file_id}", self._file)
        router.add_post("/ui/send", self._send)
        router.add_post("/ui/action", self._action)
        router.add_post("/ui/options", self._options)
        router.add_post("/ui/submit", self._submit)
        router.add_post("/ui/close", self._close)
        router.add_post("/ui/home", self._home)
        self.slack.server.app.on_shutdown.append(self._end_feeds)
        workspace = self.slack.workspace
        for user in list(workspace.users.values()):
            if not user.is_bot:
                workspace.im_with(user.id)

    # -- who may use it ---------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuses (403) what is not this page on this computer; the Web API is not affected."""
        path = request.path
        if path == "/" or path.startswith(("/ui/", "/static/")):
            problem = self._problem(request)
            if problem is not None:
                log.warning("playground refused %s %s: %s", request.method, path, problem)
                raise web.HTTPForbidden(text=problem, content_type="text/plain")
        return await handler(request)

    def _problem(self, request: web.Request) -> str | None:
        host = request.headers.get("Host", "")
        if host not in self._hosts(request):
            return f"Host {host!r} is not this playground (open it at 127.0.0.1 or localhost)"
        if request.method in ("GET", "HEAD"):
            return None
        if request.content_type != "application/json":
            return "send JSON (Content-Type: application/json)"
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            return f"Origin {origin!r} is not this playground"
        token = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            return f"no {TOKEN_HEADER} of this playground's page (reload the page)"
        return None

    @staticmethod
    def _hosts(request: web.Request) -> set[str]:
        """The Host values naming this server: a local name and the port it listens on."""
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        port = sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None
        return {f"{name}:{port}" for name in _LOCAL_HOSTS} if port is not None else set()

    # -- reading --------------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("</head>", _TOKEN_META.format(token=self.token) + "\n</head>", 1)
        return web.Response(
            text=page, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    async def _state(self, request: web.Request) -> web.Response:
        user = self._user(request.query.get("user"))
        body = snapshot(
            self.slack.workspace,
            user,
            commands=self.commands,
            notice=self.notice,
            app_connected=self._app_reachable(),
            limits_enforced=self.slack.enforce_limits,
        )
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: `change` with the workspace's change count whenever it moves."""
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
        )
        await response.prepare(request)
        task = asyncio.current_task()
        if task is not None:
            self._feeds.add(task)
        workspace = self.slack.workspace
        seen = -1
        try:
            while True:
                if workspace.changes != seen:
                    seen = workspace.changes
                    await response.write(f"event: change\ndata: {seen}\n\n".encode())
                try:
                    moved = _moved_since(workspace, seen)
                    await workspace.wait_for(moved, timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": still here\n\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass  # the page went away, or the server is stopping
        finally:
            if task is not None:
                self._feeds.discard(task)
        return response

    async def _end_feeds(self, app: web.Application) -> None:
        # Open event streams would hold the server's shutdown for its whole timeout.
        for task in list(self._feeds):
            task.cancel()

    async def _file(self, request: web.Request) -> web.Response:
        file = self.slack.workspace.files.get(request.match_info["file_id"])
        if file is None or file.content is None:
            raise web.HTTPNotFound(text="no such file")
        return web.Response(
            body=file.content,
            content_type="text/plain" if _is_text(file.content) else "application/octet-stream",
            headers={"Content-Disposition": f'inline; filename="{file.filename}"'},
        )

    # -- a person's actions ----------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        """The message box: `/command text` goes to the app, anything else is a message."""
        body = await _body(request)
        user = self._user(body.get("user"))
        channel = self._channel(body.get("channel"), user)
        text = _text(body, "text").strip()
        thread_ts = body.get("thread_ts") or None
        if not text:
            raise BadRequest("type a message or a /command first")
        if text.startswith("/"):
            if thread_ts:
                await _slackbot(self, user, channel, "Slash commands can't be used in threads.")
                return _answer(False)
            name, _, rest = text.partition(" ")
            if name not in {c.command for c in self.commands}:
                await _slackbot(
                    self,
                    user,
                    channel,
                    f"{name} is not a valid command. In Slack, all messages that start with "
                    'the "/" character are interpreted as commands.',
                )
                return _answer(False)
            if not self._app_reachable():
                # What Slack says when the app is not connected (Socket Mode) or not listening.
                await _slackbot(
                    self, user, channel, f'{name} failed with the error "dispatch_failed"'
                )
                return _answer(False)
            reply = await self.slack.slash_command(name, rest.strip(), user=user, channel=channel)
            if not reply.ok:
                failure = _COMMAND_FAILURES.get(reply.status, "dispatch_failed")
                await _slackbot(self, user, channel, f'{name} failed with the error "{failure}"')
            return _answer(reply.ok)
        await self.slack.user_says(user, channel, text, thread_ts=thread_ts)
        return _answer(True)

    async def _action(self, request: web.Request) -> web.Response:
        """A click or pick in a message, ephemeral, modal or App Home: `block_actions`."""
        body = await _body(request)
        user = self._user(body.get("user"))
        target = self._target(body, user)
        _keep_values(target, body.get("values"))
        block, element = _element(target, _text(body, "block_id"), _text(body, "action_id"))
        action_ts = self.slack.workspace.clock.next()
        if element.get("type") == "button":
            action = payloads.button_action(block, element, action_ts)
        else:
            entry = body.get("entry")
            if not isinstance(entry, dict) or entry.get("type") != element.get("type"):
                raise BadRequest(f"an {element.get('type')} action needs its state entry")
            action = {
                **entry,
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "action_ts": action_ts,
            }
        reply = await self.slack.send_action(target, action, user=user)
        return _answer(reply.ok, status=reply.status)

    async def _options(self, request: web.Request) -> web.Response:
        """Typing in an external select: `block_suggestion`, answered with the app's options."""
        body = await _body(request)
        user = self._user(body.get("user"))
        target = self._target(body, user)
        block, element = _element(target, _text(body, "block_id"), _text(body, "action_id"))
        payload = payloads.interaction_base(
            "block_suggestion", self.slack.workspace.users[user], ""
        )
        del payload["trigger_id"]
        payload.update(
            {
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "value": str(body.get("value") or ""),
                "action_ts": self.slack.workspace.clock.next(),
            }
        )
        if isinstance(target, ViewRecord):
            payload["container"] = {"type": "view", "view_id": target.id}
            payload["view"] = target.to_api()
        reply = await self.slack.deliver("interactive", payload, {})
        answer = reply.json() if reply.ok else None
        if not isinstance(answer, dict):
            answer = {}
        return web.json_response(
            {
                "options": answer.get("options") or [],
                "option_groups": answer.get("option_groups") or [],
            }
        )

    async def _submit(self, request: web.Request) -> web.Response:
        """The modal's submit button: `view_submission`; the app's answer moves the stack."""
        body = await _body(request)
        user = self._user(body.get("user"))
        view = self._view(body.get("view_id"), user)
        _keep_values(view, body.get("values"))
        reply = await self.slack.submit_view(view)
        return _answer(reply.ok, status=reply.status, errors=view.errors)

    async def _close(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._user(body.get("user"))
        view = self._view(body.get("view_id"), user)
        await self.slack.close_view(view)
        return _answer(True)

    async def _home(self, request: web.Request) -> web.Response:
        """The app's Home tab opened: `app_home_opened`, as Slack sends it."""
        body = await _body(request)
        user = self._user(body.get("user"))
        event: JSON = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.slack.workspace.im_with(user).id,
            "tab": "home",
        }
        home = self.slack.home_view(user)
        if home is not None:
            event["view"] = home.to_api()
        reply = await self.slack.send_event(event)
        return _answer(reply.ok, status=reply.status)

    def _app_reachable(self) -> bool:
        """Whether Slack has somewhere to send the app's events (HTTP or a live socket)."""
        return self.slack.events_url is not None or bool(self.slack.socket_mode.live())

    # -- looking things up -----------------------------------------------------------------------

    def _user(self, value: object) -> str:
        users = self.slack.workspace.users
        if not isinstance(value, str) or value not in users or users[value].is_bot:
            people = ", ".join(u.id for u in users.values() if not u.is_bot)
            raise BadRequest(f"unknown user {value!r}; the people here are {people}")
        return value

    def _channel(self, value: object, user: str) -> str:
        ids = {c.id for c in visible_channels(self.slack.workspace, user)}
        if not isinstance(value, str) or value not in ids:
            raise BadRequest(f"{user} cannot post in {value!r}; their channels are {sorted(ids)}")
        return value

    def _view(self, value: object, user: str) -> ViewRecord:
        view = self.slack.workspace.views.get(value) if isinstance(value, str) else None
        if view is None or view.user != user or view.closed:
            raise BadRequest(f"{user} has no open view {value!r}")
        return view

    def _target(self, body: JSON, user: str) -> Target:
        """The message, ephemeral or view a click came from."""
        kind = body.get("container")
        workspace = self.slack.workspace
        if kind == "view":
            view_id = body.get("view_id")
            home = workspace.home_views.get(user)
            if home is not None and home.id == view_id:
                return home
            return self._view(view_id, user)
        channel = self._channel(body.get("channel"), user)
        ts = body.get("ts")
        if kind == "message":
            message = workspace.find_message(channel, str(ts))
            if message is None or message.deleted:
                raise BadRequest(f"no message {ts!r} in {channel}")
            return message
        if kind == "ephemeral":
            for ephemeral in workspace.ephemerals_for(user, channel):
                if ephemeral.ts == ts:
                    return ephemeral
            raise BadRequest(f"{user} has no ephemeral {ts!r} in {channel}")
        raise BadRequest("container must be message, ephemeral or view")


def _moved_since(workspace: Workspace, seen: int) -> Callable[[], bool]:
    return lambda: workspace.changes != seen


def _element(target: Target, block_id: str, action_id: str) -> tuple[JSON, JSON]:
    """The block and interactive element named by the page, with the emulator's generated IDs."""
    blocks = target.all_blocks if isinstance(target, Ephemeral) else target.blocks
    for block in with_ids(blocks):
        if block.get("block_id") != block_id:
            continue
        candidates = [e for e in block.get("elements") or [] if isinstance(e, dict)]
        candidates += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        for element in candidates:
            if element.get("action_id") == action_id:
                return block, element
    raise BadRequest(f"no element {action_id!r} in block {block_id!r}")


def _keep_values(target: Target, values: object) -> None:
    """What the person typed or picked in the target's inputs, as `state.values`."""
    if values is None or isinstance(target, Ephemeral):
        return
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise BadRequest("values must map block_id -> action_id -> state entry")
    target.values = {str(b): dict(actions) for b, actions in values.items()}


def _is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _slackbot(playground: Playground, user: str, channel: str, text: str) -> None:
    """A note from Slack itself, only to `user` (as Slack answers an unknown /command)."""
    workspace = playground.slack.workspace
    workspace.ephemerals.append(
        Ephemeral(channel, user, workspace.clock.next(), text, None, source="slackbot")
    )
    await workspace.touch()


async def _body(request: web.Request) -> JSON:
    with contextlib.suppress(ValueError):
        body = await request.json()
        if isinstance(body, dict):
            return body
    raise BadRequest("send a JSON object")


def _text(body: JSON, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value


def _answer(ok: bool, *, status: int = 200, errors: dict[str, str] | None = None) -> web.Response:
    """What the page hears back: whether the app took it (and a modal's field errors)."""
    body: JSON = {"ok": ok, "app_status": status}
    if errors:
        body["errors"] = errors
    return web.json_response(body)
