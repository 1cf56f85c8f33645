"""Endpoints for operators: `GET /metrics`, `/readyz` and `/healthz`.

Both modes serve them with `build_ops_app` on their own listener, `METRICS_HOST:METRICS_PORT`
(127.0.0.1:3001 by default), never on the public `PORT`: what they tell (every dependency's
state, traffic by method and outcome) is for operators, not for whoever can reach Slack's
request URL. `PORT` keeps only `/slack/events` and `/healthz` (`bot/web/public.py`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..core import metrics
from .readiness import Readiness

__all__ = ["build_ops_app", "healthz"]


async def healthz(request: Request) -> Response:
    """Liveness: the process answers HTTP. Calls nothing, so a slow Slack cannot fail it."""
    return JSONResponse({"ok": True})


async def metrics_endpoint(request: Request) -> Response:
    """Every metric in Prometheus' text format."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)


def build_ops_app(readiness: Readiness | None) -> Starlette:
    """The operators' app on `METRICS_PORT`: metrics, liveness, and readiness when given its
    checks."""
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if readiness is not None:

        async def readyz(request: Request) -> Response:
            """200 when store, Slack and Airplane answer; else 503 naming what is down."""
            report = await readiness.report()
            return JSONResponse(report.body(), status_code=200 if report.ready else 503)

        routes.append(Route("/readyz", readyz, methods=["GET"]))
    return Starlette(routes=routes)
