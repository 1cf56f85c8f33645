"""The Airplane REST API v0: wire-format models and an async client."""

from . import models
from ._core import CallObserver, Clock, SystemClock
from ._version import __version__
from .client import DEFAULT_HOST, AirplaneClient
from .errors import (
    AirplaneError,
    APIError,
    ConflictError,
    DeadlineExceeded,
    ForbiddenError,
    InvalidRequestError,
    InvalidResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from .retry import RetryPolicy

__all__ = [
    "DEFAULT_HOST",
    "APIError",
    "AirplaneClient",
    "AirplaneError",
    "CallObserver",
    "Clock",
    "ConflictError",
    "DeadlineExceeded",
    "ForbiddenError",
    "InvalidRequestError",
    "InvalidResponseError",
    "NotFoundError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "SystemClock",
    "TransportError",
    "UnauthorizedError",
    "__version__",
    "models",
]
