"""The bot running for real against the Slack emulator and an airfield server.

    async with running_bot(slack, airfield, tmp_path, mode="http") as bot:
        await slack.slash_command("/airplane", "run hello name=Ada")

HTTP mode serves the bot's public ASGI app (`/slack/events`, `/healthz`) on uvicorn (127.0.0.1,
ephemeral port) and points the emulator's `events_url` at it; Socket Mode connects Bolt's
handler to the emulator's WebSocket. In both, the operators' app (`/metrics`, `/readyz`,
`/healthz`) listens on a port of its own, as `airplane-bot serve` does on METRICS_PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.process.app import build_app
from bot.web.operators import build_ops_app
from bot.web.public import build_asgi_app
from bot.web.readiness import bot_readiness
from bot.wiring.config import Settings
from bot.wiring.services import Services, open_services
from slackbox import SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually


@dataclass(frozen=True)
class RunningBot:
    """The bot's services (store, clients), in HTTP mode its public base URL, and the base URL
    of its operators' port (`/metrics`, `/readyz`)."""

    services: Services
    url: str | None
    ops_url: str


def bot_settings(
    slack: SlackEmulator, airfield: AirfieldProcess, tmp_path: Path, **extra: Any
) -> Settings:
    """Settings pointing at the emulator and airfield, with a fresh database."""
    values: dict[str, Any] = {
        "slack_bot_token": slack.bot_token,
        "slack_signing_secret": slack.signing_secret,
        "slack_api_url": slack.api_url,
        "airplane_api_key": airfield.api_key,
        "airplane_api_host": airfield.url,
        "airplane_app_url": "https://app.airplane.test",
        "bot_db": str(tmp_path / "bot.db"),
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def serve_http(services: Services) -> AsyncIterator[str]:
    """Serve the bot's public ASGI app; yields its base URL."""
    secret = services.settings.slack_signing_secret
    asgi = build_asgi_app(build_app(services), secret.get_secret_value() if secret else "")
    async with serve_asgi(asgi) as url:
        yield url


@contextlib.asynccontextmanager
async def serve_asgi(asgi: Any) -> AsyncIterator[str]:
    """Serve `asgi` on 127.0.0.1 at an ephemeral port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(asgi, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        if task.done():
            task.result()  # the server failed: raise its error rather than wait
        return server.started

    await eventually(started, every=0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def running_bot(
    slack: SlackEmulator,
    airfield: AirfieldProcess,
    tmp_path: Path,
    *,
    mode: Literal["http", "socket"] = "http",
    **settings: Any,
) -> AsyncIterator[RunningBot]:
    """The bot, connected to `slack` in `mode`, until the block ends."""
    if mode == "socket":
        settings.setdefault("slack_app_token", slack.app_token)
    services = await open_services(bot_settings(slack, airfield, tmp_path, **settings))
    try:
        async with serve_asgi(build_ops_app(bot_readiness(services))) as ops_url:
            if mode == "http":
                async with serve_http(services) as url:
                    slack.events_url = f"{url}/slack/events"
                    yield RunningBot(services, url, ops_url)
            else:
                slack.events_url = None
                handler = AsyncSocketModeHandler(build_app(services), slack.app_token)
                await handler.connect_async()  # type: ignore[no-untyped-call]
                try:
                    yield RunningBot(services, None, ops_url)
                finally:
                    await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        await services.aclose()


@contextlib.asynccontextmanager
async def reviewing_bot(
    airfield: AirfieldProcess, tmp_path: Path, reviewers: str
) -> AsyncIterator[tuple[SlackEmulator, Services]]:
    """A fresh Slack and the bot as `open_services` builds it (tracker started, approvals),
    with the prompts' `ops` reviewer group mapped to the Slack user `reviewers`."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("reviewer_groups:\n  ops: [" + reviewers + "]\n")
    async with (
        SlackEmulator() as slack,
        running_bot(slack, airfield, tmp_path, bot_policy=str(policy)) as running,
    ):
        assert running.services.tracker is not None
        await running.services.tracker.start()
        yield slack, running.services
