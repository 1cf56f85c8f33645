"""Auth, roles, environments, idempotency, rate limits and error bodies over real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.airfield import AirfieldProcess

from .conftest import client_for
from .helpers import wait_run


async def test_missing_or_wrong_key_is_401(airfield: AirfieldProcess) -> None:
    """No key and an unknown key both get 401 with an error body."""
    async with client_for(airfield) as api:
        missing = await api.get("/v0/tasks/list", headers={"X-Airplane-API-Key": ""})
        wrong = await api.get("/v0/tasks/list", headers={"X-Airplane-API-Key": "tkn_nope"})
        token = await api.get(
            "/v0/tasks/list", headers={"X-Airplane-API-Key": "", "X-Airplane-Token": "rtk_x"}
        )
    for response in (missing, wrong, token):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


async def test_restricted_developer_may_run_but_not_manage(airfield: AirfieldProcess) -> None:
    """A restricted developer executes tasks but gets 403 for resources and acting for others."""
    key = await asyncio.to_thread(airfield.create_key, "restricted", "restricted_developer")
    assert key.startswith("tkn_")
    async with client_for(airfield, **{"X-Airplane-API-Key": key}) as api:
        info = (await api.get("/v0/auth/info")).json()
        assert info["role"] == "restricted_developer"
        run = await api.post("/v0/tasks/execute", json={"slug": "hello"})
        assert run.status_code == 200
        assert (await wait_run(api, run.json()["runID"]))["createdBy"] == info["user"]["id"]
        resource = await api.post(
            "/v0/resources/create", json={"kind": "rest", "name": "API", "resource": {}}
        )
        assert resource.status_code == 403
        acting = await api.post(
            "/v0/tasks/execute",
            json={"slug": "hello"},
            headers={"X-Airplane-Acting-For": "slack:U1"},
        )
        assert acting.status_code == 403
        assert "act for others" in acting.json()["error"]


async def test_acting_for_is_recorded_and_becomes_a_user(api: httpx.AsyncClient) -> None:
    """createdBy is the acting-for label, and users/get knows it with its email."""
    response = await api.post(
        "/v0/tasks/execute",
        json={"slug": "hello"},
        headers={"X-Airplane-Acting-For": "slack:UACT", "X-Airplane-Acting-For-Email": "a@b.c"},
    )
    run = await wait_run(api, response.json()["runID"])
    assert run["createdBy"] == "slack:UACT"
    user = (await api.get("/v0/users/get", params={"userID": "slack:UACT"})).json()["user"]
    assert user == {
        "userID": "slack:UACT",
        "id": "slack:UACT",
        "name": "slack:UACT",
        "email": "a@b.c",
        "avatarURL": "",
    }


async def test_environment_headers(api: httpx.AsyncClient) -> None:
    """prod by slug or ID is accepted; an unknown environment is 404 naming it."""
    ok = await api.post(
        "/v0/tasks/execute", json={"slug": "hello"}, headers={"X-Airplane-Env-Slug": "prod"}
    )
    assert ok.status_code == 200
    env_id = (await wait_run(api, ok.json()["runID"]))["envID"]
    by_id = await api.get("/v0/tasks/list", headers={"X-Airplane-Env-ID": env_id})
    assert by_id.status_code == 200
    unknown = await api.post(
        "/v0/tasks/execute", json={"slug": "hello"}, headers={"X-Airplane-Env-Slug": "staging"}
    )
    assert unknown.status_code == 404
    assert "staging" in unknown.json()["error"]


async def test_curl_style_bodies_are_json(api: httpx.AsyncClient) -> None:
    """A JSON body sent as form data (curl -d) works; the docs' example with its trailing
    comma is a 400 that names the comma (strict JSON, as Airplane's clients send)."""
    body = '{"slug": "hello", "paramValues": {"name": "curl"}}'
    response = await api.post(
        "/v0/tasks/execute",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    comma = await api.post("/v0/tasks/execute", content=body[:-1] + ",}")
    assert comma.status_code == 400
    assert "trailing comma" in comma.json()["error"]
    broken = await api.post("/v0/tasks/execute", content="slug=hello")
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("Invalid body")


async def test_unknown_things_are_404_json(api: httpx.AsyncClient) -> None:
    """Unknown tasks, runs and endpoints answer 404 with an error body; wrong methods 405."""
    task = await api.post("/v0/tasks/execute", json={"slug": "no_such_task"})
    run = await api.get("/v0/runs/get", params={"id": "run20200101zzzzzzzzzz"})
    for response in (task, run):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    async with httpx.AsyncClient(base_url=str(api.base_url), headers=api.headers) as raw:
        endpoint = await raw.get("/v0/nothing/here")
        method = await raw.post("/v0/runs/get")
    assert endpoint.status_code == 404
    assert endpoint.json()["code"] == "not_found"
    assert method.status_code == 405
    assert method.json()["error"]


async def test_idempotent_replay_returns_the_first_response(api: httpx.AsyncClient) -> None:
    """The same key and body replays status and body and echoes the key; no second run."""
    key = str(uuid.uuid4())
    body = {"slug": "hello", "paramValues": {"name": "once"}}
    first = await api.post("/v0/tasks/execute", json=body, headers={"Idempotency-Key": key})
    second = await api.post("/v0/tasks/execute", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == key
    error_key = str(uuid.uuid4())
    bad = {"slug": "typed", "paramValues": {}}
    e1 = await api.post("/v0/tasks/execute", json=bad, headers={"Idempotency-Key": error_key})
    e2 = await api.post("/v0/tasks/execute", json=bad, headers={"Idempotency-Key": error_key})
    assert e1.status_code == e2.status_code == 400
    assert e1.json() == e2.json()


async def test_idempotency_key_reused_for_another_request_is_422(api: httpx.AsyncClient) -> None:
    """The same key with a different body or path gets 422; GET ignores the header."""
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    await api.post("/v0/tasks/execute", json={"slug": "hello"}, headers=headers)
    other_body = await api.post(
        "/v0/tasks/execute", json={"slug": "hello", "paramValues": {"name": "x"}}, headers=headers
    )
    other_path = await api.post("/v0/runbooks/execute", json={"slug": "hello"}, headers=headers)
    for response in (other_body, other_path):
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"
    read = await api.get("/v0/tasks/list", headers=headers)
    assert read.status_code == 200
    assert "Idempotency-Key" not in read.headers


async def test_concurrent_requests_with_one_key_execute_once(api: httpx.AsyncClient) -> None:
    """Ten simultaneous identical requests with one key create exactly one run."""
    key = str(uuid.uuid4())
    body = {"slug": "hello", "paramValues": {"name": f"race-{key[:8]}"}}
    responses = await asyncio.gather(
        *(
            api.post("/v0/tasks/execute", json=body, headers={"Idempotency-Key": key})
            for _ in range(10)
        )
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["runID"] for r in responses}) == 1
    runs = (await api.get("/v0/runs/list", params={"taskSlug": "hello"})).json()["runs"]
    assert sum(run["paramValues"].get("name") == body["paramValues"]["name"] for run in runs) == 1


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[AirfieldProcess]:
    """An airfield with a tiny rate limit (1 request/s, burst 3)."""
    server = AirfieldProcess(tmp_path, extra_args=["--rate-limit", "1", "--rate-burst", "3"])
    await server.start()
    yield server
    await server.stop()


async def test_rate_limit_answers_429_with_retry_after(limited: AirfieldProcess) -> None:
    """Past the burst, requests get 429 with an integer Retry-After of at least 1 second."""
    async with client_for(limited) as api:
        statuses = [(await api.get("/v0/tasks/list")).status_code for _ in range(3)]
        refused = await api.get("/v0/tasks/list")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_idempotency_keys_belong_to_their_caller(airfield: AirfieldProcess) -> None:
    """Two API keys sending the same Idempotency-Key each get their own run."""
    other_key = await asyncio.to_thread(airfield.create_key, "other", "developer")
    key = str(uuid.uuid4())
    body = {"slug": "hello", "paramValues": {"name": "mine"}}
    async with (
        client_for(airfield) as admin,
        client_for(airfield, **{"X-Airplane-API-Key": other_key}) as other,
    ):
        first = await admin.post("/v0/tasks/execute", json=body, headers={"Idempotency-Key": key})
        second = await other.post("/v0/tasks/execute", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == second.status_code == 200
    assert first.json()["runID"] != second.json()["runID"]
