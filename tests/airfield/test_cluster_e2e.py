"""airfield beyond one machine: two API nodes (--no-worker) and two workers as real processes
on one PostgreSQL database.

A prompt opened on a worker is answered through the other API node and the run goes on at once;
a worker killed with -9 loses its runs (Failed within 30 s, naming the worker, never run twice)
while the other worker's go on; an API node killed leaves the other serving; a worker stopped
with SIGTERM finishes what it runs. Idempotency keys and rate limits hold across API nodes.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.eventually import eventually
from tests.support.postgres import PostgresServer

from .conftest import client_for
from .helpers import execute, logs_of, output_of, wait_prompts, wait_run

CLUSTER_TASKS = Path(__file__).with_name("cluster_tasks")
# Short leases so a lost worker is noticed in seconds; the contract is "Failed within 30 s".
CLUSTER_ENV = {"AIRFIELD_LEASE_SECONDS": "4", "AIRFIELD_DRAIN_SECONDS": "20"}
LOST_WITHIN = 30.0


@dataclass
class Cluster:
    """Two API nodes and two workers on one database."""

    db: str
    nodes: list[AirfieldProcess]
    workers: list[AirfieldProcess]
    tally: Path

    def held_by(self) -> dict[str, str]:
        """run ID -> the worker ID that claimed it, read from the database."""
        with psycopg.connect(self.db) as conn:
            rows = conn.execute("SELECT id, worker_id FROM runs WHERE worker_id IS NOT NULL")
            return {str(run_id): str(worker) for run_id, worker in rows.fetchall()}

    def executions(self) -> list[str]:
        """Every run ID the tally task wrote, once per execution."""
        if not (self.tally / "tally.txt").exists():
            return []
        return (self.tally / "tally.txt").read_text().split()


def _start(process: AirfieldProcess, stack: list[AirfieldProcess]) -> AirfieldProcess:
    process.start_sync()
    stack.append(process)
    return process


@pytest.fixture
def cluster(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Cluster]:
    """A fresh database; the processes start together, racing to migrate it."""
    db = postgres_server.create_database()
    tasks = [EXAMPLES, CLUSTER_TASKS]
    nodes = [
        AirfieldProcess(
            tmp_path / f"node{i}", tasks, db=db, extra_args=["--no-worker"], env=CLUSTER_ENV
        )
        for i in (1, 2)
    ]
    workers = [
        AirfieldProcess(
            tmp_path / f"worker{i}",
            tasks,
            db=db,
            command="worker",
            extra_args=["--concurrency", "2"],
            env=CLUSTER_ENV,
        )
        for i in (1, 2)
    ]
    started: list[AirfieldProcess] = []
    tally = tmp_path / "tally"
    tally.mkdir()
    try:
        for process in [*nodes, *workers]:
            process.start_sync()
            started.append(process)
        yield Cluster(db, nodes, workers, tally)
    finally:
        for process in started:
            process.stop_sync(grace=30)


@pytest.fixture
async def apis(cluster: Cluster) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of each API node."""
    async with client_for(cluster.nodes[0]) as one, client_for(cluster.nodes[1]) as two:
        yield one, two


