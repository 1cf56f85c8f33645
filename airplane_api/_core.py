"""One API call: headers, attempts, retries and deadline, logging, decoding.

This is the only module that touches httpx at call time and the only place its errors are
translated (`_send`). Endpoint methods in `client.py` describe what to send; `Caller.call` does
the sending.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx
import pydantic

from .errors import (
    AirplaneError,
    DeadlineExceeded,
    InvalidResponseError,
    TransportError,
    api_error_from_response,
)
from .models import WireModel
from .models._base import query_params
from .retry import RetryPolicy, is_retryable_status, parse_retry_after, retry_delay

logger = logging.getLogger("airplane_api")

ModelT = TypeVar("ModelT", bound=WireModel)
Sleep = Callable[[float], Awaitable[None]]

_NEEDS_IDEMPOTENCY_KEY = frozenset({"POST", "PATCH"})
API_KEY_HEADER = "X-Airplane-API-Key"


class Clock(Protocol):
    """Where the client reads time: a monotonic clock for the deadline, a wall clock for dates."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def now(self) -> datetime:
        """The current time, timezone-aware (to read `Retry-After` dates)."""
        ...


@dataclass(frozen=True, slots=True)
class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        """`time.monotonic()`."""
        return time.monotonic()

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class CallObserver(Protocol):
    """Watches calls for an application's metrics, so this package needs no metrics library.

    `outcome` is the HTTP status as text (`"200"`, `"429"`) or `"transport_error"`; `path` is
    the endpoint (`runs/get`): v0 puts IDs in the query, so paths are few.
    """

    def attempt(self, method: str, path: str, outcome: str, duration: float) -> None:
        """One attempt ended after `duration` seconds."""
        ...

    def retry(self, method: str, path: str, outcome: str) -> None:
        """An attempt that ended in `outcome` is about to be tried again."""
        ...


TRANSPORT_ERROR = "transport_error"


