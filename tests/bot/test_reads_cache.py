"""Reads kept for a while and asked once: `foundation.cache.CoalescingCache`, and each Slack
read the bot repeats (`bot/slack/reads.py`) costing one call however often it is needed."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from airplane_api.models import Task, User
from bot.airplane.catalog import TaskCatalog
from bot.approvals.directory import SlackDirectory
from bot.approvals.slack import SlackApprovals
from bot.core.errors import SlackRateLimited, SlackRefused
from bot.core.kinds import Kind
from bot.listeners.views import _direct_channel
from bot.people.labels import People, slack_email
from bot.people.policy import parse_policy
from bot.runs.launch import authorize
from bot.slack.reads import PEOPLE_TTL, SlackReads, reads_of
from bot.tracking.render import Message
from bot.tracking.slack import SlackWebWriter
from foundation.cache import CoalescingCache


class Timer:
    """Monotonic seconds the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- the cache itself -------------------------------------------------------------------------


async def test_concurrent_gets_of_one_key_share_one_load() -> None:
    """Ten callers arriving before the first answer cost one load; all get its value."""
    cache: CoalescingCache[str, int] = CoalescingCache(maxsize=10, ttl=60.0)
    loads = 0
    release = asyncio.Event()

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return 42

    waiters = [asyncio.create_task(cache.get("k", load)) for _ in range(10)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiters) == [42] * 10
    assert loads == 1
    assert await cache.get("k", load) == 42  # and kept afterwards
    assert loads == 1


async def test_a_value_is_loaded_again_after_its_ttl() -> None:
    timer = Timer()
    cache: CoalescingCache[str, int] = CoalescingCache(maxsize=10, ttl=60.0, timer=timer)
    answers = iter([1, 2])

    async def load() -> int:
        return next(answers)

    assert await cache.get("k", load) == 1
    timer.now += 59.9
    assert await cache.get("k", load) == 1
    timer.now += 0.2
    assert await cache.get("k", load) == 2


async def test_the_cache_holds_at_most_maxsize_values() -> None:
    """Past `maxsize` the least recently used value goes (and is loaded again when asked)."""
    cache: CoalescingCache[int, int] = CoalescingCache(maxsize=3, ttl=60.0)
    loaded: list[int] = []

    def loader(key: int) -> Any:
        async def load() -> int:
            loaded.append(key)
            return key * 10

        return load

    for key in range(5):
        assert await cache.get(key, loader(key)) == key * 10
    assert len(cache) == 3
    await cache.get(4, loader(4))  # still there
    await cache.get(0, loader(0))  # gone: loaded again
    assert loaded == [0, 1, 2, 3, 4, 0]


