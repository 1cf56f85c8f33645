"""A node on a shared database reports its claims, the queue and runs by worker in /metrics,
and /readyz names the database once it stops answering."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.postgres import PostgresServer

from .conftest import client_for
from .helpers import execute, wait_run


async def test_metrics_and_readiness_of_a_node(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """Claims and runs by worker after a run; then the database goes away and /readyz is 503
    saying PostgreSQL does not answer, while /healthz (liveness) stays 200."""
    del postgres_server  # only to skip (or fail under CI) without PostgreSQL binaries
    with PostgresServer() as own_server:
        node = AirfieldProcess(tmp_path / "node", [EXAMPLES], db=own_server.create_database())
        await node.start()
        try:
            async with client_for(node) as api:
                run_id = await execute(api, "hello", name="metrics")
                assert (await wait_run(api, run_id))["status"] == "Succeeded"
                text = (await api.get("/metrics")).text
                assert "airfield_claims_total 1.0" in text
                assert "airfield_queue_depth 0.0" in text
                assert 'airfield_node_info{node="' in text
                assert "airfield_runs_by_worker" in text
                assert (await api.get("/readyz")).status_code == 200
                own_server.stop()
                ready = await api.get("/readyz")
                assert ready.status_code == 503
                assert "PostgreSQL database does not answer" in ready.json()["error"]
                assert (await api.get("/healthz")).status_code == 200
        finally:
            await node.kill()


async def test_the_shared_server_is_ready(airfield: AirfieldProcess) -> None:
    """The shared server (either backend) is ready."""
    async with httpx.AsyncClient(base_url=airfield.url) as client:
        assert (await client.get("/readyz")).json() == {"ok": True}
