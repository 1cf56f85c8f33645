"""runs/list, sessions/list and prompts/list over HTTP, as a follower polls them."""

from __future__ import annotations

from datetime import datetime

import httpx

from airplane_api.models import ListRunsResponse

from .helpers import execute, wait_prompts, wait_run


async def test_runs_list_follows_changes_by_since(api: httpx.AsyncClient) -> None:
    """since=<greatest updatedAt seen> returns exactly the runs changed afterwards."""
    task_id = (await api.get("/v0/tasks/get", params={"slug": "slow"})).json()["id"]
    first = await wait_run(api, await execute(api, "slow", seconds=0))
    watermark = first["updatedAt"]
    query = {"taskID": task_id, "since": watermark}
    assert (await api.get("/v0/runs/list", params=query)).json()["runs"] == []

    second = await execute(api, "slow", seconds=0)
    done = await wait_run(api, second)
    changed = (await api.get("/v0/runs/list", params=query)).json()["runs"]
    assert [(run["id"], run["status"]) for run in changed] == [(second, "Succeeded")]
    assert changed[0]["updatedAt"] == done["updatedAt"] > watermark
    model = ListRunsResponse.model_validate({"runs": changed}).runs[0]
    assert model.updated_at == datetime.fromisoformat(done["updatedAt"].replace("Z", "+00:00"))
    assert (model.task_slug, model.parent_id) == ("slow", "")

    window = {"taskID": task_id, "since": watermark, "until": done["updatedAt"]}
    assert (await api.get("/v0/runs/list", params=window)).json()["runs"] == []
    bad = await api.get("/v0/runs/list", params={"since": "an hour ago"})
    assert bad.status_code == 400
    assert "since" in bad.json()["error"]


async def test_runs_list_pages_do_not_overlap(api: httpx.AsyncClient) -> None:
    """page counts pages of limit; consecutive pages tile the list without repeats."""
    ids = [await execute(api, "hello", name=f"p{i}") for i in range(5)]
    for run_id in ids:
        await wait_run(api, run_id)
    pages = [
        (
            await api.get("/v0/runs/list", params={"taskSlug": "hello", "limit": 2, "page": n})
        ).json()["runs"]
        for n in range(3)
    ]
    listed = [run["id"] for page in pages for run in page]
    assert len(listed) == len(set(listed)) >= 5
    assert listed[:5] == list(reversed(ids))


async def test_prompts_list_by_run_is_oldest_first(api: httpx.AsyncClient) -> None:
    """prompts/list by runID returns that run's prompts only, with their run ID."""
    run_id = await execute(api, "deploy", service="api", version="v0.0.1")
    prompts = await wait_prompts(api, runID=run_id)
    assert [prompt["runID"] for prompt in prompts] == [run_id]
    await api.post("/v0/runs/cancel", json={"runID": run_id})
    await wait_run(api, run_id)
    again = (await api.get("/v0/prompts/list", params={"runID": run_id})).json()["prompts"]
    assert [prompt["id"] for prompt in again] == [prompts[0]["id"]]
    assert again[0]["cancelledAt"] is not None


async def test_a_prompt_moves_its_runs_updated_at(api: httpx.AsyncClient) -> None:
    """A new or answered prompt makes its run show up again in runs/list by since."""
    run_id = await execute(api, "deploy", service="web", version="v0.0.2")
    prompt = (await wait_prompts(api, runID=run_id))[0]
    run = (await api.get("/v0/runs/get", params={"id": run_id})).json()
    assert run["updatedAt"] >= prompt["createdAt"] > run["activeAt"]
    query = {"taskSlug": "deploy", "since": run["activeAt"]}
    listed = (await api.get("/v0/runs/list", params=query)).json()["runs"]
    assert run_id in [r["id"] for r in listed]

    await api.post("/v0/prompts/cancel", json={"id": prompt["id"]})
    closed = (await api.get("/v0/prompts/get", params={"id": prompt["id"]})).json()["prompt"]
    after = (await api.get("/v0/runs/get", params={"id": run_id})).json()
    assert after["updatedAt"] >= closed["cancelledAt"]
    await wait_run(api, run_id)
