"""The listening socket airfield serves on."""

from __future__ import annotations

import asyncio
import socket

from airfield.app import _bind


async def test_accepted_connections_get_tcp_nodelay() -> None:
    """asyncio turns Nagle off for accepted sockets only when their proto says TCP."""
    listener = _bind("127.0.0.1", 0)
    nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        nodelay.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listener)
    async with server:
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(nodelay, 10) == 1
        writer.close()
