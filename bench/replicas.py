"""Replicas bench: the same load followed by 1 and by 3 bot processes on one PostgreSQL.

    PYTHONPATH=. python bench/replicas.py [--count 1000] [--replicas 1,3] [--lease 15]

A synthetic Airplane server (`bench/synthetic_airplane.py`, airfield's feed shape) scripts N
runs as in `bench/tracking.py`. Each replica is its own process with the real Tracker, the
real AirplaneClient, the PostgreSQL store (`SqlTrackingStore`) and the
tracker's leases (`StoreLeasing`, `--lease` seconds, the `BOT_LEASE_SECONDS` default 15); it
launches its share of the runs (as `/airplane run` on that replica would) and follows whatever
its leases give it. The Slack stand-in of each replica records its writes; parents carry their
run's ID in their ts so an edit by any replica is attributed.

With several replicas, the first is killed (SIGKILL) `--kill-after` seconds in, mid-run. Printed:
Airplane requests per minute, p95 delay from a run's end to the parent edit showing it, parents
posted per run (must be 1), runs that never showed their end, and the failover time: from the
kill until the survivors hold the lease of each of the dead replica's unfinished runs (p50 and
max), which bounds when those runs move again.
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from airplane_api import AirplaneClient
from bench.tracking import RUNS_PER_CHANNEL, SEED, SlackStandIn, _p95, shows_end
from bot.http import BoundedTransport
from bot.kinds import Kind
from bot.services import AIRPLANE_CONCURRENCY
from bot.store import Store
from bot.store.leases import new_holder_id
from bot.tracking.leasing import StoreLeasing
from bot.tracking.model import Identity, Tracked
from bot.tracking.render import Message
from bot.tracking.tracker import Tracker, TrackerSettings
from tests.support.postgres import PostgresServer

HERE = Path(__file__).resolve().parent
GRACE = 30.0


class ReplicaSlack(SlackStandIn):
    """The stand-in for one replica: parent ts name their run, every write is logged."""

    def __init__(self, events: Any) -> None:
        super().__init__(expected=10**9)
        self._events = events

    async def post(self, channel: str, thread_ts: str | None, body: Message, key: str) -> str:
        """A parent's ts is `P-<run id>-<n>`, so edits from any replica name their run."""
        ts = await super().post(channel, thread_ts, body, key)
        if thread_ts is None:
            run_id = key.split(":")[1]
            ts = f"P-{run_id}-{ts}"
            self._emit("parent", run_id)
            self._note(run_id, body)
        return ts

    async def update(self, channel: str, ts: str, body: Message) -> None:
        """An edit; a parent's run comes from its ts."""
        await super().update(channel, ts, body)
        if ts.startswith("P-"):
            self._note(ts.split("-")[1], body)

    def _note(self, run_id: str, body: Message) -> None:
        if shows_end(body):
            self._emit("final", run_id)

    def _emit(self, kind: str, run_id: str) -> None:
        self._events.write(json.dumps({"kind": kind, "run": run_id, "at": time.time()}) + "\n")
        self._events.flush()


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


async def replica(url: str, db: str, index: int, count: int, lease: float, out: Path) -> None:
    """One bot replica: launch its share of the runs, follow what its leases give it."""
    async with httpx.AsyncClient() as http:
        runs: list[dict[str, Any]] = (await http.post(f"{url}/bench/start")).json()
    store = await Store.open(db)
    with out.open("a") as events:
        slack = ReplicaSlack(events)
        leasing = TimedLeasing(store.leases, new_holder_id(), ttl=lease, events=events)
        transport = BoundedTransport(AIRPLANE_CONCURRENCY)
        async with AirplaneClient(api_key="tkn_bench", host=url, transport=transport) as client:
            tracker = Tracker(client, store.tracking, slack, TrackerSettings(), leasing=leasing)
            await tracker.start()
            ordered = sorted(runs, key=lambda r: r["created"])
            for number, run in enumerate(ordered):
                if number % count != index:
                    continue
                await asyncio.sleep(max(0.0, run["created"] - time.time()))
                channel = f"C{number // RUNS_PER_CHANNEL:05d}"
                tracked = Tracked(Kind.RUN, run["id"], channel, "bench", since=run["created"])
                await tracker.watch(tracked, initial_status="Queued")
            await asyncio.sleep(max(r["ends"] for r in runs) + GRACE - time.time())
            await tracker.stop()
    await store.close()


