"""airfield throughput and latency, measured against a real server in one run.

    PYTHONPATH=. python bench/airfield.py [--runs 1000] [--samples 40] [--get-seconds 5]
    PYTHONPATH=. python bench/airfield.py --postgres [--runs 1000] [--samples 40]

Starts its own airfield (temporary database, no rate limit) with one trivial shell task
(`echo`), then prints:

1. execute-to-Active latency, p50 and p95, over `--samples` runs started one at a time:
   the client's view (tasks/execute sent -> runs/get first shows Active, polled every 2 ms)
   and the server's own (`activeAt - createdAt`);
2. runs per second: `--runs` runs of the task submitted `--concurrency` at a time, followed
   to the end with runs/list polled by `since` (as the bot's run tracker does), divided by the
   time from the first submit until the last run ended;
3. runs/get requests per second: `--concurrency` clients reading one finished run for
   `--get-seconds` seconds;
4. a follower's runs/list call (`since` = the newest updatedAt, so an empty answer) with every
   run of the bench stored: p50 and p95 over 200 calls.

With `--postgres` it starts a throwaway PostgreSQL server instead (tests/support/postgres.py:
Debian's binaries) with one API node (`serve --no-worker`) and workers (`airfield worker
--concurrency <--max-active-runs>`), and prints, with one worker and then with two:
execute-to-Active p50/p95 (client view and server stamps) and runs per second as above. Then,
with the workers stopped, it queues `--runs` runs, starts both workers, and checks that every run
was executed exactly once (the task writes its run ID to a tally file each time it runs), with
the time the two workers took to drain the queue.

Figures depend on the machine; nothing here asserts on them (except the exactly-once count).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from tests.support.airfield import AirfieldProcess
from tests.support.postgres import PostgresServer

TERMINAL = {"Succeeded", "Failed", "Cancelled"}
NOOP_TASK = """slug: noop
name: No-op
shell:
  entrypoint: noop.sh
