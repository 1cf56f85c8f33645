"""Every operation airplane-openapi.yaml documents answers in its documented shape.

The check itself runs on every response of every airfield test (conftest.py); this module
makes sure each documented operation is exercised at least once and that the check can fail.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.openapi import (
    ConformanceRecorder,
    checking_responses,
    documented_operations,
)

from .helpers import execute, wait_prompts, wait_run


async def test_the_check_rejects_a_response_that_breaks_the_document() -> None:
    """A runs/get answer with a numeric status fails the active conformance check."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "run1", "status": 3})

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), base_url="http://x"
    ) as client:
        with pytest.raises(AssertionError, match="status"):
            await client.get("/v0/runs/get", params={"id": "run1"})


def test_error_bodies_need_an_error_message() -> None:
    """A 4xx body without `error` does not fit."""
    with pytest.raises(AssertionError):
        ConformanceRecorder().check("GET", "/v0/runs/get", 404, {"message": "nope"})


async def test_every_documented_operation_is_exercised(api: httpx.AsyncClient) -> None:
    """Tasks, runs, prompts, runbooks and sessions: each documented operation answers 200.

    A recorder of its own (not the session-wide one) so only this test's calls count, and
    every call's status is asserted, so an operation that breaks fails here by name.
    """
    recorder = ConformanceRecorder()
    with checking_responses(recorder):
        run_id = await execute(api, "deploy", service="web", version="v7.0.0")
        prompt = (await wait_prompts(api, runID=run_id))[0]
        fetched = _ok(await api.get("/v0/prompts/get", params={"id": prompt["id"]}))
        assert fetched["prompt"]["id"] == prompt["id"]
        values = {"replicas": 2, "canary": True, "window": "2030-01-01", "note": "conformance"}
        _ok(await api.post("/v0/prompts/submit", json={"id": prompt["id"], "values": values}))
        assert (await wait_run(api, run_id))["status"] == "Succeeded"
        _ok(await api.get("/v0/runs/getOutputs", params={"id": run_id}))
        listed = _ok(await api.get("/v0/runs/list", params={"taskSlug": "deploy", "limit": 5}))
        assert run_id in [run["id"] for run in listed["runs"]]

        other = await execute(api, "deploy", service="api", version="v7.0.1")
        open_prompt = (await wait_prompts(api, runID=other))[0]
        _ok(await api.post("/v0/prompts/cancel", json={"id": open_prompt["id"]}))
        await wait_run(api, other)

        started = _ok(
            await api.post(
                "/v0/runbooks/execute", json={"slug": "release", "paramValues": {"version": "v7"}}
            )
        )
        session_id = started["sessionID"]
        session = _ok(await api.get("/v0/sessions/get", params={"id": session_id}))
        assert session["id"] == session_id
        _ok(await api.get("/v0/sessions/list", params={"limit": 5}))
        _ok(await api.post("/v0/sessions/cancel", json={"id": session_id}))

    missing = set(documented_operations()) - recorder.checked
    assert not missing, f"documented operations never checked: {sorted(missing)}"


def _ok(response: httpx.Response) -> Any:
    """The body of a 200 answer; any other status fails naming the call."""
    assert response.status_code == 200, f"{response.request.url.path}: {response.text}"
    return response.json()
