"""Tasks run as real processes: python with airplanesdk, shell, failures, timeouts, cancels."""

from __future__ import annotations

import os

import httpx

from airplane_api.models import GetLogsResponse, GetOutputsResponse, Run, RunStatus
from tests.support.eventually import eventually

from .helpers import execute, logs_of, output_of, wait_prompts, wait_run


async def test_python_task_with_sdk_prompt_sets_outputs(api: httpx.AsyncClient) -> None:
    """deploy prompts through airplanesdk, waits for the answer, then sets its outputs."""
    run_id = await execute(api, "deploy", service="web", version="v2.0.1")
    prompts = await wait_prompts(api, runID=run_id)
    prompt = prompts[0]
    assert prompt["reviewers"] == {
        "users": ["lead@example.com"],
        "groups": ["ops"],
        "allowSelfApprovals": False,
    }
    assert prompt["confirmText"] == "Ship it"
    slugs = [(p["slug"], p["type"]) for p in prompt["schema"]["parameters"]]
    assert slugs == [
        ("replicas", "integer"),
        ("canary", "boolean"),
        ("window", "date"),
        ("note", "string"),
    ]
    running = Run.model_validate(await wait_run(api, run_id, {"Active"}))
    assert running.status is RunStatus.ACTIVE

    values = {"replicas": "4", "canary": "false", "window": "2030-01-02", "note": "go"}
    response = await api.post(
        "/v0/prompts/submit",
        json={"id": prompt["id"], "values": values},
        headers={"X-Airplane-Acting-For": "slack:U0APPROVER"},
    )
    assert response.status_code == 200, response.text

    run = Run.model_validate(await wait_run(api, run_id))
    assert run.status is RunStatus.SUCCEEDED, await logs_of(api, run_id)
    output = GetOutputsResponse.model_validate({"output": await output_of(api, run_id)}).output
    assert output == {
        "service": "web",
        "version": "v2.0.1",
        "replicas": 4,
        "canary": False,
        "window": "2030-01-02",
        "hosts": ["web-1", "web-2"],
    }
    stored = (await api.get("/v0/prompts/get", params={"id": prompt["id"]})).json()["prompt"]
    assert stored["submittedBy"] == "slack:U0APPROVER"
    assert stored["values"]["replicas"] == 4
    assert "Approved: 4 replicas, canary=False" in await logs_of(api, run_id)


async def test_shell_task_gets_params_and_airplane_environment(api: httpx.AsyncClient) -> None:
    """A shell task sees PARAM_<SLUG>, its envVars and the variables airplanesdk needs, and of
    airfield's own environment only the allowlisted names (PATH, HOME, ...): never the
    server's secrets (Slack tokens of a bot beside it, AIRFIELD_*, anything unlisted)."""
    run_id = await execute(api, "environment", who="Grace Hopper", loud=True)
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded"
    output = await output_of(api, run_id)
    assert output["who"] == "Grace Hopper"
    assert output["loud"] == "true"
    assert output["greeting"] == "hi"
    assert output["runID"] == run_id
    assert output["envSlug"] == "prod"
    assert output["env"] == {
        "AIRPLANE_API_HOST": True,
        "AIRPLANE_TOKEN": True,
        "AIRPLANE_RUN_ID": True,
        "AIRPLANE_ENV_ID": True,
        "AIRPLANE_ENV_SLUG": True,
        "AIRPLANE_TEAM_ID": True,
        "AIRFIELD_API_KEY": False,
        "SLACK_BOT_TOKEN": False,
        "SLACK_APP_TOKEN": False,
        "SLACK_SIGNING_SECRET": False,
        "CLOUD_SECRET": False,
        "PATH": True,
        "HOME": True,
    }
    assert "to stderr" in await logs_of(api, run_id)


async def test_run_statuses_carry_their_timestamps(api: httpx.AsyncClient) -> None:
    """A finished run has created, queued, active and succeeded times, in that order."""
    run_id = await execute(api, "hello", name="Ada")
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded"
    times = [run["createdAt"], run["queuedAt"], run["activeAt"], run["succeededAt"]]
    assert all(times)
    assert times == sorted(times)
    assert run["failedAt"] is None
    assert run["cancelledAt"] is None
    assert await output_of(api, run_id) == {"greeting": "Hello, Ada!", "letters": 3}


async def test_failing_task_is_failed_with_its_error(api: httpx.AsyncClient) -> None:
    """An exception in main fails the run; its message is the output's error."""
    run_id = await execute(api, "always_fails", reason="no space left")
    run = await wait_run(api, run_id)
    assert run["status"] == "Failed"
    assert run["failedAt"]
    assert await output_of(api, run_id) == {"error": "no space left"}
    logs = await logs_of(api, run_id)
    assert "about to fail" in logs
    assert any("RuntimeError: no space left" in line for line in logs)
    # The traceback is the task's own: airfield's shim (and importlib) add no frames to it.
    assert any(line.startswith("Traceback") for line in logs)
    assert any("fail.py" in line for line in logs)
    assert not [line for line in logs if "task_shim.py" in line or "<frozen" in line]


