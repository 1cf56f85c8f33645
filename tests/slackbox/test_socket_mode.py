"""Socket Mode: hello, envelopes, acks and disconnects, with Bolt's handler and a raw socket."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackbox import ALICE, BOB, OPS, SlackEmulator

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "ask",
    "title": {"type": "plain_text", "text": "Ask"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "q",
            "label": {"type": "plain_text", "text": "Question"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
async def retry_headers(slack: SlackEmulator) -> AsyncIterator[list[dict[str, Any]]]:
    """A tiny Bolt app connected through AsyncSocketModeHandler; yields the retry headers it saw."""
    seen: list[dict[str, Any]] = []
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    app = AsyncApp(client=client)

    @app.command("/airplane")
    async def command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, request: AsyncBoltRequest
    ) -> None:
        await ack()
        seen.append(dict(request.headers))
        if body["text"] == "ask":
            await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        else:
            await respond(f"ok {body['text']}")

    @app.view("ask")
    async def asked(ack: AsyncAck, body: dict[str, Any]) -> None:
        if not body["view"]["state"]["values"]["q"]["text"]["value"]:
            await ack(response_action="errors", errors={"q": "Ask something"})
        else:
            await ack()

    @app.event("app_home_opened")
    async def home(event: dict[str, Any]) -> None:
        home_view = {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
        }
        await client.views_publish(user_id=event["user"], view=home_view)

    handler = AsyncSocketModeHandler(app, slack.app_token)
    await handler.connect_async()
    try:
        yield seen
    finally:
        await handler.close_async()


async def test_bolt_socket_mode_handler_gets_commands_and_acks(
    slack: SlackEmulator, retry_headers: list[dict[str, Any]]
) -> None:
    """Bolt connects with apps.connections.open, receives the command, acks it, and responds."""
    reply = await slack.slash_command("/airplane", "status 1", user=BOB, channel=OPS)
    assert reply.status == 200
    assert reply.envelope_id in slack.socket_mode.acks
    [envelope] = slack.socket_mode.envelopes
    assert (envelope.type, envelope.accepts_response_payload) == ("slash_commands", True)
    [shown] = await slack.wait_for(lambda: slack.ephemerals(BOB))
    assert shown.text == "ok status 1"
    assert [c.token for c in slack.calls("apps.connections.open")] == [slack.app_token]


async def test_ack_payload_carries_response_action(
    slack: SlackEmulator, retry_headers: list[dict[str, Any]]
) -> None:
    """A view_submission answered with errors in the ack payload keeps the modal open with them."""
    await slack.slash_command("/airplane", "ask", user=ALICE)
    view = await slack.wait_for_view(ALICE, "ask")
    reply = await slack.submit_view(view)
    assert reply.json() == {"response_action": "errors", "errors": {"q": "Ask something"}}
    assert view.errors == {"q": "Ask something"}
    await slack.submit_view(view, values={"Question": "why?"})
    assert view.closed


async def test_events_and_retries_over_the_socket(
    slack: SlackEmulator, retry_headers: list[dict[str, Any]]
) -> None:
    """Events API envelopes don't take response payloads; retries carry retry_attempt to Bolt."""
    await slack.send_event(
        {"type": "app_home_opened", "user": ALICE, "tab": "home", "channel": "D0HOME"}
    )
    await slack.wait_for(lambda: slack.home_view(ALICE))
    assert slack.socket_mode.envelopes[-1].accepts_response_payload is False
    first = await slack.slash_command("/airplane", "run")
    await slack.slash_command("/airplane", payload=first.payload, retry_num=1)
    assert "x-slack-retry-num" not in retry_headers[0]
    assert retry_headers[1]["x-slack-retry-num"] == ["1"]


async def test_refresh_requested_disconnect_makes_bolt_reconnect(
    slack: SlackEmulator, retry_headers: list[dict[str, Any]]
) -> None:
    """After Slack's disconnect message the app opens a new connection and keeps working on it."""
    await slack.wait_for_socket()
    await slack.socket_mode.disconnect("refresh_requested")
    await slack.wait_for(
        lambda: slack.socket_mode.connection_count >= 2 and slack.socket_connections() == 1
    )
    reply = await slack.slash_command("/airplane", "after refresh", user=BOB, channel=OPS)
    assert reply.ok
    assert slack.socket_mode.envelopes[-1].connection == 2
    assert len(slack.calls("apps.connections.open")) == 2


async def test_raw_protocol_hello_ack_payload_and_missing_ack(slack: SlackEmulator) -> None:
    """A bare client sees hello, envelope fields and disconnect; a missing ack answers 504."""
    opened = await AsyncWebClient(
        token=slack.app_token, base_url=slack.api_url
    ).apps_connections_open(app_token=slack.app_token)
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/link/\?ticket=\w+&app_id=\w+", opened["url"])
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await AsyncWebClient(token=slack.bot_token, base_url=slack.api_url).apps_connections_open(
            app_token=slack.bot_token
        )
    async with aiohttp.ClientSession() as session, session.ws_connect(opened["url"]) as socket:
        hello = await socket.receive_json()
        assert hello["type"] == "hello"
        sending = slack.send_event({"type": "app_mention", "user": ALICE, "text": "hi"}, timeout=5)
        pending = asyncio.ensure_future(sending)
        envelope = await socket.receive_json()
        assert envelope["type"] == "events_api"
        assert (envelope["retry_attempt"], envelope["accepts_response_payload"]) == (0, False)
        assert envelope["payload"]["event"]["type"] == "app_mention"
        await socket.send_json({"envelope_id": envelope["envelope_id"], "payload": {"seen": True}})
        reply = await pending
        assert reply.ok
        assert slack.socket_mode.acks[envelope["envelope_id"]].payload == {"seen": True}
        unanswered = await slack.slash_command("/airplane", "x", timeout=0.2)
        assert unanswered.status == 504
        assert (await socket.receive_json())["type"] == "slash_commands"
        await slack.socket_mode.disconnect()
        assert (await socket.receive_json()) == {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "emulator"},
        }


async def test_a_used_ticket_is_refused(slack: SlackEmulator) -> None:
    """Each apps.connections.open URL connects once."""
    url = (
        await AsyncWebClient(token=slack.app_token, base_url=slack.api_url).apps_connections_open(
            app_token=slack.app_token
        )
    )["url"]
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as socket:
            assert (await socket.receive_json())["type"] == "hello"
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)
