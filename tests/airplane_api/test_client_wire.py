"""What the client puts on the wire for each endpoint, and what it makes of the answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from airplane_api import AirplaneClient, NotFoundError, __version__
from airplane_api import models as m

from .conftest import MakeClient
from .fake_api import API_KEY, FakeAirplane


@dataclass(frozen=True)
class Case:
    """One endpoint method: how to call it, what must be sent, and a check of what it returns."""

    name: str
    call: Callable[[AirplaneClient], Awaitable[Any]]
    method: str
    path: str
    sent: dict[str, Any]
    check: Callable[[Any], bool]


SINCE = datetime(2022, 1, 1, 12, 0, tzinfo=UTC)
UNTIL = datetime(2022, 1, 1, 13, 0, tzinfo=UTC)

CASES = [
    Case(
        "execute_task",
        lambda c: c.execute_task(
            "hello_world", param_values={"limit": "20"}, resources={"db": "d"}
        ),
        "POST",
        "tasks/execute",
        {"slug": "hello_world", "paramValues": {"limit": "20"}, "resources": {"db": "d"}},
        lambda run_id: run_id == "run20220215zv10o6s52qj",
    ),
    Case(
        "execute_task by id",
        lambda c: c.execute_task(task_id="tsk1"),
        "POST",
        "tasks/execute",
        {"id": "tsk1", "paramValues": {}},
        lambda run_id: run_id == "run20220215zv10o6s52qj",
    ),
    Case(
        "get_run",
        lambda c: c.get_run("run1"),
        "GET",
        "runs/get",
        {"id": "run1"},
        lambda run: isinstance(run, m.Run) and run.status is m.RunStatus.SUCCEEDED,
    ),
    Case(
        "get_run_logs",
        lambda c: c.get_run_logs("run1", prev_token="p1"),
        "GET",
        "runs/getLogs",
        {"runID": "run1", "prev_token": "p1"},
        lambda logs: isinstance(logs, m.GetLogsResponse) and len(logs.logs) == 1,
    ),
    Case(
        "get_run_outputs",
        lambda c: c.get_run_outputs("run1"),
        "GET",
        "runs/getOutputs",
        {"id": "run1"},
        lambda output: output == {"element": "hydrogen", "weight": "1.008"},
    ),
    Case(
        "list_runs",
        lambda c: c.list_runs(task_slug="hello_world", since=SINCE, until=UNTIL, limit=10),
        "GET",
        "runs/list",
        {
            "taskSlug": "hello_world",
            "since": "2022-01-01T12:00:00Z",
            "until": "2022-01-01T13:00:00Z",
            "limit": "10",
            "page": "0",
        },
        lambda runs: [run.id for run in runs] == ["run20220111zlq2ig4"],
    ),
    Case(
        "cancel_run",
        lambda c: c.cancel_run("run1"),
        "POST",
        "runs/cancel",
        {"runID": "run1"},
        lambda result: result is None,
    ),
    Case(
        "get_prompt",
        lambda c: c.get_prompt("pmt1"),
        "GET",
        "prompts/get",
        {"id": "pmt1"},
        lambda prompt: isinstance(prompt, m.Prompt) and prompt.confirm_text == "Approve workflow.",
    ),
    Case(
        "list_prompts",
        lambda c: c.list_prompts("run1"),
        "GET",
        "prompts/list",
        {"runID": "run1"},
        lambda prompts: [p.id for p in prompts] == ["pmt20221122zyydx3rho2t"],
    ),
    Case(
        "submit_prompt",
        lambda c: c.submit_prompt("pmt1", {"user": "eric"}),
        "POST",
        "prompts/submit",
        {"id": "pmt1", "values": {"user": "eric"}},
        lambda prompt_id: prompt_id == "pmt20221122zyydx3rho2t",
    ),
    Case(
        "cancel_prompt",
        lambda c: c.cancel_prompt("pmt1"),
        "POST",
        "prompts/cancel",
        {"id": "pmt1"},
        lambda prompt_id: prompt_id == "pmt20221122zyydx3rho2t",
    ),
    Case(
        "create_resource",
        lambda c: c.create_resource(
            m.CreateResourceRequest(kind="postgres", name="DB", resource={"host": "h"})
        ),
        "POST",
        "resources/create",
        {"kind": "postgres", "name": "DB", "resource": {"host": "h"}},
        lambda resource_id: resource_id == "",
    ),
    Case(
        "update_resource",
        lambda c: c.update_resource(
            m.UpdateResourceRequest(id="res1", kind="postgres", name="DB", is_private=True)
        ),
        "POST",
        "resources/update",
        {"id": "res1", "kind": "postgres", "name": "DB", "isPrivate": True},
        lambda resource_id: resource_id == "",
    ),
    Case(
        "execute_runbook",
        lambda c: c.execute_runbook("hello_world", param_values={"user": "eric"}),
        "POST",
        "runbooks/execute",
        {"slug": "hello_world", "paramValues": {"user": "eric"}},
        lambda session_id: session_id == "ses20220120za1pskd",
    ),
    Case(
        "get_session",
        lambda c: c.get_session("ses1"),
        "GET",
        "sessions/get",
        {"id": "ses1"},
        lambda session: session.status is m.SessionStatus.SUCCEEDED,
    ),
    Case(
        "list_sessions",
        lambda c: c.list_sessions(runbook_id="rbk1", updated_after=SINCE, page=2),
        "GET",
        "sessions/list",
        {"runbookID": "rbk1", "updatedAfter": "2022-01-01T12:00:00Z", "limit": "50", "page": "2"},
        lambda sessions: [s.id for s in sessions] == ["ses20220120za1pskd"],
    ),
    Case(
        "get_task",
        lambda c: c.get_task("hello_world"),
        "GET",
        "tasks/get",
        {"slug": "hello_world"},
        lambda task: task.id == "tsk20210728zxb2vxn" and task.parameters[0].slug == "name",
    ),
    Case(
        "get_task by id",
        lambda c: c.get_task(task_id="tsk1"),
        "GET",
        "tasks/get",
        {"id": "tsk1"},
        lambda task: task.execute_rules.disallow_self_approve,
    ),
    Case(
        "list_tasks",
        lambda c: c.list_tasks(),
        "GET",
        "tasks/list",
        {},
        lambda tasks: [t.slug for t in tasks] == ["one"],
    ),
    Case(
        "get_runbook",
        lambda c: c.get_runbook("release"),
        "GET",
        "runbooks/get",
        {"runbookSlug": "release"},
        lambda runbook: runbook.id == "rbk20220120zxyz" and runbook.parameters[0].slug == "version",
    ),
    Case(
        "list_runbooks",
        lambda c: c.list_runbooks(),
        "GET",
        "runbooks/list",
        {},
        lambda runbooks: [(r.id, r.slug, r.parameters) for r in runbooks] == [("rbk1", "one", [])],
    ),
    Case(
        "get_user",
        lambda c: c.get_user("usr1"),
        "GET",
        "users/get",
        {"userID": "usr1"},
        lambda user: user.email == "a@b.c",
    ),
    Case(
        "list_envs",
        lambda c: c.list_envs(),
        "GET",
        "envs/list",
        {},
        lambda envs: [(e.id, e.slug) for e in envs] == [("env1", "prod")],
    ),
    Case(
        "auth_info",
        lambda c: c.auth_info(),
        "GET",
        "auth/info",
        {},
        lambda info: info.team is not None and info.team.id == "tea1",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_endpoint_encoding(case: Case, client: AirplaneClient, fake: FakeAirplane) -> None:
    """GETs send parameters as a query string, POSTs as a JSON body, and the answer parses."""
    result = await case.call(client)
    request = fake.last(case.path)
    assert request.method == case.method
    if case.method == "GET":
        assert dict(request.url.params) == case.sent
        assert request.content == b""
        assert "Idempotency-Key" not in request.headers
    else:
        assert json.loads(request.content) == case.sent
        assert request.headers["Content-Type"] == "application/json"
        assert request.url.query == b""
        assert uuid.UUID(request.headers["Idempotency-Key"]).version == 4
    assert case.check(result)


def test_every_endpoint_method_is_covered() -> None:
    """Each public endpoint method of the client has an encoding case."""
    public = {
        name
        for name in vars(AirplaneClient)
        if not name.startswith("_") and callable(getattr(AirplaneClient, name))
    }
    covered = {case.name.split()[0] for case in CASES}
    assert public - covered == {"aclose", "iter_runs", "iter_sessions"}


async def test_standard_headers(client: AirplaneClient, fake: FakeAirplane) -> None:
    """Every request carries the API key and the bot's User-Agent, and no env header by default."""
    await client.get_run("run1")
    headers = fake.last("runs/get").headers
    assert headers["X-Airplane-API-Key"] == API_KEY
    assert headers["User-Agent"] == f"airplane-bot/{__version__}"
    assert "X-Airplane-Env-Slug" not in headers
    assert "X-Airplane-Env-ID" not in headers
    assert "X-Team-ID" not in headers


