"""Tracking bench: N runs in flight, from Airplane to Slack, by way of the change feed or not.

    PYTHONPATH=. python bench/tracking.py [--counts 100,1000] [--paced-counts 1000]

For each N and each scenario, a synthetic Airplane server (`bench/synthetic_airplane.py`, its
own process: airfield cannot host thousands of real task processes on 2 cores) scripts N runs,
created over 5 s, lasting 20-60 s, one in ten stopping on a prompt that the script answers in
Airplane 10-25 s after it opened. A separate bot process launches each run at its creation
(as `/airplane run` does: adopted with the parent posted at once, ten runs per channel) and
follows them with the real Tracker, the real AirplaneClient over HTTP (the bot's bounded
transport), the real Outbox, an in-memory store and a prompt sink that posts each pending prompt
through the outbox at `Priority.PROMPT`, once per prompt ID. The Slack writer is a stand-in that
records when each write reached Slack.

Scenarios:
- `documented`: the server speaks only the documented v0 shapes (no `updatedAt`; a prompt is
  seen only through the prompts endpoints; `since` counts a prompt as an update of its run);
  the tracker's default budget, TRACKER_REQUESTS_PER_SECOND = 20.
- `airfield`: the same with airfield's extension (`updatedAt`, moved by a prompt); budget 20.
- `per-run`: per-run polling (`TrackerSettings(feed="per_run")`, default cadence: each run
  every second, its prompts every 10 s) with no budget: the naive baseline.
- `documented+429` (`--paced-counts`): as `documented`, with a Slack stand-in that enforces
  Slack's documented rate limits (the emulator's `RateLimiter`, from
  `foundation/slack_limits.py`: each method's tier for the workspace, e.g. chat.update 50/min,
  and chat.postMessage also about 1/s per channel) at the moment a call arrives after 20-150 ms
  of network each way, and raises slack_sdk's `SlackApiError` with a 429 and `Retry-After` past
  it, as slack_sdk does.

Printed per scenario: Airplane requests per minute (counted by the server) and their ratio to
per-run polling's, p95 delays from a run's end to the parent edit showing it and to its final
thread line, p95 delay from a prompt's creation to its message in Slack, prompts never shown
while pending, Slack writes lost (a final edit, final line or output/log tail missing, or a
prompt handed to the outbox that never reached Slack), 429s, and the bot's peak RSS; then, per
scenario, requests and mean wait by budget lane and writes and mean wait by outbox priority.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from airplane_api import AirplaneClient
from airplane_api.models import Prompt, PromptState
from bot.http import BoundedTransport
from bot.kinds import Kind
from bot.services import AIRPLANE_CONCURRENCY
from bot.slack.outbox import Outbox, Priority
from bot.tracking.memory import MemoryTrackingStore
from bot.tracking.model import Tracked
from bot.tracking.render import FileBody, Message
from bot.tracking.tracker import Tracker, TrackerSettings
from slackbox.limits import RateLimiter

HERE = Path(__file__).resolve().parent
FINAL = ("Succeeded", "Failed")


def shows_end(body: Message) -> bool:
    """Whether a parent's text says its run ended (`Task x: Succeeded in 3s · ...`)."""
    head = body.text.split(" · ", 1)[0]
    return any(f": {status}" in head for status in FINAL)


RUNS_PER_CHANNEL = 10
SEED = 7
GRACE = 20.0  # seconds after the last scripted end before giving up on what is missing


@dataclass(frozen=True)
class Scenario:
    """One way of following the runs: the server's shape, the tracker's feed, Slack's limits."""

    name: str
    shape: str
    per_run: bool = False
    paced_slack: bool = False

    def settings(self) -> TrackerSettings:
        """The tracker's settings: the deployment default, or per-run polling unbudgeted."""
        if self.per_run:
            return TrackerSettings(feed="per_run", requests_per_second=1e6)
        return TrackerSettings()  # requests_per_second=20, TRACKER_REQUESTS_PER_SECOND's default


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("documented", "documented"),
        Scenario("airfield", "airfield"),
        Scenario("per-run", "documented", per_run=True),
        Scenario("documented+429", "documented", paced_slack=True),
    )
}


