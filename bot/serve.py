"""Running the bot: Socket Mode or HTTP mode on uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from .app import build_app
from .config import Mode, Settings
from .server import build_asgi_app
from .services import Services, open_services

__all__ = ["serve", "serve_services"]

log = logging.getLogger("bot.serve")


class _SocketModeRunner(Protocol):
    """The part of Bolt's (untyped) `AsyncSocketModeHandler` the bot uses."""

    async def start_async(self) -> None: ...

    async def close_async(self) -> None: ...


async def serve(settings: Settings, *, host: str = "0.0.0.0") -> None:
    """Open the services and serve Slack until stopped."""
    services = await open_services(settings)
    try:
        await serve_services(services, host=host)
    finally:
        await services.aclose()


async def serve_services(services: Services, *, host: str = "0.0.0.0") -> None:
    """Serve Slack with already opened services, and the approvals' upkeep beside it."""
    upkeep = (
        asyncio.create_task(services.approvals.run_upkeep(), name="approvals-upkeep")
        if services.approvals is not None
        else None
    )
    try:
        await _serve_slack(services, host=host)
    finally:
        if upkeep is not None:
            upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await upkeep


async def _serve_slack(services: Services, *, host: str) -> None:
    """Serve Slack in the configured mode until stopped."""
    settings = services.settings
    if not services.policy.configured:
        log.warning("no BOT_POLICY file: everyone may run every task and runbook")
    app = build_app(services)
    if services.tracker is not None:
        # Resumes every run the store says is still followed, before Slack can ask for more.
        await services.tracker.start()
    if settings.mode is Mode.SOCKET and settings.slack_app_token is not None:
        log.info("serving Slack over Socket Mode")
        handler: _SocketModeRunner = AsyncSocketModeHandler(
            app, settings.slack_app_token.get_secret_value()
        )
        try:
            await handler.start_async()
        finally:
            await handler.close_async()
        return
    log.info("serving Slack over HTTP on %s:%d (POST /slack/events)", host, settings.port)
    config = uvicorn.Config(
        build_asgi_app(app), host=host, port=settings.port, log_level="warning", access_log=False
    )
    await uvicorn.Server(config).serve()
