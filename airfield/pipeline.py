"""The request pipeline every /v0 endpoint goes through.

    authenticate (401) -> rate limit (429) -> role check (403) -> acting-for (400/403)
    -> environment (404) -> JSON body (400/413, request_body.py) -> Idempotency-Key replay (422)
    -> handler

Handlers are plain `async def handler(ctx) -> body` functions that raise ApiError.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import Caller, Right, apply_acting_for, authenticate
from .definitions import Catalog
from .envs import Environment, resolve_environment
from .errors import ApiError, bad_request, quoted
from .idempotency import KeyLocks, fingerprint, should_store
from .metrics import AirfieldMetrics
from .notify import Notifier
from .ratelimit import RateLimiter, retry_after_seconds
from .request_body import MAX_BODY_BYTES, parse_json_object, parse_query, too_large
from .runbooks import SessionEngine
from .runner import Runner
from .store import Store, StoredResponse

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)
# Bodies above this are parsed off the event loop (a parse is linear, well under 1 ms here).
OFF_LOOP_BYTES = 16 * 1024


@dataclass
class Services:
    """Everything handlers use, built once per server."""

    store: Store
    catalog: Catalog
    runner: Runner
    sessions: SessionEngine
    notifier: Notifier
    limiter: RateLimiter
    admin_key: str | None
    key_locks: KeyLocks = field(default_factory=KeyLocks)
    metrics: AirfieldMetrics = field(default_factory=AirfieldMetrics)
    clock: Callable[[], float] = time.monotonic

    async def rate_wait(self, scope: str) -> float:
        """Draw a request from `scope`'s bucket: 0, or the seconds until one is allowed. On a
        shared database the bucket is a row every API node draws from."""
        if self.store.db.shared:
            return await self.store.buckets.take(scope, self.limiter.limit)
        return self.limiter.check(scope, self.clock())


@dataclass(frozen=True)
class Ctx:
    """One request, authenticated and parsed."""

    services: Services
    caller: Caller
    env: Environment
    query: Mapping[str, str]
    body: dict[str, Any]

    def arg(self, *names: str) -> str:
        """The first non-empty query or body value among `names` (as text), else "".

        A body value must be a string or an integer: 400 naming it otherwise (an object sent
        as an ID used to be looked up as its Python repr and answered 404)."""
        for name in names:
            value = self.query.get(name) or self.body.get(name)
            if value in (None, ""):
                continue
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise bad_request(
                    f"{name} must be a string, got {_json_type(value)}; send it as text",
                    "invalid_param",
                    param=name,
                )
            return str(value)
        return ""

    def required(self, *names: str) -> str:
        """Like `arg`, but 400 when none is given."""
        value = self.arg(*names)
        if not value:
            raise bad_request(f"{names[0]} is required", "missing_param")
        return value

    def int_arg(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query value within [low, high]; 400 otherwise."""
        text = self.arg(name)
        if not text:
            return default
        try:
            value = int(text)
        except ValueError:
            raise bad_request(f"{name} must be an integer, got {quoted(text)}") from None
        if not low <= value <= high:
            raise bad_request(f"{name} must be between {low} and {high}, got {value}")
        return value


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a number" if isinstance(value, int | float) else "null"


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    """A route of the v0 API."""

    method: str
    path: str
    handler: Handler
    right: Right = Right.READ


