"""Shortcuts, external option loading, select actions and events, checked by a Bolt app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from slackbox import ALICE, BOB, GENERAL, SlackEmulator
from tests.support.bolt_server import serve_bolt

TASKS = ["deploy", "backup", "rollback"]


def picker_view(task: str | None = None) -> dict[str, Any]:
    """A modal with a task picker that dispatches on selection, then the task's parameter."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": "task",
            "text": {"type": "mrkdwn", "text": "Task"},
            "accessory": {
                "type": "external_select",
                "action_id": "pick_task",
                "placeholder": {"type": "plain_text", "text": "Search tasks"},
                "min_query_length": 0,
            },
        }
    ]
    if task:
        blocks.append(
            {
                "type": "input",
                "block_id": "param",
                "label": {"type": "plain_text", "text": f"{task}: target"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        )
    return {
        "type": "modal",
        "callback_id": "run_picker",
        "title": {"type": "plain_text", "text": "Run a task"},
        "submit": {"type": "plain_text", "text": "Run"},
        "blocks": blocks,
    }


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
async def app_url(slack: SlackEmulator) -> AsyncIterator[str]:
    """A Bolt app with shortcuts, an options loader and a picker that updates the modal."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    app = AsyncApp(signing_secret=slack.signing_secret, client=client)

    @app.shortcut("run_task")
    async def open_picker(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=picker_view())

    @app.options("pick_task")
    async def options(ack: AsyncAck, body: dict[str, Any]) -> None:
        matching = [t for t in TASKS if body["value"] in t]
        await ack(
            options=[{"text": {"type": "plain_text", "text": t}, "value": t} for t in matching]
        )

    @app.action("pick_task")
    async def picked(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        task = body["actions"][0]["selected_option"]["value"]
        await client.views_update(
            view_id=body["view"]["id"], hash=body["view"]["hash"], view=picker_view(task)
        )

    @app.shortcut("rerun")
    async def rerun(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(
            response_type="in_channel",
            text=f"rerunning {body['message']['text']}",
            thread_ts=body["message_ts"],
        )

    async with serve_bolt(app) as url:
        slack.events_url = url
        yield url


async def test_global_shortcut_options_and_dispatching_select(
    slack: SlackEmulator, app_url: str
) -> None:
    """Shortcut opens the picker; typing loads options; choosing one updates the modal."""
    reply = await slack.shortcut("run_task", user=BOB)
    assert reply.ok
    view = await slack.wait_for_view(BOB, "run_picker")
    options = await slack.load_options(view, "pick_task", "ck")
    assert [o["value"] for o in options.json()["options"]] == ["backup", "rollback"]
    assert options.payload["type"] == "block_suggestion"
    await slack.choose(view, "pick_task", options.json()["options"][1])
    await slack.wait_for(lambda: len(view.versions) == 2)
    assert "rollback: target" in view.rendered
    action = slack.calls("views.update")[0]
    assert action.ok
    submitted_values = view.to_api()["state"]["values"]
    assert submitted_values["task"]["pick_task"]["selected_option"]["value"] == "rollback"


async def test_message_shortcut_gets_message_and_response_url(
    slack: SlackEmulator, app_url: str
) -> None:
    """A message shortcut carries the message; its response_url posts into the thread."""
    message = await slack.user_says(ALICE, GENERAL, "deploy v2")
    await slack.message_shortcut("rerun", message, user=ALICE)
    reply = await slack.wait_for_message(GENERAL, thread_ts=message.ts, contains="rerunning")
    assert reply.text == "rerunning deploy v2"


async def test_url_verification_is_echoed(slack: SlackEmulator, app_url: str) -> None:
    """Bolt answers Slack's url_verification with the challenge."""
    reply = await slack.url_verification("abc123")
    assert reply.status == 200
    assert reply.json() == {"challenge": "abc123"}


async def test_wait_helpers_match_rendered_text(slack: SlackEmulator) -> None:
    """wait_for_message and wait_for_ephemeral match text inside blocks too."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "Run *succeeded*"}}
    await client.chat_postMessage(channel=GENERAL, text="run update", blocks=[block])
    await client.chat_postEphemeral(
        channel=GENERAL, user=BOB, text="Unknown task `nope`. Usage: ..."
    )
    message = await slack.wait_for_message(GENERAL, contains="succeeded")
    ephemeral = await slack.wait_for_ephemeral(BOB, contains="Unknown task")
    assert message.rendered == "run update\nRun *succeeded*"
    assert ephemeral.channel == GENERAL
    with pytest.raises(TimeoutError):
        await slack.wait_for_message(GENERAL, contains="failed", timeout=0.05)
