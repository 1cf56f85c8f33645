"""An httpx transport that caps requests in flight, for the Airplane client.

httpcore's pool scans every queued request against every connection each time it assigns one,
so a burst of slow calls (hundreds of runs started while Airplane takes seconds to answer)
burns the CPU the event loop needs to ack new Slack requests within 3 s. Waiting on a
semaphore in front of the pool costs nothing, so the pool only ever sees `limit` requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx

__all__ = ["BoundedTransport"]


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that frees its slot once closed (the connection is free by then)."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._released:
                self._released = True
                self._release()


class BoundedTransport(httpx.AsyncBaseTransport):
    """At most `limit` requests in flight; the rest wait their turn outside httpcore."""

    def __init__(self, limit: int = 32, inner: httpx.AsyncBaseTransport | None = None) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._slots = asyncio.Semaphore(limit)
        self._inner = inner or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._slots.acquire()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            self._slots.release()
            return response
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_ReleasingStream(stream, self._slots.release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