class SlackStandIn:
    """A SlackWriter that records when each write reached Slack, optionally enforcing its limits.

    With `limits`, a call first spends `latency` seconds on the network, then meets Slack's rate
    limits (its method's workspace budget, and a post its channel's pace) and gets a 429 with
    `Retry-After` when past them, raised as slack_sdk raises it; then it spends the network time
    back.
    """

    def __init__(
        self,
        expected: int,
        limits: RateLimiter | None = None,
        latency: tuple[float, float] = (0, 0),
    ) -> None:
        self.expected = expected
        self.all_ended = asyncio.Event()
        self._limits = limits
        self._latency = latency
        self._rng = random.Random(SEED)
        self._parents: dict[str, str] = {}
        self.writes = 0
        self.rate_limited = 0
        self.final_edit_at: dict[str, float] = {}
        self.posted_at: dict[str, float] = {}  # metadata key -> when it reached Slack

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        """chat.postMessage; a parent is remembered by its ts."""
        ts = await self._arrive("chat.postMessage", channel)
        self.posted_at[key] = time.time()
        if thread_ts is None:
            self._parents[ts] = key.split(":")[1]
            self._note_parent(ts, body)
        await self._network()
        return ts

    async def update(self, channel: str, ts: str, body: Message) -> None:
        """chat.update; notes when a parent first shows its run's end."""
        await self._arrive("chat.update", channel)
        self._note_parent(ts, body)
        await self._network()

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        """A file upload (files.completeUploadExternal's budget, Tier 4)."""
        file_id = await self._arrive("files.completeUploadExternal", channel)
        self.posted_at[key] = time.time()
        await self._network()
        return f"F{file_id}"

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """Nothing to reconcile in a fresh process."""
        return None

    async def direct_message(self, user_id: str, body: Message) -> None:
        """Not expected here: no channel is refused."""
        self.writes += 1

    async def _network(self) -> None:
        if self._limits is not None:
            await asyncio.sleep(self._rng.uniform(*self._latency))

    async def _arrive(self, method: str, channel: str) -> str:
        """Reach Slack: wait out the network, meet the limits; a new ts for the write."""
        await self._network()
        if self._limits is not None:
            wait = self._limits.check(method, {"channel": channel})
            if wait is not None:
                self.rate_limited += 1
                response = AsyncSlackResponse(
                    client=None,
                    http_verb="POST",
                    api_url=f"https://slack.com/api/{method}",
                    req_args={},
                    data={"ok": False, "error": "ratelimited"},
                    headers={"retry-after": str(wait)},
                    status_code=429,
                )
                raise SlackApiError(f"The request to the Slack API failed. ({method})", response)
        self.writes += 1
        return f"{self.writes}.000000"

    def _note_parent(self, ts: str, body: Message) -> None:
        run_id = self._parents.get(ts)
        if run_id and run_id not in self.final_edit_at and shows_end(body):
            self.final_edit_at[run_id] = time.time()
            if len(self.final_edit_at) >= self.expected:
                self.all_ended.set()


class BenchPromptSink:
    """Posts each pending prompt once, through the outbox at the prompts' priority."""

    def __init__(self, outbox: Outbox, slack: SlackStandIn) -> None:
        self._outbox = outbox
        self._slack = slack
        self.claimed: set[str] = set()  # prompts handed to the outbox

    async def on_prompts(self, tracked: Tracked, thread_ts: str, prompts: Sequence[Prompt]) -> None:
        """Post the prompts not posted yet (a failed post is retried on the next sighting)."""
        for prompt in prompts:
            if prompt.state is not PromptState.PENDING or prompt.id in self.claimed:
                continue
            self.claimed.add(prompt.id)
            try:
                await self._post(tracked.channel, thread_ts, prompt)
            except Exception:
                self.claimed.discard(prompt.id)
                raise

    async def _post(self, channel: str, thread_ts: str, prompt: Prompt) -> None:
        body = Message(text=f"{prompt.description} (prompt {prompt.id})")
        await self._outbox.send(
            channel,
            lambda: self._slack.post(channel, thread_ts, body, f"prompt:{prompt.id}"),
            priority=Priority.PROMPT,
        )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


