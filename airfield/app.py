"""The airfield ASGI app and server: routes, lifespan (database, runner, sessions), serving."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .definitions import load_catalog
from .metrics import CONTENT_TYPE
from .notify import Notifier
from .pipeline import Services, json_response, route
from .ratelimit import RateLimiter, TokenBucket
from .routes import ENDPOINTS
from .runbooks import SessionEngine
from .runner import Runner, RunnerSettings
from .secret_box import ENV_VAR, SecretBox
from .store import Store
from .timeutil import to_text

log = logging.getLogger(__name__)
IDEMPOTENCY_RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class ServeConfig:
    """Everything `airfield serve` is configured with."""

    db_path: Path | str  # a SQLite file, or a postgresql:// URL
    tasks_dirs: tuple[Path, ...] = ()
    host: str = "127.0.0.1"
    port: int = 4000
    admin_key: str | None = None
    rate_per_second: float = 50.0
    rate_burst: float = 100.0
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    port_file: Path | None = None
    secret_box: SecretBox | None = None  # from AIRFIELD_SECRET_KEY


async def healthz(request: Request) -> Response:
    """Liveness, without authentication."""
    return json_response(200, {"ok": True})


async def metrics(request: Request) -> Response:
    """Prometheus metrics, without authentication (like /healthz: bind to a private network)."""
    services: Services = request.app.state.services
    return Response(await services.metrics.exposition(services.store), media_type=CONTENT_TYPE)


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer JSON errors too."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
        return json_response(405, {"error": message, "code": "method_not_allowed"})
    message = f"no such endpoint: {request.url.path}"
    return json_response(status, {"error": message, "code": "not_found"})


def build_app(config: ServeConfig, api_url: str) -> Starlette:
    """The app; its lifespan opens the database and starts the runner and session engine."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await Store.open(config.db_path, config.secret_box)
        cutoff = to_text(datetime.now(UTC) - IDEMPOTENCY_RETENTION)
        await store.accounts.forget_responses_before(cutoff)
        catalog = load_catalog(config.tasks_dirs)
        log.info("loaded %d tasks, %d runbooks", len(catalog.tasks), len(catalog.runbooks))
        notifier = Notifier()
        runner = Runner(store, catalog, notifier, config.runner, api_url)
        engine = SessionEngine(store, catalog, runner, notifier)
        app.state.services = Services(
            store=store,
            catalog=catalog,
            runner=runner,
            sessions=engine,
            notifier=notifier,
            limiter=RateLimiter(TokenBucket(config.rate_per_second, config.rate_burst)),
            admin_key=config.admin_key,
        )
        await runner.start()
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()
            await runner.stop()
            await store.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *(route(e) for e in ENDPOINTS),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on accepted sockets whose
    # proto says TCP, and without it each response (headers, then body) waits ~40 ms for the
    # client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(False)
    return sock


def _write_port_file(path: Path, port: int) -> None:
    # Written whole and renamed, so a reader never sees a half-written number.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{port}\n")
    os.replace(tmp, path)


async def check_resource_secrets(config: ServeConfig) -> None:
    """Refuse to start (SecretKeyError) when resources exist and AIRFIELD_SECRET_KEY is missing
    or does not open them; seal configurations an older airfield stored in clear text."""
    store = await Store.open(config.db_path, config.secret_box)
    try:
        count = await store.accounts.secure_resources()
    finally:
        await store.close()
    if config.secret_box is None:
        log.warning(
            "%s is not set: resources/create and resources/update answer 503 until it is",
            ENV_VAR,
        )
    else:
        log.info("%d resources, encrypted at rest", count)


async def serve(config: ServeConfig) -> None:
    """Bind, announce the port (stdout and `port_file`), and serve until stopped."""
    await check_resource_secrets(config)
    sock = _bind(config.host, config.port)
    port = int(sock.getsockname()[1])
    local_host = "127.0.0.1" if config.host in ("0.0.0.0", "", "::") else config.host
    api_url = f"http://{local_host}:{port}"
    app = build_app(config, api_url)
    print(f"airfield listening on http://{config.host}:{port}", flush=True)
    if config.port_file is not None:
        _write_port_file(config.port_file, port)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    await server.serve(sockets=[sock])
