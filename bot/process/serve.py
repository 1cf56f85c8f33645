"""Running the bot: Socket Mode or HTTP mode on uvicorn, until SIGINT or SIGTERM.

The bot handles the signals itself (rather than uvicorn, which re-raises them after its own
shutdown) so that a stop always ends the same way: no new requests, acked work finished
(`InFlight.drain`), then the store, the clients and the Socket Mode connection closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from ..web.operators import build_ops_app
from ..web.public import build_asgi_app
from ..web.readiness import bot_readiness
from ..wiring.config import Mode, Settings
from ..wiring.services import Services, open_services
from .app import build_app

__all__ = ["QuietServer", "serve", "serve_services"]

log = logging.getLogger("bot.serve")

# How long a stop waits for acked requests to finish their work (Airplane calls, messages).
DRAIN_SECONDS = 20.0


class _SocketModeRunner(Protocol):
    """The part of Bolt's (untyped) `AsyncSocketModeHandler` the bot uses."""

    async def connect_async(self) -> None: ...

    async def close_async(self) -> None: ...


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the bot stops it by `should_exit`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)


async def serve(
    settings: Settings, *, host: str = "0.0.0.0", on_ready: Callable[[], None] | None = None
) -> None:
    """Open the services and serve Slack until a signal arrives.

    `host` is where HTTP mode's public port binds; the operators' listener binds METRICS_HOST.
    `on_ready` is called once Slack is served and the start-up lines are logged, so what it
    prints (the playground's address) is the last thing on the screen.
    """
    stop = asyncio.Event()
    _stop_on_signals(stop)
    services = await open_services(settings)
    try:
        await serve_services(services, stop, host=host, on_ready=on_ready)
    finally:
        # No new requests come in now; let acked work finish before closing the store.
        if not await services.inflight.drain(DRAIN_SECONDS):
            log.warning("stopping with %d requests still in progress", services.inflight.count)
        await services.aclose()
        log.info("stopped")


async def serve_services(
    services: Services,
    stop: asyncio.Event,
    *,
    host: str = "0.0.0.0",
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve Slack with opened services, and the approvals' upkeep beside it, until `stop`."""

    async def fleet_turn(every: float) -> bool:
        """Whether this replica runs the approvals' upkeep this period (once across replicas)."""
        turn = await services.store.leases.take_turn("approvals-upkeep", services.holder, every)
        return turn is not None

    upkeep = asyncio.create_task(
        services.approvals.upkeep.run(turn=fleet_turn), name="approvals-upkeep"
    )
    try:
        await _serve_slack(services, stop, host=host, on_ready=on_ready)
    finally:
        upkeep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await upkeep


async def _serve_slack(
    services: Services,
    stop: asyncio.Event,
    *,
    host: str,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Serve Slack in the configured mode until `stop` is set."""
    settings = services.settings
    if not services.policy.configured:
        log.warning("no BOT_POLICY file: everyone may run every task and runbook")
    app = build_app(services)
    if services.tracker is not None:
        # Resumes every run the store says is still followed, before Slack can ask for more.
        await services.tracker.start()
    # The operators' listener runs beside Slack in both modes, on its own port and address.
    ops_stop, ops_up = asyncio.Event(), asyncio.Event()
    ops = asyncio.create_task(
        _serve_ops(
            build_ops_app(bot_readiness(services)),
            settings.metrics_host,
            settings.metrics_port,
            ops_stop,
            ops_up,
        ),
        name="ops-listener",
    )
    try:
        if settings.mode is Mode.SOCKET and settings.slack_app_token is not None:
            log.info("serving Slack over Socket Mode")
            handler: _SocketModeRunner = AsyncSocketModeHandler(
                app, settings.slack_app_token.get_secret_value()
            )
            await handler.connect_async()
            try:
                if on_ready is not None:
                    await _logged(ops_up, ops)
                    on_ready()
                await stop.wait()
            finally:
                await handler.close_async()
            return
        log.info(
            "serving Slack over HTTP on %s:%d (POST /slack/events, GET /healthz)",
            host,
            settings.port,
        )
        secret = settings.slack_signing_secret
        asgi = build_asgi_app(
            app,
            secret.get_secret_value() if secret else "",
            database_ping=services.store.db.ping,
        )
        await _serve_http(asgi, host, settings.port, stop)
    finally:
        # Also when Slack's side ended by itself: the operators' listener never outlives it.
        ops_stop.set()
        await ops


async def _logged(up: asyncio.Event, ops: asyncio.Task[None]) -> None:
    """Until the operators' listener has logged where it serves (or has ended)."""
    waiting = asyncio.create_task(up.wait())
    await asyncio.wait([waiting, ops], return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()


async def _serve_ops(
    asgi_app: Any,
    host: str,
    port: int,
    stop: asyncio.Event,
    up: asyncio.Event | None = None,
) -> None:
    """The operators' listener on METRICS_HOST:METRICS_PORT (port 0: none), until `stop` is set;
    `up` is set once its start-up line is logged.

    A port that cannot be bound is logged, not fatal: Slack keeps being served, and the
    missing scrape target shows as `up == 0` in Prometheus.
    """
    up = up or asyncio.Event()
    if not port:
        log.info("no listener for /metrics and /readyz (METRICS_PORT=0)")
        up.set()
        await stop.wait()
        return
    try:
        sock = _bind(host, port)
    except OSError as exc:
        log.error(
            "cannot serve /metrics on %s:%d (METRICS_HOST, METRICS_PORT): %s", host, port, exc
        )
        up.set()
        await stop.wait()
        return
    bound_host, bound_port = sock.getsockname()[:2]
    log.info("serving /metrics, /readyz and /healthz on %s:%d", bound_host, bound_port)
    up.set()
    with sock:
        await _serve_http(asgi_app, host, port, stop, sock)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def _serve_http(
    asgi_app: Any,
    host: str,
    port: int,
    stop: asyncio.Event,
    sock: socket.socket | None = None,
) -> None:
    """Serve `asgi_app` on uvicorn until `stop` is set (or the server ends by itself)."""
    config = uvicorn.Config(asgi_app, host=host, port=port, log_level="warning", access_log=False)
    server = QuietServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock] if sock else None))
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
