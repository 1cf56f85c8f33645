"""Helpers for airfield's end-to-end tests: start runs and poll them with deadlines."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.eventually import eventually

TERMINAL = {"Succeeded", "Failed", "Cancelled"}


async def execute(api: httpx.AsyncClient, slug: str, **params: Any) -> str:
    """Start a run and return its ID."""
    response = await api.post("/v0/tasks/execute", json={"slug": slug, "paramValues": params})
    assert response.status_code == 200, response.text
    run_id: str = response.json()["runID"]
    return run_id


async def wait_run(
    api: httpx.AsyncClient, run_id: str, statuses: set[str] = TERMINAL, deadline: float = 30.0
) -> dict[str, Any]:
    """Poll runs/get until the run reaches one of `statuses`."""

    async def reached() -> dict[str, Any] | None:
        run: dict[str, Any] = (await api.get("/v0/runs/get", params={"id": run_id})).json()
        return run if run["status"] in statuses else None

    return await eventually(reached, within=deadline, every=0.05)


async def wait_prompts(
    api: httpx.AsyncClient, deadline: float = 30.0, **query: str
) -> list[dict[str, Any]]:
    """Poll prompts/list (by runID or sessionID) until there is an open prompt."""

    async def opened() -> list[dict[str, Any]] | None:
        prompts: list[dict[str, Any]] = (await api.get("/v0/prompts/list", params=query)).json()[
            "prompts"
        ]
        if any(p["submittedAt"] is None and p["cancelledAt"] is None for p in prompts):
            return prompts
        return None

    return await eventually(opened, within=deadline, every=0.05)


async def logs_of(api: httpx.AsyncClient, run_id: str) -> list[str]:
    """Every log line of a run."""
    body = (await api.get("/v0/runs/getLogs", params={"runID": run_id})).json()
    return [line["text"] for line in body["logs"]]


async def output_of(api: httpx.AsyncClient, run_id: str) -> Any:
    """A run's output."""
    return (await api.get("/v0/runs/getOutputs", params={"id": run_id})).json()["output"]