def parse_model(model: type[Model], body: Mapping[str, Any]) -> Model:
    """Validate a request body with a wire model; 400 naming the first problem."""
    try:
        return model.model_validate(dict(body))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise bad_request(f"invalid body: {where}: {first['msg']}") from None


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response."""
    text = json.dumps(body, separators=(",", ":"))
    return Response(text, status, headers=dict(headers or {}), media_type="application/json")


def error_response(error: ApiError) -> Response:
    """The JSON response of an ApiError."""
    return json_response(error.status, error.body(), error.headers)


async def read_json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type (curl sends form encoding).

    Read in chunks and refused (413) as soon as it passes MAX_BODY_BYTES, so a huge body is
    never held whole in memory. A body past OFF_LOOP_BYTES is parsed in a worker thread, so
    no request holds the event loop for longer than one small parse."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large()
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise too_large()
    except ClientDisconnect:
        # Nobody reads this answer; it keeps a vanished client to one metric, not a traceback.
        raise ApiError(
            400,
            "the client disconnected before sending the whole body; send it again, whole",
            "body_incomplete",
        ) from None
    if len(raw) > OFF_LOOP_BYTES:
        return await asyncio.to_thread(parse_json_object, bytes(raw))
    return parse_json_object(bytes(raw))


async def _run_handler(endpoint: Endpoint, ctx: Ctx) -> tuple[int, Any]:
    try:
        return 200, await endpoint.handler(ctx)
    except ApiError as error:
        return error.status, error.body()


async def _idempotent(endpoint: Endpoint, ctx: Ctx, key: str) -> Response:
    services = ctx.services
    scope = ctx.caller.scope
    digest = fingerprint(endpoint.method, endpoint.path, [ctx.caller.actor, ctx.env.id, ctx.body])
    echo = {"Idempotency-Key": key}
    # One at a time per key: in this process (KeyLocks), and across processes sharing the
    # database (an advisory lock; nothing to hold for SQLite's one process).
    async with (
        services.key_locks.hold(scope, key),
        services.store.db.exclusive(f"idempotency:{scope}:{key}"),
    ):
        stored = await services.store.accounts.stored_response(scope, key)
        if stored is not None:
            if stored.fingerprint != digest:
                raise ApiError(
                    422,
                    "this Idempotency-Key was already used for a different request;"
                    " send a new key for a new request",
                    "idempotency_key_reused",
                    headers=echo,
                )
            services.metrics.idempotent_replay(endpoint.path)
            return Response(
                stored.body,
                stored.status,
                headers={**echo, "Idempotent-Replayed": "true"},
                media_type="application/json",
            )
        status, body = await _run_handler(endpoint, ctx)
        text = json.dumps(body, separators=(",", ":"))
        if should_store(status):
            await services.store.accounts.store_response(
                scope, key, StoredResponse(digest, status, text)
            )
        return Response(text, status, headers=echo, media_type="application/json")


def route(endpoint: Endpoint) -> Route:
    """A Starlette route that runs `endpoint` through the pipeline."""

    async def handle(request: Request) -> Response:
        services: Services = request.app.state.services
        began = time.monotonic()
        response = await answer(request, services)
        seconds = time.monotonic() - began
        services.metrics.request(endpoint.path, endpoint.method, response.status_code, seconds)
        return response

    async def answer(request: Request, services: Services) -> Response:
        headers = request.headers
        try:
            caller = await authenticate(headers, services.store, services.admin_key)
            wait = await services.rate_wait(caller.scope)
            if wait > 0:
                seconds = retry_after_seconds(wait)
                raise ApiError(
                    429,
                    f"rate limit exceeded; retry after {seconds} s",
                    "rate_limited",
                    headers={"Retry-After": str(seconds)},
                )
            caller.require(endpoint.right)
            caller = await apply_acting_for(caller, headers, services.store)
            query = parse_query(request.scope.get("query_string", b""))
            env = resolve_environment(headers, query)
            body = await read_json_body(request) if endpoint.method == "POST" else {}
            ctx = Ctx(services, caller, env, query, body)
            key = headers.get("idempotency-key", "").strip()
            if endpoint.method == "POST" and key:
                if len(key) > 255:
                    raise bad_request("Idempotency-Key is longer than 255 characters")
                return await _idempotent(endpoint, ctx, key)
            return json_response(200, await endpoint.handler(ctx))
        except ApiError as error:
            return error_response(error)
        except Exception:
            log.exception("%s %s failed", endpoint.method, endpoint.path)
            return json_response(500, {"error": "internal server error", "code": "internal"})

    return Route(endpoint.path, handle, methods=[endpoint.method])