async def test_a_prompt_opened_on_a_worker_is_answered_through_the_other_node(
    apis: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    """Executed through node 1, prompted on a worker, submitted through node 2: the run goes
    on at once (LISTEN/NOTIFY reaches the worker holding airplanesdk's prompts/get), and both
    nodes agree on every answer about it."""
    one, two = apis
    run_id = await execute(one, "deploy", service="web", version="v1.2.3")
    prompt = (await wait_prompts(two, runID=run_id))[0]
    values = {"replicas": 3, "canary": False, "window": "2031-01-01", "note": "cluster"}
    submitted = time.monotonic()
    answer = await two.post("/v0/prompts/submit", json={"id": prompt["id"], "values": values})
    assert answer.status_code == 200, answer.text
    run = await wait_run(one, run_id)
    resumed_in = time.monotonic() - submitted
    assert run["status"] == "Succeeded", await logs_of(one, run_id)
    # The SDK's prompts/get is held up to 5 s on its worker; only a notice ends it sooner.
    assert resumed_in < 3.0, f"the run went on {resumed_in:.1f} s after the answer"
    assert (await output_of(two, run_id))["replicas"] == 3
    for api in (one, two):
        fetched = (await api.get("/v0/runs/get", params={"id": run_id})).json()
        assert fetched["status"] == "Succeeded"


async def test_a_worker_killed_mid_run_loses_only_its_runs(
    cluster: Cluster, apis: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    """Four runs, two on each worker; one worker gets SIGKILL. Its runs end Failed within
    30 s with an error naming the worker, none runs twice, the other worker's succeed, and a
    new run still runs."""
    one, two = apis
    run_ids = [
        await execute((one, two)[i % 2], "tally", dir=str(cluster.tally), seconds=10)
        for i in range(4)
    ]
    for run_id in run_ids:
        await wait_run(one, run_id, {"Active"})
    await eventually(lambda: _all_written(cluster, run_ids), within=10)
    held = cluster.held_by()
    victim = cluster.workers[0]
    victim_runs = [r for r in run_ids if f":{victim.pid}:" in held[r]]
    survivor_runs = [r for r in run_ids if r not in victim_runs]
    assert len(victim_runs) == 2, held
    assert len(survivor_runs) == 2, held

    killed_at = time.monotonic()
    await victim.kill()
    for run_id in victim_runs:
        run = await wait_run(two, run_id, deadline=LOST_WITHIN)
        assert run["status"] == "Failed"
        assert time.monotonic() - killed_at < LOST_WITHIN
        error = (await output_of(one, run_id))["error"]
        assert "worker" in error, error
        assert held[run_id] in error, error
    for run_id in survivor_runs:
        assert (await wait_run(one, run_id))["status"] == "Succeeded"
    late = await execute(two, "tally", dir=str(cluster.tally), seconds=0)
    assert (await wait_run(one, late))["status"] == "Succeeded"
    executions = cluster.executions()
    assert sorted(executions) == sorted([*run_ids, late]), "a run executed twice or never"


async def _all_written(cluster: Cluster, run_ids: list[str]) -> bool | None:
    return set(run_ids) <= set(cluster.executions()) or None


async def test_an_api_node_killed_leaves_the_other_serving(
    cluster: Cluster, apis: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    """Node 1 dies with -9; node 2 lists what node 1 started and runs new work."""
    one, two = apis
    before = await execute(one, "hello", name="before")
    await cluster.nodes[0].kill()
    assert (await wait_run(two, before))["status"] == "Succeeded"
    after = await execute(two, "hello", name="after")
    assert (await wait_run(two, after))["status"] == "Succeeded"
    listed = (await two.get("/v0/runs/list", params={"taskSlug": "hello"})).json()["runs"]
    assert {before, after} <= {run["id"] for run in listed}
    ready = await two.get("/readyz")
    assert ready.status_code == 200


async def test_a_worker_stopped_with_sigterm_finishes_its_run(
    cluster: Cluster, apis: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    """SIGTERM drains: the runs a worker holds finish (Succeeded), and it exits."""
    one, _ = apis
    run_ids = [await execute(one, "tally", dir=str(cluster.tally), seconds=3) for _ in range(2)]
    for run_id in run_ids:
        await wait_run(one, run_id, {"Active"})
    held = cluster.held_by()
    worker = next(w for w in cluster.workers if any(f":{w.pid}:" in held[r] for r in run_ids))
    process = worker.signal_sync(signal.SIGTERM)
    for run_id in run_ids:
        assert (await wait_run(one, run_id))["status"] == "Succeeded"
    await asyncio.to_thread(process.wait, 30)
    assert sorted(cluster.executions()) == sorted(run_ids)


async def test_idempotency_and_rate_limits_hold_across_nodes(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """One Idempotency-Key sent to both nodes at once makes one run; a key's rate limit is
    one bucket whichever node a request reaches."""
    db = postgres_server.create_database()
    limits = ["--no-worker", "--rate-limit", "1", "--rate-burst", "4"]
    nodes = [
        AirfieldProcess(tmp_path / f"node{i}", [EXAMPLES], db=db, extra_args=limits) for i in (1, 2)
    ]
    for node in nodes:
        await node.start()
    try:
        async with client_for(nodes[0]) as one, client_for(nodes[1]) as two:
            body: dict[str, Any] = {"slug": "hello", "paramValues": {"name": "once"}}
            headers = {"Idempotency-Key": "cluster-once"}
            answers = await asyncio.gather(
                one.post("/v0/tasks/execute", json=body, headers=headers),
                two.post("/v0/tasks/execute", json=body, headers=headers),
            )
            assert [a.status_code for a in answers] == [200, 200]
            assert answers[0].json()["runID"] == answers[1].json()["runID"]
            assert {a.headers.get("Idempotent-Replayed") for a in answers} == {None, "true"}
            statuses = [
                (await (one, two)[i % 2].get("/v0/tasks/list")).status_code for i in range(4)
            ]
            # 2 POSTs and 4 GETs from one burst of 4: a bucket per node (4 each) would refuse none.
            assert 429 in statuses, statuses
    finally:
        for node in nodes:
            await node.stop()
