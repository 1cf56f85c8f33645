"""block_actions, view_submission and view_closed as Slack sends them, checked by a Bolt app."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackbox import ALICE, BOB, CAROL, GENERAL, OPS, SlackEmulator
from tests.support.bolt_server import serve_bolt
from tests.support.reference import SLACK_REFERENCE_DIR

PROMPT_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Deploy to prod?"}},
    {
        "type": "input",
        "block_id": "reason",
        "label": {"type": "plain_text", "text": "Reason"},
        "element": {"type": "plain_text_input", "action_id": "text", "initial_value": "routine"},
    },
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Approve"},
                "action_id": "approve",
                "value": "p1",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Reject"},
                "action_id": "reject",
                "value": "p1",
            },
        ],
    },
]
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "run_task",
    "notify_on_close": True,
    "private_metadata": '{"task": "deploy"}',
    "title": {"type": "plain_text", "text": "Run deploy"},
    "submit": {"type": "plain_text", "text": "Run"},
    "blocks": [
        {
            "type": "input",
            "block_id": "env",
            "label": {"type": "plain_text", "text": "Environment"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Production"}, "value": "prod"},
                    {"text": {"type": "plain_text", "text": "Staging"}, "value": "stage"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "count",
            "label": {"type": "plain_text", "text": "Count"},
            "element": {"type": "number_input", "is_decimal_allowed": False, "action_id": "value"},
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Preview"},
                    "action_id": "preview",
                }
            ],
        },
    ],
}


class Seen:
    """Bodies the Bolt app received, by kind."""

    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []
        self.submissions: list[dict[str, Any]] = []
        self.closed: list[dict[str, Any]] = []


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


@pytest.fixture
async def seen(slack: SlackEmulator, client: AsyncWebClient) -> AsyncIterator[Seen]:
    """A Bolt app that decides prompts, opens the modal and validates its submission."""
    recorded = Seen()
    app = AsyncApp(signing_secret=slack.signing_secret, client=client)

    @app.action("approve")
    async def approve(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        recorded.actions.append(body)
        await respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    @app.action("preview")
    async def preview(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        recorded.actions.append(body)

    @app.command("/airplane")
    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("run_task")
    async def submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        recorded.submissions.append(body)
        values = body["view"]["state"]["values"]
        if values["count"]["value"]["value"] in (None, "0"):
            await ack(response_action="errors", errors={"count": "Count must be at least 1"})
        else:
            await ack()

    @app.view_closed("run_task")
    async def closed(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        recorded.closed.append(body)

    async with serve_bolt(app) as url:
        slack.events_url = url
        yield recorded


def sample_keys(name: str) -> set[str]:
    """Top-level keys of Slack's payload sample."""
    return set(json.loads((SLACK_REFERENCE_DIR / "payloads" / f"{name}.json").read_text()))


async def test_click_sends_block_actions_with_state_and_response_url(
    slack: SlackEmulator, seen: Seen, client: AsyncWebClient
) -> None:
    """A click on Approve carries the typed input; respond(replace_original) rewrites it."""
    posted = await client.chat_postMessage(
        channel=OPS, text="Deploy to prod?", blocks=PROMPT_BLOCKS
    )
    message = slack.message(OPS, posted["ts"])
    slack.fill(message, {"Reason": "hotfix"})
    reply = await slack.click("Approve", user=BOB)
    assert reply.status == 200
    await slack.wait_for(lambda: message.edits)
    assert message.text == f"Approved by <@{BOB}>"
    [body] = seen.actions
    assert body["actions"][0]["action_id"] == "approve"
    assert body["actions"][0]["value"] == "p1"
    assert body["state"]["values"]["reason"]["text"] == {
        "type": "plain_text_input",
        "value": "hotfix",
    }
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": OPS,
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == posted["ts"]
    assert set(body) - {"response_url", "state", "actions"} <= sample_keys("BlockActionPayload")


