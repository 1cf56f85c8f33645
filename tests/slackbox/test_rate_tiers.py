"""slackbox enforces Slack's Web API rate tiers from `foundation/slack_limits.py`, on a clock
the tests step (no real time), and counts every method's served and refused calls."""

from __future__ import annotations

import contextlib

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from foundation.slack_limits import CHANNEL_PACE, POST_MESSAGE, TIER_3, tier_of
from slackbox import GENERAL, OPS, MethodCount, SlackEmulator
from slackbox.limits import RateLimiter


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter() -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(clock=clock), clock


def test_a_tier_3_method_is_served_its_burst_then_refused_with_retry_after() -> None:
    """chat.update (Tier 3) gets `burst` calls at once; the next waits for a whole token."""
    rate, _ = limiter()
    assert tier_of("chat.update") is TIER_3
    answers = [rate.check("chat.update", {"channel": GENERAL}) for _ in range(TIER_3.burst)]
    assert answers == [None] * TIER_3.burst
    # One token comes back every 60/50 = 1.2 s: Retry-After is that, rounded up.
    assert rate.check("chat.update", {"channel": GENERAL}) == 2


def test_a_tier_3_budget_refills_at_50_a_minute() -> None:
    """After the burst, a minute gives back 50 calls' worth, capped at the burst."""
    rate, clock = limiter()
    for _ in range(TIER_3.burst):
        assert rate.check("conversations.info", {}) is None
    clock.now += 1.25  # a token at 50/min takes 1.2 s
    assert rate.check("conversations.info", {}) is None
    assert rate.check("conversations.info", {}) is not None
    clock.now += 60  # far more than the bucket holds: only `burst` again
    served = 0
    while rate.check("conversations.info", {}) is None:
        served += 1
    assert served == TIER_3.burst
    # Over a minute (and a tick) of steady calls, 50 get through: it started empty.
    served = 0
    for _ in range(601):
        clock.now += 0.1
        served += rate.check("conversations.info", {}) is None
    assert served == 50


def test_each_method_has_its_own_budget() -> None:
    """Spending chat.update's budget leaves chat.delete's (same tier) and views.open's whole."""
    rate, _ = limiter()
    while rate.check("chat.update", {"channel": GENERAL}) is None:
        pass
    assert rate.check("chat.delete", {"channel": GENERAL}) is None
    assert rate.check("views.open", {}) is None


def test_post_message_is_paced_per_channel() -> None:
    """About one message a second in a channel: a burst in #general leaves #ops untouched."""
    rate, clock = limiter()
    for _ in range(CHANNEL_PACE.burst):
        assert rate.check("chat.postMessage", {"channel": GENERAL}) is None
    assert rate.check("chat.postMessage", {"channel": GENERAL}) == 1
    assert rate.check("chat.postMessage", {"channel": OPS}) is None
    clock.now += 1.0
    assert rate.check("chat.postMessage", {"channel": GENERAL}) is None


def test_post_message_has_a_workspace_budget_across_channels() -> None:
    """Posting in ever new channels (each within its pace) still meets the workspace limit."""
    rate, clock = limiter()
    for number in range(POST_MESSAGE.burst):
        assert rate.check("chat.postMessage", {"channel": f"C{number:05d}"}) is None
    wait = rate.check("chat.postMessage", {"channel": "CFRESH"})
    assert wait == 1  # 300 a minute: a token every 0.2 s
    clock.now += 0.25
    assert rate.check("chat.postMessage", {"channel": "CFRESH"}) is None


def test_a_refused_call_spends_nothing() -> None:
    """Calls refused while waiting do not push the next token further away."""
    rate, clock = limiter()
    for _ in range(TIER_3.burst):
        rate.check("chat.update", {})
    for _ in range(100):
        assert rate.check("chat.update", {}) is not None
    clock.now += 1.25
    assert rate.check("chat.update", {}) is None
    # Nor does a post refused by its channel's pace spend the workspace budget.
    for _ in range(CHANNEL_PACE.burst):
        rate.check("chat.postMessage", {"channel": GENERAL})
    for _ in range(100):
        assert rate.check("chat.postMessage", {"channel": GENERAL}) is not None
    spent = CHANNEL_PACE.burst
    for number in range(POST_MESSAGE.burst - spent):
        assert rate.check("chat.postMessage", {"channel": f"C{number:05d}"}) is None


