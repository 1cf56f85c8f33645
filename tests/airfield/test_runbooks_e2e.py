"""Runbooks: sessions move through their statuses, prompt steps wait for people."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from airplane_api.models import Runbook, Session, SessionStatus
from airplane_api.params import visible_params
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from .conftest import client_for
from .helpers import output_of, wait_prompts, wait_run


async def _execute(api: httpx.AsyncClient, slug: str, **params: Any) -> str:
    response = await api.post("/v0/runbooks/execute", json={"slug": slug, "paramValues": params})
    assert response.status_code == 200, response.text
    session_id: str = response.json()["sessionID"]
    return session_id


async def _wait_session(
    api: httpx.AsyncClient, session_id: str, statuses: set[str], deadline: float = 30
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        session: dict[str, Any] = (
            await api.get("/v0/sessions/get", params={"id": session_id})
        ).json()
        return session if session["status"] in statuses else None

    return await eventually(reached, within=deadline, every=0.05)


async def test_runbook_with_a_prompt_step(api: httpx.AsyncClient) -> None:
    """Task, then a prompt found by sessionID (Waiting), then a task fed by the answer."""
    session_id = await _execute(api, "confirm_then_greet", who="Lin")
    waiting = await _wait_session(api, session_id, {"Waiting"})
    assert waiting["steps"][0]["status"] == "Succeeded"
    prompt = (await wait_prompts(api, sessionID=session_id))[0]
    assert prompt["description"] == "Greet Lin again? First said: Hello, Lin!"
    assert prompt["reviewers"]["allowSelfApprovals"] is False
    assert prompt["confirmText"] == "Greet"
    assert prompt["runID"] == ""

    submitted = await api.post(
        "/v0/prompts/submit",
        json={"id": prompt["id"], "values": {}},
        headers={"X-Airplane-Acting-For": "slack:U5"},
    )
    assert submitted.status_code == 200, submitted.text
    done = Session.model_validate(await _wait_session(api, session_id, {"Succeeded", "Failed"}))
    assert done.status is SessionStatus.SUCCEEDED, done
    runs = (await api.get("/v0/runs/list", params={"sessionID": session_id})).json()["runs"]
    assert {run["taskSlug"] for run in runs} == {"hello", "typed"}
    assert all(run["sessionID"] == session_id for run in runs)
    typed = next(run for run in runs if run["taskSlug"] == "typed")
    assert typed["paramValues"]["count"] == 2  # the prompt's default, filled on submit
    answered = (await api.get("/v0/prompts/get", params={"id": prompt["id"]})).json()
    assert answered["prompt"]["submittedBy"] == "slack:U5"


async def test_cancelling_the_prompt_cancels_the_session(api: httpx.AsyncClient) -> None:
    """Cancelling a prompt step ends the session Cancelled."""
    session_id = await _execute(api, "confirm_then_greet", who="Max")
    prompt = (await wait_prompts(api, sessionID=session_id))[0]
    await api.post("/v0/prompts/cancel", json={"id": prompt["id"]})
    session = await _wait_session(api, session_id, {"Cancelled", "Failed", "Succeeded"})
    assert session["status"] == "Cancelled"
    assert "cancelled" in session["error"]


async def test_sessions_cancel_while_waiting(api: httpx.AsyncClient) -> None:
    """sessions/cancel closes the open prompt; a second cancel is 409."""
    session_id = await _execute(api, "release", service="web", version="v1")
    prompt = (await wait_prompts(api, sessionID=session_id))[0]
    response = await api.post(
        "/v0/sessions/cancel", json={"id": session_id}, headers={"X-Airplane-Acting-For": "s:U"}
    )
    assert response.status_code == 200
    session = await _wait_session(api, session_id, {"Cancelled"})
    assert session["updatedBy"] == "s:U"
    closed = (await api.get("/v0/prompts/get", params={"id": prompt["id"]})).json()["prompt"]
    assert closed["cancelledBy"] == "s:U"
    again = await api.post("/v0/sessions/cancel", json={"id": session_id})
    assert again.status_code == 409


async def test_runbook_parameters_are_checked(api: httpx.AsyncClient) -> None:
    """A missing runbook parameter is 400 naming it; an unknown runbook is 404."""
    missing = await api.post("/v0/runbooks/execute", json={"slug": "release", "paramValues": {}})
    assert missing.status_code == 400
    assert missing.json()["param"] == "version"
    unknown = await api.post("/v0/runbooks/execute", json={"slug": "nope"})
    assert unknown.status_code == 404


async def test_sessions_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    """sessions/list filters by runbook and update time; page counts pages of limit."""
    started = datetime.now(UTC) - timedelta(seconds=1)
    ids = [await _execute(api, "release", version=f"v{i}") for i in range(3)]
    runbook_id = (await api.get("/v0/runbooks/get", params={"slug": "release"})).json()["runbook"][
        "id"
    ]
    query = {"runbookID": runbook_id, "updatedAfter": started.isoformat(), "limit": 2}
    page0 = (await api.get("/v0/sessions/list", params=query)).json()["sessions"]
    page1 = (await api.get("/v0/sessions/list", params={**query, "page": 1})).json()["sessions"]
    assert [s["id"] for s in page0 + page1][:3] == list(reversed(ids))
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    none = (await api.get("/v0/sessions/list", params={"updatedAfter": future})).json()
    assert none["sessions"] == []
    bad = await api.get("/v0/sessions/list", params={"updatedBefore": "yesterday"})
    assert bad.status_code == 400
    for session_id in ids:
        await api.post("/v0/sessions/cancel", json={"id": session_id})


async def test_a_failing_step_fails_the_session(api: httpx.AsyncClient) -> None:
    """A step whose run fails ends the session Failed, naming the step; later steps never run."""
    session_id = await _execute(api, "fail_midway")
    session = await _wait_session(api, session_id, {"Succeeded", "Failed", "Cancelled"})
    assert session["status"] == "Failed"
    assert "'boom'" in session["error"]
    runs = (await api.get("/v0/runs/list", params={"sessionID": session_id})).json()["runs"]
    assert sorted(run["taskSlug"] for run in runs) == ["always_fails", "slow"]
    failed = next(run for run in runs if run["taskSlug"] == "always_fails")
    assert failed["paramValues"] == {"reason": "after 0 s"}


async def test_cancelling_during_a_task_step_cancels_its_run(api: httpx.AsyncClient) -> None:
    """sessions/cancel while a step runs: Cancelling, then Cancelled with the run Cancelled."""
    session_id = await _execute(api, "fail_midway", seconds=60)
    active = await _wait_session(api, session_id, {"Active"})
    run_id = active["steps"][0]["runID"]
    response = await api.post("/v0/sessions/cancel", json={"id": session_id})
    assert response.status_code == 200
    assert response.json()["status"] in {"Cancelling", "Cancelled"}
    session = await _wait_session(api, session_id, {"Cancelled", "Failed", "Succeeded"})
    assert session["status"] == "Cancelled"
    runs = (await api.get("/v0/runs/list", params={"sessionID": session_id})).json()["runs"]
    assert [(run["id"], run["status"]) for run in runs] == [(run_id, "Cancelled")]


async def test_runbooks_get_and_list_answer_what_airplanes_clients_read(
    api: httpx.AsyncClient,
) -> None:
    """runbooks/get answers `{"runbook": {"id", "name", "slug", "parameters"}}` by `runbookSlug`
    (what Airplane's CLI sends), `slug` or ID; runbooks/list has the same objects; 404 for an
    unknown slug."""
    by_cli = await api.get("/v0/runbooks/get", params={"runbookSlug": "release"})
    assert by_cli.status_code == 200, by_cli.text
    wire = by_cli.json()["runbook"]
    assert {"id", "name", "slug", "parameters"} <= wire.keys()
    for query in ({"slug": "release"}, {"id": wire["id"]}):
        assert (await api.get("/v0/runbooks/get", params=query)).json() == by_cli.json()
    runbook = Runbook.model_validate(by_cli.json())
    params = {p.slug: p for p in visible_params(runbook.parameters)}
    assert params["version"].constraints.optional is False
    assert params["service"].default == "api"
    listed = (await api.get("/v0/runbooks/list")).json()["runbooks"]
    assert wire in listed
    assert [r["slug"] for r in listed] == sorted(r["slug"] for r in listed)
    unknown = await api.get("/v0/runbooks/get", params={"runbookSlug": "nope"})
    assert unknown.status_code == 404


async def test_requested_tasks_do_not_run_through_a_runbook(airfield: AirfieldProcess) -> None:
    """A key that gets 403 on tasks/execute for a `requireRequests` task gets the same 403 on
    a runbook with that task as a step: no session starts, no run of it exists. A running
    task (a run token) may still start it as its child, as before."""
    key = await asyncio.to_thread(airfield.create_key, "dev-gated", "developer")
    async with client_for(airfield, **{"X-Airplane-API-Key": key}) as api:
        direct = await api.post("/v0/tasks/execute", json={"slug": "gated"})
        assert direct.status_code == 403
        assert direct.json()["code"] == "task_must_be_requested"
        via_runbook = await api.post("/v0/runbooks/execute", json={"slug": "gated_runbook"})
        assert via_runbook.status_code == 403, via_runbook.text
        assert via_runbook.json()["code"] == "task_must_be_requested"
        sessions = await api.get("/v0/sessions/list", params={"runbookSlug": "gated_runbook"})
        assert sessions.json()["sessions"] == []
        child = [["POST", "/v0/tasks/execute", {"slug": "gated"}]]
        probe = await api.post(
            "/v0/tasks/execute", json={"slug": "probe", "paramValues": {"calls": json.dumps(child)}}
        )
        run_id = probe.json()["runID"]
        assert (await wait_run(api, run_id))["status"] == "Succeeded"
        [answer] = await output_of(api, run_id)
    assert answer["status"] == 200, answer
