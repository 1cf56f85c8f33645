"""Signed slash commands over HTTP, with response_url and trigger_id, checked by a Bolt app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackbox import ALICE, BOB, GENERAL, OPS, SlackEmulator
from tests.support.bolt_server import serve_bolt

MODAL = {
    "type": "modal",
    "callback_id": "run_task",
    "title": {"type": "plain_text", "text": "Run a task"},
    "submit": {"type": "plain_text", "text": "Run"},
    "blocks": [
        {
            "type": "input",
            "block_id": "env",
            "label": {"type": "plain_text", "text": "Environment"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


class Recorder:
    """What the tiny Bolt app saw."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, Any]] = []


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
async def seen(slack: SlackEmulator) -> AsyncIterator[Recorder]:
    """A Bolt app answering /airplane over HTTP; the emulator sends to it by default."""
    recorder = Recorder()
    app = AsyncApp(
        signing_secret=slack.signing_secret,
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
    )

    @app.command("/airplane")
    async def command(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, request: AsyncBoltRequest
    ) -> None:
        await ack()
        recorder.bodies.append(body)
        recorder.headers.append(dict(request.headers))
        if body["text"] == "modal":
            await app.client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        else:
            await respond(f"you said {body['text']}")

    async with serve_bolt(app) as url:
        slack.events_url = url
        yield recorder


async def test_signed_command_reaches_bolt_and_response_url_posts_an_ephemeral(
    slack: SlackEmulator, seen: Recorder
) -> None:
    """Bolt verifies the signature and acks; its respond() lands as an ephemeral for the user."""
    reply = await slack.slash_command("/airplane", "status 42", user=BOB, channel=OPS)
    assert reply.status == 200
    [shown] = await slack.wait_for(lambda: slack.ephemerals(BOB))
    assert (shown.channel, shown.text, shown.source) == (OPS, "you said status 42", "response_url")
    [body] = seen.bodies
    assert (body["user_id"], body["channel_id"], body["command"], body["channel_name"]) == (
        BOB,
        OPS,
        "/airplane",
        "ops",
    )
    assert slack.workspace.response_url_posts[0].body["text"] == "you said status 42"


@pytest.mark.parametrize(
    ("signature", "offset"),
    [("bad", 0.0), ("missing", 0.0), ("valid", -600.0)],
    ids=["bad-signature", "missing-signature", "stale-timestamp"],
)
async def test_bad_or_stale_signatures_are_refused_by_the_app(
    slack: SlackEmulator, seen: Recorder, signature: Any, offset: float
) -> None:
    """The app answers 401 to a wrong, missing or five-minute-old signature, and runs nothing."""
    reply = await slack.slash_command(
        "/airplane", "x", signature=signature, timestamp_offset=offset
    )
    assert reply.status == 401
    assert seen.bodies == []


async def test_retry_headers_and_identical_payload(slack: SlackEmulator, seen: Recorder) -> None:
    """A retry resends the same payload with X-Slack-Retry-Num and -Reason."""
    first = await slack.slash_command("/airplane", "run deploy")
    await slack.slash_command(
        "/airplane", payload=first.payload, retry_num=1, retry_reason="http_timeout"
    )
    assert seen.bodies[0] == seen.bodies[1]
    assert "x-slack-retry-num" not in seen.headers[0]
    assert (seen.headers[1]["x-slack-retry-num"], seen.headers[1]["x-slack-retry-reason"]) == (
        ["1"],
        ["http_timeout"],
    )


async def test_trigger_id_opens_one_modal_once(slack: SlackEmulator, seen: Recorder) -> None:
    """The command's trigger_id opens a modal for the user who typed it; a second use is refused."""
    reply = await slack.slash_command("/airplane", "modal", user=ALICE, channel=GENERAL)
    [view] = await slack.wait_for(lambda: slack.open_views(ALICE))
    assert (view.callback_id, view.type, view.root_view_id) == ("run_task", "modal", view.id)
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        await client.views_open(trigger_id=reply.payload["trigger_id"], view=MODAL)
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        await client.views_open(trigger_id="123.456.abc", view=MODAL)


async def test_expired_trigger_is_refused() -> None:
    """A trigger_id older than the emulator's TTL (3 s by default) answers expired_trigger_id."""
    async with SlackEmulator(trigger_ttl=-1.0) as slack:  # every trigger is already stale
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        with pytest.raises(SlackApiError, match="expired_trigger_id"):
            await client.views_open(trigger_id=slack.issue_trigger(ALICE), view=MODAL)


async def test_response_url_in_channel_and_use_limit(slack: SlackEmulator) -> None:
    """response_type=in_channel posts a channel message; a sixth use of the URL is refused."""
    url = slack.response_urls.issue(channel=GENERAL, user=ALICE)
    session = slack._http()
    async with session.post(
        url, json={"response_type": "in_channel", "text": "public"}
    ) as response:
        assert response.status == 200
    for _ in range(4):
        async with session.post(url, json={"text": "again"}) as response:
            assert response.status == 200
    async with session.post(url, json={"text": "too many"}) as response:
        assert response.status == 404
    assert [m.text for m in slack.messages(GENERAL)] == ["public"]
    assert len(slack.ephemerals(ALICE)) == 4


async def test_response_url_replace_delete_and_invalid_blocks(slack: SlackEmulator) -> None:
    """replace_original edits the message, delete_original deletes it, bad blocks are refused."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    posted = await client.chat_postMessage(channel=GENERAL, text="placeholder")
    parent = slack.message(GENERAL, posted["ts"])
    url = slack.response_urls.issue(channel=GENERAL, user=BOB, message_ts=parent.ts)
    session = slack._http()
    async with session.post(url, json={"replace_original": True, "text": "Approved"}) as response:
        assert response.status == 200
    bad = {
        "text": "x",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    }
    async with session.post(url, json=bad) as response:
        assert (response.status, await response.text()) == (400, "invalid_blocks")
    assert [c.method for c in slack.rejected] == ["response_url"]
    async with session.post(url, json={"delete_original": True}) as response:
        assert response.status == 200
    assert [v.text for v in parent.versions] == ["placeholder", "Approved"]
    assert parent.deleted


async def test_ack_body_of_a_command_is_shown_like_slack_does(slack: SlackEmulator) -> None:
    """A command's ack text or blocks become an ephemeral (a channel message with in_channel)."""
    app = AsyncApp(
        signing_secret=slack.signing_secret,
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
    )

    @app.command("/airplane")
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        if body["text"] == "public":
            await ack(response_type="in_channel", text="Everyone sees this")
        else:
            await ack(f"Unknown subcommand `{body['text']}`. Usage: /airplane help")

    async with serve_bolt(app) as url:
        await slack.slash_command("/airplane", "frobnicate", user=BOB, url=url)
        await slack.slash_command("/airplane", "public", user=BOB, url=url)
    [shown] = slack.ephemerals(BOB)
    assert (shown.text, shown.source) == (
        "Unknown subcommand `frobnicate`. Usage: /airplane help",
        "command_ack",
    )
    assert [m.text for m in slack.messages(GENERAL)] == ["Everyone sees this"]
