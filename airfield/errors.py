"""The one error type handlers raise; the HTTP layer turns it into `{"error", "code"}`.

ApiError(status, message, code)
  raised by handlers, auth, rate limiting and idempotency checks;
  answered as JSON with that status (and Retry-After for 429).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ApiError(Exception):
    """An error a client caused (4xx) or one airfield reports (5xx)."""

    status: int
    message: str
    code: str
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, str]:
        """The JSON body of the error response."""
        return {"error": self.message, "code": self.code, **self.extra}


# How much of a client's value an error message quotes: enough to recognise it, so a megabyte
# sent as an ID is not a megabyte answered.
QUOTE_CHARS = 80


def quoted(value: str) -> str:
    """`value` quoted (repr) for an error message, clipped to QUOTE_CHARS characters with its
    length said, e.g. `'xxxx…' (900000 characters)`."""
    if len(value) <= QUOTE_CHARS:
        return repr(value)
    return f"{value[:QUOTE_CHARS]!r}… ({len(value)} characters)"


def bad_request(message: str, code: str = "invalid_request", **extra: str) -> ApiError:
    """400: the request's body or query is wrong."""
    return ApiError(400, message, code, extra=dict(extra))


def not_found(message: str) -> ApiError:
    """404: the named thing does not exist."""
    return ApiError(404, message, "not_found")


def conflict(message: str) -> ApiError:
    """409: the thing exists but is in a state that forbids the request."""
    return ApiError(409, message, "conflict")


def forbidden(message: str) -> ApiError:
    """403: the caller is known but may not do this."""
    return ApiError(403, message, "forbidden")
