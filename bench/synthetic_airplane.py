"""A synthetic Airplane server for the tracking bench: N runs scripted over time, no processes.

airfield runs every run as a real process, which 2 cores cannot do for thousands of runs at
once, so the bench hosts its runs here. Each run's life is a function of the clock: Queued,
Active, in one run in ten a prompt that waits 10-25 s until the script answers it (as a
reviewer in Airplane would), then Succeeded or Failed. It is answered through the v0 endpoints
the tracker calls, in one of two shapes:

- `documented`: only what `docs/reference/airplane-api.md` documents. Run objects carry no
  `updatedAt` (nor airfield's `taskSlug`), timestamps look like the reference's examples
  (`2022-01-11 22:32:45.601486+00`, empty when they do not apply), a prompt shows only through
  `prompts/list` / `prompts/get`, and `runs/list?since=` lists the runs last updated after
  `since`, where a prompt's creation or answer counts as an update of its run.
- `airfield`: airfield's extension: runs also carry `updatedAt` (RFC 3339), which a prompt's
  creation or answer moves.

`POST /bench/start` starts the script's clock and returns it; `/bench/stats` counts requests
by endpoint (`?reset=1` clears). Run it as
`python bench/synthetic_airplane.py N SEED PORT_FILE documented|airfield`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

Shape = Literal["documented", "airfield"]
QUEUED_FOR = 0.5
CREATED_OVER = 5.0
PROMPT_EVERY = 10  # one run in ten stops on a prompt
REVIEWER = "usr_bench_reviewer"


@dataclass(frozen=True)
class ScriptedPrompt:
    """A prompt the run opens at `created` and the script answers at `answered`."""

    id: str
    run_id: str
    created: float
    answered: float

    def wire(self, now: float, shape: Shape) -> dict[str, Any]:
        """The prompt object as `prompts/get` and `prompts/list` answer it."""
        answered = now >= self.answered
        return {
            "id": self.id,
            "runID": self.run_id,
            "description": "Deploy to production?",
            "confirmText": "Approve",
            "cancelText": "Reject",
            "reviewers": {"allowSelfApprovals": False, "groups": [], "users": []},
            "schema": {"parameters": []},
            "values": {},
            "createdAt": _time(self.created, shape),
            "submittedAt": _time(self.answered, shape) if answered else "",
            "submittedBy": REVIEWER if answered else "",
        }


@dataclass(frozen=True)
class ScriptedRun:
    """One run whose status (and prompt) follows the clock."""

    id: str
    created: float
    ends: float
    fails: bool
    prompt: ScriptedPrompt | None = None

    @property
    def active_at(self) -> float:
        """When the run leaves Queued."""
        return self.created + QUEUED_FOR

    def status(self, now: float) -> str:
        """The status at `now` (a run waiting on its prompt stays Active)."""
        if now >= self.ends:
            return "Failed" if self.fails else "Succeeded"
        return "Active" if now >= self.active_at else "Queued"

    def updated(self, now: float) -> float:
        """The run's last update at `now`: a status change, or its prompt opened or answered."""
        moments = [self.created, self.active_at, self.ends]
        if self.prompt is not None:
            moments += [self.prompt.created, self.prompt.answered]
        return max(moment for moment in moments if moment <= now)

    def wire(self, now: float, shape: Shape) -> dict[str, Any]:
        """The run object as `runs/get` and `runs/list` answer it."""
        status = self.status(now)
        body: dict[str, Any] = {
            "id": self.id,
            "status": status,
            "taskID": "tsk_bench",
            "createdAt": _time(self.created, shape),
            "createdBy": "usr_bench",
            "activeAt": _time(self.active_at, shape) if status != "Queued" else "",
            "succeededAt": _time(self.ends, shape) if status == "Succeeded" else "",
            "failedAt": _time(self.ends, shape) if status == "Failed" else "",
            "cancelledAt": "",
            "childRunIDs": [],
            "paramValues": {},
        }
        if shape == "airfield":
            body = {k: v for k, v in body.items() if v != ""}
            body["taskSlug"] = "bench"
            body["updatedAt"] = _time(self.updated(now), shape)
        return body


def _time(moment: float, shape: Shape) -> str:
    stamp = datetime.fromtimestamp(moment, UTC)
    if shape == "airfield":
        return stamp.isoformat().replace("+00:00", "Z")
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f+00")  # the reference's examples


def script(
    count: int, seed: int, start: float, created_over: float = CREATED_OVER
) -> list[ScriptedRun]:
    """Runs created over the first `created_over` s (5: a burst), lasting 20 to 60 s; one in
    ten fails.

    One in ten opens a prompt at least 1 s after it starts; the script answers it 10-25 s
    later and the run goes on at least 2 s more before it ends.
    """
    rng = random.Random(seed)
    runs = []
    for number in range(count):
        run_id = f"run_{number:05d}"
        created = start + rng.uniform(0, created_over)
        ends = created + rng.uniform(20, 60)
        prompt = None
        if number % PROMPT_EVERY == PROMPT_EVERY // 2:
            wait = rng.uniform(10, 25)
            opens = created + QUEUED_FOR + rng.uniform(1, max(1.0, ends - created - wait - 3))
            prompt = ScriptedPrompt(f"pmt_{number:05d}", run_id, opens, opens + wait)
            ends = max(ends, prompt.answered + 2)
        runs.append(ScriptedRun(run_id, created, ends, rng.random() < 0.1, prompt))
    return runs


