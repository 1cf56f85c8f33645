"""Tracking bench: N runs in flight, from Airplane to Slack, under Slack's real limits or none.

    PYTHONPATH=. python bench/tracking.py [--counts 60,200] [--scenarios tiers,documented]
                                          [--sustained]

For each N and scenario, a synthetic Airplane server (`bench/synthetic_airplane.py`, its own
process: airfield cannot host thousands of real task processes on 2 cores) scripts N runs,
lasting 20-60 s, one in ten stopping on a prompt that the script answers in Airplane 10-25 s
after it opened, one in ten failing. A Slack process (`bench/slack_server.py`: slackbox, with
20-150 ms of network per call) stands in for Slack. A bot process launches each run at its
creation (as `/airplane run` does: adopted with the parent posted at once, ten runs per
channel) and follows them with the real Tracker, the real AirplaneClient, and the real
`SlackClient` with its workspace scheduler and `SlackWebWriter`; a prompt sink posts each
pending prompt once at `Priority.PROMPT`. Every figure is read from what reached Slack.

Scenarios:
- `documented`: the server speaks only the documented v0 shapes (no `updatedAt`); Slack
  without limits. `airfield`: airfield's `updatedAt` extension. `per-run`: per-run polling
  with no Airplane budget (the naive baseline for requests a minute).
- `tiers`: as `documented`, with slackbox enforcing Slack's tiers (`foundation/slack_limits`).
- `sustained` (`--sustained`): tiers on, 400 runs created evenly over 10 minutes (40 a minute,
  80% of chat.update's 50) in four channels, every fourth run also copied to a fifth channel
  that subscribed to its task (followed at `Origin.SUBSCRIPTION`).

The ideal: Slack's own budgets bound how soon an end can show. "ideal edit" is the p95 delay if
every chat.update (50 a minute, bursts of 10) went to a final edit, in order of the runs' ends;
"ideal sign" the same when each end may show either by that edit or by the thread line
(chat.postMessage: 300 a minute for the workspace, 1 a second per channel), whichever is
sooner. "ideal prompt" is the p95 delay from a prompt's opening to its message if
chat.postMessage's budgets went to prompts alone (each needs its parent posted first: no
schedule knows which runs will prompt); `ordered_prompt_s` the same when parents take what
prompts leave, in order of creation (the bot's own order, with perfect discovery). Ratios
are measured p95 / ideal p95 (an ideal under 1 s counts as 1 s: below that the network and
the polling interval, not Slack's budget, set the pace).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from airplane_api import AirplaneClient
from airplane_api.models import Prompt, PromptState
from bench.synthetic_airplane import QUEUED_FOR
from bot.airplane.transport import BoundedTransport
from bot.core.kinds import Kind
from bot.slack.client import SlackClient
from bot.slack.queueing import Origin, Priority, queued_as
from bot.slack.scheduler import SlackScheduler
from bot.tracking.model import Tracked
from bot.tracking.slack import EVENT_TYPE, SlackWebWriter
from bot.tracking.tracker import Tracker, TrackerSettings
from bot.wiring.services import AIRPLANE_CONCURRENCY
from foundation.slack_limits import CHANNEL_PACE, Tier, tier_of
from foundation.token_bucket import TokenBucket
from slackbox.state import BOT_TOKEN
from tests.support.tracking import MemoryTrackingStore

HERE = Path(__file__).resolve().parent
FINAL = ("Succeeded", "Failed")
RUNS_PER_CHANNEL = 10
SEED = 7
UNLIMITED = Tier("unlimited", 1e9, 1_000_000)  # a Slack that sets no workspace budget
# Each store call waits as long as a local PostgreSQL round trip (bench/replicas.py measured
# 0.5-1.1 ms a call): with none, a store call never yields, and the orderings a real store
# allows (a run's end showing while its next write is recorded) never happen here.
STORE_LATENCY = 0.001
GRACE = 30.0  # seconds past the ideal schedule's last edit before giving up on what is missing


@dataclass(frozen=True)
class Scenario:
    """One way of following the runs: the server's shape, the tracker's feed, Slack's limits."""

    name: str
    shape: str
    per_run: bool = False
    tiers: bool = False
    created_over: float = 5.0
    channels: int = 0  # 0: ten runs per channel; else runs spread over this many channels
    subscribed_every: int = 0  # every n-th run is also copied to a subscribed channel

    def settings(self) -> TrackerSettings:
        """The tracker's settings: the deployment default, or per-run polling unbudgeted."""
        if self.per_run:
            return TrackerSettings(feed="per_run", requests_per_second=1e6)
        return TrackerSettings()  # requests_per_second=20, TRACKER_REQUESTS_PER_SECOND's default

    def channel_of(self, number: int) -> str:
        """The channel run `number` is started in."""
        if self.channels:
            return f"C{number % self.channels:05d}"
        return f"C{number // RUNS_PER_CHANNEL:05d}"

    def channel_count(self, count: int) -> int:
        """Channels the Slack stand-in needs (the subscribed one last)."""
        started = self.channels or (count + RUNS_PER_CHANNEL - 1) // RUNS_PER_CHANNEL
        return started + (1 if self.subscribed_every else 0)


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("documented", "documented"),
        Scenario("airfield", "airfield"),
        Scenario("per-run", "documented", per_run=True),
        Scenario("tiers", "documented", tiers=True),
        Scenario(
            "sustained",
            "documented",
            tiers=True,
            created_over=600.0,
            channels=4,
            subscribed_every=4,
        ),
    )
}