def scenario(count: int, replicas: int, lease: float, kill_after: float) -> dict[str, Any]:
    """Start PostgreSQL, the synthetic server and the replicas; their figures."""
    with PostgresServer() as postgres, tempfile.TemporaryDirectory() as tmp:
        db = postgres.create_database()
        port_file = Path(tmp) / "port"
        server = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "synthetic_airplane.py"),
                str(count),
                str(SEED),
                str(port_file),
                "airfield",
            ]
        )
        procs: list[subprocess.Popen[bytes]] = []
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port_file.read_text()}"
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
            if replicas > 1:
                time.sleep(max(0.0, started + kill_after - time.time()))
                procs[0].send_signal(signal.SIGKILL)
                killed_at = time.time()
            for proc in procs[1:] if killed_at else procs:
                proc.wait()
            hits: dict[str, int] = httpx.get(f"{url}/bench/stats").json()
            elapsed = time.time() - started
            events = [json.loads(line) for out in outs if out.exists() for line in out.open()]
        finally:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            server.kill()
            server.wait()
    return figures(runs, events, hits, elapsed, killed_at, replicas)


def figures(
    runs: list[dict[str, Any]],
    events: list[dict[str, Any]],
    hits: dict[str, int],
    elapsed: float,
    killed_at: float | None,
    replicas: int,
) -> dict[str, Any]:
    """What one scenario measured."""
    final: dict[str, float] = {}
    parents: Counter[str] = Counter()
    takeovers: dict[str, float] = {}
    for event in events:
        if event["kind"] == "final":
            final[event["run"]] = min(event["at"], final.get(event["run"], event["at"]))
        elif event["kind"] == "parent":
            parents[event["run"]] += 1
        elif event["kind"] == "takeover" and killed_at is not None:
            takeovers.setdefault(event["run"], event["at"] - killed_at)
    delays = [final[run["id"]] - run["ends"] for run in runs if run["id"] in final]
    moved = sorted(takeovers.values())
    return {
        "replicas": replicas,
        "requests_per_minute": sum(hits.values()) * 60 / elapsed,
        "p95_final_edit_s": _p95(delays),
        "never_ended": sum(1 for run in runs if run["id"] not in final),
        "parents_per_run_max": max(parents.values()) if parents else 0,
        "runs_without_parent": sum(1 for run in runs if run["id"] not in parents),
        "taken_over": len(moved),
        "failover_p50_s": moved[len(moved) // 2] if moved else None,
        "failover_max_s": moved[-1] if moved else None,
    }


def main() -> None:
    """Run each replica count and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--replicas", default="1,3")
    parser.add_argument("--lease", type=float, default=15.0)
    parser.add_argument("--kill-after", type=float, default=20.0)
    parser.add_argument("--replica", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--of", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replica:
        asyncio.run(replica(args.replica, args.db, args.index, args.of, args.lease, Path(args.out)))
        return
    print(
        f"{'N':>5} {'replicas':>8} {'req/min':>8} {'edit p95':>9} {'ended':>9} "
        f"{'parents/run':>11} {'taken over':>10} {'failover p50/max':>17}",
        flush=True,
    )
    for replicas in [int(n) for n in args.replicas.split(",")]:
        f = scenario(args.count, replicas, args.lease, args.kill_after)
        failover = (
            f"{f['failover_p50_s']:.1f}/{f['failover_max_s']:.1f} s" if f["taken_over"] else "-"
        )
        print(
            f"{args.count:>5} {replicas:>8} {f['requests_per_minute']:>8.0f} "
            f"{f['p95_final_edit_s']:>8.2f}s {args.count - f['never_ended']:>4}/{args.count:<4} "
            f"{f['parents_per_run_max']:>11} {f['taken_over']:>10} {failover:>17}",
            flush=True,
        )
        print("      ", json.dumps(f), flush=True)


if __name__ == "__main__":
    main()