async def test_env_slug_and_team_headers(make_client: MakeClient, fake: FakeAirplane) -> None:
    """A client-wide env slug and team ID go on every request."""
    client = make_client(env_slug="prod", team_id="tea1")
    await client.get_run("run1")
    headers = fake.last("runs/get").headers
    assert headers["X-Airplane-Env-Slug"] == "prod"
    assert headers["X-Team-ID"] == "tea1"


async def test_env_id_header_and_per_call_slug(make_client: MakeClient, fake: FakeAirplane) -> None:
    """An env ID goes on every request; a per-call env slug replaces it for that call only."""
    client = make_client(env_id="env123")
    await client.execute_task("hello_world", env_slug="stage")
    headers = fake.last("tasks/execute").headers
    assert headers["X-Airplane-Env-Slug"] == "stage"
    assert "X-Airplane-Env-ID" not in headers
    await client.execute_runbook(runbook_id="rbk1")
    assert fake.last("runbooks/execute").headers["X-Airplane-Env-ID"] == "env123"


def test_env_slug_and_id_together_is_refused() -> None:
    """Both an env slug and an env ID is ambiguous and refused up front."""
    with pytest.raises(ValueError, match="not both"):
        AirplaneClient(API_KEY, env_slug="prod", env_id="env1")


ACTING = {"acting_for": "slack:U1", "acting_for_email": "a@b.c"}


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.execute_task("t", **ACTING), "tasks/execute"),
        (lambda c: c.execute_runbook("r", **ACTING), "runbooks/execute"),
        (lambda c: c.submit_prompt("p", {}, **ACTING), "prompts/submit"),
        (lambda c: c.cancel_prompt("p", **ACTING), "prompts/cancel"),
        (lambda c: c.cancel_run("r", **ACTING), "runs/cancel"),
    ],
)  # fmt: skip
async def test_acting_for_headers(
    call: Callable[[AirplaneClient], Awaitable[Any]],
    path: str,
    client: AirplaneClient,
    fake: FakeAirplane,
) -> None:
    """Methods that start or decide things say whom they act for."""
    await call(client)
    headers = fake.last(path).headers
    assert headers["X-Airplane-Acting-For"] == "slack:U1"
    assert headers["X-Airplane-Acting-For-Email"] == "a@b.c"


