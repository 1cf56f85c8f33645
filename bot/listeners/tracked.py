"""`@tracked(services)`: counts a listener's work as in flight until it returns.

Bolt acks first and runs the rest of a listener in a task it does not expose; a stop waits
(`InFlight.drain`) for those to finish before the store and clients close.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from ..services import Services

__all__ = ["tracked"]

Listener = TypeVar("Listener", bound=Callable[..., Awaitable[None]])


def tracked(services: Services) -> Callable[[Listener], Listener]:
    """Wrap a listener; Bolt still sees its argument names (it unwraps `__wrapped__`)."""

    def decorate(listener: Listener) -> Listener:
        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            async with services.inflight.hold():
                await listener(**kwargs)

        return cast(Listener, run)

    return decorate
