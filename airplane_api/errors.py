"""Every error the client raises, in one tree under `AirplaneError`.

    AirplaneError
    ├── APIError                  the server answered with a non-2xx status
    │   ├── InvalidRequestError   400, 422: the request itself is wrong
    │   ├── UnauthorizedError     401: missing or invalid API key
    │   ├── ForbiddenError        403: the key may not do this
    │   ├── NotFoundError         404: no such task, run, prompt, ...
    │   ├── ConflictError         409: the object is not in a state that allows this
    │   ├── RateLimitedError      429: slow down (`retry_after` seconds, if the server said)
    │   └── ServerError           5xx
    ├── InvalidResponseError      a 2xx answer whose body is not the documented shape
    ├── TransportError            connect, read, write, timeout or protocol failure
    └── DeadlineExceeded          the call's overall deadline ran out (chained from the last error)

Messages name the method, the path and the server's message; they never carry the API key (the
client passes it to `api_error_from_response` to be blanked out should a server echo it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

__all__ = [
    "APIError",
    "AirplaneError",
    "ConflictError",
    "DeadlineExceeded",
    "ForbiddenError",
    "InvalidRequestError",
    "InvalidResponseError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "UnauthorizedError",
    "api_error_from_response",
]

_REDACTED = "***"
_MAX_MESSAGE = 500


class AirplaneError(Exception):
    """Root of every error raised by `airplane_api`."""


class APIError(AirplaneError):
    """The server answered with an error status and (usually) an `{"error", "code"}` body."""

    def __init__(
        self, *, status: int, error: str, code: str | None = None, method: str, path: str
    ) -> None:
        self.status = status
        self.error = error
        self.code = code
        self.method = method
        self.path = path
        suffix = f" (code {code})" if code else ""
        super().__init__(f"{method} {path} -> {status}: {error}{suffix}")


class InvalidRequestError(APIError):
    """400 or 422: the request is malformed or a parameter is missing or invalid."""


class UnauthorizedError(APIError):
    """401: the API key is missing or not valid."""


class ForbiddenError(APIError):
    """403: the key is valid but may not do this."""


class NotFoundError(APIError):
    """404: the task, run, prompt, session or resource does not exist."""


class ConflictError(APIError):
    """409: the object's state does not allow this (for example a prompt already answered)."""


class ServerError(APIError):
    """5xx: the server failed."""


class RateLimitedError(APIError):
    """429: too many requests; `retry_after` is the wait the server asked for, in seconds."""

    def __init__(
        self,
        *,
        status: int,
        error: str,
        code: str | None = None,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status=status, error=error, code=code, method=method, path=path)
        self.retry_after = retry_after


class InvalidResponseError(AirplaneError):
    """The server answered 2xx, but the body is not JSON or not the shape the endpoint returns."""

    def __init__(self, *, method: str, path: str, status: int, reason: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        super().__init__(f"{method} {path} -> {status}: unexpected response body: {reason}")


class TransportError(AirplaneError):
    """No answer: the connection, a read or write, a timeout or the HTTP protocol failed."""

    def __init__(self, *, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        super().__init__(f"{method} {path}: {reason}")


class DeadlineExceeded(AirplaneError):
    """The call's overall deadline ran out before an attempt succeeded."""

    def __init__(self, *, method: str, path: str, deadline: float, attempts: int) -> None:
        self.method = method
        self.path = path
        self.deadline = deadline
        self.attempts = attempts
        super().__init__(
            f"{method} {path}: gave up after {attempts} attempt(s), deadline {deadline:g}s"
        )


_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitedError,
}


def error_class_for(status: int) -> type[APIError]:
    """The `APIError` subclass for an HTTP status (the base class when none is specific)."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status <= 599:
        return ServerError
    return APIError


def _message_and_code(body: bytes, reason: str) -> tuple[str, str | None]:
    """The `error` and `code` of a body, falling back to its text or the reason phrase."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        message = payload.get("error")
        code = payload.get("code")
        return (
            str(message) if message not in (None, "") else (text or reason),
            str(code) if code not in (None, "") else None,
        )
    return text or reason, None


def _redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


def api_error_from_response(
    status: int,
    body: bytes,
    *,
    method: str,
    path: str,
    reason: str = "",
    retry_after: float | None = None,
    redact: Iterable[str] = (),
) -> APIError:
    """Build the `APIError` subclass for an error response, whatever its body looks like."""
    message, code = _message_and_code(body, reason or f"HTTP {status}")
    redact = tuple(redact)
    message = _redact(message, redact)
    code = _redact(code, redact) if code is not None else None
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "…"
    cls = error_class_for(status)
    if cls is RateLimitedError:
        return RateLimitedError(
            status=status,
            error=message,
            code=code,
            method=method,
            path=path,
            retry_after=retry_after,
        )
    return cls(status=status, error=message, code=code, method=method, path=path)