async def test_no_acting_for_headers_unless_asked(
    client: AirplaneClient, fake: FakeAirplane
) -> None:
    """Without acting_for, no acting-for header is sent."""
    await client.submit_prompt("p", {})
    assert "X-Airplane-Acting-For" not in fake.last("prompts/submit").headers


async def test_idempotency_keys(client: AirplaneClient, fake: FakeAirplane) -> None:
    """Each POST call gets its own fresh key, unless the caller ties it to one of theirs."""
    await client.execute_task("t")
    await client.execute_task("t")
    await client.execute_task("t", idempotency_key="slack-req-1")
    keys = [r.headers["Idempotency-Key"] for r in fake.requests]
    assert keys[0] != keys[1]
    assert keys[2] == "slack-req-1"


async def test_get_run_flat_and_wrapped(client: AirplaneClient, fake: FakeAirplane) -> None:
    """`runs/get` answered flat (the reference) or wrapped in `run` (the CLI) gives one Run."""
    flat = await client.get_run("run20220111zlq2ig4")
    fake.answer("runs/get", {"run": {"runID": "run20220111zlq2ig4", "status": "Succeeded"}})
    wrapped = await client.get_run("run20220111zlq2ig4")
    assert wrapped.id == flat.id
    assert wrapped.status is flat.status is m.RunStatus.SUCCEEDED


