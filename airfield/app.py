"""The airfield ASGI app and server: routes, lifespan (database, runner, sessions), serving."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .cluster import ClusterNotifier, Sweeper, new_node_id
from .definitions import load_catalog
from .metrics import CONTENT_TYPE, AirfieldMetrics
from .notify import Notifier
from .pipeline import Services, json_response, route
from .ratelimit import RateLimit, RateLimiter
from .routes import ENDPOINTS
from .runbooks import SessionEngine
from .runner import Runner, RunnerSettings
from .secret_box import ENV_VAR, SecretBox
from .store import PostgresDatabase, Store
from .store.postgres import is_postgres_url
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
    sweep_seconds: float = 2.0

    @property
    def drains(self) -> bool:
        """Whether SIGTERM drains the runner first: a node running tasks on a shared database
        (on SQLite a stop fails the active runs at once, as before)."""
        return (
            self.runner.run_tasks
            and isinstance(self.db_path, str)
            and is_postgres_url(self.db_path)
        )  # shared database: how often lapsed leases are looked for


async def healthz(request: Request) -> Response:
    """Liveness, without authentication."""
    return json_response(200, {"ok": True})


async def readyz(request: Request) -> Response:
    """Readiness, without authentication: 503 naming the database when it does not answer."""
    services: Services = request.app.state.services
    try:
        await asyncio.wait_for(services.store.db.ping(), 5.0)
    except Exception as exc:
        kind = "PostgreSQL" if services.store.db.shared else "SQLite"
        reason = str(exc) or type(exc).__name__
        body = {"ok": False, "error": f"the {kind} database does not answer: {reason}"}
        return json_response(503, body)
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
        node_id = new_node_id()
        notifier: Notifier = Notifier()
        if isinstance(store.db, PostgresDatabase):
            notifier = ClusterNotifier(store.db.url, node_id)
            await notifier.start()
        node_metrics = AirfieldMetrics()
        node_metrics.node(node_id, config.runner.run_tasks)
        lease = config.runner.lease_seconds
        runner = Runner(
            store, catalog, notifier, config.runner, api_url, node_id, metrics=node_metrics
        )
        engine = SessionEngine(store, catalog, runner, notifier, node_id, lease)
        app.state.services = Services(
            store=store,
            catalog=catalog,
            runner=runner,
            sessions=engine,
            notifier=notifier,
            limiter=RateLimiter(RateLimit(config.rate_per_second, config.rate_burst)),
            admin_key=config.admin_key,
            metrics=node_metrics,
        )
        sweeper = None
        if store.db.shared:
            log.info("node %s on a shared PostgreSQL database", node_id)
            sweeper = Sweeper(
                store,
                notifier,
                node_id,
                lease,
                config.sweep_seconds,
                engine.driving,
                engine.adopt,
                node_metrics,
                burst_seconds=config.rate_burst / config.rate_per_second + 1.0,
            )
        await runner.start()
        await engine.start()
        if sweeper is not None:
            sweeper.start()
        try:
            yield
        finally:
            if sweeper is not None:
                await sweeper.stop()
            await engine.stop()
            await runner.stop()
            if isinstance(notifier, ClusterNotifier):
                await notifier.stop()
            await store.close()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
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
    uv_config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = _DrainingServer(uv_config, app) if config.drains else uvicorn.Server(uv_config)
    await server.serve(sockets=[sock])


class _DrainingServer(uvicorn.Server):
    """A worker on a shared database: the first SIGTERM/SIGINT drains the runner (it starts
    nothing more, hands back what it had not started, waits for its active runs) while the API
    keeps answering them, and only then stops serving. A second signal stops at once."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self._app = app
        self._drain: asyncio.Task[None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain is not None or not hasattr(self._app.state, "services"):
            super().handle_exit(sig, frame)
            return
        loop = asyncio.get_event_loop()
        loop.call_soon_threadsafe(self._start_drain, sig, frame)

    def _start_drain(self, sig: int, frame: FrameType | None) -> None:
        if self._drain is None:
            self._drain = asyncio.create_task(self._drain_then_exit(sig, frame))

    async def _drain_then_exit(self, sig: int, frame: FrameType | None) -> None:
        services: Services = self._app.state.services
        try:
            await services.runner.drain()
        finally:
            super().handle_exit(sig, frame)
