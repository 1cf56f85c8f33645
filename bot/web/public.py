"""HTTP mode's public port: `POST /slack/events` (signatures verified) and `GET /healthz` (503
while the database does not answer: a replica without it can do nothing useful), nothing else.
The operators' `GET /metrics` and `GET /readyz` have a listener of their own
(`bot/web/operators.py`).

`EdgeGuard` (`edge.py`, beside this module) answers malformed and unsigned requests before
Bolt parses them; anything that still fails inside Bolt is one log line and a 500, never
uvicorn's traceback.
"""

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

from .edge import EdgeGuard

__all__ = ["build_asgi_app"]

log = logging.getLogger("bot.server")

# A health check answers within this, even when the database hangs.
HEALTH_TIMEOUT = 2.0


def build_asgi_app(
    app: AsyncApp,
    signing_secret: str = "",
    *,
    database_ping: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """The ASGI app serving `app` over HTTP; `signing_secret` is the one `app` verifies with.

    `database_ping` raises when the store is down, which fails `/healthz`.
    """
    handler = AsyncSlackRequestHandler(app)
    guard = EdgeGuard(signing_secret)

    async def events(request: Request) -> Response:
        refusal = await guard.refusal(request)
        if refusal is not None:
            return refusal
        try:
            response: Response = await handler.handle(request)
        except Exception as exc:
            log.error("POST /slack/events failed: %s: %s", type(exc).__name__, exc)
            return JSONResponse({"ok": False, "error": "internal error"}, status_code=500)
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
