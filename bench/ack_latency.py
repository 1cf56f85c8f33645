"""Slash-command ack latency: this bot vs a bare Bolt app that only acks, in the same run.

    PYTHONPATH=. python bench/ack_latency.py [--requests 1000] [--airplane-delay 5]

Four processes on 127.0.0.1: a stub Slack Web API (answers every method at once), a slow
Airplane API (every answer takes `--airplane-delay` seconds), the bot in HTTP mode (uvicorn,
`POST /slack/events`, its real listeners, store and policy), and a bare Bolt app on the same
stack whose only listener acks. This process sends signed `/airplane run hello name=...`
requests, alternating between the two apps one at a time, and measures each HTTP round trip
(the ack). The bot's work after the ack (tasks/get, tasks/execute: 5 s each) piles up in the
background while the measurement runs, as it would under load. Prints p50/p99 and the ratio.
Goal: bot p99 < 50 ms and <= 1.5x the bare app's p99.

Metrics are on, as in production: the bot counts every command, Slack call and Airplane
attempt (`bot/core/metrics.py`), and during the measurement its `/metrics` and `/readyz` are scraped
on its operators' port (METRICS_PORT in `airplane-bot serve`) once a second (Prometheus would
scrape every 15-30 s); the figures printed at the end come from its last scrape.

To see where the bot spends its time: `BENCH_PROFILE=/tmp/bot.prof` writes a cProfile of the
bot's first 20 s; `BENCH_DEBUG=/tmp/bot.log` runs its loop in asyncio debug mode and logs slow
callbacks there. (A profile like that showed httpcore's pool scanning hundreds of queued
Airplane calls per assignment; `bot/airplane/transport.py` caps calls in flight because of it.)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-0000"
AIRPLANE_KEY = "tkn_bench0000"
COMMAND = "/airplane"


def _listen() -> socket.socket:
    # IPPROTO_TCP, as uvicorn's own sockets: asyncio then sets TCP_NODELAY on accepted ones.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    return sock


def _serve(app: Any, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


# -- the peers ---------------------------------------------------------------------------------


def stub_slack(sock: socket.socket) -> None:
    """A Web API that says ok to everything (and who the bot is, for auth.test)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    counter = itertools.count(1)

    async def api(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "ok": True,
                "url": "https://bench.slack.test/",
                "team": "bench",
                "team_id": "T0BENCH",
                "user": "bot",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
                "channel": "C0BENCH",
                "ts": f"1700000000.{next(counter):06d}",
            }
        )

    _serve(Starlette(routes=[Route("/{path:path}", api, methods=["GET", "POST"])]), sock)


def slow_airplane(sock: socket.socket, delay: float) -> None:
    """An Airplane API whose every answer takes `delay` seconds."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    counter = itertools.count(1)
    task = {
        "id": "tsk0bench",
        "slug": "hello",
        "name": "Hello",
        "parameters": [{"slug": "name", "name": "Name", "type": "string"}],
    }

    async def answer(request: Request) -> JSONResponse:
        await asyncio.sleep(delay)
        path = request.url.path
        if path.endswith("tasks/get"):
            return JSONResponse(task)
        if path.endswith("tasks/execute"):
            return JSONResponse({"runID": f"run0bench{next(counter):08d}"})
        return JSONResponse({})

    _serve(Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])]), sock)


def bot_app(
    sock: socket.socket, ops_sock: socket.socket, slack_url: str, airplane_url: str, db: str
) -> None:
    """The real bot over HTTP: Slack's requests on `sock`, `/metrics` and `/readyz` on
    `ops_sock`, in one process and event loop as `airplane-bot serve` has them."""
    from bot.process.app import build_app
    from bot.web.operators import build_ops_app
    from bot.web.public import build_asgi_app
    from bot.web.readiness import bot_readiness
    from bot.wiring.config import Settings
    from bot.wiring.services import open_services

    async def main() -> None:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack_url,
            airplane_api_key=AIRPLANE_KEY,
            airplane_api_host=airplane_url,
            bot_db=db,
            log_level="ERROR",
        )
        services = await open_services(settings)
        import uvicorn

        app = build_asgi_app(build_app(services), SIGNING_SECRET)
        ops = build_ops_app(bot_readiness(services))
        servers = [
            uvicorn.Server(
                uvicorn.Config(asgi, log_level="error", access_log=False, lifespan="off")
            ).serve(sockets=[listener])
            for asgi, listener in ((app, sock), (ops, ops_sock))
        ]
        await asyncio.gather(*servers)

    import logging
    import os

    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import threading

        logging.disable(logging.WARNING)
        profile = cProfile.Profile()
        # Dump what the bot did during the first 20 s (the measurement), whatever ends it.
        threading.Timer(
            20, lambda: (profile.disable(), profile.dump_stats(os.environ["BENCH_PROFILE"]))
        ).start()
        profile.enable()
        asyncio.run(main())
    elif os.environ.get("BENCH_DEBUG"):
        logging.basicConfig(filename=os.environ["BENCH_DEBUG"], level=logging.WARNING)
        asyncio.run(main(), debug=True)
    else:
        logging.disable(logging.WARNING)
        asyncio.run(main())


def bare_app(sock: socket.socket, slack_url: str) -> None:
    """A Bolt app on the same stack whose only listener acks."""
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.web.public import build_asgi_app

    app = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_url),
        signing_secret=SIGNING_SECRET,
    )

    @app.command(COMMAND)
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    _serve(build_asgi_app(app), sock)


# -- the load ----------------------------------------------------------------------------------


def signed_command(number: int, response_url: str) -> tuple[bytes, dict[str, str]]:
    """A slash command body and Slack's signature headers."""
    body = urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": "T0BENCH",
            "team_domain": "bench",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": "U0BENCHUSER",
            "user_name": "bench",
            "command": COMMAND,
            "text": f"run hello name=n{number}",
            "api_app_id": "A0BENCH",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{number}.0000.bench{number:08d}",
        }
    ).encode()
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


