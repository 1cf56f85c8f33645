"""Prompts: created by runs only, validated on submit, closed once, cancellable."""

from __future__ import annotations

import httpx

from airplane_api.models import GetPromptResponse, PromptState

from .helpers import execute, logs_of, output_of, wait_prompts, wait_run


async def test_submit_checks_values_then_closes_the_prompt(api: httpx.AsyncClient) -> None:
    """A wrong value gets 400 naming it; a second submit or cancel gets 409 naming who."""
    run_id = await execute(api, "deploy", service="api", version="v1.0.0")
    prompt_id = (await wait_prompts(api, runID=run_id))[0]["id"]

    bad = await api.post("/v0/prompts/submit", json={"id": prompt_id, "values": {"replicas": 1}})
    assert bad.status_code == 400
    assert bad.json()["param"] == "canary"
    assert "required" in bad.json()["error"]

    good = {"replicas": 1, "canary": True, "window": "2031-12-31", "note": "x"}
    first = await api.post(
        "/v0/prompts/submit",
        json={"id": prompt_id, "values": good},
        headers={"X-Airplane-Acting-For": "slack:U1"},
    )
    assert first.json() == {"id": prompt_id}
    second = await api.post("/v0/prompts/submit", json={"id": prompt_id, "values": good})
    assert second.status_code == 409
    assert "already submitted by slack:U1" in second.json()["error"]
    cancel = await api.post("/v0/prompts/cancel", json={"id": prompt_id})
    assert cancel.status_code == 409
    await wait_run(api, run_id)


async def test_cancelled_prompt_makes_the_sdk_raise(api: httpx.AsyncClient) -> None:
    """airplane.prompt raises when its prompt is cancelled, so the run fails."""
    run_id = await execute(api, "deploy", service="worker", version="v3.1.4")
    prompt_id = (await wait_prompts(api, runID=run_id))[0]["id"]
    response = await api.post(
        "/v0/prompts/cancel", json={"id": prompt_id}, headers={"X-Airplane-Acting-For": "slack:U7"}
    )
    assert response.json() == {"id": prompt_id}
    run = await wait_run(api, run_id)
    assert run["status"] == "Failed"
    assert any("PromptCancelledError" in line for line in await logs_of(api, run_id))
    assert "error" in await output_of(api, run_id)
    body = GetPromptResponse.model_validate(
        (await api.get("/v0/prompts/get", params={"id": prompt_id})).json()
    )
    assert body.prompt.state is PromptState.CANCELLED
    assert body.prompt.cancelled_by == "slack:U7"


async def test_prompts_are_created_by_runs_only(api: httpx.AsyncClient) -> None:
    """An API key may not create prompts: 403."""
    response = await api.post("/v0/prompts/create", json={"schema": {"parameters": []}})
    assert response.status_code == 403
    assert "run token" in response.json()["error"]


async def test_unknown_prompt_is_404_and_list_needs_a_filter(api: httpx.AsyncClient) -> None:
    """prompts/get of an unknown ID is 404; prompts/list without runID or sessionID is 400."""
    missing = await api.get("/v0/prompts/get", params={"id": "pmt20200101zmissing00"})
    assert missing.status_code == 404
    assert (await api.get("/v0/prompts/list")).status_code == 400


async def test_cancelling_a_run_cancels_its_open_prompt(api: httpx.AsyncClient) -> None:
    """A run's open prompt is closed when the run is cancelled."""
    run_id = await execute(api, "deploy", service="api", version="v9.9.9")
    prompt_id = (await wait_prompts(api, runID=run_id))[0]["id"]
    await api.post("/v0/runs/cancel", json={"runID": run_id})
    await wait_run(api, run_id)
    prompt = (await api.get("/v0/prompts/get", params={"id": prompt_id})).json()["prompt"]
    assert prompt["cancelledAt"] is not None
