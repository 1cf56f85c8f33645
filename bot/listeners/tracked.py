"""`@tracked(services, kind)`: a listener's work counted in flight, measured and logged.

Bolt acks first and runs the rest of a listener in a task it does not expose; a stop waits
(`InFlight.drain`) for those to finish before the store and clients close. The same wrapper
counts the listener as one interaction of `kind` (ok or error: `bot.core.metrics`) and binds the
Slack request's ID to every log line written meanwhile (`bot.core.logs.log_context`).
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from ..core import metrics
from ..core.logs import log_context
from ..wiring.services import Services

__all__ = ["request_id", "tracked"]

Listener = TypeVar("Listener", bound=Callable[..., Awaitable[None]])


def request_id(body: Mapping[str, Any]) -> str:
    """What names one Slack request in the logs: its trigger or event ID, else a fresh one."""
    for key in ("trigger_id", "event_id"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return f"local-{uuid.uuid4().hex[:12]}"


def tracked(services: Services, kind: str | None = None) -> Callable[[Listener], Listener]:
    """Wrap a listener; Bolt still sees its argument names (it unwraps `__wrapped__`).

    `kind` names the interaction in `airplane_bot_interactions_total`; the slash command
    passes none and counts itself by subcommand.
    """

    def decorate(listener: Listener) -> Listener:
        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            body = kwargs.get("body") or kwargs.get("event") or {}
            counted = metrics.interaction(kind) if kind else contextlib.nullcontext()
            with log_context(request=request_id(body)), counted:
                async with services.inflight.hold():
                    await listener(**kwargs)

        return cast(Listener, run)

    return decorate