def _final_line(slack: SlackStandIn, run_id: str, status: str) -> float | None:
    prefix = f"run:{run_id}:"
    for key, moment in slack.posted_at.items():
        if key.startswith(prefix) and key.endswith(f":{status}") and ":status:" in key:
            return moment
    return None


async def _launch(tracker: Tracker, runs: list[dict[str, Any]]) -> None:
    """Adopt each run at its creation, as `/airplane run` does, ten runs per channel."""
    for number, run in enumerate(sorted(runs, key=lambda r: r["created"])):
        await asyncio.sleep(max(0.0, run["created"] - time.time()))
        channel = f"C{number // RUNS_PER_CHANNEL:05d}"
        tracked = Tracked(Kind.RUN, run["id"], channel, "bench", since=run["created"])
        await tracker.watch(tracked, initial_status="Queued")


async def bot(url: str, scenario: Scenario) -> dict[str, Any]:
    """Launch and follow every scripted run; return the figures."""
    limits = RateLimiter() if scenario.paced_slack else None
    async with httpx.AsyncClient() as http:
        runs: list[dict[str, Any]] = (await http.post(f"{url}/bench/start")).json()
        await http.get(f"{url}/bench/stats", params={"reset": "1"})
    slack = SlackStandIn(len(runs), limits, latency=(0.02, 0.15))
    outbox = Outbox()
    sink = BenchPromptSink(outbox, slack)
    started = time.time()
    deadline = max(run["ends"] for run in runs) + GRACE
    transport = BoundedTransport(AIRPLANE_CONCURRENCY)
    async with AirplaneClient(api_key="tkn_bench", host=url, transport=transport) as client:
        tracker = Tracker(
            client, MemoryTrackingStore(), slack, outbox, scenario.settings(), prompt_sink=sink
        )
        await tracker.start()
        launcher = asyncio.create_task(_launch(tracker, runs))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(slack.all_ended.wait(), timeout=deadline - time.time())
        # Requests are counted over the same window as the time (not the stop's draining).
        async with httpx.AsyncClient() as http:
            hits: dict[str, int] = (await http.get(f"{url}/bench/stats")).json()
        elapsed = time.time() - started
        launcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await launcher
        await tracker.stop()
        await outbox.aclose()
    return _figures(runs, slack, sink, tracker, outbox, hits, elapsed)


