"""The Web API as slack_sdk's AsyncWebClient meets it: shapes, errors, and the state tests read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from slackbox import ALICE, BOB, BOT_USER_ID, GENERAL, OPS, SlackEmulator
from tests.support.reference import SLACK_REFERENCE_DIR

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*deploy* is running"}}


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)


def reference_keys(method: str) -> set[str]:
    """Top-level keys Slack's response to `method` may have (from the vendored samples)."""
    sample = json.loads((SLACK_REFERENCE_DIR / "web-api" / f"{method}.json").read_text())
    return set(sample)


async def test_auth_test_answers_identity_and_scopes_header(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """auth.test names the bot user and sends the x-oauth-scopes header Bolt reads."""
    response = await client.auth_test()
    assert response["user_id"] == BOT_USER_ID
    assert "chat:write" in response.headers["x-oauth-scopes"].split(",")
    assert set(response.data) <= reference_keys("auth.test")


async def test_bad_or_missing_token_is_refused_like_slack(slack: SlackEmulator) -> None:
    """A wrong token is invalid_auth, no token is not_authed, the app token is the wrong type."""
    errors = []
    for token in ("xoxb-wrong", None, slack.app_token):
        with pytest.raises(SlackApiError) as caught:
            await AsyncWebClient(token=token, base_url=slack.api_url).chat_postMessage(
                channel=GENERAL, text="x"
            )
        errors.append(caught.value.response["error"])
    assert errors == ["invalid_auth", "not_authed", "not_allowed_token_type"]
    assert slack.messages(GENERAL) == []


async def test_post_reply_update_delete_are_kept_per_channel_and_thread(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Messages get increasing unique ts; replies sit in their thread; edits keep history."""
    parent = await client.chat_postMessage(channel=GENERAL, text="deploy started", blocks=[SECTION])
    reply = await client.chat_postMessage(channel=GENERAL, thread_ts=parent["ts"], text="Running")
    nested = await client.chat_postMessage(
        channel=GENERAL, thread_ts=reply["ts"], text="still running"
    )
    await client.chat_update(channel=GENERAL, ts=parent["ts"], text="deploy succeeded")
    await client.chat_delete(channel=GENERAL, ts=nested["ts"])

    assert parent["ts"] < reply["ts"] < nested["ts"]
    assert parent["message"]["blocks"] == [SECTION]
    [top] = slack.messages(GENERAL)
    assert top.text == "deploy succeeded"
    assert top.blocks == [SECTION]  # omitted blocks are kept, as chat.update documents
    assert [v.text for v in top.versions] == ["deploy started", "deploy succeeded"]
    assert [m.text for m in slack.thread(GENERAL, parent["ts"])] == ["Running"]
    deleted = slack.thread(GENERAL, parent["ts"], include_deleted=True)[-1]
    assert deleted.deleted
    assert deleted.thread_ts == parent["ts"]
    assert [c.method for c in slack.calls()][-2:] == ["chat.update", "chat.delete"]


async def test_unknown_things_answer_slack_errors(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Unknown channel, message, thread, user and someone else's message give Slack's errors."""
    human = await slack.user_says(ALICE, GENERAL, "hello")
    attempts = [
        client.chat_postMessage(channel="C0NOPE", text="x"),
        client.api_call("chat.postMessage", json={"channel": GENERAL}),
        client.chat_update(channel=GENERAL, ts="1.000001", text="x"),
        client.chat_update(channel=GENERAL, ts=human.ts, text="x"),
        client.chat_delete(channel=GENERAL, ts=human.ts),
        client.chat_postMessage(channel=GENERAL, thread_ts="1.000001", text="x"),
        client.chat_getPermalink(channel=GENERAL, message_ts="1.000001"),
        client.users_info(user="U0NOPE"),
        client.users_lookupByEmail(email="nobody@example.com"),
        client.conversations_info(channel="C0NOPE"),
    ]
    errors = []
    for attempt in attempts:
        with pytest.raises(SlackApiError) as caught:
            await attempt
        errors.append(caught.value.response["error"])
    assert errors == [
        "channel_not_found",
        "no_text",
        "message_not_found",
        "cant_update_message",
        "cant_delete_message",
        "invalid_thread_ts",
        "message_not_found",
        "user_not_found",
        "users_not_found",
        "channel_not_found",
    ]


async def test_private_channel_without_the_bot_is_not_found(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """A private channel the bot is not in is invisible; a public one answers not_in_channel."""
    slack.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
    slack.add_channel("C0PUBLIC", "public", bot_is_member=False)
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postMessage(channel="C0SECRET", text="x")
    with pytest.raises(SlackApiError, match="not_in_channel"):
        await client.chat_postMessage(channel="C0PUBLIC", text="x")


async def test_ephemerals_are_kept_per_user(slack: SlackEmulator, client: AsyncWebClient) -> None:
    """chat.postEphemeral shows a message to one member only; outsiders are refused."""
    slack.add_channel("C0SMALL", "small", members={ALICE})
    response = await client.chat_postEphemeral(
        channel=OPS, user=BOB, text="not allowed", blocks=[SECTION]
    )
    with pytest.raises(SlackApiError, match="user_not_in_channel"):
        await client.chat_postEphemeral(channel="C0SMALL", user=BOB, text="x")
    [shown] = slack.ephemerals(BOB)
    assert (shown.ts, shown.channel, shown.text, shown.blocks) == (
        response["message_ts"],
        OPS,
        "not allowed",
        [SECTION],
    )
    assert slack.ephemerals(ALICE) == []
    assert slack.messages(OPS) == []


async def test_permalink_points_at_the_message(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """chat.getPermalink answers a link with the message ts in it."""
    posted = await client.chat_postMessage(channel=GENERAL, text="x")
    response = await client.chat_getPermalink(channel=GENERAL, message_ts=posted["ts"])
    assert response["permalink"].endswith(posted["ts"].replace(".", ""))
    assert set(response.data) <= reference_keys("chat.getPermalink")


async def test_users_and_conversations(slack: SlackEmulator, client: AsyncWebClient) -> None:
    """Users resolve by ID and email; IMs open once per user; channels describe themselves."""
    slack.add_user("U0DAVE", "dave", "Dave@Example.com")
    by_email = await client.users_lookupByEmail(email="dave@example.com")
    info = await client.users_info(user=ALICE)
    im = await client.conversations_open(users=BOB)
    again = await client.conversations_open(users=BOB)
    channel = await client.conversations_info(channel=OPS)
    assert by_email["user"]["id"] == "U0DAVE"
    assert info["user"]["profile"]["email"] == "alice@example.com"
    assert im["channel"]["id"] == again["channel"]["id"]
    assert im["channel"]["id"].startswith("D")
    assert channel["channel"]["name"] == "ops"
    assert set(channel["channel"]) <= set(
        json.loads((SLACK_REFERENCE_DIR / "web-api/conversations.info.json").read_text())["channel"]
    )
    await client.chat_postMessage(channel=BOB, text="hi in the DM")
    assert [m.text for m in slack.messages(im["channel"]["id"])] == ["hi in the DM"]


async def test_form_and_query_encodings_are_read(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Blocks sent as a form field (JSON string) are decoded like a JSON body."""
    await client.api_call(
        "chat.postMessage",
        data={"channel": GENERAL, "text": "form", "blocks": json.dumps([SECTION])},
    )
    await client.api_call(
        "chat.postMessage", http_verb="GET", params={"channel": GENERAL, "text": "query"}
    )
    first, second = slack.messages(GENERAL)
    assert (first.text, first.blocks, second.text) == ("form", [SECTION], "query")


async def test_invalid_blocks_are_refused_like_slack(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """Blocks breaking Slack's limits get invalid_blocks with pointed errors, and are recorded."""
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=GENERAL, text="x", blocks=[too_long])
    body = caught.value.response.data
    assert body["error"] == "invalid_blocks"
    assert any("/blocks/0/text" in e for e in body["errors"])
    assert slack.messages(GENERAL) == []
    assert [c.method for c in slack.rejected] == ["chat.postMessage"]
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postMessage(channel=GENERAL, text="x", blocks=[SECTION] * 51)


async def test_files_upload_v2_shares_into_a_thread(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """files_upload_v2 (get URL, upload, complete) stores the bytes and shares them in a thread."""
    parent = await client.chat_postMessage(channel=GENERAL, text="run")
    await client.files_upload_v2(
        channel=GENERAL,
        thread_ts=parent["ts"],
        content="a,b\n1,2\n",
        filename="output.csv",
        title="Output",
    )
    [file] = slack.workspace.files.values()
    assert (file.content, file.title, file.channel, file.thread_ts) == (
        b"a,b\n1,2\n",
        "Output",
        GENERAL,
        parent["ts"],
    )
    [share] = slack.thread(GENERAL, parent["ts"])
    assert share.files == [file.id]


async def test_rate_limit_answers_429_with_retry_after(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """A limit answers 429 + Retry-After to N calls of one method, then lets calls through."""
    slack.rate_limit("chat.postMessage", count=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel=GENERAL, text="x")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "7"
    await client.users_info(user=ALICE)  # other methods are not limited
    await client.chat_postMessage(channel=GENERAL, text="third time")
    assert len(slack.rate_limited) == 2
    assert [m.text for m in slack.messages(GENERAL)] == ["third time"]


async def test_rate_limit_per_channel_and_period(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """A per-channel limit for a period hits only that channel's posts."""
    slack.rate_limit(channel=OPS, count=None, seconds=600)
    await client.chat_postMessage(channel=GENERAL, text="fine")
    with pytest.raises(SlackApiError, match="ratelimited"):
        await client.chat_postMessage(channel=OPS, text="x")
    with pytest.raises(SlackApiError, match="ratelimited"):
        await client.chat_postMessage(channel=OPS, text="x")


async def test_wait_for_wakes_on_the_change(slack: SlackEmulator, client: AsyncWebClient) -> None:
    """wait_for returns as soon as a later call makes the predicate true."""
    waiter = asyncio.create_task(slack.wait_for(lambda: slack.messages(GENERAL)))
    await asyncio.sleep(0)
    assert not waiter.done()
    await client.chat_postMessage(channel=GENERAL, text="now")
    [message] = await waiter
    assert message.text == "now"
    with pytest.raises(TimeoutError):
        await slack.wait_for(lambda: slack.messages(OPS), timeout=0.05)


async def test_unexpected_shapes_answer_emulator_error(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """A request shape the emulator never expected is a loud 500 emulator_error, still recorded."""
    with pytest.raises(SlackApiError) as caught:
        await client.api_call(
            "files.completeUploadExternal", json={"files": [1], "channel_id": GENERAL}
        )
    assert caught.value.response.status_code == 500
    assert slack.calls("files.completeUploadExternal")[0].error == "emulator_error"


async def test_only_post_message_takes_names_and_user_ids(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    """chat.postMessage accepts '#ops' and a user ID (the DM); chat.update wants the real ID."""
    by_name = await client.chat_postMessage(channel="#ops", text="by name")
    to_user = await client.chat_postMessage(channel=BOB, text="dm")
    assert by_name["channel"] == OPS
    assert to_user["channel"].startswith("D")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_update(channel=BOB, ts=to_user["ts"], text="edited")
    await client.chat_update(channel=to_user["channel"], ts=to_user["ts"], text="edited")


async def test_sdk_retry_handler_honours_retry_after(slack: SlackEmulator) -> None:
    """slack_sdk's rate-limit retry handler waits Retry-After and the post then lands once."""
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    slack.rate_limit("chat.postMessage", count=2, retry_after=0)
    await client.chat_postMessage(channel=GENERAL, text="eventually")
    assert len(slack.rate_limited) == 2
    assert [m.text for m in slack.messages(GENERAL)] == ["eventually"]
