"""A synthetic Airplane-compatible server for the tracking bench: N scripted runs, no processes.

airfield runs every run as a real process, which 2 cores cannot do for thousands of runs at
once, so the bench hosts its runs here: each run's life (Queued, Active, then Succeeded or
Failed) is a function of time, answered through the same v0 endpoints the tracker calls
(`runs/list` with `since`/`page`, `runs/get`, `runs/getOutputs`, `runs/getLogs`,
`sessions/list`). `/bench/schedule` tells the bench when each run ends; `/bench/stats` counts
requests. Run it as `python bench/synthetic_airplane.py N SEED PORT_FILE`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

QUEUED_FOR = 0.5


@dataclass(frozen=True)
class ScriptedRun:
    """One run whose status follows the clock."""

    id: str
    created: float
    ends: float
    fails: bool

    def status(self, now: float) -> tuple[str, float]:
        """The status at `now` and when it began (the run's updatedAt)."""
        if now >= self.ends:
            return ("Failed" if self.fails else "Succeeded"), self.ends
        if now >= self.created + QUEUED_FOR:
            return "Active", self.created + QUEUED_FOR
        return "Queued", self.created

    def wire(self, now: float) -> dict[str, Any]:
        """The run object as `runs/get` answers it."""
        status, updated = self.status(now)
        body: dict[str, Any] = {
            "id": self.id,
            "status": status,
            "taskID": "tsk_bench",
            "taskSlug": "bench",
            "createdAt": _iso(self.created),
            "updatedAt": _iso(updated),
            "paramValues": {},
        }
        if status != "Queued":
            body["activeAt"] = _iso(self.created + QUEUED_FOR)
        if status == "Succeeded":
            body["succeededAt"] = _iso(self.ends)
        if status == "Failed":
            body["failedAt"] = _iso(self.ends)
        return body


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


def script(count: int, seed: int, start: float) -> list[ScriptedRun]:
    """Runs created over the first 10 s, lasting 20 to 50 s; one in ten fails."""
    rng = random.Random(seed)
    runs = []
    for number in range(count):
        created = start + rng.uniform(0, 10)
        runs.append(
            ScriptedRun(
                f"run_{number:05d}", created, created + rng.uniform(20, 50), rng.random() < 0.1
            )
        )
    return sorted(runs, key=lambda run: -run.created)


def build(runs: list[ScriptedRun]) -> web.Application:
    """The aiohttp app serving the scripted runs."""
    by_id = {run.id: run for run in runs}
    hits: Counter[str] = Counter()

    async def list_runs(request: web.Request) -> web.Response:
        hits["runs/list"] += 1
        now = time.time()
        limit = int(request.query.get("limit") or 50) or 50
        page = int(request.query.get("page") or 0)
        since_text = request.query.get("since")
        since = datetime.fromisoformat(since_text).timestamp() if since_text else None
        chosen = [r for r in runs if since is None or r.status(now)[1] >= since]
        chunk = chosen[page * limit : (page + 1) * limit]
        return web.json_response({"runs": [r.wire(now) for r in chunk]})

    async def get_run(request: web.Request) -> web.Response:
        hits["runs/get"] += 1
        run = by_id.get(request.query.get("id", ""))
        if run is None:
            return web.json_response({"error": "run not found", "code": "not_found"}, status=404)
        return web.json_response(run.wire(time.time()))

    async def outputs(request: web.Request) -> web.Response:
        hits["runs/getOutputs"] += 1
        return web.json_response({"output": {"rows": [{"host": "web-1", "ok": True}]}})

    async def logs(request: web.Request) -> web.Response:
        hits["runs/getLogs"] += 1
        lines = [{"text": f"step {n}", "level": "info"} for n in range(5)]
        return web.json_response({"logs": lines, "next_token": "", "prev_token": ""})

    async def sessions(request: web.Request) -> web.Response:
        hits["sessions/list"] += 1
        return web.json_response({"sessions": []})

    async def schedule(request: web.Request) -> web.Response:
        return web.json_response({run.id: run.ends for run in runs})

    async def stats(request: web.Request) -> web.Response:
        if request.query.get("reset"):
            hits.clear()
        return web.json_response(dict(hits))

    app = web.Application()
    app.router.add_get("/v0/runs/list", list_runs)
    app.router.add_get("/v0/runs/get", get_run)
    app.router.add_get("/v0/runs/getOutputs", outputs)
    app.router.add_get("/v0/runs/getLogs", logs)
    app.router.add_get("/v0/sessions/list", sessions)
    app.router.add_get("/bench/schedule", schedule)
    app.router.add_get("/bench/stats", stats)
    return app


async def serve(count: int, seed: int, port_file: Path) -> None:
    """Serve until killed, writing the chosen port to `port_file`."""
    runner = web.AppRunner(build(script(count, seed, time.time())), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    await asyncio.to_thread(port_file.write_text, str(port))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
