"""The airfield fuzz: generated hostile requests for every /v0 endpoint, each answer checked.

    world = await prepare(server)                  # a run, a run token, prompts, a resource...
    cases = build_cases(world, seed=22, per_class=2)
    results = await send_all(server, world, cases)  # sequential, /healthz probed meanwhile

Each endpoint has a valid template (`SPECS`); a case replaces one field of it (or adds one)
with a hostile JSON fragment (`hostile.FRAGMENTS`), mangles the encoded body
(`hostile.mutate_body`), puts hostile values in its query string (`hostile.query_value`,
repeated names, hundreds of names), or sends hostile headers. `problem` is the oracle: an answer
below 500, a 4xx that is a JSON `{"error", "code"}` of reasonable length, a 2xx that is JSON,
within `TIME_LIMIT`. tests/fuzz/test_airfield_fuzz.py asserts on it; bench/hostile_input.py
prints figures from the same cases.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from airfield.routes import ENDPOINTS
from tests.support.airfield import AirfieldProcess
from tests.support.eventually import eventually

from . import hostile

FUZZ_TASKS = Path(__file__).with_name("tasks")
TIME_LIMIT = 1.0  # seconds: any single request slower than this is a failure
# An error message may quote what was sent, but not all of a megabyte of it.
MAX_ERROR_CHARS = 2000
SERVER_ARGS = ["--rate-limit", "100000", "--rate-burst", "100000"]

_HERE = "\x00here\x00"  # marks the field a fragment replaces; never sent


@dataclass(frozen=True)
class World:
    """What the templates point at: real objects, so valid requests reach deep code."""

    run_id: str  # a finished fuzz_target run
    holder_id: str  # an active run whose token the run-only endpoints are called with
    token: str
    prompt_id: str  # an open prompt of the holder run (integer and date values)
    closed_prompt_id: str
    session_id: str  # an ended session of fuzz_book
    resource_id: str
    sleep_id: str
    user_id: str


@dataclass(frozen=True)
class Spec:
    """An endpoint's valid request: query and body templates (`{run_id}` etc. from World)."""

    query: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    run_token: bool = False
    # What the valid request answers (a 409 where the template names something that ended).
    valid: frozenset[int] = frozenset({200})


_VALUES = {
    "text": "hi",
    "notes": "a\nb",
    "count": 3,
    "ratio": 0.5,
    "flag": True,
    "day": "2024-01-31",
    "at": "2024-01-31T12:00:00Z",
    "choice": "red",
    "code": "ABC",
}
_POSTGRES = {"host": "db.example", "port": 5432, "username": "u", "password": "p", "database": "d"}

SPECS: dict[tuple[str, str], Spec] = {
    ("POST", "/v0/tasks/execute"): Spec(body={"slug": "fuzz_target", "paramValues": _VALUES}),
    ("GET", "/v0/tasks/get"): Spec(query={"slug": "fuzz_target"}),
    ("GET", "/v0/tasks/list"): Spec(),
    ("GET", "/v0/runs/get"): Spec(query={"id": "{run_id}"}),
    ("GET", "/v0/runs/list"): Spec(
        query={
            "taskSlug": "fuzz_target",
            "since": "2020-01-01T00:00:00Z",
            "until": "2100-01-01T00:00:00Z",
            "limit": "5",
            "page": "0",
        }
    ),
    ("GET", "/v0/runs/getLogs"): Spec(
        query={"runID": "{holder_id}", "limit": "10", "prev_token": "lt_0"}
    ),
    ("GET", "/v0/runs/getOutputs"): Spec(query={"id": "{run_id}"}),
    ("POST", "/v0/runs/cancel"): Spec(body={"runID": "{run_id}"}, valid=frozenset({409})),
    ("POST", "/v0/displays/create"): Spec(
        body={"display": {"kind": "markdown", "content": "hi"}}, run_token=True
    ),
    ("GET", "/v0/displays/list"): Spec(query={"runID": "{holder_id}"}),
    ("POST", "/v0/prompts/create"): Spec(
        body={
            "schema": {"parameters": [{"slug": "ok", "name": "OK", "type": "boolean"}]},
            "reviewers": {"users": ["a@example.com"], "groups": [], "allowSelfApprovals": True},
            "confirmText": "Go",
            "cancelText": "Stop",
            "description": "fuzz",
        },
        run_token=True,
    ),
    ("GET", "/v0/prompts/get"): Spec(query={"id": "{prompt_id}"}),
    ("GET", "/v0/prompts/list"): Spec(query={"runID": "{holder_id}"}),
    ("POST", "/v0/prompts/submit"): Spec(
        body={"id": "{prompt_id}", "values": {"count": 3, "day": "2024-01-31"}}
    ),
    ("POST", "/v0/prompts/cancel"): Spec(body={"id": "{closed_prompt_id}"}, valid=frozenset({409})),
    ("POST", "/v0/runbooks/execute"): Spec(body={"slug": "fuzz_book", "paramValues": {"who": "x"}}),
    ("GET", "/v0/runbooks/get"): Spec(query={"slug": "fuzz_book"}),
    ("GET", "/v0/runbooks/list"): Spec(),
    ("GET", "/v0/sessions/get"): Spec(query={"id": "{session_id}"}),
    ("GET", "/v0/sessions/list"): Spec(
        query={
            "runbookSlug": "fuzz_book",
            "updatedAfter": "2020-01-01T00:00:00Z",
            "updatedBefore": "2100-01-01T00:00:00Z",
            "limit": "5",
            "page": "0",
        }
    ),
    ("POST", "/v0/sessions/cancel"): Spec(body={"id": "{session_id}"}, valid=frozenset({409})),
    ("POST", "/v0/resources/create"): Spec(
        body={"kind": "postgres", "name": "fuzz", "resource": _POSTGRES},
        valid=frozenset({200, 409}),
    ),
    ("POST", "/v0/resources/update"): Spec(
        body={"id": "{resource_id}", "kind": "postgres", "name": "fuzz base", "resource": _POSTGRES}
    ),
    ("GET", "/v0/resources/get"): Spec(query={"id": "{resource_id}"}),
    ("GET", "/v0/resources/list"): Spec(),
    ("GET", "/v0/auth/info"): Spec(),
    ("GET", "/v0/users/get"): Spec(query={"userID": "{user_id}"}),
    ("GET", "/v0/envs/list"): Spec(),
    ("POST", "/v0/sleeps/create"): Spec(
        body={"durationMs": 1000, "until": "2030-01-01T00:00:00Z"}, run_token=True
    ),
    ("GET", "/v0/sleeps/get"): Spec(query={"id": "{sleep_id}"}),
    ("GET", "/v0/sleeps/list"): Spec(query={"runID": "{holder_id}"}),
}

