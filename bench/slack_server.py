"""The benches' Slack: slackbox in its own process, with or without Slack's rate tiers.

    python bench/slack_server.py PORT_FILE CHANNELS tiers|no-tiers

The bot under test talks to it over HTTP with its real `SlackClient`, so its scheduler meets
the same limits as Slack's (`foundation/slack_limits.py`: one budget per method for the
workspace, chat.postMessage also per channel; 429 with `Retry-After` past them). Each request
first spends 20-150 ms "on the network" (a seeded draw), as Slack's answers are not instant.
`GET /bench/calls` lists every call as it arrived: method, status, time, channel, ts and the
post's metadata key; `?after=N` skips the first N.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from slackbox import SlackEmulator
from slackbox.records import ApiCall

LATENCY = (0.02, 0.15)
SEED = 7


def record(call: ApiCall, at: float) -> dict[str, Any]:
    """What the bench reads of one call."""
    params, answer = call.params, call.response
    metadata = params.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    payload = metadata.get("event_payload") or {}
    return {
        "method": call.method,
        "status": call.status,
        "ok": call.ok,
        "at": at,
        "channel": params.get("channel") or params.get("channel_id"),
        "ts": params.get("ts") or answer.get("ts"),
        "thread_ts": params.get("thread_ts"),
        "key": payload.get("key"),
        "text": str(params.get("text") or "")[:200],
    }


async def serve(port_file: Path, channels: int, tiers: bool) -> None:
    """Serve until killed; the chosen port goes to `port_file`."""
    slack = SlackEmulator(enforce_limits=tiers)
    for number in range(channels):
        slack.add_channel(f"C{number:05d}", f"bench-{number}")
    arrived: list[dict[str, Any]] = []
    workspace = slack.workspace
    keep = workspace.record_call

    def recorded(call: ApiCall) -> None:
        keep(call)
        arrived.append(record(call, time.time()))

    workspace.record_call = recorded  # type: ignore[method-assign]
    rng = random.Random(SEED)

    @web.middleware
    async def network(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/"):
            await asyncio.sleep(rng.uniform(*LATENCY))
        return await handler(request)

    async def calls(request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        return web.json_response(arrived[after:])

    slack.server.app.middlewares.append(network)
    slack.server.app.router.add_get("/bench/calls", calls)
    async with slack:
        await asyncio.to_thread(port_file.write_text, slack.api_url)
        await asyncio.Event().wait()


def main() -> None:
    """`PORT_FILE CHANNELS tiers|no-tiers` from the command line."""
    if len(sys.argv) != 4 or sys.argv[3] not in ("tiers", "no-tiers"):
        sys.exit("usage: slack_server.py PORT_FILE CHANNELS tiers|no-tiers")
    asyncio.run(serve(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "tiers"))


if __name__ == "__main__":
    main()
