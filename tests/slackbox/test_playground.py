"""The playground's HTTP side, no browser: snapshot, refusals, Slack's own answers, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from foundation.slack_limits import CHANNEL_PACE
from slackbox import ALICE, BOB, GENERAL, SlackEmulator
from slackbox.playground import Playground, SlashCommand, SlashSubcommand
from slackbox.playground.routes import TOKEN_HEADER, page_token


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
    """What the page sends: JSON, with the token the served page holds."""
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        token = page_token((await client.get("/")).text)
        return await client.post(path, json=body, headers={TOKEN_HEADER: token})


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


SEND = {"user": ALICE, "channel": GENERAL, "text": "hello from elsewhere"}
UI_POSTS = ["/ui/send", "/ui/action", "/ui/options", "/ui/submit", "/ui/close", "/ui/home"]


@pytest.mark.parametrize("path", UI_POSTS)
@pytest.mark.parametrize(
    ("case", "headers", "says"),
    [
        ("no token", {}, TOKEN_HEADER),
        ("a wrong token", {TOKEN_HEADER: "guess"}, TOKEN_HEADER),
        ("another origin", {"Origin": "https://evil.example"}, "Origin"),
        ("a rebinding host", {"Host": "evil.example"}, "Host"),
        ("a text/plain body", {"Content-Type": "text/plain"}, "JSON"),
    ],
)
async def test_what_is_not_this_page_cannot_act(
    slack: SlackEmulator, path: str, case: str, headers: dict[str, str], says: str
) -> None:
    """A page on another origin (a simple cross-site POST: no token, text/plain, its own
    Origin), or this server reached under another name, is refused before anything happens."""
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        token = page_token((await client.get("/")).text)
        # Each case is wrong in one way only: the others carry the page's token.
        sent = (
            headers if case in ("no token", "a wrong token") else {TOKEN_HEADER: token, **headers}
        )
        reply = await client.post(
            path,
            content=b'{"user": "U0ALICE", "channel": "C0GENERAL", "text": "hi"}',
            headers={"Content-Type": "application/json", **sent},
        )
    assert reply.status_code == 403, case
    assert says in reply.text
    assert (await state(slack))["messages"] == []


async def test_the_page_holds_a_token_made_for_this_start(slack: SlackEmulator) -> None:
    async with httpx.AsyncClient(base_url=slack.base_url) as client:
        token = page_token((await client.get("/")).text)
        assert len(token) >= 32
        other = Playground(SlackEmulator())
        assert other.token != token
        # localhost with the port is this server too; the page's own origin may be given.
        port = slack.base_url.rstrip("/").rsplit(":", 1)[1]
        reply = await client.post(
            "/ui/send",
            json=SEND,
            headers={
                TOKEN_HEADER: token,
                "Host": f"localhost:{port}",
                "Origin": f"http://localhost:{port}",
            },
        )
    assert reply.json()["ok"] is True
    assert (await state(slack))["messages"][0]["text"] == "hello from elsewhere"


async def test_a_playgrounds_web_api_takes_no_fixed_token() -> None:
    """The playground's emulator takes only tokens made for its start, not the tests' constant."""
    async with SlackEmulator(secret_tokens=True) as slack, httpx.AsyncClient() as client:
        fixed = await client.post(
            f"{slack.api_url}auth.test", headers={"Authorization": "Bearer xoxb-emulator-bot-token"}
        )
        own = await client.post(
            f"{slack.api_url}auth.test", headers={"Authorization": f"Bearer {slack.bot_token}"}
        )
    assert fixed.json()["ok"] is False
    assert own.json()["ok"] is True
