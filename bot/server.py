"""HTTP mode: an ASGI app with `POST /slack/events` (signatures verified), `GET /healthz`,
and the operators' `GET /metrics` and `GET /readyz` (`bot/ops.py`)."""

from __future__ import annotations

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .ops import healthz, ops_routes
from .readiness import Readiness

__all__ = ["build_asgi_app"]


def build_asgi_app(app: AsyncApp, readiness: Readiness | None = None) -> Starlette:
    """The ASGI app serving `app` over HTTP (`/readyz` only when given its checks)."""
    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        response: Response = await handler.handle(request)
        return response

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            *ops_routes(readiness),
        ]
    )
