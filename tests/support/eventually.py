"""The one way tests wait for something to hold: poll a check until it does or time runs out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], within: float = 10.0, every: float = 0.02
) -> T:
    """The first truthy result of the async `check()`, polled until `within` seconds pass.

    Raises TimeoutError naming the check, with its last result, so a failure says what never held.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"{check} stayed falsy for {within} s (last: {result!r})")
        await asyncio.sleep(every)