def _figures(
    runs: list[dict[str, Any]],
    slack: SlackStandIn,
    sink: BenchPromptSink,
    tracker: Tracker,
    outbox: Outbox,
    hits: dict[str, int],
    elapsed: float,
) -> dict[str, Any]:
    """What the scenario measured, from the script and what reached Slack."""
    edit_delays: list[float] = []
    line_delays: list[float] = []
    prompt_delays: list[float] = []
    lost = never_shown = 0
    for run in runs:
        status = "Failed" if run["fails"] else "Succeeded"
        ending = "logtail" if run["fails"] else "output"
        edited = slack.final_edit_at.get(run["id"])
        line = _final_line(slack, run["id"], status)
        for moment, delays in ((edited, edit_delays), (line, line_delays)):
            if moment is not None:
                delays.append(moment - run["ends"])
        prefix = f"run:{run['id']}:"
        ended = any(k.startswith(prefix) and k.endswith(ending) for k in slack.posted_at)
        lost += (edited is None) + (line is None) + (not ended)
        prompt = run["prompt"]
        if prompt is not None:
            shown = slack.posted_at.get(f"prompt:{prompt['id']}")
            if shown is None or shown > prompt["answered"]:
                never_shown += 1
            if shown is not None:
                prompt_delays.append(shown - prompt["created"])
            elif prompt["id"] in sink.claimed:
                lost += 1
    budget = tracker.budget
    return {
        "requests": sum(hits.values()),
        "requests_per_minute": sum(hits.values()) * 60 / elapsed,
        "p95_final_edit_s": _p95(edit_delays),
        "p95_final_line_s": _p95(line_delays),
        "p95_prompt_s": _p95(prompt_delays),
        "prompts": sum(1 for run in runs if run["prompt"]),
        "prompts_never_shown": never_shown,
        "lost": lost,
        "rate_limited": slack.rate_limited,
        "outbox_retries": outbox.rate_limited,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "elapsed_s": elapsed,
        "hits": hits,
        "lanes": {
            lane.name: [n, round(budget.waited_by_lane[lane] / max(n, 1), 2)]
            for lane, n in budget.spent_by_lane.items()
        },
        "priorities": {
            p.name: [n, round(outbox.waited_by_priority[p] / max(n, 1), 2)]
            for p, n in outbox.sent_by_priority.items()
        },
        "prompt_checks": tracker.prompt_checks,
        "fell_back_to_per_run": tracker.per_run and tracker.settings.feed != "per_run",
    }


def run_scenario(count: int, scenario: Scenario) -> dict[str, Any]:
    """Start a synthetic server for `count` runs and a bot process; their figures."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "synthetic_airplane.py"),
                str(count),
                str(SEED),
                str(port_file),
                scenario.shape,
            ]
        )
        try:
            deadline = time.time() + 30
            while not port_file.exists() or not port_file.read_text():
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("synthetic server did not start")
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port_file.read_text()}"
            child = subprocess.run(
                [sys.executable, __file__, "--bot", url, "--scenario", scenario.name],
                capture_output=True,
                text=True,
            )
            if child.returncode != 0:
                raise RuntimeError(f"bot process failed:\n{child.stderr[-3000:]}")
            result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
            return result
        finally:
            server.kill()
            server.wait()


HEADER = (
    f"{'N':>5} {'scenario':<15} {'req/min':>8} {'ratio':>6} {'edit p95':>9} {'line p95':>9} "
    f"{'prompt p95':>10} {'unshown':>8} {'lost':>5} {'429s':>5} {'RSS MB':>7}"
)


def _row(count: int, name: str, figures: dict[str, Any], baseline: float | None) -> str:
    ratio = f"{figures['requests_per_minute'] / baseline:.1%}" if baseline else "-"
    unshown = f"{figures['prompts_never_shown']}/{figures['prompts']}"
    return (
        f"{count:>5} {name:<15} {figures['requests_per_minute']:>8.0f} {ratio:>6} "
        f"{figures['p95_final_edit_s']:>8.2f}s {figures['p95_final_line_s']:>8.2f}s "
        f"{figures['p95_prompt_s']:>9.2f}s {unshown:>8} {figures['lost']:>5} "
        f"{figures['rate_limited']:>5} {figures['peak_rss_mb']:>7.0f}"
    )


def main() -> None:
    """Run every scenario and print a table (details of each as one JSON line below it)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="100,1000")
    parser.add_argument("--scenarios", default="per-run,documented,airfield")
    parser.add_argument("--paced-counts", default="1000", help="N for documented+429 ('' none)")
    parser.add_argument("--bot", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        print(json.dumps(asyncio.run(bot(args.bot, SCENARIOS[args.scenario]))))
        return
    paced = {int(c) for c in args.paced_counts.split(",") if c}
    print(HEADER, flush=True)
    for count in [int(c) for c in args.counts.split(",")]:
        names = args.scenarios.split(",") + (["documented+429"] if count in paced else [])
        baseline = None
        for name in names:
            figures = run_scenario(count, SCENARIOS[name])
            if name == "per-run":
                baseline = figures["requests_per_minute"]
            print(_row(count, name, figures, baseline), flush=True)
            print("      ", json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
