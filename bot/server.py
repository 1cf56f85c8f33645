"""HTTP mode: `POST /slack/events` (signatures verified), `GET /healthz`, and the operators'
`GET /metrics` and `GET /readyz` (`bot/ops.py`).

`EdgeGuard` (edge.py) answers malformed and unsigned requests before Bolt parses them; anything
that still fails inside Bolt is one log line and a 500, never uvicorn's traceback.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .edge import EdgeGuard
from .ops import healthz, ops_routes
from .readiness import Readiness

__all__ = ["build_asgi_app"]

log = logging.getLogger("bot.server")


def build_asgi_app(
    app: AsyncApp, signing_secret: str = "", readiness: Readiness | None = None
) -> Starlette:
    """The ASGI app serving `app` over HTTP; `signing_secret` is the one `app` verifies with.

    `/readyz` is served only when given its checks.
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

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *ops_routes(readiness),
        ]
    )