def test_test_rules_come_first_and_spend_no_budget() -> None:
    """A forced 429 answers with its own Retry-After, before the tiers and without a token."""
    rate, _ = limiter()
    rate.add("chat.update", count=3, retry_after=9)
    assert [rate.check("chat.update", {}) for _ in range(3)] == [9, 9, 9]
    served = 0
    while rate.check("chat.update", {}) is None:
        served += 1
    assert served == TIER_3.burst


def test_tiers_off_lets_everything_through_but_test_rules() -> None:
    """With enforcement off only the added rules answer 429; on again starts full."""
    rate, _ = limiter()
    rate.enforce_tiers = False
    assert all(rate.check("chat.update", {}) is None for _ in range(500))
    rate.add("chat.update", count=1)
    assert rate.check("chat.update", {}) == 1
    rate.enforce_tiers = True
    assert [rate.check("chat.update", {}) for _ in range(TIER_3.burst)] == [None] * TIER_3.burst
    assert rate.check("chat.update", {}) is not None


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_counts_per_method_are_visible(clock: Clock) -> None:
    """The emulator counts each method's served and refused calls, through real HTTP."""
    async with SlackEmulator(limits_clock=clock) as slack:
        assert slack.enforce_limits
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        for number in range(CHANNEL_PACE.burst + 2):
            with contextlib.suppress(SlackApiError):
                await client.chat_postMessage(channel=GENERAL, text=str(number))
        await client.auth_test()
        assert slack.method_counts() == {
            "auth.test": MethodCount(served=1, refused=0),
            "chat.postMessage": MethodCount(served=CHANNEL_PACE.burst, refused=2),
        }
        assert len(slack.rate_limited) == 2


async def test_a_burst_of_chat_update_gets_429_through_the_server(clock: Clock) -> None:
    """Past chat.update's burst the running emulator answers HTTP 429 + Retry-After, which
    slack_sdk's AsyncWebClient raises as SlackApiError; the time the header names is enough."""
    async with SlackEmulator(limits_clock=clock) as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        posted = await client.chat_postMessage(channel=GENERAL, text="v0")
        for number in range(TIER_3.burst):
            await client.chat_update(channel=GENERAL, ts=posted["ts"], text=f"v{number + 1}")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_update(channel=GENERAL, ts=posted["ts"], text="too fast")
        response = caught.value.response
        assert response.status_code == 429
        assert response["error"] == "ratelimited"
        retry_after = int(response.headers["Retry-After"])
        assert retry_after >= 1
        clock.now += retry_after
        await client.chat_update(channel=GENERAL, ts=posted["ts"], text="in time")
        assert slack.message(GENERAL, posted["ts"]).text == "in time"
        assert slack.method_counts()["chat.update"] == MethodCount(TIER_3.burst + 1, 1)


async def test_enforcement_can_be_switched_off(clock: Clock) -> None:
    """`enforce_limits=False` (or later `slack.enforce_limits = False`) serves any burst."""
    async with SlackEmulator(enforce_limits=False, limits_clock=clock) as slack:
        assert not slack.enforce_limits
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        for number in range(CHANNEL_PACE.burst + 2):
            await client.chat_postMessage(channel=GENERAL, text=str(number))
        assert slack.rate_limited == []
        slack.enforce_limits = True
        for number in range(CHANNEL_PACE.burst):
            await client.chat_postMessage(channel=GENERAL, text=str(number))
        with pytest.raises(SlackApiError, match="ratelimited"):
            await client.chat_postMessage(channel=GENERAL, text="too fast")