def shows_end(text: str) -> bool:
    """Whether a parent's text says its run ended (`Task x: Succeeded in 3s · ...`)."""
    head = text.split(" · ", 1)[0]
    return any(f": {status}" in head for status in FINAL)


class BenchPromptSink:
    """Posts each pending prompt once, in the run's thread, at the prompts' priority."""

    def __init__(self, slack: SlackClient) -> None:
        self._slack = slack
        self.claimed: set[str] = set()  # prompts handed to Slack's scheduler

    async def on_prompts(self, tracked: Tracked, thread_ts: str, prompts: Sequence[Prompt]) -> None:
        """Post the prompts not posted yet (a failed post is retried on the next sighting)."""
        for prompt in prompts:
            if prompt.state is not PromptState.PENDING or prompt.id in self.claimed:
                continue
            self.claimed.add(prompt.id)
            try:
                with queued_as(Priority.PROMPT):
                    await self._slack.chat_postMessage(
                        channel=tracked.channel,
                        thread_ts=thread_ts,
                        text=f"{prompt.description} (prompt {prompt.id})",
                        metadata={"event_type": EVENT_TYPE, "event_payload": {"key": prompt.id}},
                    )
            except Exception:
                self.claimed.discard(prompt.id)
                raise


async def _launch(tracker: Tracker, runs: list[dict[str, Any]], scenario: Scenario) -> None:
    """Adopt each run at its creation, as `/airplane run` does; copies for a subscription."""
    subscribed = f"C{scenario.channel_count(len(runs)) - 1:05d}"
    for number, run in enumerate(sorted(runs, key=lambda r: r["created"])):
        await asyncio.sleep(max(0.0, run["created"] - time.time()))
        channel = scenario.channel_of(number)
        tracked = Tracked(Kind.RUN, run["id"], channel, "bench", since=run["created"])
        await tracker.watch(tracked, initial_status="Queued")
        if scenario.subscribed_every and number % scenario.subscribed_every == 0:
            copy_ = Tracked(
                Kind.RUN,
                run["id"],
                subscribed,
                "bench",
                since=run["created"],
                origin=Origin.SUBSCRIPTION,
            )
            await tracker.watch(copy_, initial_status="Queued")