def _moment(request: web.Request, name: str) -> float | None:
    """A `since` or `until` filter (both exclusive, RFC 3339) as epoch seconds."""
    text = request.query.get(name)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"{name} is not RFC 3339: {text!r}") from error


def build(
    count: int, seed: int, shape: Shape, created_over: float = CREATED_OVER
) -> web.Application:
    """The aiohttp app serving the scripted runs once `/bench/start` was called."""
    runs: list[ScriptedRun] = []
    by_id: dict[str, ScriptedRun] = {}
    prompts: dict[str, ScriptedPrompt] = {}
    hits: Counter[str] = Counter()
    found: dict[str, float] = {}  # prompt ID -> when prompts/list or prompts/get first showed it

    def created(now: float) -> list[ScriptedRun]:
        return [run for run in runs if run.created <= now]

    async def start(request: web.Request) -> web.Response:
        if not runs:
            runs.extend(script(count, seed, time.time(), created_over))
            by_id.update({run.id: run for run in runs})
            prompts.update({run.prompt.id: run.prompt for run in runs if run.prompt})
        return web.json_response([asdict(run) for run in runs])

    async def list_runs(request: web.Request) -> web.Response:
        hits["runs/list"] += 1
        now = time.time()
        limit = int(request.query.get("limit") or 50) or 50
        page = int(request.query.get("page") or 0)
        since, until = _moment(request, "since"), _moment(request, "until")
        chosen = [
            r
            for r in created(now)
            if (since is None or r.updated(now) > since)
            and (until is None or r.updated(now) < until)
        ]
        chosen.sort(key=lambda run: -run.created)  # newest first, as Airplane lists them
        chunk = chosen[page * limit : (page + 1) * limit]
        return web.json_response({"runs": [r.wire(now, shape) for r in chunk]})

    def run_of(request: web.Request, key: str) -> ScriptedRun:
        run = by_id.get(request.query.get(key, ""))
        if run is None or run.created > time.time():
            raise web.HTTPNotFound(
                text='{"error": "run not found", "code": "not_found"}',
                content_type="application/json",
            )
        return run

    async def get_run(request: web.Request) -> web.Response:
        hits["runs/get"] += 1
        return web.json_response(run_of(request, "id").wire(time.time(), shape))

    async def outputs(request: web.Request) -> web.Response:
        hits["runs/getOutputs"] += 1
        run_of(request, "id")
        return web.json_response({"output": {"rows": [{"host": "web-1", "ok": True}]}})

    async def logs(request: web.Request) -> web.Response:
        hits["runs/getLogs"] += 1
        run_of(request, "runID")
        lines = [{"text": f"step {n}", "level": "info"} for n in range(5)]
        return web.json_response({"logs": lines, "next_token": "", "prev_token": ""})

    async def list_prompts(request: web.Request) -> web.Response:
        hits["prompts/list"] += 1
        run, now = run_of(request, "runID"), time.time()
        shown = [run.prompt] if run.prompt and run.prompt.created <= now else []
        for prompt in shown:
            found.setdefault(prompt.id, now)
        return web.json_response({"prompts": [p.wire(now, shape) for p in shown]})

    async def get_prompt(request: web.Request) -> web.Response:
        hits["prompts/get"] += 1
        prompt, now = prompts.get(request.query.get("id", "")), time.time()
        if prompt is None or prompt.created > now:
            raise web.HTTPNotFound(text="prompt not found")
        found.setdefault(prompt.id, now)
        return web.json_response({"prompt": prompt.wire(now, shape)})

    async def sessions(request: web.Request) -> web.Response:
        hits["sessions/list"] += 1
        return web.json_response({"sessions": []})

    async def stats(request: web.Request) -> web.Response:
        if request.query.get("reset"):
            hits.clear()
        return web.json_response(dict(hits))

    async def prompts_found(request: web.Request) -> web.Response:
        return web.json_response(found)

    app = web.Application()
    app.router.add_get("/v0/runs/list", list_runs)
    app.router.add_get("/v0/runs/get", get_run)
    app.router.add_get("/v0/runs/getOutputs", outputs)
    app.router.add_get("/v0/runs/getLogs", logs)
    app.router.add_get("/v0/prompts/list", list_prompts)
    app.router.add_get("/v0/prompts/get", get_prompt)
    app.router.add_get("/v0/sessions/list", sessions)
    app.router.add_post("/bench/start", start)
    app.router.add_get("/bench/stats", stats)
    app.router.add_get("/bench/found", prompts_found)
    return app


async def serve(
    count: int, seed: int, port_file: Path, shape: Shape, created_over: float = CREATED_OVER
) -> None:
    """Serve until killed, writing the chosen port to `port_file`."""
    runner = web.AppRunner(build(count, seed, shape, created_over), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    await asyncio.to_thread(port_file.write_text, str(port))
    await asyncio.Event().wait()


def main() -> None:
    """`N SEED PORT_FILE SHAPE [CREATED_OVER]` from the command line."""
    if len(sys.argv) not in (5, 6) or sys.argv[4] not in ("documented", "airfield"):
        sys.exit("usage: synthetic_airplane.py N SEED PORT_FILE documented|airfield [SECONDS]")
    shape: Shape = "airfield" if sys.argv[4] == "airfield" else "documented"
    over = float(sys.argv[5]) if len(sys.argv) == 6 else CREATED_OVER
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), shape, over))


if __name__ == "__main__":
    main()