async def test_click_in_a_thread_reply_names_the_thread(
    slack: SlackEmulator, seen: Seen, client: AsyncWebClient
) -> None:
    """A button in a thread reply names the thread; untouched inputs send initial values."""
    parent = await client.chat_postMessage(channel=OPS, text="run")
    await client.chat_postMessage(
        channel=OPS, thread_ts=parent["ts"], text="prompt", blocks=PROMPT_BLOCKS
    )
    await slack.click("Approve", user=BOB, channel=OPS)
    [body] = seen.actions
    assert body["container"]["thread_ts"] == parent["ts"]
    assert body["state"]["values"]["reason"]["text"]["value"] == "routine"


async def test_missing_button_lists_what_is_visible(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Looking for a button nobody can see fails with the buttons that exist."""
    await client.chat_postMessage(channel=GENERAL, text="x", blocks=PROMPT_BLOCKS)
    with pytest.raises(LookupError, match="Approve"):
        slack.find_button("Cancel run", user=ALICE)


async def test_modal_flow_errors_then_success(slack: SlackEmulator, seen: Seen) -> None:
    """A bad value gets inline errors and the modal stays; the corrected submission closes it."""
    await slack.slash_command("/airplane", "run deploy", user=ALICE)
    view = await slack.wait_for_view(ALICE)
    reply = await slack.submit_view(view, values={"Environment": "Staging", "count": "0"})
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"count": "Count must be at least 1"},
    }
    assert view.errors == {"count": "Count must be at least 1"}
    assert not view.closed
    await slack.submit_view(user=ALICE, values={"count": "3"})
    assert view.closed
    first, second = seen.submissions
    assert first["view"]["state"]["values"]["env"]["value"]["selected_option"]["value"] == "stage"
    assert second["view"]["state"]["values"]["count"]["value"] == {
        "type": "number_input",
        "value": "3",
    }
    assert second["view"]["private_metadata"] == '{"task": "deploy"}'
    assert second["user"]["id"] == ALICE
    assert set(second) <= sample_keys("ViewSubmissionPayload") | {"response_urls"}


async def test_click_in_a_modal_sends_its_view_and_state(slack: SlackEmulator, seen: Seen) -> None:
    """A button inside a modal sends a view container, the view, and the current input state."""
    await slack.slash_command("/airplane", "run deploy", user=ALICE)
    view = await slack.wait_for_view(ALICE)
    slack.fill(view, {"Environment": "prod"})
    await slack.click("Preview", user=ALICE)
    [body] = seen.actions
    assert body["container"] == {"type": "view", "view_id": view.id}
    assert body["view"]["state"]["values"]["env"]["value"]["selected_option"]["value"] == "prod"
    assert "response_url" not in body


async def test_unknown_option_is_refused(slack: SlackEmulator, seen: Seen) -> None:
    """Picking a value a static select does not offer is a test mistake, reported at once."""
    await slack.slash_command("/airplane", "run deploy", user=ALICE)
    view = await slack.wait_for_view(ALICE)
    with pytest.raises(LookupError, match="not an option"):
        slack.fill(view, {"Environment": "qa"})


async def test_closing_a_notify_on_close_modal_sends_view_closed(
    slack: SlackEmulator, seen: Seen
) -> None:
    """Cancel on a modal with notify_on_close sends view_closed to the app."""
    await slack.slash_command("/airplane", "run deploy", user=ALICE)
    view = await slack.wait_for_view(ALICE)
    reply = await slack.close_view(view)
    assert reply is not None
    assert reply.status == 200
    [body] = seen.closed
    assert body["view"]["id"] == view.id
    assert slack.open_views(ALICE) == []


async def test_response_action_update_and_push_change_the_stack(slack: SlackEmulator) -> None:
    """update replaces the view, push stacks one, clear closes all; an invalid view is refused."""
    app = AsyncApp(
        signing_secret=slack.signing_secret,
        client=AsyncWebClient(token=slack.bot_token, base_url=slack.api_url),
    )
    answers: Iterator[dict[str, Any]] = iter(
        [
            {"response_action": "update", "view": {**MODAL, "callback_id": "step2"}},
            {"response_action": "push", "view": {**MODAL, "callback_id": "step3"}},
            {
                "response_action": "update",
                "view": {**MODAL, "title": {"type": "plain_text", "text": "t" * 25}},
            },
            {"response_action": "clear"},
        ]
    )

    @app.view(re.compile(".*"))
    async def any_submission(ack: AsyncAck) -> None:
        await ack(**next(answers))

    async with serve_bolt(app) as url:
        slack.events_url = url
        view = slack.workspace.views[(await slack_open(slack))]
        await slack.submit_view(view, values={"count": "1"})
        assert view.callback_id == "step2"
        await slack.submit_view(view, values={"count": "1"})
        top = slack.top_view(ALICE)
        assert (top.callback_id, top.previous_view_id, top.root_view_id) == (
            "step3",
            view.id,
            view.id,
        )
        await slack.submit_view(top, values={"count": "1"})
        assert slack.rejected[-1].method == "view_submission:update"
        assert top.callback_id == "step3"
        await slack.submit_view(top, values={"count": "1"})
        assert slack.open_views(ALICE) == []


async def slack_open(slack: SlackEmulator) -> str:
    """Open MODAL for ALICE through the Web API, as an app would after a command."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    response = await client.views_open(trigger_id=slack.issue_trigger(ALICE), view=MODAL)
    return str(response["view"]["id"])


async def test_views_update_honours_hash_and_publish_keeps_home(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """views.update with a stale hash is a hash_conflict; views.publish stores each user's home."""
    opened = await client.views_open(trigger_id=slack.issue_trigger(ALICE), view=MODAL)
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    await client.views_update(view_id=view_id, hash=first_hash, view={**MODAL, "callback_id": "v2"})
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_update(view_id=view_id, hash=first_hash, view=MODAL)
    with pytest.raises(SlackApiError, match="not_found"):
        await client.views_update(view_id="V0NOPE", view=MODAL)
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Recent runs"}}],
    }
    await client.views_publish(user_id=BOB, view=home)
    published = slack.home_view(BOB)
    assert published is not None
    assert published.blocks[0]["text"]["text"] == "Recent runs"
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        await client.views_publish(user_id=BOB, view={"type": "home", "blocks": [{"type": "nope"}]})
    assert [v.callback_id for v in slack.open_views(ALICE)] == ["v2"]


async def test_resend_replays_a_click_as_slack_would(
    slack: SlackEmulator, seen: Seen, client: AsyncWebClient
) -> None:
    """resend() delivers the very same payload again (double click or retry), with retry headers."""
    await client.chat_postMessage(channel=OPS, text="Deploy to prod?", blocks=PROMPT_BLOCKS)
    first = await slack.click("Approve", user=BOB)
    again = await slack.resend(first, retry_num=1)
    assert (first.kind, again.status) == ("interactive", 200)
    assert seen.actions[0] == seen.actions[1]


async def test_choose_in_a_message_select_sends_selected_option(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Choosing in a message's static select sends block_actions with selected_option and state."""
    actions: list[dict[str, Any]] = []
    app = AsyncApp(signing_secret=slack.signing_secret, client=client)

    @app.action("env")
    async def chosen(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        actions.append(body)

    select = {**MODAL["blocks"][0]["element"], "action_id": "env"}
    posted = await client.chat_postMessage(
        channel=OPS, text="pick", blocks=[{"type": "actions", "elements": [select]}]
    )
    async with serve_bolt(app) as url:
        await slack.choose(
            slack.message(OPS, posted["ts"]), "env", "Production", user=CAROL, url=url
        )
    [body] = actions
    assert body["actions"][0]["selected_option"]["value"] == "prod"
    assert body["actions"][0]["type"] == "static_select"
    assert body["user"]["id"] == CAROL
    assert (
        body["state"]["values"][body["actions"][0]["block_id"]]["env"]["selected_option"]["value"]
        == "prod"
    )