@dataclass
class Seen:
    """What reached Slack, read from the stand-in's record of calls."""

    parent_of: dict[tuple[str, str], tuple[str, str]]  # (channel, ts) -> (run, channel)
    final_edit: dict[tuple[str, str], float]  # (run, channel) -> first edit showing the end
    line: dict[tuple[str, str], float]  # (run, channel) -> the thread's ending line
    tail: set[tuple[str, str]]  # (run, channel) with their output or log tail posted
    prompt: dict[str, float]  # prompt ID -> posted
    calls: int
    refused: dict[str, int]

    @classmethod
    def of(cls, records: list[dict[str, Any]]) -> Seen:
        seen = cls({}, {}, {}, set(), {}, 0, {})
        for call in records:
            seen.calls += 1
            if call["status"] == 429:
                seen.refused[call["method"]] = seen.refused.get(call["method"], 0) + 1
                continue
            if not call["ok"]:
                continue
            key, method = call["key"] or "", call["method"]
            if method == "chat.postMessage" and key.startswith("pmt_"):
                seen.prompt.setdefault(key, call["at"])
            elif method == "chat.postMessage" and key.startswith("run:"):
                _, run_id, channel, what = key.split(":", 3)
                ident = (run_id, channel)
                if what == "parent":
                    seen.parent_of[(call["channel"], call["ts"])] = ident
                    if shows_end(call["text"]):  # ended before its turn: posted as it ended
                        seen.final_edit.setdefault(ident, call["at"])
                elif what.startswith("status:"):
                    seen.line.setdefault(ident, call["at"])
                elif what in ("output", "logtail"):
                    seen.tail.add(ident)
            elif method == "files.completeUploadExternal":
                continue  # a long output as a file: counted through its comment's absence
            elif method == "chat.update":
                ident_ = seen.parent_of.get((call["channel"], call["ts"]))
                if ident_ is not None and shows_end(call["text"]):
                    seen.final_edit.setdefault(ident_, call["at"])
        return seen


def ideal_edits(ends: list[float]) -> list[float]:
    """Delays if every chat.update went to a final edit, in order of the runs' ends."""
    tier = tier_of("chat.update")
    ordered = sorted(ends)
    bucket = TokenBucket(tier.per_second, tier.burst, stamp=ordered[0] if ordered else 0.0)
    return [bucket.reserve(end) for end in ordered]


def ideal_signs(ends: list[tuple[float, str]], parents: list[tuple[float, str]]) -> list[float]:
    """Delays if each end showed by its edit or its thread line, whichever Slack's budgets
    let go first (chat.update's; chat.postMessage's for the workspace and the channel).

    Each run's parent is posted when the run is created and spends chat.postMessage's budget
    (the workspace's and its channel's) before any end can: a burst of creations leaves
    little of it for ending lines in the first minute. Nothing else is counted (outputs,
    prompts, status lines): the bound is one no schedule can beat, not a likely one.
    """
    update, post = tier_of("chat.update"), tier_of("chat.postMessage")
    events = sorted([(at, 0, channel) for at, channel in parents] + [(at, 1, c) for at, c in ends])
    start = events[0][0] if events else 0.0
    edits = TokenBucket(update.per_second, update.burst, stamp=start)
    posts = TokenBucket(post.per_second, post.burst, stamp=start)
    channels: dict[str, TokenBucket] = {}
    delays = []
    for at, is_end, channel in events:
        paced = channels.setdefault(
            channel, TokenBucket(CHANNEL_PACE.per_second, CHANNEL_PACE.burst, stamp=start)
        )
        by_line = max(copy.copy(posts).reserve(at), copy.copy(paced).reserve(at))
        if not is_end:
            posts.reserve(at)
            paced.reserve(at)
            continue
        by_edit = copy.copy(edits).reserve(at)
        if by_edit <= by_line:
            delays.append(edits.reserve(at))
        else:
            posts.reserve(at)
            paced.reserve(at)
            delays.append(by_line)
    return delays