async def test_timeout_fails_the_run_and_ends_its_processes(api: httpx.AsyncClient) -> None:
    """A run past its definition's timeout is Failed, with every process of its group gone."""
    run_id = await execute(api, "times_out")
    run = await wait_run(api, run_id)
    assert run["status"] == "Failed"
    assert any("timed out after 1 seconds" in line for line in await logs_of(api, run_id))
    assert (await output_of(api, run_id))["error"].startswith("the run timed out")
    assert not _processes_of(run_id)


def _processes_of(run_id: str) -> list[int]:
    marker = f"AIRPLANE_RUN_ID={run_id}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as env:
                    if marker in env.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


async def test_cancel_ends_the_process_group(api: httpx.AsyncClient) -> None:
    """Cancelling an active run marks it Cancelled, records who, and kills its processes."""
    run_id = await execute(api, "slow", seconds=60)
    await wait_run(api, run_id, {"Active"})
    response = await api.post(
        "/v0/runs/cancel", json={"runID": run_id}, headers={"X-Airplane-Acting-For": "slack:U9"}
    )
    assert response.status_code == 200, response.text
    run = await wait_run(api, run_id)
    assert run["status"] == "Cancelled"
    assert run["cancelledBy"] == "slack:U9"
    assert run["cancelledAt"]

    async def processes_gone() -> bool:
        return not _processes_of(run_id)

    await eventually(processes_gone)
    again = await api.post("/v0/runs/cancel", json={"runID": run_id})
    assert again.status_code == 409
    assert "already ended" in again.json()["error"]


async def test_parent_task_executes_a_child(api: httpx.AsyncClient) -> None:
    """airplane.execute inside a run starts a child run and returns its output."""
    run_id = await execute(api, "parent", name="Kid")
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded", await logs_of(api, run_id)
    output = await output_of(api, run_id)
    assert output["child"] == {"greeting": "Hello, Kid!", "letters": 3}
    assert run["childRunIDs"] == [output["childRunID"]]
    child = (await api.get("/v0/runs/get", params={"id": output["childRunID"]})).json()
    assert child["parentID"] == run_id
    assert child["createdBy"] == run["createdBy"]


async def test_output_protocol_through_a_real_task(api: httpx.AsyncClient) -> None:
    """Chunked lines, appends, paths and quoted keys become output; other lines are logs."""
    run_id = await execute(api, "outputs")
    await wait_run(api, run_id)
    output = await output_of(api, run_id)
    assert output["big"] == "x" * 20000
    assert output["rows"] == [{"a": 1}, {"a": 3}]
    assert output["quoted key"] == "spaces ok"
    assert await logs_of(api, run_id) == ["plain log line"]


async def test_list_of_objects_output(api: httpx.AsyncClient) -> None:
    """inventory appends one object per row."""
    run_id = await execute(api, "inventory", region="us")
    await wait_run(api, run_id)
    rows = await output_of(api, run_id)
    assert [row["host"] for row in rows] == ["us-web-1", "us-web-2", "us-web-3"]


async def test_execute_converts_parameter_types(api: httpx.AsyncClient) -> None:
    """String values convert to the parameter's type; defaults fill the rest."""
    run_id = await execute(api, "typed", count="12", ratio="0.5", day="2024-02-29", code="XYZ")
    run = await wait_run(api, run_id)
    assert run["paramValues"] == {
        "count": 12,
        "ratio": 0.5,
        "flag": False,
        "day": "2024-02-29",
        "color": "red",
        "code": "XYZ",
    }
    output = await output_of(api, run_id)
    assert output["count"] == [12, "int"]
    assert output["ratio"] == [0.5, "float"]
    assert output["flag"] == [False, "bool"]


async def test_execute_rejects_bad_parameters_naming_them(api: httpx.AsyncClient) -> None:
    """Missing, mistyped, out-of-options and regex-mismatched values get 400 naming the slug."""
    cases = {
        "count": {},
        "ratio": {"count": 1, "ratio": "lots"},
        "color": {"count": 1, "color": "blue"},
        "code": {"count": 1, "code": "ABCD"},
        "flag": {"count": 1, "flag": "perhaps"},
        "nope": {"count": 1, "nope": 1},
    }
    for slug, values in cases.items():
        response = await api.post(
            "/v0/tasks/execute", json={"slug": "typed", "paramValues": values}
        )
        assert response.status_code == 400, (slug, response.text)
        body = response.json()
        assert body["code"] == "invalid_param"
        assert body["param"] == slug
        assert f'"{slug}"' in body["error"]


async def test_concurrency_key_keeps_extra_runs_queued(api: httpx.AsyncClient) -> None:
    """With concurrencyLimit 1, a second run waits Queued until the first ends."""
    first = await execute(api, "exclusive", seconds=60)
    await wait_run(api, first, {"Active"})
    second = await execute(api, "exclusive", seconds=0)
    queued = (await api.get("/v0/runs/get", params={"id": second})).json()
    assert queued["status"] == "Queued"
    assert queued["activeAt"] is None
    await api.post("/v0/runs/cancel", json={"runID": first})
    done = await wait_run(api, second)
    assert done["status"] == "Succeeded"


