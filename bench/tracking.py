"""Tracking bench: N runs in flight, the change feed against per-run polling.

    PYTHONPATH=. python bench/tracking.py [--counts 100,1000,5000] [--seconds 60]

For each N and each way of polling, a synthetic Airplane-compatible server
(`bench/synthetic_airplane.py`, its own process: airfield cannot host thousands of real task
processes on 2 cores) scripts N runs created over 10 s and lasting 20-50 s, and a separate bot
process runs the real Tracker (real AirplaneClient over HTTP, real Outbox pacing one write per
second per channel, two runs per channel, in-memory store) with a Slack writer that records
writes in memory instead of calling Slack. Printed per scenario: Airplane requests per minute
(counted by the server), p95 delay from a run's scripted end to the Slack edit of its parent
showing the final status, runs that never got that edit in the window, and the bot's peak RSS.

`per-run` is the naive baseline: every run fetched with `runs/get` once a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from airplane_api import AirplaneClient
from bot.tracking.feed import Cadence
from bot.tracking.memory import MemoryTrackingStore
from bot.tracking.model import Kind, Tracked
from bot.tracking.outbox import Outbox
from bot.tracking.render import FileBody, Message
from bot.tracking.tracker import Tracker, TrackerSettings

HERE = Path(__file__).resolve().parent
FINAL = ("Succeeded", "Failed")
RUNS_PER_CHANNEL = 2


class RecordingSlack:
    """A SlackWriter that keeps no history, only when each run's parent first showed its end."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.all_ended = asyncio.Event()
        self.count = 0
        self.ended_at: dict[str, float] = {}
        self._parents: dict[str, str] = {}

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        """Record a post; parents are remembered by ts."""
        self.count += 1
        ts = f"{self.count}.000"
        if thread_ts is None:
            run_id = key.split(":")[1]
            self._parents[ts] = run_id
            self._note(run_id, body)
        return ts

    async def update(self, channel: str, ts: str, body: Message) -> None:
        """Record an edit of a parent."""
        self.count += 1
        run_id = self._parents.get(ts)
        if run_id is not None:
            self._note(run_id, body)

    async def upload(self, channel: str, thread_ts: str | None, body: FileBody, key: str) -> str:
        """Record an upload."""
        self.count += 1
        return f"F{self.count}"

    async def find(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """Nothing to reconcile in a fresh process."""
        return None

    def _note(self, run_id: str, body: Message) -> None:
        if run_id not in self.ended_at and body.text.endswith(FINAL):
            self.ended_at[run_id] = time.time()
            if len(self.ended_at) >= self.expected:
                self.all_ended.set()


async def bot(url: str, mode: str, seconds: float) -> dict[str, Any]:
    """Track every scripted run for `seconds`; return the figures."""
    async with httpx.AsyncClient() as http:
        ends: dict[str, float] = (await http.get(f"{url}/bench/schedule")).json()
    if mode == "feed":
        settings = TrackerSettings(requests_per_second=200.0)
    else:
        every = Cadence(fast=1.0, medium=1.0, slow=1.0)
        settings = TrackerSettings(requests_per_second=1e6, feed="per_run", cadence=every)
    slack = RecordingSlack(len(ends))
    started = time.time()
    async with AirplaneClient(api_key="tkn_bench", host=url) as client:
        async with httpx.AsyncClient() as http:
            await http.get(f"{url}/bench/stats", params={"reset": "1"})
        tracker = Tracker(client, MemoryTrackingStore(), slack, Outbox(), settings)
        await tracker.start()
        for number, run_id in enumerate(sorted(ends)):
            channel = f"C{number // RUNS_PER_CHANNEL:05d}"
            await tracker.watch(Tracked(Kind.RUN, run_id, channel, "bench", since=started))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(slack.all_ended.wait(), timeout=seconds)
        elapsed = time.time() - started
        await tracker.stop()
        async with httpx.AsyncClient() as http:
            hits = (await http.get(f"{url}/bench/stats")).json()
    delays = sorted(
        slack.ended_at[run_id] - ends[run_id] for run_id in ends if run_id in slack.ended_at
    )
    due = [run_id for run_id, end in ends.items() if end < started + elapsed]
    missing = [run_id for run_id in due if run_id not in slack.ended_at]
    p95 = delays[int(0.95 * (len(delays) - 1))] if delays else float("nan")
    return {
        "requests_per_minute": sum(hits.values()) * 60 / elapsed,
        "hits": hits,
        "p95_delay_s": p95,
        "ended_in_window": len(due),
        "missed": len(missing),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "slack_writes": slack.count,
        "fell_back": tracker.per_run,
    }


def scenario(count: int, mode: str, seconds: float) -> dict[str, Any]:
    """Start a synthetic server for `count` runs and a bot process in `mode`; their figures."""
    with tempfile.TemporaryDirectory() as tmp:
        port_file = Path(tmp) / "port"
        server = subprocess.Popen(
            [sys.executable, str(HERE / "synthetic_airplane.py"), str(count), "7", str(port_file)]
        )
        try:
            deadline = time.time() + 30
            while not port_file.exists() or not port_file.read_text():
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("synthetic server did not start")
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port_file.read_text()}"
            child = subprocess.run(
                [sys.executable, __file__, "--bot", url, "--mode", mode, "--seconds", str(seconds)],
                capture_output=True,
                text=True,
                check=True,
            )
            result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
            return result
        finally:
            server.kill()
            server.wait()


def main() -> None:
    """Run every scenario and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="100,1000,5000")
    parser.add_argument("--modes", default="feed,per-run")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--bot")
    parser.add_argument("--mode")
    args = parser.parse_args()
    if args.bot:
        print(json.dumps(asyncio.run(bot(args.bot, args.mode, args.seconds))))
        return
    header = f"{'N':>6} {'polling':>8} {'req/min':>9} {'p95 s':>7} {'missed':>7} {'RSS MB':>7}"
    print(header)
    for count in [int(c) for c in args.counts.split(",")]:
        for mode in args.modes.split(","):
            figures = scenario(count, mode, args.seconds)
            print(
                f"{count:>6} {mode:>8} {figures['requests_per_minute']:>9.0f} "
                f"{figures['p95_delay_s']:>7.2f} "
                f"{figures['missed']:>3}/{figures['ended_in_window']:<4}"
                f"{figures['peak_rss_mb']:>6.0f}",
                flush=True,
            )
            print("   ", json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