def ideal_prompts(
    parents: list[tuple[float, str, str]], prompts: list[tuple[float, float, str, str]]
) -> tuple[list[float], int]:
    """Delays from a prompt's opening to its message, and how many are answered first, if
    chat.postMessage's budgets (the workspace's and each channel's) went to prompts first and
    to parents in order of creation, with every prompt found the moment it opened.

    `parents` are (created, channel, run); `prompts` (opened, answered, channel, run). A prompt
    is asked in its run's thread, so one whose parent is not posted yet needs two posts, the
    parent first; one answered before its turn is not posted (unseen). No schedule knows which
    runs will prompt, so parents are not posted early for them. Ending lines and everything
    else are left out: this is the bot's own order with perfect discovery and no network.
    With no `parents`, only the prompting runs' own parents are posted: Slack's floor for
    prompts (every other run's parent starved) that no schedule can beat.
    """
    post = tier_of("chat.postMessage")
    start = min([at for at, _, _ in parents] + [at for at, _, _, _ in prompts], default=0.0)
    posts = TokenBucket(post.per_second, post.burst, stamp=start)
    channels: dict[str, TokenBucket] = {}
    waiting = sorted(parents)
    opened = sorted(prompts)
    posted: set[str] = set()
    delays: list[float] = []
    unseen = 0
    now, step = start, 0.01

    def channel_free(channel: str, now: float) -> bool:
        paced = channels.setdefault(
            channel, TokenBucket(CHANNEL_PACE.per_second, CHANNEL_PACE.burst, stamp=start)
        )
        return paced.wait_for_token(now) == 0

    while opened:
        now += step
        for prompt in [p for p in opened if p[1] <= now]:  # answered before it was asked
            opened.remove(prompt)
            unseen += 1
        while opened and posts.wait_for_token(now) == 0:
            due = (p for p in opened if p[0] <= now and channel_free(p[2], now))
            chosen = next(due, None)
            if chosen is not None:
                channel, run = chosen[2], chosen[3]
                if run in posted:
                    opened.remove(chosen)
                    delays.append(now - chosen[0])
                else:
                    posted.add(run)
                    waiting = [p for p in waiting if p[2] != run]
            else:
                free = next((p for p in waiting if p[0] <= now and channel_free(p[1], now)), None)
                if free is None:
                    break
                channel = free[1]
                posted.add(free[2])
                waiting.remove(free)
            posts.reserve(now)
            channels[channel].reserve(now)
    return delays, unseen


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")


async def _calls(http: httpx.AsyncClient, slack_url: str) -> list[dict[str, Any]]:
    base = slack_url.removesuffix("api/")
    answer = await http.get(f"{base}bench/calls", timeout=60)
    records: list[dict[str, Any]] = answer.json()
    return records


async def bot(airplane_url: str, slack_url: str, scenario: Scenario) -> dict[str, Any]:
    """Launch and follow every scripted run; return the figures."""
    async with httpx.AsyncClient() as http:
        runs: list[dict[str, Any]] = (await http.post(f"{airplane_url}/bench/start")).json()
        await http.get(f"{airplane_url}/bench/stats", params={"reset": "1"})
    session = aiohttp.ClientSession()
    # Without tiers, the stand-in Slack enforces only the per-channel pace, and the bot is told
    # so: a workspace budget it does not have would pace it for nothing.
    scheduler = SlackScheduler() if scenario.tiers else SlackScheduler(tiers=lambda _: UNLIMITED)
    slack = SlackClient(token=BOT_TOKEN, base_url=slack_url, session=session, scheduler=scheduler)
    sink = BenchPromptSink(slack)
    started = time.time()
    expected = {
        (run["id"], scenario.channel_of(number))
        for number, run in enumerate(sorted(runs, key=lambda r: r["created"]))
    }
    ideal_end = max(r["ends"] for r in runs) + max(ideal_edits([r["ends"] for r in runs]))
    deadline = ideal_end + GRACE + (60.0 if scenario.tiers else 0.0)
    transport = BoundedTransport(AIRPLANE_CONCURRENCY)
    async with (
        AirplaneClient(api_key="tkn_bench", host=airplane_url, transport=transport) as client,
        httpx.AsyncClient() as http,
    ):
        tracker = Tracker(
            client,
            MemoryTrackingStore(latency=STORE_LATENCY),
            SlackWebWriter(slack),
            scenario.settings(),
            scheduler=slack.scheduler,
            prompt_sink=sink,
        )
        await tracker.start()
        launcher = asyncio.create_task(_launch(tracker, runs, scenario))
        while time.time() < deadline:
            await asyncio.sleep(5.0)
            seen = Seen.of(await _calls(http, slack_url))
            if expected <= set(seen.final_edit) and expected <= set(seen.line):
                break
        hits: dict[str, int] = (await http.get(f"{airplane_url}/bench/stats")).json()
        found: dict[str, float] = (await http.get(f"{airplane_url}/bench/found")).json()
        elapsed = time.time() - started
        launcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await launcher
        await tracker.stop()
        records = await _calls(http, slack_url)
    if dump := os.environ.get("BENCH_DUMP_CALLS"):  # every call Slack saw, to read by hand
        await asyncio.to_thread(Path(dump).write_text, json.dumps(records))
    await scheduler.aclose()
    await session.close()
    seen = Seen.of(records)

    figures = _figures(runs, scenario, seen, sink, tracker, scheduler, hits, elapsed)
    return figures | _prompt_stages(runs, seen, found)


