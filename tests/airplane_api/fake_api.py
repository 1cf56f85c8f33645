"""A fake Airplane API for `httpx.MockTransport`, strict about the wire format in the reference.

It derives from the reference's own curl examples which method each endpoint takes, whether its
parameters travel in the query string or a JSON body, and which names they may have; it answers
with the reference's example responses. Tests queue other answers (errors, lost responses) per
endpoint. This is the one place a fake is right: it pins the wire format, not behaviour.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .spec import examples, reference_text

API_KEY = "tkn_secretkey0123456789SECRETKEY0123456"

# What the reference cannot show: body and query names its examples leave out (the ID
# alternatives to slugs, the log paging tokens the CLI sends), and the endpoints Airplane's own
# clients call (airplane-clients-notes.md), which airfield serves too.
_EXTRA_NAMES: dict[str, set[str]] = {
    "tasks/execute": {"id"},
    "runbooks/execute": {"id"},
    "runs/getLogs": {"prev_token", "next_token", "level"},
}
_EXTRA_ROUTES: dict[str, tuple[str, set[str], Any]] = {
    "tasks/get": (
        "GET",
        {"slug", "id"},
        {
            "taskID": "tsk20210728zxb2vxn",
            "slug": "hello_world",
            "name": "Hello world",
            "parameters": {"parameters": [{"slug": "name", "name": "Name", "type": "string"}]},
            "executeRules": {"disallowSelfApprove": True, "requireRequests": False},
        },
    ),
    "tasks/list": ("GET", set(), {"tasks": [{"id": "tsk1", "slug": "one"}]}),
    # Not in the reference: the CLI's shape (airplane-clients-notes.md), which airfield serves.
    "runbooks/get": (
        "GET",
        {"runbookSlug"},
        {
            "runbook": {
                "id": "rbk20220120zxyz",
                "name": "Release",
                "slug": "release",
                "parameters": [{"slug": "version", "name": "Version", "type": "string"}],
                "templateSession": {"id": "ses1", "configs": [], "constraints": {}},
            }
        },
    ),
    "runbooks/list": (
        "GET",
        set(),
        {"runbooks": [{"runbookID": "rbk1", "slug": "one", "parameters": {"parameters": []}}]},
    ),
    "users/get": (
        "GET",
        {"userID"},
        {"user": {"userID": "usr1", "email": "a@b.c", "name": "Ada", "avatarURL": ""}},
    ),
    "envs/list": (
        "GET",
        set(),
        {"envs": [{"id": "env1", "slug": "prod", "name": "Production"}]},
    ),
    "auth/info": (
        "GET",
        set(),
        {"user": {"id": "usr1", "email": "a@b.c", "name": "Ada"}, "team": {"id": "tea1"}},
    ),
    "runs/cancel": ("POST", {"runID"}, None),  # the reference documents no response body
}


@dataclass(frozen=True)
class Route:
    """How one endpoint is called and what it answers by default."""

    method: str
    names: frozenset[str]
    answer: Any


def routes_from_reference() -> dict[str, Route]:
    """Every endpoint's method, parameter names and example answer, read from the reference."""
    methods: dict[str, str] = {}
    names: defaultdict[str, set[str]] = defaultdict(set)
    answers: dict[str, Any] = {}
    for example in examples(reference_text()):
        if example.endpoint is None or example.method is None:
            continue
        methods[example.endpoint] = example.method
        if example.kind in ("query", "body"):
            names[example.endpoint] |= example.payload.keys()
        elif example.kind == "response":
            answers.setdefault(example.endpoint, example.payload)
    routes = {
        endpoint: Route(
            method,
            frozenset(names[endpoint] | _EXTRA_NAMES.get(endpoint, set())),
            answers.get(endpoint),
        )
        for endpoint, method in methods.items()
    }
    for endpoint, (method, extra, answer) in _EXTRA_ROUTES.items():
        known = routes.get(endpoint)
        routes[endpoint] = Route(
            method, frozenset(extra | (known.names if known else set())), answer
        )
    return routes