# Query names every endpoint reads besides its own (environment), and one nobody reads.
EXTRA_NAMES = ["envSlug", "envID", "zzz"]
HOSTILE_HEADERS: list[tuple[str, bytes]] = [
    ("X-Airplane-API-Key", b"tkn_" + b"x" * 4000),
    ("X-Airplane-API-Key", b"\xff\xfe"),
    ("X-Airplane-Token", b"rtk_\x7f"),
    ("Idempotency-Key", b"k" * 300),
    ("Idempotency-Key", b"\xc3\xa9\xff"),
    ("X-Airplane-Env-Slug", b"\xff" * 100),
    ("X-Airplane-Env-ID", b"env" + b"9" * 4000),
    ("X-Airplane-Acting-For", b"slack:\xff\xfe"),
    ("X-Airplane-Acting-For", b"slack:" + b"U" * 4000),
    ("X-Airplane-Acting-For-Email", b"a@b.c\xe9"),
    ("Content-Type", b"application/json; charset=utf-16"),
]


@dataclass(frozen=True)
class Case:
    """One request to send, and what it is."""

    method: str
    path: str
    kind: str  # the input class: "body", "mutation", "query", "headers", "valid"
    label: str  # what exactly, e.g. "paramValues.count <- deep-arrays depth=1000"
    query: str = ""  # percent-encoded
    body: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    run_token: bool = False
    valid: frozenset[int] = frozenset()  # non-empty: the statuses a valid request must get

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        size = len(self.body) if self.body is not None else 0
        return (
            f"{self.endpoint} [{self.kind}] {self.label} (query {len(self.query)} B, body {size} B)"
        )


@dataclass(frozen=True)
class Result:
    """What a case got."""

    case: Case
    status: int
    seconds: float
    problem: str | None


