"""A SIGKILLed airfield loses nothing it acknowledged and fails what it can no longer finish."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support.airfield import EXAMPLES, AirfieldProcess
from tests.support.eventually import eventually

from .conftest import TEST_TASKS, client_for
from .helpers import logs_of, output_of, wait_prompts, wait_run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_restart_fails_interrupted_runs_and_keeps_finished_ones(tmp_path: Path) -> None:
    """Active runs become Failed with the reason logged, their orphans are killed, queued runs
    start, and finished runs keep their logs, outputs and prompts."""
    server = AirfieldProcess(
        tmp_path, tasks_dirs=[EXAMPLES, TEST_TASKS], extra_args=["--max-active-runs", "1"]
    )
    async with server:
        async with client_for(server) as api:
            done = (await api.post("/v0/tasks/execute", json={"slug": "hello"})).json()["runID"]
            await wait_run(api, done)
            prompted = (
                await api.post(
                    "/v0/tasks/execute",
                    json={"slug": "deploy", "paramValues": {"service": "api", "version": "v1.0.0"}},
                )
            ).json()["runID"]
            prompt = (await wait_prompts(api, runID=prompted))[0]
            queued = (
                await api.post(
                    "/v0/tasks/execute", json={"slug": "slow", "paramValues": {"seconds": 1}}
                )
            ).json()["runID"]
            assert (await api.get("/v0/runs/get", params={"id": queued})).json()[
                "status"
            ] == "Queued"
            pgid = await _pgid_of(prompted)

        await server.kill()
        assert _alive(pgid), "the task should outlive a SIGKILLed airfield"
        await server.start()

        async with client_for(server) as api:
            failed = await wait_run(api, prompted)
            assert failed["status"] == "Failed"
            assert any("airfield restarted" in line for line in await logs_of(api, prompted))
            await eventually(_gone(pgid))
            stale = (await api.get("/v0/prompts/get", params={"id": prompt["id"]})).json()
            assert stale["prompt"]["cancelledAt"] is not None

            resumed = await wait_run(api, queued)
            assert resumed["status"] == "Succeeded"
            assert await output_of(api, queued) == {"slept": 1}

            kept = await wait_run(api, done)
            assert kept["status"] == "Succeeded"
            assert await output_of(api, done) == {"greeting": "Hello, World!", "letters": 5}
            assert await logs_of(api, done) == ["Hello, World!"]


def _find_pgid(marker: bytes) -> int | None:
    """The process group of the process whose environment holds `marker`, if one runs."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            return os.getpgid(int(entry))
    return None


async def _pgid_of(run_id: str) -> int:
    marker = f"AIRPLANE_RUN_ID={run_id}".encode()

    async def found() -> int | None:
        return await asyncio.to_thread(_find_pgid, marker)

    return await eventually(found, every=0.05)


def _gone(pgid: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not _alive(pgid)

    return check


async def test_keys_and_idempotency_survive_a_restart(tmp_path: Path) -> None:
    """A key made with the CLI and a stored idempotent response outlive a SIGKILL."""
    async with AirfieldProcess(tmp_path) as server:
        key = await asyncio.to_thread(server.create_key, "ci", "developer")
        async with client_for(server, **{"X-Airplane-API-Key": key}) as api:
            first = await api.post(
                "/v0/tasks/execute", json={"slug": "hello"}, headers={"Idempotency-Key": "k-1"}
            )
        await server.kill()
        await server.start()
        async with client_for(server, **{"X-Airplane-API-Key": key}) as api:
            again = await api.post(
                "/v0/tasks/execute", json={"slug": "hello"}, headers={"Idempotency-Key": "k-1"}
            )
            assert again.json() == first.json()
            assert (await api.get("/v0/auth/info")).json()["role"] == "developer"


async def test_a_waiting_session_resumes_after_a_crash(tmp_path: Path) -> None:
    """A session waiting on a prompt step when airfield is SIGKILLed carries on once the
    restarted airfield gets the answer."""
    server = AirfieldProcess(tmp_path, tasks_dirs=[EXAMPLES, TEST_TASKS])
    async with server:
        async with client_for(server) as api:
            started = await api.post(
                "/v0/runbooks/execute",
                json={"slug": "confirm_then_greet", "paramValues": {"who": "Kim"}},
            )
            session_id = started.json()["sessionID"]
            prompt = (await wait_prompts(api, sessionID=session_id))[0]
        await server.kill()
        await server.start()
        async with client_for(server) as api:
            answer = await api.post("/v0/prompts/submit", json={"id": prompt["id"], "values": {}})
            assert answer.status_code == 200, answer.text

            async def ended() -> dict[str, Any] | None:
                session: dict[str, Any] = (
                    await api.get("/v0/sessions/get", params={"id": session_id})
                ).json()
                return (
                    session if session["status"] in {"Succeeded", "Failed", "Cancelled"} else None
                )

            session = await eventually(ended, within=30, every=0.05)
            assert session["status"] == "Succeeded", session["error"]
            assert [step["status"] for step in session["steps"]] == ["Succeeded"] * 3