ROUTES = routes_from_reference()

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def lost(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A reply that does the work and then loses the response, as in the idempotency example."""

    def reply(request: httpx.Request) -> httpx.Response:
        raise error

    return reply


def error_response(
    status: int, body: Any = None, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An error answer; a dict body becomes JSON, a str is sent as it is."""
    if isinstance(body, dict):
        return httpx.Response(status, json=body, headers=headers)
    return httpx.Response(status, content=(body or "").encode(), headers=headers)


@dataclass
class FakeAirplane:
    """The handler: checks each request against the reference, then answers from a script."""

    routes: dict[str, Route] = field(default_factory=lambda: dict(ROUTES))
    requests: list[httpx.Request] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    scripts: defaultdict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    answers: dict[str, Any] = field(default_factory=dict)
    _replays: dict[str, httpx.Response] = field(default_factory=dict)

    def script(self, endpoint: str, *replies: Reply) -> None:
        """Queue answers for an endpoint; once they run out, it answers normally."""
        self.scripts[endpoint].extend(replies)

    def answer(self, endpoint: str, payload: Any) -> None:
        """Replace the normal answer of an endpoint (a JSON value, or a function of the request)."""
        self.answers[endpoint] = payload

    def last(self, endpoint: str) -> httpx.Request:
        """The most recent request to an endpoint."""
        return [r for r in self.requests if r.url.path == f"/v0/{endpoint}"][-1]

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        self.requests.append(request)
        endpoint = request.url.path.removeprefix("/v0/")
        route = self.routes.get(endpoint)
        if route is None:
            return error_response(404, {"error": f"no route {endpoint}"})
        if problem := self._wire_problem(request, route):
            return error_response(400, {"error": problem, "code": "fake_wire_format"})
        if request.headers.get("X-Airplane-API-Key") != API_KEY:
            return error_response(401, {"error": "Invalid API key"})
        key = request.headers.get("Idempotency-Key")
        if key and key in self._replays:
            return self._replays[key]
        reply = self.scripts[endpoint].popleft() if self.scripts[endpoint] else None
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        response = self._execute(endpoint, route, request)
        if key:
            self._replays[key] = response
        if reply is not None:
            return reply(request)
        return response

    def _execute(self, endpoint: str, route: Route, request: httpx.Request) -> httpx.Response:
        self.executed.append(endpoint)
        answer = self.answers.get(endpoint, route.answer)
        if callable(answer):
            answer = answer(request)
        if answer is None:
            return httpx.Response(200)
        return httpx.Response(200, json=answer)

    @staticmethod
    def _wire_problem(request: httpx.Request, route: Route) -> str | None:
        """What is wrong with how the request is encoded, per the reference; None if nothing."""
        if request.method != route.method:
            return f"{request.url.path} takes {route.method}, got {request.method}"
        if request.method == "GET":
            if request.content:
                return "GET parameters go in the query string, not a body"
            unknown = set(request.url.params.keys()) - route.names
            return f"unknown query parameters {sorted(unknown)}" if unknown else None
        if request.url.query:
            return "POST parameters go in a JSON body, not the query string"
        if request.headers.get("Content-Type") != "application/json":
            return "POST bodies are JSON"
        if not request.headers.get("Idempotency-Key"):
            return "POST without an Idempotency-Key"
        body = json.loads(request.content)
        unknown = set(body) - route.names
        return f"unknown body fields {sorted(unknown)}" if unknown else None


@dataclass
class FakeClock:
    """A clock that moves only when the client sleeps; records every sleep."""

    monotonic_now: float = 1000.0
    wall: datetime = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        """The fake monotonic time."""
        return self.monotonic_now

    def now(self) -> datetime:
        """The fake wall time."""
        return self.wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self.monotonic_now += seconds
        self.wall += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        """Record the sleep and move time forward instead of waiting."""
        self.sleeps.append(seconds)
        self.advance(seconds)
