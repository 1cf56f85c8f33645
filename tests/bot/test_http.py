"""The Airplane client's transport caps requests in flight and frees slots as bodies close."""

from __future__ import annotations

import asyncio

import httpx
from aiohttp import web

from bot.airplane.transport import BoundedTransport
from tests.support.eventually import eventually


async def test_at_most_limit_requests_reach_the_server() -> None:
    """Ten concurrent requests through a limit of 3 never overlap more than 3 on a real server.

    The server holds every request until the test lets them go, and the inner pool allows 20
    connections, so only the transport's own limit can keep the fourth request away.
    """
    in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        return web.json_response({"n": request.query["n"]})

    async def three_waiting() -> bool:
        return in_flight >= 3

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    roomy = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=20))
    try:
        async with httpx.AsyncClient(transport=BoundedTransport(3, inner=roomy)) as client:
            calls = asyncio.gather(
                *(client.get(f"http://127.0.0.1:{port}/", params={"n": n}) for n in range(10))
            )
            await eventually(three_waiting)
            await asyncio.sleep(0.3)  # room for a fourth request to arrive if the limit leaked
            held = in_flight
            release.set()
            answers = await calls
    finally:
        await runner.cleanup()
    assert held == 3
    assert sorted(int(a.json()["n"]) for a in answers) == list(range(10))
    assert peak == 3
