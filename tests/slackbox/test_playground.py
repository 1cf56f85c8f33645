"""The playground's HTTP side, no browser: snapshot, refusals, Slack's own answers, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from foundation.slack_limits import CHANNEL_PACE
from slackbox import ALICE, BOB, GENERAL, SlackEmulator
from slackbox.playground import Playground, SlashCommand, SlashSubcommand


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    command = SlashCommand("/airplane", "Run tasks", "run <task>", (SlashSubcommand("run"),))
    Playground(emulator, commands=[command]).install()
    async with emulator:
        yield emulator


async def state(slack: SlackEmulator, user: str = ALICE) -> Any:
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        answer = await client.get("/ui/state", params={"user": user})
        answer.raise_for_status()
        return answer.json()


async def post(slack: SlackEmulator, path: str, body: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        return await client.post(path, json=body)


async def test_page_and_state_say_it_is_a_local_playground(slack: SlackEmulator) -> None:
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        page = await client.get("/")
    assert page.status_code == 200
    assert "not Slack" in page.text
    seen = await state(slack)
    assert "not Slack" in seen["notice"]
    assert [c["name"] for c in seen["channels"] if not c["is_im"]] == ["general", "ops"]
    assert [c["is_im"] for c in seen["channels"]].count(True) == 1  # alice's DM with the app
    assert seen["commands"][0]["subcommands"][0]["name"] == "run"
    assert seen["app_connected"] is False


async def test_invalid_blocks_are_shown_as_refused(slack: SlackEmulator) -> None:
    """What Slack refuses never appears as a message; the page shows the refusal instead."""
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{slack.api_url}chat.postMessage",
            headers={"Authorization": f"Bearer {slack.bot_token}"},
            json={"channel": GENERAL, "text": "x", "blocks": [{"type": "section"}]},
        )
    assert answer.json()["error"] == "invalid_blocks"
    seen = await state(slack)
    assert seen["messages"] == []
    [refusal] = seen["refusals"]
    assert refusal["method"] == "chat.postMessage"
    assert refusal["channel"] == GENERAL
    assert refusal["errors"]


async def test_page_shows_the_rate_limits_per_method() -> None:
    """The state says the tiers are enforced and, per method, the calls served and refused."""
    emulator = SlackEmulator(limits_clock=lambda: 0.0)  # time stands still: no refill
    Playground(emulator, commands=[]).install()
    async with emulator, httpx.AsyncClient() as client:
        assert (await state(emulator))["limits"] == {"enforced": True, "methods": []}
        for number in range(CHANNEL_PACE.burst + 1):
            await client.post(
                f"{emulator.api_url}chat.postMessage",
                headers={"Authorization": f"Bearer {emulator.bot_token}"},
                json={"channel": GENERAL, "text": str(number)},
            )
        limits = (await state(emulator))["limits"]
        assert limits["methods"] == [
            {"method": "chat.postMessage", "served": CHANNEL_PACE.burst, "refused": 1}
        ]
        emulator.enforce_limits = False
        assert (await state(emulator))["limits"]["enforced"] is False


async def test_commands_get_slacks_own_answers(slack: SlackEmulator) -> None:
    """An unknown command and an app that is not connected answer as Slack does, to one person."""
    await post(slack, "/ui/send", {"user": ALICE, "channel": GENERAL, "text": "/nope x"})
    await post(slack, "/ui/send", {"user": ALICE, "channel": GENERAL, "text": "/airplane run"})
    texts = [e["text"] for e in (await state(slack))["ephemerals"]]
    assert texts[0].startswith("/nope is not a valid command")
    assert texts[1] == '/airplane failed with the error "dispatch_failed"'
    assert (await state(slack, BOB))["ephemerals"] == []


async def test_plain_messages_are_posted_as_the_person(slack: SlackEmulator) -> None:
    reply = await post(slack, "/ui/send", {"user": BOB, "channel": GENERAL, "text": "hi all"})
    assert reply.json()["ok"] is True
    [message] = slack.messages(GENERAL)
    assert (message.user, message.text, message.bot_id) == (BOB, "hi all", None)


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/ui/send", {"user": "U0NOBODY", "channel": GENERAL, "text": "x"}, "unknown user"),
        ("/ui/send", {"user": ALICE, "channel": "C0NONE", "text": "x"}, "cannot post in"),
        ("/ui/send", {"user": ALICE, "channel": GENERAL, "text": "  "}, "type a message"),
        ("/ui/submit", {"user": ALICE, "view_id": "V0"}, "no open view"),
        ("/ui/action", {"user": ALICE, "container": "message", "channel": GENERAL, "ts": "1"}, ""),
    ],
)
async def test_bad_requests_say_what_was_wrong(
    slack: SlackEmulator, path: str, body: Any, says: str
) -> None:
    reply = await post(slack, path, body)
    assert reply.status_code == 400
    assert says in reply.text