async def test_logs_page_backwards_and_forwards(api: httpx.AsyncClient) -> None:
    """getLogs gives the newest page; next_token pages back, prev_token follows new lines."""
    run_id = await execute(api, "slow", seconds=5)
    await wait_run(api, run_id)
    first = GetLogsResponse.model_validate(
        (await api.get("/v0/runs/getLogs", params={"runID": run_id, "limit": 2})).json()
    )
    assert [line.text for line in first.logs] == ["tick 4", "tick 5"]
    older = (
        await api.get(
            "/v0/runs/getLogs", params={"runID": run_id, "limit": 2, "next_token": first.next_token}
        )
    ).json()
    assert [line["text"] for line in older["logs"]] == ["tick 2", "tick 3"]
    oldest = (
        await api.get(
            "/v0/runs/getLogs",
            params={"runID": run_id, "limit": 2, "next_token": older["next_token"]},
        )
    ).json()
    assert [line["text"] for line in oldest["logs"]] == ["tick 1"]
    assert oldest["next_token"] == ""
    newer = (
        await api.get(
            "/v0/runs/getLogs", params={"runID": run_id, "prev_token": oldest["prev_token"]}
        )
    ).json()
    assert [line["text"] for line in newer["logs"]] == [f"tick {i}" for i in range(2, 6)]
    caught_up = (
        await api.get(
            "/v0/runs/getLogs", params={"runID": run_id, "prev_token": newer["prev_token"]}
        )
    ).json()
    assert caught_up["logs"] == []
    assert caught_up["prev_token"] == newer["prev_token"]


async def test_runs_list_filters_and_pages(api: httpx.AsyncClient) -> None:
    """runs/list filters by task slug and ID and counts pages of `limit`."""
    ids = [await execute(api, "hello", name=f"n{i}") for i in range(3)]
    for run_id in ids:
        await wait_run(api, run_id)
    task_id = (await api.get("/v0/tasks/get", params={"slug": "hello"})).json()["id"]
    page0 = (await api.get("/v0/runs/list", params={"taskSlug": "hello", "limit": 2})).json()
    page1 = (
        await api.get("/v0/runs/list", params={"taskID": task_id, "limit": 2, "page": 1})
    ).json()
    listed = [run["id"] for run in page0["runs"] + page1["runs"]]
    assert listed[:3] == list(reversed(ids))
    assert all(run["taskSlug"] == "hello" for run in page0["runs"] + page1["runs"])
    too_many = await api.get("/v0/runs/list", params={"limit": 51})
    assert too_many.status_code == 400


async def test_legacy_output_forms_and_hand_chunked_lines(api: httpx.AsyncClient) -> None:
    """`airplane_output[:name] <json>` appends under a name; chunks join across other lines."""
    run_id = await execute(api, "legacy_outputs")
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded"
    assert await output_of(api, run_id) == {
        "output": ["first", {"n": 2}],
        "named list": [[1, 2]],
        "count": [3, 4],
        "joined": ["together"],
        "bad-json": ["not json at all"],
    }
    assert await logs_of(api, run_id) == ["log between chunks"]


async def test_sdk_displays_are_kept_with_the_run(api: httpx.AsyncClient) -> None:
    """airplane.display.text/json/table create displays the run lists, in order."""
    run_id = await execute(api, "displays")
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded", await logs_of(api, run_id)
    displays = (await api.get("/v0/displays/list", params={"runID": run_id})).json()["displays"]
    assert [d["kind"] for d in displays] == ["markdown", "json", "table"]
    assert displays[0]["content"].startswith("# Report")
    assert displays[1]["value"] == {"checked": 3}
    assert displays[2]["rows"] == [{"host": "web-1", "ok": True}]
    assert all(d["runID"] == run_id and d["id"].startswith("dsp") for d in displays)
    outside = await api.post(
        "/v0/displays/create", json={"display": {"kind": "markdown", "content": "x"}}
    )
    assert outside.status_code == 403


async def test_sdk_sleep_is_recorded(api: httpx.AsyncClient) -> None:
    """airplane.sleep.sleep records a sleep the run lists, then the task carries on."""
    run_id = await execute(api, "naps")
    run = await wait_run(api, run_id)
    assert run["status"] == "Succeeded", await logs_of(api, run_id)
    assert await output_of(api, run_id) == {"rested": True}
    sleeps = (await api.get("/v0/sleeps/list", params={"runID": run_id})).json()["sleeps"]
    assert [(s["runID"], s["durationMs"]) for s in sleeps] == [(run_id, 1000)]
    one = (await api.get("/v0/sleeps/get", params={"id": sleeps[0]["id"]})).json()
    assert one == sleeps[0]
    outside = await api.post("/v0/sleeps/create", json={"durationMs": 1000, "until": "x"})
    assert outside.status_code == 403
