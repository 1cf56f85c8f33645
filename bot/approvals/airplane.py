"""The one place approvals turn a failed Airplane call into a value (`attempt`).

Airplane's errors (an HTTP status with its error text, no answer, the deadline) become a
`CallFailure` that `decision.py` reads; the I/O modules branch on values, not on `except`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from airplane_api import AirplaneError, APIError

from .decision import CallFailure

__all__ = ["attempt"]

log = logging.getLogger(__name__)
T = TypeVar("T")


async def attempt(what: str, call: Awaitable[T]) -> T | CallFailure:
    """`call`'s result, or how it failed (at DEBUG: the caller logs what it came to, upkeep
    once per reason). Anything that is not an Airplane error is a bug and propagates."""
    try:
        return await call
    except APIError as exc:
        log.debug("airplane refused to %s: %s %s", what, exc.status, exc.error)
        return CallFailure(exc.status, exc.error)
    except AirplaneError as exc:  # no answer, an unreadable answer, or the deadline
        log.debug("airplane did not answer %s: %s", what, type(exc).__name__)
        return CallFailure(None, str(exc))