async def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    cache: CoalescingCache[str, int] = CoalescingCache(maxsize=10, ttl=60.0)
    loads = 0
    release = asyncio.Event()

    async def failing() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        raise SlackRateLimited(1.0)

    waiters = [asyncio.create_task(cache.get("k", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert [type(result) for result in results] == [SlackRateLimited] * 3
    assert loads == 1

    async def fine() -> int:
        return 7

    assert await cache.get("k", fine) == 7  # the failure was not cached: asked again
    assert len(cache) == 1


async def test_a_cancelled_waiter_does_not_cancel_the_load() -> None:
    """The others still want the answer, and it is kept for the next caller."""
    cache: CoalescingCache[str, int] = CoalescingCache(maxsize=10, ttl=60.0)
    release = asyncio.Event()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await release.wait()
        return 5

    impatient = asyncio.create_task(cache.get("k", load))
    patient = asyncio.create_task(cache.get("k", load))
    await asyncio.sleep(0)
    impatient.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await patient == 5
    assert impatient.cancelled()
    assert await cache.get("k", load) == 5
    assert loads == 1


# --- each Slack read the bot repeats ------------------------------------------------------------


def refusal(code: str) -> SlackApiError:
    return SlackApiError(code, {"ok": False, "error": code})  # type: ignore[no-untyped-call]


class CountingSlack:
    """The Web API methods the bot's reads use, each call counted; `fail` refuses a method."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, BaseException] = {}
        self.members: dict[str, list[str]] = {"SOPS": ["UDAN"]}
        self.posts: list[str] = []

    def _count(self, method: str) -> None:
        self.calls[method] += 1
        if method in self.fail:
            raise self.fail[method]

    async def users_info(self, user: str) -> dict[str, Any]:
        self._count("users.info")
        return {"user": {"id": user, "profile": {"email": f"{user.lower()}@example.com"}}}

    async def users_lookupByEmail(self, email: str) -> dict[str, Any]:
        self._count("users.lookupByEmail")
        if email.startswith("nobody"):
            raise refusal("users_not_found")
        return {"user": {"id": "U" + email.split("@")[0].upper()}}

    async def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self._count("usergroups.users.list")
        return {"users": self.members.get(usergroup, [])}

    async def conversations_open(self, users: str) -> dict[str, Any]:
        self._count("conversations.open")
        return {"channel": {"id": "D" + users}}

    async def chat_postMessage(self, channel: str, **_: Any) -> dict[str, Any]:
        self.posts.append(channel)
        return {"ts": f"{len(self.posts)}.0"}


async def test_a_burst_of_commands_by_one_person_costs_one_users_info() -> None:
    """launch, cancel and a reviewer's click all read the acting-for email through this."""
    slack = CountingSlack()
    emails = await asyncio.gather(*(slack_email(slack, "UANN") for _ in range(50)))  # type: ignore[arg-type]
    assert set(emails) == {"uann@example.com"}
    assert await SlackDirectory(slack).email_of("UANN") == "uann@example.com"  # type: ignore[arg-type]
    assert slack.calls["users.info"] == 1


async def test_a_refused_users_info_is_asked_again() -> None:
    """A 429 (or a missing scope) reads as no email, but the next command asks again."""
    slack = CountingSlack()
    slack.fail["users.info"] = refusal("ratelimited")
    assert await slack_email(slack, "UANN") is None  # type: ignore[arg-type]
    del slack.fail["users.info"]
    assert await slack_email(slack, "UANN") == "uann@example.com"  # type: ignore[arg-type]
    assert slack.calls["users.info"] == 2


async def test_people_are_read_again_after_their_ttl() -> None:
    timer = Timer()
    slack = CountingSlack()
    reads = SlackReads(slack, timer=timer)  # type: ignore[arg-type]
    await reads.email_of("UANN")
    timer.now += PEOPLE_TTL - 1
    await reads.email_of("UANN")
    assert slack.calls["users.info"] == 1
    timer.now += 2
    await reads.email_of("UANN")
    assert slack.calls["users.info"] == 2


async def test_a_reviewer_is_looked_up_by_email_once_a_miss_too() -> None:
    slack = CountingSlack()
    directory = SlackDirectory(slack)  # type: ignore[arg-type]
    for _ in range(3):
        found = await directory.users_by_email(frozenset({"bob@example.com", "nobody@x.test"}))
        assert found == {"bob@example.com": "UBOB"}
    assert await directory.user_of(" Bob@Example.com ") == "UBOB"  # one key, however written
    assert slack.calls["users.lookupByEmail"] == 2  # bob once, the miss once


async def test_a_refused_email_lookup_is_not_kept() -> None:
    slack = CountingSlack()
    slack.fail["users.lookupByEmail"] = refusal("ratelimited")
    directory = SlackDirectory(slack)  # type: ignore[arg-type]
    assert await directory.user_of("bob@example.com") is None
    del slack.fail["users.lookupByEmail"]
    assert await directory.user_of("bob@example.com") == "UBOB"
    assert slack.calls["users.lookupByEmail"] == 2


async def test_policy_user_groups_are_read_once_for_many_commands() -> None:
    """Every command asks which policy user groups its sender is in (`authorize`)."""
    slack = CountingSlack()
    policy = parse_policy({"default": "deny", "rules": [{"tasks": ["hello"], "groups": ["SOPS"]}]})
    services: Any = SimpleNamespace(slack=slack, policy=policy)
    for _ in range(5):
        assert await authorize(services, Kind.RUN, "hello", "UDAN", "C1", audit=False) is None
        refused = await authorize(services, Kind.RUN, "hello", "UEVE", "C1", audit=False)
        assert refused is not None
    assert slack.calls["usergroups.users.list"] == 1


async def test_an_unreadable_policy_user_group_is_asked_again() -> None:
    slack = CountingSlack()
    slack.fail["usergroups.users.list"] = refusal("missing_scope")
    policy = parse_policy({"default": "deny", "rules": [{"tasks": ["hello"], "groups": ["SOPS"]}]})
    services: Any = SimpleNamespace(slack=slack, policy=policy)
    assert await authorize(services, Kind.RUN, "hello", "UDAN", "C1", audit=False) is not None
    del slack.fail["usergroups.users.list"]
    assert await authorize(services, Kind.RUN, "hello", "UDAN", "C1", audit=False) is None
    assert slack.calls["usergroups.users.list"] == 2


async def test_a_dm_channel_is_opened_once_for_every_path() -> None:
    """The tracker's DMs, approvals' DMs and the shortcut's DM share one conversations.open."""
    slack = CountingSlack()
    writer = SlackWebWriter(slack)  # type: ignore[arg-type]
    approvals = SlackApprovals(slack)  # type: ignore[arg-type]
    services: Any = SimpleNamespace(slack=slack)
    for _ in range(3):
        await writer.direct_message("UANN", Message(text="done"))
        assert await approvals.open_dm("UANN") == "DUANN"
        assert await _direct_channel(services, "UANN") == "DUANN"
    assert slack.posts == ["DUANN"] * 3
    assert slack.calls["conversations.open"] == 1


async def test_a_refused_dm_is_not_kept() -> None:
    slack = CountingSlack()
    slack.fail["conversations.open"] = refusal("user_disabled")
    approvals = SlackApprovals(slack)  # type: ignore[arg-type]
    assert await approvals.open_dm("UANN") is None
    with pytest.raises(SlackRefused):
        await reads_of(slack).dm_channel("UANN")  # type: ignore[arg-type]
    assert slack.calls["conversations.open"] == 2


async def test_each_client_has_its_own_reads() -> None:
    """Caches are per Web API client: one bot token, one workspace."""
    first, second = CountingSlack(), CountingSlack()
    assert reads_of(first) is reads_of(first)  # type: ignore[arg-type]
    assert reads_of(first) is not reads_of(second)  # type: ignore[arg-type]


# --- the bot's other caches on the same library ----------------------------------------------


async def test_a_label_is_resolved_once_while_fresh() -> None:
    """The tracker names the same people on every edit of a run: one users/get."""
    asked: list[str] = []

    async def get_user(user_id: str) -> User:
        asked.append(user_id)
        await asyncio.sleep(0)
        return User.model_validate({"id": user_id, "name": "Dana", "email": ""})

    people = People(get_user, None)
    answers = await asyncio.gather(*(people.names(["usr1"]) for _ in range(5)))
    assert answers == [{"usr1": "Dana"}] * 5
    assert await people.names(["usr1", "slack:UANN"]) == {"usr1": "Dana"}
    assert asked == ["usr1"]


async def test_a_task_schema_is_fetched_once_for_a_modal_and_its_submit() -> None:
    timer = Timer()
    asked: list[str] = []

    async def get_task(slug: str) -> Task:
        asked.append(slug)
        await asyncio.sleep(0)
        return Task.model_validate({"id": "tsk1", "slug": slug, "name": slug})

    client: Any = SimpleNamespace(get_task=get_task)
    catalog = TaskCatalog(ttl=60.0, clock=timer)
    tasks = await asyncio.gather(*(catalog.task(client, "hello") for _ in range(4)))
    assert {task.slug for task in tasks} == {"hello"}
    assert asked == ["hello"]
    timer.now += 61
    await catalog.task(client, "hello")
    assert asked == ["hello", "hello"]
