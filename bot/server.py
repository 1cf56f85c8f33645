"""HTTP mode: an ASGI app with `POST /slack/events` (signatures verified) and `GET /healthz`."""

from __future__ import annotations

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["build_asgi_app"]


def build_asgi_app(app: AsyncApp) -> Starlette:
    """The ASGI app serving `app` over HTTP."""
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        response: Response = await handler.handle(request)
        return response

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
