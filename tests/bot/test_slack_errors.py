"""The one translation of Slack's failures into the bot's errors (`bot.slack.errors`)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.core.errors import ChannelGone, SlackRateLimited, SlackRefused, SlackUnreachable
from bot.people.labels import slack_email
from bot.slack.client import call_outcome
from bot.slack.errors import DEFAULT_RETRY_AFTER, slack_call, slack_error
from bot.tracking.slack import SlackWebWriter


def slack_api_error(code: str, status: int = 200, headers: dict[str, Any] | None = None) -> Any:
    """A SlackApiError as slack_sdk raises it for an `ok: false` answer."""
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.test/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(code, response)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": ["3"]}, 3.0),
        ({}, DEFAULT_RETRY_AFTER),
        ({"Retry-After": "soon"}, DEFAULT_RETRY_AFTER),
        ({"Retry-After": "inf"}, DEFAULT_RETRY_AFTER),
        ({"Retry-After": "-5"}, 0.0),
    ],
)
def test_a_429_is_rate_limited_with_its_retry_after(
    headers: dict[str, Any], seconds: float
) -> None:
    """Retry-After in any header case, as text or list; a missing or odd one is the default."""
    translated = slack_error(slack_api_error("ratelimited", 429, headers))
    assert isinstance(translated, SlackRateLimited)
    assert translated.retry_after == seconds
    assert translated.code == "ratelimited"


@pytest.mark.parametrize(
    "code", ["channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"]
)
def test_codes_that_close_a_channel_are_channel_gone(code: str) -> None:
    """Retrying cannot help: the channel the call wrote to is named."""
    translated = slack_error(slack_api_error(code), channel="C1")
    assert isinstance(translated, ChannelGone)
    assert (translated.channel, translated.code) == ("C1", code)


def test_any_other_refusal_keeps_slacks_code() -> None:
    """`ok: false` with another code is a plain refusal, not rate limited, not gone."""
    translated = slack_error(slack_api_error("invalid_blocks", 200))
    assert type(translated) is SlackRefused
    assert translated.code == "invalid_blocks"


@pytest.mark.parametrize(
    "error",
    [aiohttp.ClientConnectionError("refused"), TimeoutError(), ConnectionResetError()],
)
def test_no_answer_is_unreachable(error: BaseException) -> None:
    """A failed connection or a timeout: Slack never answered."""
    assert isinstance(slack_error(error), SlackUnreachable)


def test_an_error_that_is_not_slacks_is_left_alone() -> None:
    """A bug stays a bug; a translated error is returned as it is."""
    assert slack_error(KeyError("x")) is None
    already = SlackRefused("no_permission")
    assert slack_error(already) is already


def test_call_outcomes_for_metrics_come_from_the_translation() -> None:
    """The `outcome` label of `airplane_bot_slack_calls_total`."""
    assert call_outcome(None) == "ok"
    assert call_outcome(slack_api_error("ratelimited", 429)) == "ratelimited"
    assert call_outcome(slack_api_error("not_in_channel")) == "error"
    assert call_outcome(aiohttp.ServerDisconnectedError()) == "transport_error"
    assert call_outcome(KeyError("x")) == "error"


async def test_slack_call_raises_the_bots_error_with_the_original_as_cause() -> None:
    """Callers catch the bot's names; the trace still shows what slack_sdk raised."""
    original = slack_api_error("is_archived")

    async def failing() -> None:
        raise original

    with pytest.raises(ChannelGone) as caught:
        await slack_call(failing(), channel="C9")
    assert caught.value.channel == "C9"
    assert caught.value.__cause__ is original


async def test_slack_call_lets_other_errors_through_unchanged() -> None:
    """Not Slack's failure: raised as it was."""

    async def failing() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        await slack_call(failing())

    async def fine() -> str:
        return "ts"

    assert await slack_call(fine()) == "ts"


# -- the readers: what each does with a translated refusal ------------------------------------


class FailingSlack:
    """A Slack client whose every method raises `error`."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __getattr__(self, method: str) -> Any:
        async def call(**_: Any) -> Any:
            raise self.error

        return call


async def test_the_post_search_without_history_access_finds_nothing() -> None:
    """A refused history read: the post cannot be confirmed, so it is posted (None)."""
    writer = SlackWebWriter(FailingSlack(slack_api_error("missing_scope")))  # type: ignore[arg-type]
    assert await writer.find("C1", "1.0", "run:r1:C1:parent") is None


@pytest.mark.parametrize(
    "error", [slack_api_error("ratelimited", 429), aiohttp.ClientConnectionError("reset")]
)
async def test_the_post_search_lets_a_429_or_no_answer_through(error: BaseException) -> None:
    """Those are worth retrying (the outbox waits out a 429): never taken for "not posted"."""
    writer = SlackWebWriter(FailingSlack(error))  # type: ignore[arg-type]
    with pytest.raises(type(error)):
        await writer.find("C1", None, "run:r1:C1:parent")


async def test_a_refused_profile_read_means_no_email() -> None:
    """users.info refused (missing scope, no such user): acting for the user without email."""
    slack = FailingSlack(slack_api_error("missing_scope"))
    assert await slack_email(slack, "U1") is None  # type: ignore[arg-type]


async def test_no_answer_from_slack_is_not_taken_for_no_email() -> None:
    """Slack unreachable is not a refusal: it is raised, as the bot's error."""
    slack = FailingSlack(aiohttp.ClientConnectionError("reset"))
    with pytest.raises(SlackUnreachable):
        await slack_email(slack, "U1")  # type: ignore[arg-type]