def _figures(
    runs: list[dict[str, Any]],
    scenario: Scenario,
    seen: Seen,
    sink: BenchPromptSink,
    tracker: Tracker,
    scheduler: Any,
    hits: dict[str, int],
    elapsed: float,
) -> dict[str, Any]:
    """What the scenario measured, from the script and what reached Slack."""
    ordered = sorted(runs, key=lambda r: r["created"])
    window_start = min(r["created"] for r in runs)
    window = max(r["created"] for r in runs) - window_start
    last_third = window_start + window * 2 / 3
    edit_delays, sign_delays, late_edits, prompt_delays = [], [], [], []
    by_outcome: dict[str, list[float]] = {"plain": [], "failed": [], "prompted": []}
    signs_by_outcome: dict[str, list[float]] = {"plain": [], "failed": [], "prompted": []}
    ends: list[tuple[float, str]] = []
    lost = never_shown = 0
    for number, run in enumerate(ordered):
        ident = (run["id"], scenario.channel_of(number))
        ends.append((run["ends"], ident[1]))
        edited, line = seen.final_edit.get(ident), seen.line.get(ident)
        outcome = "prompted" if run["prompt"] else "failed" if run["fails"] else "plain"
        if edited is not None:
            edit_delays.append(edited - run["ends"])
            by_outcome[outcome].append(edited - run["ends"])
            if scenario.created_over > 60 and run["created"] >= last_third:
                late_edits.append(edited - run["ends"])
        signs = [moment for moment in (edited, line) if moment is not None]
        if signs:
            sign_delays.append(min(signs) - run["ends"])
            signs_by_outcome[outcome].append(min(signs) - run["ends"])
        lost += (edited is None) + (line is None) + (ident not in seen.tail)
        prompt = run["prompt"]
        if prompt is not None:
            shown = seen.prompt.get(prompt["id"])
            if shown is None or shown > prompt["answered"]:
                never_shown += 1
            if shown is not None:
                prompt_delays.append(shown - prompt["created"])
            elif prompt["id"] in sink.claimed:
                lost += 1
    refused = sum(seen.refused.values())
    ideal_edit = _p95(ideal_edits([end for end, _ in ends])) if scenario.tiers else 0.0
    parents = [(run["created"], scenario.channel_of(n)) for n, run in enumerate(ordered)]
    ideal_sign = _p95(ideal_signs(ends, parents)) if scenario.tiers else 0.0
    p95_edit, p95_sign = _p95(edit_delays), _p95(sign_delays)
    ideal_prompt, ordered_prompt, ordered_unseen = 0.0, 0.0, 0
    if scenario.tiers:
        opened = [
            (r["prompt"]["created"], r["prompt"]["answered"], scenario.channel_of(n), r["id"])
            for n, r in enumerate(ordered)
            if r["prompt"]
        ]
        ideal_prompt = _p95(ideal_prompts([], opened)[0])
        every_parent = [
            (r["created"], scenario.channel_of(n), r["id"]) for n, r in enumerate(ordered)
        ]
        delays, ordered_unseen = ideal_prompts(every_parent, opened)
        ordered_prompt = _p95(delays)
    budget = tracker.budget
    return {
        "requests_per_minute": sum(hits.values()) * 60 / elapsed,
        "slack_calls": seen.calls,
        "rate_limited": refused,
        "rate_limited_share": refused / max(seen.calls, 1),
        "refused_by_method": seen.refused,
        "p95_final_edit_s": p95_edit,
        "ideal_final_edit_s": ideal_edit,
        "edit_ratio": p95_edit / max(ideal_edit, 1.0),
        "p95_first_sign_s": p95_sign,
        "ideal_first_sign_s": ideal_sign,
        "sign_ratio": p95_sign / max(ideal_sign, 1.0),
        "p95_final_edit_last_third_s": _p95(late_edits),
        # Which runs are late: a failure's edit waits for its reason, a prompted run's for
        # who decided (both re-read at the end), a plain one only for Slack's budget.
        "p95_final_edit_by_outcome_s": {k: round(_p95(v), 2) for k, v in by_outcome.items()},
        "p95_first_sign_by_outcome_s": {k: round(_p95(v), 2) for k, v in signs_by_outcome.items()},
        "p95_prompt_s": _p95(prompt_delays),
        "ideal_prompt_s": ideal_prompt,
        # The bot's own order (prompts, then parents by creation) with perfect discovery.
        "ordered_prompt_s": ordered_prompt,
        "ordered_prompts_unseen": ordered_unseen,
        "prompt_ratio": _p95(prompt_delays) / max(ideal_prompt, 1.0),
        "prompts": sum(1 for run in runs if run["prompt"]),
        "prompts_never_shown": never_shown,
        "lost": lost,
        "max_queue_depth": scheduler.max_depth,
        "folded": scheduler.folded,
        "dropped": scheduler.dropped,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "elapsed_s": elapsed,
        "hits": hits,
        "lanes": {
            lane.name: [n, round(budget.waited_by_lane[lane] / max(n, 1), 2)]
            for lane, n in budget.spent_by_lane.items()
        },
        "priorities": {
            p.name: [n, round(scheduler.waited_by_priority[p] / max(n, 1), 2)]
            for p, n in scheduler.sent_by_priority.items()
        },
    }