def _fill(value: Any, world: World) -> Any:
    if isinstance(value, str):
        return value.format(**vars(world))
    if isinstance(value, Mapping):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a template (containers too), and a new key at each level."""
    found: list[tuple[str, ...]] = []
    if isinstance(value, Mapping):
        found.append((*prefix, "zzz_extra"))
        for key, item in value.items():
            found.append((*prefix, key))
            found += _paths(item, (*prefix, key))
    return found


def _replaced(body: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = _HERE
    return copy


def _encode(body: Mapping[str, Any], fragment: str | None = None) -> bytes:
    text = json.dumps(body, ensure_ascii=False)
    if fragment is not None:
        text = text.replace(json.dumps(_HERE), fragment, 1)
    return text.encode("utf-8", "surrogatepass")


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(name, safe='')}={value}" for name, value in pairs)


def _plain(query: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(name, quote(value, safe="")) for name, value in query.items()]


def build_cases(world: World, seed: int = 22, per_class: int = 2) -> list[Case]:
    """The cases for every endpoint, the same for the same seed; raises if an endpoint has no
    spec (a new endpoint must be fuzzed too)."""
    rng = random.Random(seed)
    routes = [(e.method, e.path) for e in ENDPOINTS]
    missing = [f"{m} {p}" for m, p in routes if (m, p) not in SPECS]
    if missing:
        raise LookupError(f"no fuzz spec for {', '.join(missing)}; add one to SPECS")
    cases: list[Case] = []
    for method, path in routes:
        spec = SPECS[(method, path)]
        query = _fill(dict(spec.query), world)
        body = _fill(dict(spec.body), world) if spec.body is not None else None
        base = {"method": method, "path": path, "run_token": spec.run_token}
        valid_body = _encode(body) if body is not None else None
        if method == "GET" or (method, path) not in _DESTRUCTIVE:
            cases.append(
                Case(
                    **base,
                    kind="valid",
                    label="the template",
                    query=_query(_plain(query)),
                    body=valid_body,
                    valid=spec.valid,
                )
            )
        if body is not None:
            paths = _paths(body)
            for make in hostile.FRAGMENTS:
                for _ in range(per_class):
                    where = rng.choice(paths)
                    label, fragment = make(rng)
                    cases.append(
                        Case(
                            **base,
                            kind="body",
                            label=f"{'.'.join(where)} <- {label}",
                            body=_encode(_replaced(body, where), fragment),
                        )
                    )
            for _ in range(per_class * 5):
                label, mutated = hostile.mutate_body(rng, valid_body or b"")
                cases.append(Case(**base, kind="mutation", label=label, body=mutated))
        names = [*query, *(body or {}), *EXTRA_NAMES]
        for _ in range(per_class * 6):
            name = rng.choice(names)
            label, value = hostile.query_value(rng)
            shape = rng.choice(["replace", "repeat", "many", "bare"])
            pairs = [(n, v) for n, v in _plain(query) if n != name]
            if shape == "replace":
                pairs.append((name, value))
            elif shape == "repeat":
                pairs += [(name, value), (name, value[::-1] or "x")]
            elif shape == "many":
                pairs += [(name, value[:100])] * 500
            text = _query(pairs) + (f"&{quote(name, safe='')}" if shape == "bare" else "")
            cases.append(
                Case(
                    **base,
                    kind="query",
                    label=f"{name} {shape} <- {label}",
                    query=text,
                    body=valid_body,
                )
            )
        for _ in range(per_class * 2):
            header = rng.choice(HOSTILE_HEADERS)
            cases.append(
                Case(
                    **base,
                    kind="headers",
                    label=f"{header[0]}: {header[1][:20]!r}",
                    query=_query(_plain(query)),
                    body=valid_body,
                    headers=(header,),
                )
            )
    return cases


# Valid requests that would change what later cases rely on (the open prompt, the holder run).
_DESTRUCTIVE = {("POST", "/v0/prompts/submit")}


def problem(case: Case, response: httpx.Response, seconds: float) -> str | None:
    """Why an answer is wrong, or None."""
    status = response.status_code
    if seconds > TIME_LIMIT:
        return f"took {seconds:.2f} s (limit {TIME_LIMIT} s)"
    if status >= 500:
        return f"answered {status}: {response.text[:300]}"
    if case.valid and status not in case.valid:
        return f"a valid request answered {status}, not {sorted(case.valid)}: {response.text[:300]}"
    if not 200 <= status < 500 or 300 <= status < 400:
        return f"answered {status}"
    if response.headers.get("content-type", "").split(";")[0] != "application/json":
        return f"answered {status} with Content-Type {response.headers.get('content-type')!r}"
    try:
        body = json.loads(response.content.decode("utf-8"))
    except ValueError:
        return f"answered {status} with a body that is not JSON: {response.text[:200]!r}"
    if status >= 400:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
            return f"a {status} without an error message: {response.text[:200]!r}"
        if not isinstance(body.get("code"), str) or not body["code"]:
            return f"a {status} without an error code: {response.text[:200]!r}"
        if len(body["error"]) > MAX_ERROR_CHARS:
            return f"a {status} whose message is {len(body['error'])} characters long"
    return None


async def send(client: httpx.AsyncClient, world: World, case: Case) -> Result:
    """Send one case and judge the answer."""
    url = case.path + (f"?{case.query}" if case.query else "")
    headers: list[tuple[str, bytes]] = []
    if case.run_token:
        headers.append(("X-Airplane-Token", world.token.encode()))
    headers += case.headers
    request = client.build_request(case.method, url, content=case.body, headers=headers)
    if case.run_token:
        del request.headers["X-Airplane-API-Key"]
    began = time.monotonic()
    try:
        response = await client.send(request)
    except httpx.TimeoutException:
        return Result(case, 0, time.monotonic() - began, "no answer (timed out)")
    except httpx.TransportError as exc:
        return Result(case, 0, time.monotonic() - began, f"the connection failed: {exc!r}")
    seconds = time.monotonic() - began
    return Result(case, response.status_code, seconds, problem(case, response, seconds))


@dataclass
class Probe:
    """/healthz latencies while the fuzz runs."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def _probe(url: str, probe: Probe, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        while not stop.is_set():
            began = time.monotonic()
            try:
                response = await client.get("/healthz")
                if response.status_code != 200:
                    probe.failures.append(f"/healthz answered {response.status_code}")
            except httpx.HTTPError as exc:
                probe.failures.append(f"/healthz failed: {exc!r}")
            probe.seconds.append(time.monotonic() - began)
            with _suppress_timeout():
                await asyncio.wait_for(stop.wait(), 0.05)


