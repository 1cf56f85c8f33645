"""The error tree and how error responses become errors."""

from __future__ import annotations

import pytest

import airplane_api
from airplane_api import errors


def test_every_error_has_one_root() -> None:
    """Everything the package raises is an AirplaneError; HTTP errors are APIErrors."""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.AirplaneError)
    http_errors = (errors.RateLimitedError, errors.ServerError, errors.NotFoundError)
    assert all(issubclass(cls, errors.APIError) for cls in http_errors)
    other = (errors.TransportError, errors.DeadlineExceeded, errors.InvalidResponseError)
    assert not any(issubclass(cls, errors.APIError) for cls in other)


def test_tree_in_the_docstring_names_every_error() -> None:
    """The drawing in the module docstring lists every error class."""
    doc = errors.__doc__ or ""
    classes = [n for n in errors.__all__ if isinstance(getattr(errors, n), type)]
    assert [n for n in classes if n not in doc] == []


def test_public_names_are_sorted_and_exported() -> None:
    """The package re-exports the errors, and its `__all__` is sorted (ruff's order)."""
    assert "models" in airplane_api.__all__
    for name in airplane_api.__all__:
        assert hasattr(airplane_api, name)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.InvalidRequestError),
        (422, errors.InvalidRequestError),
        (401, errors.UnauthorizedError),
        (403, errors.ForbiddenError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (429, errors.RateLimitedError),
        (500, errors.ServerError),
        (501, errors.ServerError),
        (599, errors.ServerError),
        (418, errors.APIError),
        (302, errors.APIError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[errors.APIError]) -> None:
    """Each documented status has its own class; others are plain APIError."""
    error = errors.api_error_from_response(status, b'{"error": "x"}', method="GET", path="p")
    assert type(error) is cls


def test_rate_limited_carries_retry_after() -> None:
    """A 429 error keeps the wait the server asked for."""
    error = errors.api_error_from_response(
        429, b'{"error": "Too many requests"}', method="POST", path="tasks/execute", retry_after=3
    )
    assert isinstance(error, errors.RateLimitedError)
    assert error.retry_after == 3


def test_message_names_call_status_and_code() -> None:
    """The message says which call failed, how, and the server's code."""
    error = errors.api_error_from_response(
        403, b'{"error": "Requires approval", "code": "task_must_be_requested"}',
        method="POST", path="tasks/execute",
    )  # fmt: skip
    assert str(error) == (
        "POST tasks/execute -> 403: Requires approval (code task_must_be_requested)"
    )


def test_long_bodies_are_cut() -> None:
    """A huge HTML error page does not become a huge message."""
    error = errors.api_error_from_response(502, b"x" * 10_000, method="GET", path="p")
    assert len(error.error) <= 501


def test_secrets_are_blanked() -> None:
    """A server that echoes the key gets it blanked out of message and code."""
    error = errors.api_error_from_response(
        401, b'{"error": "bad key tkn_abc", "code": "tkn_abc"}', method="GET", path="p",
        redact=["tkn_abc"],
    )  # fmt: skip
    assert "tkn_abc" not in str(error)
    assert error.code == "***"