def _prompt_stages(
    runs: list[dict[str, Any]], seen: Seen, found: dict[str, float]
) -> dict[str, Any]:
    """Where a prompt's delay goes: finding it in Airplane (its opening to the first
    `prompts/list` that showed it) and showing it in Slack once found; the slowest five."""
    found_in, shown_in, slowest = [], [], []
    for run in runs:
        prompt = run["prompt"]
        if prompt is None:
            continue
        opened, at = prompt["created"], found.get(prompt["id"])
        shown = seen.prompt.get(prompt["id"])
        if at is not None:
            found_in.append(at - opened)
            if shown is not None:
                shown_in.append(shown - at)
        live = opened - (run["created"] + QUEUED_FOR)
        slowest.append(
            {
                "prompt": prompt["id"],
                "opened_live_s": round(live, 2),
                "found_s": round(at - opened, 2) if at is not None else None,
                "shown_s": round(shown - opened, 2) if shown is not None else None,
                "answered_s": round(prompt["answered"] - opened, 2),
            }
        )
    slowest.sort(key=lambda p: -(p["shown_s"] if p["shown_s"] is not None else 1e9))
    return {
        "p95_prompt_found_s": _p95(found_in),
        "p95_prompt_shown_after_found_s": _p95(shown_in),
        "slowest_prompts": slowest[:5],
    }


def _start(command: list[str], port_file: Path) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(command)
    deadline = time.time() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"{command[1]} did not start")
        time.sleep(0.05)
    return process, port_file.read_text()


