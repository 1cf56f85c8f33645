"""Endpoints for operators: `GET /metrics`, `/readyz` and `/healthz`.

HTTP mode serves them beside `/slack/events` on `PORT` (`bot/server.py`); Socket Mode has no
HTTP server of its own, so `serve` starts `build_ops_app` on `METRICS_PORT`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import metrics
from .readiness import Readiness

__all__ = ["build_ops_app", "healthz", "ops_routes"]


async def healthz(request: Request) -> Response:
    """Liveness: the process answers HTTP. Calls nothing, so a slow Slack cannot fail it."""
    return JSONResponse({"ok": True})


async def metrics_endpoint(request: Request) -> Response:
    """Every metric in Prometheus' text format."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


def ops_routes(readiness: Readiness | None) -> list[Route]:
    """`/metrics`, and `/readyz` when there is something to check."""
    routes = [Route("/metrics", metrics_endpoint, methods=["GET"])]
    if readiness is not None:

        async def readyz(request: Request) -> Response:
            """200 when store, Slack and Airplane answer; else 503 naming what is down."""
            report = await readiness.report()
            return JSONResponse(report.body(), status_code=200 if report.ready else 503)

        routes.append(Route("/readyz", readyz, methods=["GET"]))
    return routes


def build_ops_app(readiness: Readiness | None) -> Starlette:
    """The small app Socket Mode serves on `METRICS_PORT`: metrics, readiness, liveness."""
    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *ops_routes(readiness)])