"""


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _execute(client: httpx.AsyncClient) -> str:
    response = await client.post("/v0/tasks/execute", json={"slug": "noop"})
    response.raise_for_status()
    run_id: str = response.json()["runID"]
    return run_id


async def _latency(client: httpx.AsyncClient, samples: int) -> tuple[list[float], list[float]]:
    """Client-seen and server-stamped execute-to-Active times in milliseconds."""
    seen, stamped = [], []
    for _ in range(samples):
        started = time.perf_counter()
        run_id = await _execute(client)
        while True:
            run = (await client.get("/v0/runs/get", params={"id": run_id})).json()
            if run["status"] not in ("NotStarted", "Queued"):
                seen.append((time.perf_counter() - started) * 1000)
                break
            await asyncio.sleep(0.002)
        while run["activeAt"] is None or run["status"] not in TERMINAL:
            await asyncio.sleep(0.01)
            run = (await client.get("/v0/runs/get", params={"id": run_id})).json()
        active = _moment(run["activeAt"]) - _moment(run["createdAt"])
        stamped.append(active.total_seconds() * 1000)
    return seen, stamped


async def _follow(client: httpx.AsyncClient, wanted: set[str], since: str) -> None:
    """Poll runs/list by `since` until every run in `wanted` has ended."""
    ended: set[str] = set()
    watermark = since
    while not wanted <= ended:
        page, newest = 0, watermark
        while True:
            params = {"taskSlug": "noop", "since": watermark, "limit": 50, "page": page}
            runs = (await client.get("/v0/runs/list", params=params)).json()["runs"]
            ended.update(run["id"] for run in runs if run["status"] in TERMINAL)
            if page == 0:
                # The next watermark comes from page 0 only (docs/architecture.md).
                newest = max([newest, *(run["updatedAt"] for run in runs)])
            if len(runs) < 50:
                break
            page += 1
        watermark = newest
        await asyncio.sleep(0.05)


async def _throughput(client: httpx.AsyncClient, runs: int, concurrency: int) -> float:
    """Runs per second from the first submit until the last run ended."""
    since = (await client.get("/v0/runs/list", params={"limit": 1})).json()["runs"]
    watermark = since[0]["updatedAt"] if since else "2000-01-01T00:00:00Z"
    gate = asyncio.Semaphore(concurrency)

    async def submit() -> str:
        async with gate:
            return await _execute(client)

    started = time.perf_counter()
    wanted = set(await asyncio.gather(*(submit() for _ in range(runs))))
    await _follow(client, wanted, watermark)
    return runs / (time.perf_counter() - started)


async def _reads(client: httpx.AsyncClient, run_id: str, seconds: float, workers: int) -> float:
    """runs/get requests per second over `seconds`."""
    count = 0
    deadline = time.perf_counter() + seconds

    async def reader() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            response = await client.get("/v0/runs/get", params={"id": run_id})
            response.raise_for_status()
            count += 1

    started = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(workers)))
    return count / (time.perf_counter() - started)


async def _follow_calls(client: httpx.AsyncClient, calls: int) -> list[float]:
    """Milliseconds per runs/list call with a `since` at the newest update."""
    newest = (await client.get("/v0/runs/list", params={"limit": 1})).json()["runs"][0]
    durations = []
    for _ in range(calls):
        started = time.perf_counter()
        response = await client.get("/v0/runs/list", params={"since": newest["updatedAt"]})
        durations.append((time.perf_counter() - started) * 1000)
        assert response.json()["runs"] == []
    return durations


async def main(args: argparse.Namespace) -> None:
    """Start airfield, measure, print."""
    with tempfile.TemporaryDirectory(prefix="airfield-bench-") as tmp:
        tasks = Path(tmp) / "tasks"
        tasks.mkdir()
        (tasks / "noop.task.yaml").write_text(NOOP_TASK)
        (tasks / "noop.sh").write_text("echo ok\n")
        server = AirfieldProcess(
            Path(tmp) / "server",
            tasks_dirs=[tasks],
            extra_args=[
                "--rate-limit",
                "1000000",
                "--rate-burst",
                "1000000",
                "--max-active-runs",
                str(args.max_active_runs),
            ],
            env={"AIRFIELD_LOG_LEVEL": "WARNING"},
        )
        async with server:
            limits = httpx.Limits(max_connections=args.concurrency * 2)
            async with httpx.AsyncClient(
                base_url=server.url, headers=server.headers, timeout=60, limits=limits
            ) as client:
                await _execute(client)  # warm up imports and the first connection
                seen, stamped = await _latency(client, args.samples)
                rate = await _throughput(client, args.runs, args.concurrency)
                last = (await client.get("/v0/runs/list", params={"limit": 1})).json()["runs"]
                reads = await _reads(client, last[0]["id"], args.get_seconds, args.concurrency)
                follows = await _follow_calls(client, 200)
        stored = args.runs + args.samples + 1
    print(f"execute-to-Active, client view ({args.samples} runs, one at a time):")
    print(f"  p50 {statistics.median(seen):.1f} ms   p95 {_percentile(seen, 0.95):.1f} ms")
    print("execute-to-Active, server stamps (activeAt - createdAt):")
    print(f"  p50 {statistics.median(stamped):.1f} ms   p95 {_percentile(stamped, 0.95):.1f} ms")
    print(
        f"runs per second (trivial shell task, {args.runs} runs, {args.concurrency} submitting,"
        f" max {args.max_active_runs} active): {rate:.1f}"
    )
    print(f"runs/get requests per second ({args.concurrency} clients): {reads:.0f}")
    print(f"runs/list since=<newest updatedAt>, {stored} runs stored:")
    print(f"  p50 {statistics.median(follows):.1f} ms   p95 {_percentile(follows, 0.95):.1f} ms")


def _latency_lines(seen: list[float], stamped: list[float]) -> list[str]:
    return [
        f"  execute-to-Active client p50 {statistics.median(seen):.1f} ms"
        f"  p95 {_percentile(seen, 0.95):.1f} ms;"
        f" server stamps p50 {statistics.median(stamped):.1f} ms"
        f"  p95 {_percentile(stamped, 0.95):.1f} ms",
    ]


async def _wait_all_ended(client: httpx.AsyncClient, run_ids: list[str]) -> None:
    """Poll runs/get until each run has ended."""
    for run_id in run_ids:
        while True:
            run = (await client.get("/v0/runs/get", params={"id": run_id})).json()
            if run["status"] in TERMINAL:
                break
            await asyncio.sleep(0.1)


async def postgres_main(args: argparse.Namespace) -> None:
    """The PostgreSQL scenario: one API node, one then two workers, then exactly-once."""
    limits = ["--rate-limit", "1000000", "--rate-burst", "1000000"]
    quiet = {"AIRFIELD_LOG_LEVEL": "WARNING"}
    with PostgresServer() as pg, tempfile.TemporaryDirectory(prefix="airfield-bench-") as tmp:
        db = pg.create_database()
        tasks = Path(tmp) / "tasks"
        tasks.mkdir()
        tally = Path(tmp) / "tally.txt"
        (tasks / "noop.task.yaml").write_text(NOOP_TASK)
        (tasks / "noop.sh").write_text(f'echo "$AIRPLANE_RUN_ID" >> {tally}\n')
        node = AirfieldProcess(
            Path(tmp) / "node", [tasks], db=db, extra_args=["--no-worker", *limits], env=quiet
        )
        workers = [
            AirfieldProcess(
                Path(tmp) / f"worker{i}",
                [tasks],
                db=db,
                command="worker",
                extra_args=["--concurrency", str(args.max_active_runs)],
                env=quiet,
            )
            for i in (1, 2)
        ]
        lines: list[str] = []
        async with node:
            limits_http = httpx.Limits(max_connections=args.concurrency * 2)
            async with httpx.AsyncClient(
                base_url=node.url, headers=node.headers, timeout=60, limits=limits_http
            ) as client:
                for count in (1, 2):
                    await workers[count - 1].start()
                    await _wait_all_ended(client, [await _execute(client)])  # warm up
                    seen, stamped = await _latency(client, args.samples)
                    rate = await _throughput(client, args.runs, args.concurrency)
                    lines.append(f"{count} worker(s), --concurrency {args.max_active_runs} each:")
                    lines += _latency_lines(seen, stamped)
                    lines.append(f"  runs per second ({args.runs} runs): {rate:.1f}")
                for worker in workers:
                    await worker.stop()
                tally.write_text("")
                queued = [await _execute(client) for _ in range(args.runs)]
                started = time.perf_counter()
                for worker in workers:
                    await worker.start()
                await _wait_all_ended(client, queued)
                drained = time.perf_counter() - started
                statuses = [
                    (await client.get("/v0/runs/get", params={"id": r})).json()["status"]
                    for r in queued
                ]
                for worker in workers:
                    await worker.stop()
        executed = tally.read_text().split()
    once = sorted(executed) == sorted(queued)
    lines.append(
        f"{args.runs} runs queued, then two workers: all ended in {drained:.1f} s"
        f" ({args.runs / drained:.1f} runs/s); Succeeded {statuses.count('Succeeded')};"
        f" executions {len(executed)}, distinct {len(set(executed))}:"
        f" {'each exactly once' if once else 'NOT exactly once'}"
    )
    print("\n".join(lines))
    if not once:
        raise SystemExit(1)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--get-seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-active-runs", type=int, default=8)
    parser.add_argument(
        "--postgres", action="store_true", help="the PostgreSQL scenario (API node + workers)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    asyncio.run(postgres_main(arguments) if arguments.postgres else main(arguments))