class _suppress_timeout:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: object, tb: object) -> bool:
        return kind is TimeoutError


async def send_all(
    server: AirfieldProcess, world: World, cases: list[Case]
) -> tuple[list[Result], Probe]:
    """Every case in order on one client, /healthz probed every 50 ms meanwhile."""
    probe = Probe()
    stop = asyncio.Event()
    prober = asyncio.create_task(_probe(server.url, probe, stop))
    results = []
    try:
        async with httpx.AsyncClient(
            base_url=server.url, headers=server.headers, timeout=10.0
        ) as client:
            for case in cases:
                results.append(await send(client, world, case))
    finally:
        stop.set()
        await prober
    return results, probe


async def prepare(server: AirfieldProcess) -> World:
    """The objects the templates name, made through the API."""
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers, timeout=30.0) as api:

        async def ok(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            response = await api.request(method, path, **kwargs)
            assert response.status_code == 200, (path, response.text)
            body: dict[str, Any] = response.json()
            return body

        async def ended(run_id: str) -> None:
            async def done() -> bool | None:
                run = await ok("GET", "/v0/runs/get", params={"id": run_id})
                return True if run["status"] in {"Succeeded", "Failed", "Cancelled"} else None

            await eventually(done, within=30.0, every=0.05)

        run = await ok(
            "POST", "/v0/tasks/execute", json={"slug": "fuzz_target", "paramValues": _VALUES}
        )
        run_id = run["runID"]
        await ended(run_id)
        holder = (await ok("POST", "/v0/tasks/execute", json={"slug": "token_holder"}))["runID"]

        async def token() -> str | None:
            logs = await ok("GET", "/v0/runs/getLogs", params={"runID": holder})
            for line in logs["logs"]:
                if line["text"].startswith("token "):
                    return str(line["text"].split()[1])
            return None

        run_token = await eventually(token, within=30.0, every=0.05)
        as_run = {"X-Airplane-Token": run_token}
        prompt_body = {
            "schema": {
                "parameters": [
                    {"slug": "count", "name": "Count", "type": "integer"},
                    {"slug": "day", "name": "Day", "type": "date"},
                ]
            }
        }

        async def as_holder(path: str, body: dict[str, Any]) -> str:
            async with httpx.AsyncClient(base_url=server.url, headers=as_run) as run_api:
                response = await run_api.post(path, json=body)
            assert response.status_code == 200, (path, response.text)
            return str(response.json()["id"])

        prompt_id = await as_holder("/v0/prompts/create", prompt_body)
        closed = await as_holder("/v0/prompts/create", prompt_body)
        await ok("POST", "/v0/prompts/cancel", json={"id": closed})
        sleep_id = await as_holder(
            "/v0/sleeps/create", {"durationMs": 1, "until": "2030-01-01T00:00:00Z"}
        )
        session = await ok(
            "POST", "/v0/runbooks/execute", json={"slug": "fuzz_book", "paramValues": {"who": "x"}}
        )
        session_id = session["sessionID"]

        async def session_ended() -> bool | None:
            found = await ok("GET", "/v0/sessions/get", params={"id": session_id})
            return True if found["status"] in {"Succeeded", "Failed", "Cancelled"} else None

        await eventually(session_ended, within=30.0, every=0.05)
        resource = await ok(
            "POST",
            "/v0/resources/create",
            json={"kind": "postgres", "name": "fuzz base", "resource": _POSTGRES},
        )
        user_id = (await ok("GET", "/v0/auth/info"))["user"]["id"]
    return World(
        run_id=run_id,
        holder_id=holder,
        token=run_token,
        prompt_id=prompt_id,
        closed_prompt_id=closed,
        session_id=session_id,
        resource_id=resource["id"],
        sleep_id=sleep_id,
        user_id=user_id,
    )


def start_server(directory: Path) -> AirfieldProcess:
    """An airfield with the fuzz tasks and no rate limit (not started)."""
    return AirfieldProcess(directory, tasks_dirs=[FUZZ_TASKS], extra_args=SERVER_ARGS)
