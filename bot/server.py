"""HTTP mode: an ASGI app with `POST /slack/events` (signatures verified) and `GET /healthz`
(503 while the database does not answer: a replica without it can do nothing useful)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["build_asgi_app"]

log = logging.getLogger(__name__)

# A health check answers within this, even when the database hangs.
HEALTH_TIMEOUT = 2.0


def build_asgi_app(
    app: AsyncApp, *, database_ping: Callable[[], Awaitable[None]] | None = None
) -> Starlette:
    """The ASGI app serving `app` over HTTP; `database_ping` raises when the store is down."""
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        response: Response = await handler.handle(request)
        return response

    async def healthz(request: Request) -> Response:
        if database_ping is not None:
            try:
                await asyncio.wait_for(database_ping(), HEALTH_TIMEOUT)
            except Exception as exc:
                log.warning("health check: the database does not answer: %r", exc)
                return JSONResponse({"ok": False, "error": "database unreachable"}, 503)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
