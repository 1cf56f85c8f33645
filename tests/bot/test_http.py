"""The Airplane client's transport caps requests in flight and frees slots as bodies close."""

from __future__ import annotations

import asyncio

import httpx
from aiohttp import web

from bot.http import BoundedTransport


async def test_at_most_limit_requests_reach_the_server() -> None:
    """Ten concurrent requests through a limit of 3 never overlap more than 3 on a real server."""
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= 3:
            release.set()
        await release.wait()
        in_flight -= 1
        return web.json_response({"n": request.query["n"]})

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with httpx.AsyncClient(transport=BoundedTransport(3)) as client:
            answers = await asyncio.gather(
                *(client.get(f"http://127.0.0.1:{port}/", params={"n": n}) for n in range(10))
            )
    finally:
        await runner.cleanup()
    assert sorted(int(a.json()["n"]) for a in answers) == list(range(10))
    assert peak == 3
