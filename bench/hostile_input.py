"""Figures for docs/reliability.md's hostile-input section, from one run of the fuzz cases.

    PYTHONPATH=. python -m bench.hostile_input [--seed 22] [--per-class 4]

(as a module: run as a file, bench/airfield.py would shadow the airfield package.)

Starts its own airfield (tests/fuzz/tasks, no rate limit), sends every case of the airfield
fuzz stage (tests/fuzz/airfield_fuzz.py) one at a time while /healthz is asked every 50 ms,
then prints: the request count, answers by status, p50/p99/max latency by input class and
by endpoint group, the slowest cases, /healthz's worst latency, and the 64 KB body of escaped
quotes that once froze airfield for 26 s (best of three, with /healthz asked meanwhile).

Figures depend on the machine; nothing here asserts on them (the fuzz stage does).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from tests.fuzz.airfield_fuzz import Result, build_cases, prepare, send_all, start_server

QUOTES_BODY = b'"' + b'\\"' * 32_000  # issue 22's finding 1: 64,001 bytes


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _row(name: str, seconds: list[float]) -> str:
    p50, p99 = _percentile(seconds, 0.5), _percentile(seconds, 0.99)
    worst = max(seconds)
    return f"| {name} | {len(seconds)} | {p50 * 1000:.1f} | {p99 * 1000:.1f} | {worst * 1000:.1f} |"


def _table(title: str, groups: dict[str, list[float]]) -> None:
    print(f"\n{title}\n\n| {title.split()[1]} | requests | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for name in sorted(groups):
        print(_row(name, groups[name]))


async def _quotes_body(url: str, headers: dict[str, str]) -> tuple[float, int, float]:
    """Best of three posts of QUOTES_BODY, its status, and /healthz's worst latency meanwhile."""
    best, status, health = float("inf"), 0, 0.0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0) as api:
        for _ in range(3):
            began = time.monotonic()
            post = asyncio.create_task(api.post("/v0/tasks/execute", content=QUOTES_BODY))
            while not post.done():
                asked = time.monotonic()
                await api.get("/healthz")
                health = max(health, time.monotonic() - asked)
                await asyncio.sleep(0.005)
            status = (await post).status_code
            best = min(best, time.monotonic() - began)
    return best, status, health


async def main(seed: int, per_class: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, start_server(Path(tmp)) as server:
        world = await prepare(server)
        cases = build_cases(world, seed=seed, per_class=per_class)
        began = time.monotonic()
        results, probe = await send_all(server, world, cases)
        took = time.monotonic() - began
        quotes = await _quotes_body(server.url, server.headers)
        async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as api:
            await api.post("/v0/runs/cancel", json={"runID": world.holder_id})
        log = server.log_text()
    statuses = Counter(r.status for r in results)
    problems = [r for r in results if r.problem]
    print(f"seed {seed}, {per_class} per class: {len(results)} requests in {took:.1f} s")
    print(f"answers: {', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))}")
    print(f"problems (5xx, malformed errors, over 1 s): {len(problems)}")
    for result in problems[:10]:
        print(f"  {result.case.describe()}: {result.problem}")
    print(f"tracebacks in the server log: {log.count('Traceback')}")
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_group: dict[str, list[float]] = defaultdict(list)
    for result in results:
        by_kind[result.case.kind].append(result.seconds)
        group = result.case.path.split("/")[2]
        by_group[f"{result.case.method} {group}/*"].append(result.seconds)
    _table("by input class", by_kind)
    _table("by endpoint group", by_group)
    print("\nslowest cases:")
    slowest: list[Result] = sorted(results, key=lambda r: -r.seconds)[:5]
    for result in slowest:
        print(f"  {result.seconds * 1000:.1f} ms {result.status} {result.case.describe()}")
    print(
        f"\n/healthz during the run: {len(probe.seconds)} asks, "
        f"max {max(probe.seconds) * 1000:.1f} ms, failures {len(probe.failures)}"
    )
    best, status, health = quotes
    print(
        f"64 KB of escaped quotes to tasks/execute: {status} in {best * 1000:.1f} ms (best of 3);"
        f" /healthz meanwhile at most {health * 1000:.1f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--per-class", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seed, arguments.per_class))
