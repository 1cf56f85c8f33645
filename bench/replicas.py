"""Replicas bench: the same load followed by 1 and by 3 bot processes on one PostgreSQL, under
Slack's rate tiers, with one replica killed or not.

    PYTHONPATH=. python bench/replicas.py [--count 200] [--replicas 1,3] [--kill-after 0]

A synthetic Airplane server (`bench/synthetic_airplane.py`, the documented shape) scripts N runs
as in `bench/tracking.py`, and the same Slack process (`bench/slack_server.py`, slackbox with
the tiers of `foundation/slack_limits.py`) stands in for Slack. Each replica is its own process
with the real Tracker, AirplaneClient, `SlackClient` and its workspace scheduler, the
PostgreSQL store and the tracker's leases (`StoreLeasing`, `--lease` seconds); it launches its
share of the runs (as `/airplane run` on that replica would) and follows whatever its leases
give it. The replicas share one workspace's Slack budget: each call takes its tokens from rows
in the PostgreSQL database (`bot/store/budgets.py`), as the bot does on PostgreSQL.

With `--kill-after S` (S > 0) and several replicas, the first is killed (SIGKILL) S seconds in.
Printed: Airplane requests per minute, Slack calls refused (429) and their share, p95 delay from
a run's end to the parent edit showing it and to the first sign of the end (edit or thread
line) with the ideal of `bench/tracking.py` and the ratio, prompts never shown, parents per run
(must be 1), runs that never showed their end, and the failover time when one was killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from airplane_api import AirplaneClient
from bench.tracking import (
    RUNS_PER_CHANNEL,
    BenchPromptSink,
    Seen,
    _p95,
    _prompt_stages,
    ideal_edits,
    ideal_signs,
    start_airplane,
    start_slack,
)
from bot.airplane.transport import BoundedTransport
from bot.core.kinds import Kind
from bot.slack.client import SlackClient
from bot.store import Store
from bot.store.leases import new_holder_id
from bot.store.leasing import StoreLeasing
from bot.tracking.model import Identity, Tracked
from bot.tracking.slack import SlackWebWriter
from bot.tracking.tracker import Tracker, TrackerSettings
from bot.wiring.services import AIRPLANE_CONCURRENCY
from slackbox.state import BOT_TOKEN
from tests.support.postgres import PostgresServer

HERE = Path(__file__).resolve().parent
GRACE = 30.0


class TimedLeasing(StoreLeasing):
    """StoreLeasing that logs when it took over an item (the failover figure)."""

    def __init__(self, *args: Any, events: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._events = events

    async def claim(self, items: Any) -> set[Identity]:
        """Claim, and log each takeover with its time."""
        before = self.takeovers
        wanted = list(items)
        held = await super().claim(wanted)
        if self.takeovers > before:
            for tracked in wanted:
                name = f"tracked:{tracked.kind.value}:{tracked.id}:{tracked.channel}"
                lease = self._held.get(name)
                if lease is not None and lease[1].token > 1:
                    event = {"kind": "takeover", "run": tracked.id, "at": time.time()}
                    self._events.write(json.dumps(event) + "\n")
            self._events.flush()
        return held


async def replica(
    url: str, slack_url: str, db: str, index: int, count: int, lease: float, out: Path
) -> None:
    """One bot replica: launch its share of the runs, follow what its leases give it."""
    async with httpx.AsyncClient() as http:
        runs: list[dict[str, Any]] = (await http.post(f"{url}/bench/start")).json()
    store = await Store.open(db)
    session = aiohttp.ClientSession()
    slack = SlackClient(token=BOT_TOKEN, base_url=slack_url, session=session)
    slack.scheduler.held = store.budgets  # as `open_services` does on PostgreSQL
    with out.open("a") as events:
        leasing = TimedLeasing(store.leases, new_holder_id(), ttl=lease, events=events)
        transport = BoundedTransport(AIRPLANE_CONCURRENCY)
        async with AirplaneClient(api_key="tkn_bench", host=url, transport=transport) as client:
            tracker = Tracker(
                client,
                store.tracking,
                SlackWebWriter(slack),
                TrackerSettings(),
                scheduler=slack.scheduler,
                prompt_sink=BenchPromptSink(slack),
                leasing=leasing,
            )
            await tracker.start()
            ordered = sorted(runs, key=lambda r: r["created"])
            for number, run in enumerate(ordered):
                if number % count != index:
                    continue
                await asyncio.sleep(max(0.0, run["created"] - time.time()))
                channel = f"C{number // RUNS_PER_CHANNEL:05d}"
                tracked = Tracked(Kind.RUN, run["id"], channel, "bench", since=run["created"])
                await tracker.watch(tracked, initial_status="Queued")
            ends = [r["ends"] for r in runs]
            drain = max(ideal_edits(ends))
            await asyncio.sleep(max(ends) + drain + GRACE + 60 - time.time())
            await tracker.stop()
    await slack.scheduler.aclose()
    await session.close()
    await store.close()


def scenario(count: int, replicas: int, lease: float, kill_after: float) -> dict[str, Any]:
    """Start PostgreSQL, the synthetic Airplane, the Slack stand-in and the replicas."""
    channels = (count + RUNS_PER_CHANNEL - 1) // RUNS_PER_CHANNEL
    with PostgresServer() as postgres, tempfile.TemporaryDirectory() as tmp:
        db = postgres.create_database()
        airplane, port = start_airplane(Path(tmp), count, "documented")
        slack, slack_url = start_slack(Path(tmp), channels, tiers=True)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            url = f"http://127.0.0.1:{port}"
            runs = httpx.post(f"{url}/bench/start").json()
            httpx.get(f"{url}/bench/stats", params={"reset": "1"})
            started = time.time()
            outs = [Path(tmp) / f"replica{n}.jsonl" for n in range(replicas)]
            env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
            for n in range(replicas):
                cmd = [
                    sys.executable,
                    __file__,
                    "--replica",
                    url,
                    "--slack",
                    slack_url,
                    "--db",
                    db,
                    "--index",
                    str(n),
                    "--of",
                    str(replicas),
                    "--lease",
                    str(lease),
                    "--out",
                    str(outs[n]),
                ]
                procs.append(subprocess.Popen(cmd, env=env))
            killed_at = None
            if replicas > 1 and kill_after > 0:
                time.sleep(max(0.0, started + kill_after - time.time()))
                procs[0].send_signal(signal.SIGKILL)
                killed_at = time.time()
            for proc in procs[1:] if killed_at else procs:
                proc.wait()
            hits: dict[str, int] = httpx.get(f"{url}/bench/stats").json()
            found: dict[str, float] = httpx.get(f"{url}/bench/found").json()
            elapsed = time.time() - started
            base = slack_url.removesuffix("api/")
            calls = httpx.get(f"{base}bench/calls", timeout=60).json()
            events = [json.loads(line) for out in outs if out.exists() for line in out.open()]
        finally:
            for proc in [*procs, airplane, slack]:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
    seen = Seen.of(calls)
    measured = figures(runs, seen, calls, events, hits, elapsed, killed_at, replicas)
    return measured | _prompt_stages(runs, seen, found)


def figures(
    runs: list[dict[str, Any]],
    seen: Seen,
    calls: list[dict[str, Any]],
    events: list[dict[str, Any]],
    hits: dict[str, int],
    elapsed: float,
    killed_at: float | None,
    replicas: int,
) -> dict[str, Any]:
    """What one scenario measured, from what reached Slack."""
    ordered = sorted(runs, key=lambda r: r["created"])
    channel_of = {r["id"]: f"C{n // RUNS_PER_CHANNEL:05d}" for n, r in enumerate(ordered)}
    parents = Counter(run_id for run_id, _ in seen.parent_of.values())
    takeovers: dict[str, float] = {}
    for event in events:
        if event["kind"] == "takeover" and killed_at is not None:
            takeovers.setdefault(event["run"], event["at"] - killed_at)
    edits, signs, prompts, unshown = [], [], [], 0
    for run in ordered:
        ident = (run["id"], channel_of[run["id"]])
        edited, line = seen.final_edit.get(ident), seen.line.get(ident)
        if edited is not None:
            edits.append(edited - run["ends"])
        if edited is not None or line is not None:
            signs.append(min(m for m in (edited, line) if m is not None) - run["ends"])
        prompt = run["prompt"]
        if prompt is not None:
            shown = seen.prompt.get(prompt["id"])
            unshown += shown is None or shown > prompt["answered"]
            if shown is not None:
                prompts.append(shown - prompt["created"])
    ends = [(run["ends"], channel_of[run["id"]]) for run in ordered]
    ideal_edit = _p95(ideal_edits([end for end, _ in ends]))
    creations = [(run["created"], channel_of[run["id"]]) for run in ordered]
    ideal_sign = _p95(ideal_signs(ends, creations))
    refused = sum(seen.refused.values())
    moved = sorted(takeovers.values())
    return {
        "replicas": replicas,
        "requests_per_minute": sum(hits.values()) * 60 / elapsed,
        "slack_calls": len(calls),
        "rate_limited": refused,
        "rate_limited_share": refused / max(len(calls), 1),
        "refused_by_method": seen.refused,
        "p95_final_edit_s": _p95(edits),
        "ideal_final_edit_s": ideal_edit,
        "edit_ratio": _p95(edits) / max(ideal_edit, 1.0),
        "p95_first_sign_s": _p95(signs),
        "ideal_first_sign_s": ideal_sign,
        "sign_ratio": _p95(signs) / max(ideal_sign, 1.0),
        "p95_prompt_s": _p95(prompts),
        "prompts": sum(1 for run in runs if run["prompt"]),
        "prompts_never_shown": unshown,
        "never_ended": len(runs) - len(edits),
        "parents_per_run_max": max(parents.values()) if parents else 0,
        "runs_without_parent": sum(1 for run in runs if run["id"] not in parents),
        "taken_over": len(moved),
        "failover_p50_s": moved[len(moved) // 2] if moved else None,
        "failover_max_s": moved[-1] if moved else None,
    }


def main() -> None:
    """Run each replica count and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--replicas", default="1,3")
    parser.add_argument("--lease", type=float, default=15.0)
    parser.add_argument("--kill-after", type=float, default=0.0)
    parser.add_argument("--replica", help=argparse.SUPPRESS)
    parser.add_argument("--slack", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--of", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replica:
        asyncio.run(
            replica(
                args.replica,
                args.slack,
                args.db,
                args.index,
                args.of,
                args.lease,
                Path(args.out),
            )
        )
        return
    print(
        f"{'N':>5} {'replicas':>8} {'req/min':>7} {'429s':>11} {'edit p95':>8} {'ratio':>5} "
        f"{'sign p95':>8} {'ratio':>5} {'prompt p95':>10} {'unshown':>7} {'ended':>9} "
        f"{'parents/run':>11} {'failover p50/max':>17}",
        flush=True,
    )
    for replicas in [int(n) for n in args.replicas.split(",")]:
        f = scenario(args.count, replicas, args.lease, args.kill_after)
        failover = (
            f"{f['failover_p50_s']:.1f}/{f['failover_max_s']:.1f} s" if f["taken_over"] else "-"
        )
        limited = f"{f['rate_limited']} {f['rate_limited_share']:.1%}"
        print(
            f"{args.count:>5} {replicas:>8} {f['requests_per_minute']:>7.0f} {limited:>11} "
            f"{f['p95_final_edit_s']:>7.2f}s {f['edit_ratio']:>5.2f} "
            f"{f['p95_first_sign_s']:>7.2f}s {f['sign_ratio']:>5.2f} "
            f"{f['p95_prompt_s']:>9.2f}s {f['prompts_never_shown']:>3}/{f['prompts']:<3} "
            f"{args.count - f['never_ended']:>4}/{args.count:<4} "
            f"{f['parents_per_run_max']:>11} {failover:>17}",
            flush=True,
        )
        print("      ", json.dumps(f), flush=True)


if __name__ == "__main__":
    main()