def start_airplane(
    tmp: Path, count: int, shape: str, created_over: float | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """The synthetic Airplane with `count` runs of `shape` (created over `created_over` s when
    given, else its default): its process and port."""
    command = [
        sys.executable,
        str(HERE / "synthetic_airplane.py"),
        str(count),
        str(SEED),
        str(tmp / "airplane"),
        shape,
    ]
    if created_over is not None:
        command.append(str(created_over))
    return _start(command, tmp / "airplane")


def start_slack(tmp: Path, channels: int, *, tiers: bool) -> tuple[subprocess.Popen[bytes], str]:
    """The Slack stand-in with `channels` channels, enforcing Slack's tiers or not: its process
    and URL."""
    command = [
        sys.executable,
        str(HERE / "slack_server.py"),
        str(tmp / "slack"),
        str(channels),
        "tiers" if tiers else "no-tiers",
    ]
    return _start(command, tmp / "slack")


def run_scenario(count: int, scenario: Scenario) -> dict[str, Any]:
    """Start a synthetic Airplane, a Slack and a bot process for `count` runs; their figures."""
    with tempfile.TemporaryDirectory() as tmp:
        airplane, port = start_airplane(Path(tmp), count, scenario.shape, scenario.created_over)
        slack, slack_url = start_slack(
            Path(tmp), scenario.channel_count(count), tiers=scenario.tiers
        )
        try:
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--bot",
                    f"http://127.0.0.1:{port}",
                    "--slack",
                    slack_url,
                    "--scenario",
                    scenario.name,
                ],
                capture_output=True,
                text=True,
            )
            if child.returncode != 0:
                raise RuntimeError(f"bot process failed:\n{child.stderr[-3000:]}")
            result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
            return result
        finally:
            for process in (airplane, slack):
                process.kill()
                process.wait()


HEADER = (
    f"{'N':>5} {'scenario':<10} {'req/min':>7} {'429s':>11} {'edit p95':>8} {'ideal':>6} "
    f"{'ratio':>5} {'sign p95':>8} {'ideal':>6} {'ratio':>5} {'late3rd':>7} {'prompt p95':>10} "
    f"{'ideal':>6} {'ratio':>5} {'unshown':>7} {'lost':>4} {'maxq':>5}"
)


def _row(count: int, name: str, f: dict[str, Any]) -> str:
    limited = f"{f['rate_limited']} {f['rate_limited_share']:.1%}"
    return (
        f"{count:>5} {name:<10} {f['requests_per_minute']:>7.0f} {limited:>11} "
        f"{f['p95_final_edit_s']:>7.2f}s {f['ideal_final_edit_s']:>5.1f}s {f['edit_ratio']:>5.2f} "
        f"{f['p95_first_sign_s']:>7.2f}s {f['ideal_first_sign_s']:>5.1f}s "
        f"{f['sign_ratio']:>5.2f} {f['p95_final_edit_last_third_s']:>6.2f}s "
        f"{f['p95_prompt_s']:>9.2f}s {f['ideal_prompt_s']:>5.1f}s {f['prompt_ratio']:>5.2f} "
        f"{f['prompts_never_shown']:>3}/{f['prompts']:<3} "
        f"{f['lost']:>4} {f['max_queue_depth']:>5}"
    )


def main() -> None:
    """Run every scenario and print a table (details of each as one JSON line below it)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="60,200")
    parser.add_argument("--scenarios", default="tiers,documented")
    parser.add_argument("--sustained", action="store_true", help="also 40 runs/min for 10 min")
    parser.add_argument("--bot", help=argparse.SUPPRESS)
    parser.add_argument("--slack", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        print(json.dumps(asyncio.run(bot(args.bot, args.slack, SCENARIOS[args.scenario]))))
        return
    print(HEADER, flush=True)
    plan = [
        (int(c), name) for c in args.counts.split(",") if c for name in args.scenarios.split(",")
    ]
    if args.sustained:
        plan.append((400, "sustained"))
    for count, name in plan:
        figures = run_scenario(count, SCENARIOS[name])
        print(_row(count, name, figures), flush=True)
        print("      ", json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