@pytest.mark.parametrize("key", ["output", "outputs"])
async def test_outputs_under_either_key(
    key: str, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """`runs/getOutputs` gives the value whether it is under `output` or the older `outputs`."""
    fake.answer("runs/getOutputs", {key: [{"a": 1}, {"a": 2}]})
    assert await client.get_run_outputs("run1") == [{"a": 1}, {"a": 2}]


async def test_cancel_run_accepts_an_empty_answer(
    client: AirplaneClient, fake: FakeAirplane
) -> None:
    """`runs/cancel` documents no response; an empty body or `{}` both do."""
    await client.cancel_run("run1")
    fake.answer("runs/cancel", {})
    await client.cancel_run("run1")
    assert fake.executed == ["runs/cancel", "runs/cancel"]


async def test_execute_needs_slug_or_id(client: AirplaneClient) -> None:
    """Executing with neither a slug nor an ID is refused before any request."""
    with pytest.raises(ValueError, match="slug or a task_id"):
        await client.execute_task()
    with pytest.raises(ValueError, match="slug or a runbook_id"):
        await client.execute_runbook()


async def test_owned_http_client_is_closed(fake: FakeAirplane) -> None:
    """`async with` closes the httpx client the client made."""
    async with AirplaneClient(
        API_KEY, host="https://api.test", transport=httpx.MockTransport(fake.handler)
    ) as client:
        await client.get_run("run1")
    assert client._http.is_closed


async def test_injected_http_client_stays_open(fake: FakeAirplane) -> None:
    """`async with` leaves an injected httpx client open for its owner."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as http:
        async with AirplaneClient(API_KEY, host="https://api.test/v0/", http_client=http) as client:
            await client.get_run("run1")
        assert not http.is_closed
        assert fake.last("runs/get").url == "https://api.test/v0/runs/get?id=run1"


async def test_timeout_is_capped_by_the_deadline(
    make_client: MakeClient, fake: FakeAirplane
) -> None:
    """Each attempt's timeout is the configured one, shortened to what the deadline leaves."""
    from airplane_api import RetryPolicy

    await make_client(timeout=httpx.Timeout(7.0)).get_run("run1")
    assert fake.requests[-1].extensions["timeout"]["read"] == 7.0
    await make_client(timeout=7.0, retry=RetryPolicy(deadline=2.0)).get_run("run1")
    assert fake.requests[-1].extensions["timeout"] == {
        "connect": 2.0,
        "read": 2.0,
        "write": 2.0,
        "pool": 2.0,
    }


@pytest.mark.parametrize("endpoint", ["runbooks/get", "runbooks/list"])
async def test_runbook_reads_on_a_documented_only_server_are_not_found(
    endpoint: str, client: AirplaneClient, fake: FakeAirplane
) -> None:
    """runbooks/get and runbooks/list are not in the v0 contract: a server without them answers
    404, which the client reports as NotFoundError at once (no retry), for the bot to fall back."""
    del fake.routes[endpoint]
    call = client.get_runbook("release") if endpoint == "runbooks/get" else client.list_runbooks()
    with pytest.raises(NotFoundError):
        await call
    assert [r.url.path for r in fake.requests] == [f"/v0/{endpoint}"]
