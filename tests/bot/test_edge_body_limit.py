"""The edge reads no body past its limit, whatever the framing: a chunked body has no
Content-Length to refuse it by, so the bytes pulled are counted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request

from bot.web.edge import MAX_BODY_BYTES, EdgeGuard

CHUNK = 64 * 1024


class CountingBody:
    """An ASGI `receive` that hands out `total` bytes in chunks and counts what was pulled."""

    def __init__(self, total: int, chunk: int = CHUNK) -> None:
        self.pulled = 0
        self._chunks = self._make(total, chunk)

    @staticmethod
    def _make(total: int, chunk: int) -> Iterator[bytes]:
        sent = 0
        while sent < total:
            size = min(chunk, total - sent)
            sent += size
            yield b"x" * size

    async def __call__(self) -> dict[str, Any]:
        piece = next(self._chunks, b"")
        self.pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": bool(piece)}


def _chunked_post(receive: CountingBody) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/slack/events",
        "headers": [
            (b"transfer-encoding", b"chunked"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        "client": ("203.0.113.9", 5000),
    }
    return Request(scope, receive)


def test_a_chunked_body_over_the_limit_is_413_and_read_no_further() -> None:
    body = CountingBody(512 * MAX_BODY_BYTES)  # 512 MiB, never all made
    refusal = asyncio.run(EdgeGuard("secret").refusal(_chunked_post(body)))
    assert refusal is not None
    assert refusal.status_code == 413
    assert body.pulled <= MAX_BODY_BYTES + CHUNK


def test_a_chunked_body_within_the_limit_is_read_once_for_bolt_too() -> None:
    body = CountingBody(MAX_BODY_BYTES)
    request = _chunked_post(body)

    async def go() -> tuple[Any, bytes]:
        refusal = await EdgeGuard("").refusal(request)
        return refusal, await request.body()

    refusal, raw = asyncio.run(go())
    assert refusal is None  # no secret: only the size and the form are checked
    assert raw == b"x" * MAX_BODY_BYTES
    assert body.pulled == MAX_BODY_BYTES