class Secret:
    """A string that never shows itself in a repr, a str or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one header that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def _cap_timeout(timeout: httpx.Timeout, remaining: float | None) -> httpx.Timeout:
    """Shorten every phase of a per-attempt timeout to what the deadline leaves."""
    if remaining is None:
        return timeout
    left = max(remaining, 0.0)

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )


@dataclass(frozen=True, slots=True)
class Request:
    """What one API call sends, the same on every attempt."""

    method: str
    path: str
    query: WireModel | None = None  # a query model, sent as query-string parameters
    body: Mapping[str, Any] | None = None
    # A None value removes a client-wide header for this call (a per-call env replaces another).
    headers: Mapping[str, str | None] | None = None


@dataclass(frozen=True, slots=True)
class _Success:
    payload: Any
    status: int


@dataclass(frozen=True, slots=True)
class _Failure:
    error: AirplaneError
    retry_after: float | None
    retryable: bool
    outcome: str  # as told to the observer: the status, or "transport_error"


class Caller:
    """Sends API calls through an `httpx.AsyncClient` with retries, a deadline and logging."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        api_key: Secret,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        sleep: Sleep,
        clock: Clock,
        observer: CallObserver | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url
        self._api_key = api_key
        self._headers = dict(headers)
        self._timeout = timeout
        self._retry = retry
        self._sleep = sleep
        self._clock = clock
        self._observer = observer

    async def call(
        self,
        request: Request,
        model: type[ModelT],
        *,
        idempotency_key: str | None = None,
    ) -> ModelT:
        """Send `request`, retrying as the policy allows, and parse a 2xx body as `model`."""
        headers = {**self._headers, API_KEY_HEADER: self._api_key.reveal()}
        for name, value in (request.headers or {}).items():
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        if request.method in _NEEDS_IDEMPOTENCY_KEY:
            # One key per logical call, generated before the first attempt, so that a retry
            # after a lost response is replayed by the server instead of executed twice.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        answer = await self._with_retries(request, headers)
        try:
            return model.model_validate(answer.payload)
        except pydantic.ValidationError as exc:
            raise InvalidResponseError(
                method=request.method,
                path=request.path,
                status=answer.status,
                reason=f"does not match {model.__name__} ({exc.error_count()} error(s))",
            ) from exc

    def _remaining(self, started: float) -> float | None:
        if self._retry.deadline is None:
            return None
        return self._retry.deadline - (self._clock.monotonic() - started)

    async def _with_retries(self, request: Request, headers: dict[str, str]) -> _Success:
        started = self._clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            http_request = self._http.build_request(
                request.method,
                f"{self._base_url}/{request.path}",
                params=query_params(request.query) if request.query else None,
                json=dict(request.body) if request.body is not None else None,
                headers=headers,
                timeout=_cap_timeout(self._timeout, self._remaining(started)),
            )
            outcome = await self._attempt(request, http_request, attempt)
            if isinstance(outcome, _Success):
                return outcome
            if not outcome.retryable or attempt >= self._retry.max_attempts:
                raise outcome.error
            delay = retry_delay(
                attempt,
                self._retry,
                retry_after=outcome.retry_after,
                remaining=self._remaining(started),
                random=random.random,
            )
            if delay is None:
                raise DeadlineExceeded(
                    method=request.method,
                    path=request.path,
                    deadline=self._retry.deadline or 0.0,
                    attempts=attempt,
                ) from outcome.error
            if self._observer is not None:
                self._observer.retry(request.method, request.path, outcome.outcome)
            await self._sleep(delay)

    async def _attempt(
        self, request: Request, http_request: httpx.Request, attempt: int
    ) -> _Success | _Failure:
        """One attempt, logged, and what came of it."""
        began = self._clock.monotonic()
        try:
            response = await self._send(request, http_request)
        except TransportError as exc:
            self._log(request, f"error {type(exc.__cause__).__name__}", attempt, began)
            self._observe(request, TRANSPORT_ERROR, began)
            # No answer, so no status to judge: always retryable (the Idempotency-Key makes a
            # replay of a POST that did arrive safe).
            return _Failure(error=exc, retry_after=None, retryable=True, outcome=TRANSPORT_ERROR)
        self._log(request, str(response.status_code), attempt, began)
        self._observe(request, str(response.status_code), began)
        if response.is_success:
            return _Success(payload=self._decode(request, response), status=response.status_code)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock.now())
        error = api_error_from_response(
            response.status_code,
            response.content,
            method=request.method,
            path=request.path,
            reason=response.reason_phrase,
            retry_after=retry_after,
            redact=(self._api_key.reveal(),),
        )
        retryable = is_retryable_status(response.status_code, response.headers)
        return _Failure(
            error=error,
            retry_after=retry_after,
            retryable=retryable,
            outcome=str(response.status_code),
        )

    async def _send(self, request: Request, http_request: httpx.Request) -> httpx.Response:
        """The one place where httpx's errors become ours."""
        try:
            return await self._http.send(http_request)
        except httpx.RequestError as exc:
            reason = f"{type(exc).__name__}: {exc}".replace(self._api_key.reveal(), "***")
            raise TransportError(method=request.method, path=request.path, reason=reason) from exc

    @staticmethod
    def _decode(request: Request, response: httpx.Response) -> Any:
        # runs/cancel documents no response at all; an empty body reads as an empty object.
        if not response.content.strip():
            return {}
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise InvalidResponseError(
                method=request.method,
                path=request.path,
                status=response.status_code,
                reason="not JSON",
            ) from exc

    def _observe(self, request: Request, outcome: str, began: float) -> None:
        if self._observer is not None:
            duration = self._clock.monotonic() - began
            self._observer.attempt(request.method, request.path, outcome, duration)

    def _log(self, request: Request, outcome: str, attempt: int, began: float) -> None:
        duration = self._clock.monotonic() - began
        level = logging.DEBUG if outcome.startswith("2") else logging.INFO
        logger.log(
            level,
            "%s %s -> %s attempt=%d duration=%.3fs",
            request.method,
            request.path,
            outcome,
            attempt,
            duration,
            extra={
                "http_method": request.method,
                "http_path": request.path,
                "http_outcome": outcome,
                "attempt": attempt,
                "duration_s": duration,
            },
        )
