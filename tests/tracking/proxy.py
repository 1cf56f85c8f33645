"""Test proxies: one in front of airfield that can answer 503 to the next N requests (an
Airplane outage) and 404 to endpoints it should not have (an API with only the documented v0
contract), one in front of Slack that keeps back the answer to an accepted post."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from aiohttp import web


@dataclass
class Outage:
    """How many more requests fail, and how many did."""

    remaining: int = 0
    failed: int = 0
    passed: int = 0


@asynccontextmanager
async def outage_proxy(
    upstream: str, *, missing: Collection[str] = ()
) -> AsyncIterator[tuple[str, Outage]]:
    """Yield the proxy's base URL and the switch that makes it fail. Paths in `missing`
    (`/v0/runbooks/get`) answer 404, as a server without those endpoints would."""
    outage = Outage()
    client = httpx.AsyncClient(base_url=upstream, timeout=30)

    async def forward(request: web.Request) -> web.StreamResponse:
        if request.rel_url.path in missing:
            return web.json_response({"error": "Not found", "code": "not_found"}, status=404)
        if outage.remaining > 0:
            outage.remaining -= 1
            outage.failed += 1
            body = {"error": "upstream unavailable", "code": "unavailable"}
            return web.json_response(body, status=503)
        outage.passed += 1
        answer = await client.request(
            request.method,
            request.rel_url.path,
            params=request.rel_url.query,
            content=await request.read(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        )
        return web.Response(
            status=answer.status_code,
            body=answer.content,
            content_type=answer.headers.get("content-type", "application/json").split(";")[0],
        )

    try:
        async with _serving(forward) as url:
            yield url, outage
    finally:
        await client.aclose()


@dataclass
class HeldPost:
    """Set once Slack has accepted a thread post whose answer the proxy then keeps back."""

    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    ts: str | None = None


@asynccontextmanager
async def post_holding_proxy(upstream: str) -> AsyncIterator[tuple[str, HeldPost]]:
    """A Slack Web API proxy that forwards everything, but holds the answer of the first
    in-thread chat.postMessage after Slack accepted it: the caller has posted and never learns
    the ts, the moment between a post and its record."""
    held = HeldPost()
    client = httpx.AsyncClient(base_url=upstream.rstrip("/") + "/", timeout=30)
    never = asyncio.Event()

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        answer = await client.request(
            request.method,
            request.match_info["tail"],
            params=request.rel_url.query,
            content=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        )
        in_thread = b"thread_ts" in body
        if request.path.endswith("chat.postMessage") and in_thread and not held.accepted.is_set():
            held.ts = str(answer.json().get("ts"))
            held.accepted.set()
            await never.wait()  # until the caller is killed and the proxy closes
        return web.Response(
            status=answer.status_code,
            body=answer.content,
            headers={k: v for k, v in answer.headers.items() if k.lower().startswith("retry")},
            content_type=answer.headers.get("content-type", "application/json").split(";")[0],
        )

    try:
        async with _serving(forward) as url:
            try:
                yield f"{url}/", held
            finally:
                never.set()  # let the held answer go, so the server can stop
    finally:
        await client.aclose()


@asynccontextmanager
async def _serving(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """`handler` for every path on a local port; yields the base URL (no trailing slash)."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