async def _wait_ready(client: httpx.AsyncClient, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            await client.post(url, content=b"")
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not come up")


async def _scrape_every_second(client: httpx.AsyncClient, base_url: str, last: list[str]) -> None:
    """Scrape the bot as Prometheus and a readiness probe would (more often than they do)."""
    while True:
        last[:] = [(await client.get(f"{base_url}/metrics")).raise_for_status().text]
        (await client.get(f"{base_url}/readyz")).raise_for_status()
        await asyncio.sleep(1.0)


async def measure(
    urls: dict[str, str],
    ops_url: str,
    requests: int,
    warmup: int,
    slack_url: str,
    scraped: list[str],
) -> dict[str, list[float]]:
    """Round-trip times in ms per app, sending to the apps alternately, one request at a time."""
    timings: dict[str, list[float]] = {name: [] for name in urls}
    response_url = f"{slack_url}response_url"
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with (
        httpx.AsyncClient(limits=limits, timeout=30) as client,
        httpx.AsyncClient(timeout=30) as scraper,
    ):
        for url in urls.values():
            await _wait_ready(client, url)
        scraping = asyncio.create_task(_scrape_every_second(scraper, ops_url, scraped))
        try:
            await _send_all(client, urls, requests, warmup, response_url, timings)
        finally:
            scraping.cancel()
            scraped.append((await scraper.get(f"{ops_url}/metrics")).text)
    return timings


async def _send_all(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    requests: int,
    warmup: int,
    response_url: str,
    timings: dict[str, list[float]],
) -> None:
    for number in range(warmup + requests):
        for name, url in urls.items():
            body, headers = signed_command(number * 2 + (name == "bare"), response_url)
            started = time.perf_counter()
            answer = await client.post(url, content=body, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(
                    f"{name} answered {answer.status_code} to request {number}"
                    f" after {elapsed:.0f} ms: {answer.text}"
                )
            if number >= warmup:
                timings[name].append(elapsed)


def _print_metrics(text: str) -> None:
    """What the bot's last scrape said: proof the metrics were on, and what they counted."""
    from prometheus_client.parser import text_string_to_metric_families

    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in (
                "airplane_bot_commands_total",
                "airplane_bot_slack_api_calls_total",
                "airplane_bot_airplane_requests_total",
            ):
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    print("  bot metrics at the end: " + ", ".join(f"{k} {v:g}" for k, v in totals.items()))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _start(target: Callable[..., None], *args: Any) -> tuple[multiprocessing.Process, int]:
    sock = _listen()
    process = multiprocessing.Process(target=target, args=(sock, *args), daemon=True)
    process.start()
    port = int(sock.getsockname()[1])
    sock.close()  # the child holds its own copy
    return process, port


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--airplane-delay", type=float, default=5.0)
    args = parser.parse_args(argv)
    multiprocessing.set_start_method("fork")
    processes = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            slack, slack_port = _start(stub_slack)
            processes.append(slack)
            slack_url = f"http://127.0.0.1:{slack_port}/api/"
            airplane, airplane_port = _start(slow_airplane, args.airplane_delay)
            processes.append(airplane)
            airplane_url = f"http://127.0.0.1:{airplane_port}"
            db = str(Path(scratch) / "bot.db")
            ops_sock = _listen()
            ops_url = f"http://127.0.0.1:{ops_sock.getsockname()[1]}"
            bot, bot_port = _start(bot_app, ops_sock, slack_url, airplane_url, db)
            ops_sock.close()  # the child holds its own copy
            processes.append(bot)
            bare, bare_port = _start(bare_app, slack_url)
            processes.append(bare)
            urls = {
                "bot": f"http://127.0.0.1:{bot_port}/slack/events",
                "bare": f"http://127.0.0.1:{bare_port}/slack/events",
            }
            scraped: list[str] = []
            timings = asyncio.run(
                measure(urls, ops_url, args.requests, args.warmup, slack_url, scraped)
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(30)
    print(f"slash-command ack latency, {args.requests} signed requests per app,")
    print(f"Airplane API answering in {args.airplane_delay:g} s, requests alternating bot/bare")
    figures = {}
    for name, values in timings.items():
        p50, p99 = _percentile(values, 0.50), _percentile(values, 0.99)
        figures[name] = (p50, p99)
        print(
            f"  {name:5s} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
            f"mean {statistics.fmean(values):7.2f} ms   max {max(values):7.2f} ms"
        )
    ratio = figures["bot"][1] / figures["bare"][1]
    print(f"  p99 ratio bot/bare: {ratio:.2f}x   (goal: bot p99 < 50 ms and ratio <= 1.5x)")
    met = figures["bot"][1] < 50 and ratio <= 1.5
    print(f"  goal {'met' if met else 'NOT met'}")
    _print_metrics(scraped[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
