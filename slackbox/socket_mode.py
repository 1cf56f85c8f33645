"""Socket Mode: the WebSocket `apps.connections.open` points at, with hello, envelopes and acks.

Slack's protocol: on connect the server sends `{"type": "hello", ...}`; it then sends envelopes
(`{"envelope_id", "type": "slash_commands"|"interactive"|"events_api", "payload",
"accepts_response_payload", "retry_attempt", "retry_reason"}`) and the app answers each with
`{"envelope_id": ..., "payload": {...}}` (the payload is optional). `{"type": "disconnect",
"reason": "refresh_requested"}` asks the app to open a new connection.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from .state import APP_ID, JSON, Workspace


@dataclass(frozen=True)
class Envelope:
    """One envelope sent to the app."""

    envelope_id: str
    type: str
    payload: JSON
    accepts_response_payload: bool
    retry_attempt: int | None
    retry_reason: str | None
    connection: int


@dataclass(frozen=True)
class Ack:
    """The app's acknowledgement of an envelope (with its response payload, if any)."""

    envelope_id: str
    payload: JSON | None


@dataclass
class Connection:
    """One open WebSocket."""

    number: int
    socket: web.WebSocketResponse
    received: list[JSON] = field(default_factory=list)


class SocketModeServer:
    """Serves `GET /link/?ticket=...` and delivers envelopes to the newest live connection."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.base_url = ""
        self.tickets: set[str] = set()
        self.connections: list[Connection] = []
        self._turn = 0
        self.envelopes: list[Envelope] = []
        self.acks: dict[str, Ack] = {}
        self.connection_count = 0

    def issue_url(self) -> str:
        """A single-use WebSocket URL, as apps.connections.open answers it."""
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return (
            f"{self.base_url.replace('http://', 'ws://', 1)}link/?ticket={ticket}&app_id={APP_ID}"
        )

    def live(self) -> list[Connection]:
        """Connections still open, oldest first."""
        return [c for c in self.connections if not c.socket.closed]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Accept a connection with a fresh ticket, greet it, and record what it sends."""
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        self.tickets.discard(ticket)
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.connection_count += 1
        connection = Connection(self.connection_count, socket)
        self.connections.append(connection)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self.live()),
                "debug_info": {
                    "host": "emulator",
                    "build_number": 1,
                    "approximate_connection_time": 3600,
                },
                "connection_info": {"app_id": APP_ID},
            }
        )
        await self.workspace.touch()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    await self._received(connection, message.data)
        finally:
            await self.workspace.touch()
        return socket

    async def _received(self, connection: Connection, data: str) -> None:
        try:
            body = json.loads(data)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        connection.received.append(body)
        envelope_id = body.get("envelope_id")
        if isinstance(envelope_id, str):
            payload = body.get("payload")
            self.acks[envelope_id] = Ack(
                envelope_id, payload if isinstance(payload, dict) else None
            )
        await self.workspace.touch()

    async def send(
        self,
        kind: str,
        payload: JSON,
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        connect_timeout: float = 5.0,
    ) -> Envelope:
        """Send one envelope to one live connection (waiting for one to open).

        Like Slack, with several connections open (one per app instance) each envelope goes to
        one of them: here in turn, so tests see the work spread over replicas.
        """
        await self.workspace.wait_for(self.live, timeout=connect_timeout)
        live = self.live()
        connection = live[self._turn % len(live)]
        self._turn += 1
        envelope = Envelope(
            uuid.uuid4().hex,
            kind,
            payload,
            accepts_response_payload,
            retry_attempt,
            retry_reason,
            connection.number,
        )
        self.envelopes.append(envelope)
        message: JSON = {
            "envelope_id": envelope.envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api" or retry_attempt is not None:
            # Slack always numbers Events API deliveries (0 = first try), other kinds only on retry.
            message["retry_attempt"] = retry_attempt or 0
            message["retry_reason"] = retry_reason or ("timeout" if retry_attempt else "")
        await connection.socket.send_json(message)
        return envelope

    async def wait_for_ack(self, envelope_id: str, *, timeout: float = 3.0) -> Ack:  # noqa: ASYNC109
        """The ack of one envelope; TimeoutError when the app does not ack in time."""
        return await self.workspace.wait_for(lambda: self.acks.get(envelope_id), timeout=timeout)

    async def disconnect(self, reason: str = "refresh_requested", *, close: bool = False) -> None:
        """Ask every live connection to reconnect (and close them when `close`)."""
        for connection in self.live():
            await connection.socket.send_json(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
            )
            if close:
                await connection.socket.close()
        await self.workspace.touch()

    async def close_all(self) -> None:
        """Drop every connection, as a network failure would."""
        for connection in self.live():
            await connection.socket.close()
        await self.workspace.touch()
