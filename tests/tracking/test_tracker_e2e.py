"""The tracker against a real airfield and the Slack emulator: whole threads, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from airplane_api import AirplaneClient
from airplane_api.models import Prompt
from bot.core.kinds import Kind
from bot.tracking.model import Progress, Tracked
from bot.tracking.ports import Subscription, TrackingStore
from slackbox import GENERAL, OPS, SlackEmulator
from tests.support.airfield import AirfieldProcess
from tests.support.tracking import cycles_pass

from .harness import (
    abandon,
    post_keys,
    run_of,
    running_tracker,
    until_parent_shows,
    until_thread,
)
from .proxy import outage_proxy


async def start(af: AirfieldProcess, slug: str, **values: object) -> str:
    """Start a run through the API, as anything but the bot would."""
    async with AirplaneClient(af.api_key, host=af.url) as client:
        return await client.execute_task(slug, param_values=values)


async def test_whole_thread_of_a_run(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """Parent, status lines and an output table, each once; the parent ends as Succeeded."""
    run_id = await start(airfield, "inventory", region="eu")
    async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
        await t.watch(run_of(run_id, GENERAL, "inventory"))
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, "eu-web-1")
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert "parent" in keys
    assert "output" in keys
    assert any(key.endswith("Succeeded") for key in keys)
    table = next(m for m in thread if "eu-web-1" in m.rendered)
    assert "host" in table.rendered
    assert "healthy" in table.rendered
    assert slack.rejected == []


async def test_failed_run_gets_its_log_tail(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """A failure ends the thread with the last log lines."""
    run_id = await start(airfield, "always_fails", reason="disk full")
    async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
        await t.watch(run_of(run_id, GENERAL, "always_fails"))
        parent = await until_parent_shows(slack, GENERAL, run_id, "Failed")
        await until_thread(slack, GENERAL, parent, "about to fail")


class CrashAfterPost:
    """A store that dies (like kill -9) right after Slack accepted a post, before its ts is kept."""

    def __init__(self, inner: TrackingStore, key_suffix: str) -> None:
        self.inner = inner
        self.key_suffix = key_suffix
        self.crashed = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def record_ts(self, tracked: Tracked, key: str, ts: str) -> None:
        """Crash instead of recording the ts of the chosen post."""
        if key.endswith(self.key_suffix) and not self.crashed.is_set():
            self.crashed.set()
            raise asyncio.CancelledError
        await self.inner.record_ts(tracked, key, ts)

    async def save_progress(self, tracked: Tracked, progress: Progress) -> None:
        """Pass through."""
        await self.inner.save_progress(tracked, progress)


async def test_killed_between_post_and_record_then_restarted(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """A crash after Slack took a post but before its ts was stored neither loses nor doubles it."""
    db = tmp_path / "b.db"
    # The crash comes right after Slack took the ending line (the thread's one status line).
    run_id = await start(airfield, "slow", seconds=2)
    crashing: list[CrashAfterPost] = []

    def wrap(inner: TrackingStore) -> TrackingStore:
        crashing.append(CrashAfterPost(inner, ":Succeeded"))
        return crashing[0]  # type: ignore[return-value]

    async with running_tracker(slack, airfield.url, airfield.api_key, db, wrap_store=wrap) as t:
        await t.watch(run_of(run_id, OPS, "slow"))
        await asyncio.wait_for(crashing[0].crashed.wait(), timeout=30)
        await abandon(t)
    async with running_tracker(slack, airfield.url, airfield.api_key, db):
        parent = await until_parent_shows(slack, OPS, run_id, "Succeeded")
        thread = await until_thread(slack, OPS, parent, "slept")
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert any(key.endswith("Succeeded") for key in keys)
    assert "output" in keys


async def test_restart_mid_run_resumes_from_the_store(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """A tracker cancelled abruptly mid-run and started again finishes the thread once."""
    db = tmp_path / "b.db"
    run_id = await start(airfield, "slow", seconds=3)
    async with running_tracker(slack, airfield.url, airfield.api_key, db) as t:
        await t.watch(run_of(run_id, OPS, "slow"))
        await until_parent_shows(slack, OPS, run_id, "Active")
        await abandon(t)
    async with running_tracker(slack, airfield.url, airfield.api_key, db) as t:
        assert t.following == 1
        parent = await until_parent_shows(slack, OPS, run_id, "Succeeded")
        thread = await until_thread(slack, OPS, parent, "slept")
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys
    assert len(slack.messages(OPS)) == 1


async def test_slack_429_storm(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """Every Slack write answered 429 for a while: the thread still arrives whole, once."""
    slack.rate_limit(count=None, seconds=2.0, retry_after=1)
    run_id = await start(airfield, "hello", name="Ada")
    async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
        await t.watch(run_of(run_id, GENERAL, "hello"))
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, "Hello, Ada!")
    assert slack.rate_limited
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys


async def test_subscription_catches_a_run_started_through_the_api(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """After `subscribe hello`, a run started elsewhere gets a parent and thread in the channel."""
    async with AirplaneClient(airfield.api_key, host=airfield.url) as client:
        task = await client.get_task("hello")
    async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
        await t.subscribe(Subscription(OPS, "hello", task.id, "U0ALICE"))
        # One cycle with the subscription in place, so the feed's cursor predates the run.
        await cycles_pass(t, 2)
        run_id = await start(airfield, "hello", name="Grace")
        parent = await until_parent_shows(slack, OPS, run_id, "Succeeded")
        await until_thread(slack, OPS, parent, "Hello, Grace!")


async def test_a_subscriptions_copy_shows_the_runs_values_and_mentions_nobody(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """alice runs `hello name=FromGeneral` in #general while #ops subscribes to hello: the copy
    in #ops shows the run's real parameters, and only alice's own thread mentions her."""
    async with AirplaneClient(airfield.api_key, host=airfield.url) as client:
        task = await client.get_task("hello")
    async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
        await t.subscribe(Subscription(OPS, "hello", task.id, "U0CAROL"))
        await cycles_pass(t, 2)
        async with AirplaneClient(airfield.api_key, host=airfield.url) as client:
            run_id = await client.execute_task(
                "hello", param_values={"name": "FromGeneral"}, acting_for="slack:U0ALICE"
            )
        await t.watch(run_of(run_id, GENERAL, "hello"))
        own = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        copy = await until_parent_shows(slack, OPS, run_id, "Succeeded")
        own_thread = await until_thread(slack, GENERAL, own, "Succeeded")
        copy_thread = await until_thread(slack, OPS, copy, "Succeeded")
        mine, copied = (
            await t.store.recent("U0ALICE", 10),
            await t.store.recent("slack:U0ALICE", 10),
        )
    assert "FromGeneral" in copy.rendered, copy.rendered
    assert "no parameters" not in copy.rendered
    assert "<@U0ALICE>" in " ".join(m.text for m in own_thread)
    assert "<@U0ALICE>" not in " ".join(m.text for m in copy_thread)
    assert [item.channel for item, _ in mine] == [GENERAL]
    assert copied == []  # the copy is nobody's own run (Home, `runs`)


async def test_airplane_503_storm(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """503s to a run of Airplane requests delay the thread; nothing is lost or doubled."""
    run_id = await start(airfield, "slow", seconds=2)
    async with (
        outage_proxy(airfield.url) as (url, outage),
        running_tracker(slack, url, airfield.api_key, tmp_path / "b.db") as t,
    ):
        await t.watch(run_of(run_id, GENERAL, "slow"))
        outage.remaining = 20
        parent = await until_parent_shows(slack, GENERAL, run_id, "Succeeded")
        thread = await until_thread(slack, GENERAL, parent, "slept")
    assert outage.failed == 20
    keys = post_keys([parent, *thread])
    assert all(count == 1 for count in keys.values()), keys


class PromptInbox:
    """A PromptSink that keeps what it was told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, list[str]]] = []
        self.arrived = asyncio.Event()

    async def on_prompts(self, tracked: Tracked, thread_ts: str, prompts: Sequence[Prompt]) -> None:
        """Record the call."""
        self.seen.append((tracked.id, thread_ts, [p.description for p in prompts]))
        self.arrived.set()


async def test_session_steps_and_waiting_prompt_reach_the_sink(
    airfield: AirfieldProcess, slack: SlackEmulator, tmp_path: Path
) -> None:
    """A runbook session shows its steps, waits, and hands its pending prompt to the sink."""
    async with AirplaneClient(airfield.api_key, host=airfield.url) as client:
        session_id = await client.execute_runbook(
            "release", param_values={"service": "api", "version": "1.2"}
        )
        async with running_tracker(slack, airfield.url, airfield.api_key, tmp_path / "b.db") as t:
            inbox = PromptInbox()
            t.prompt_sink = inbox
            await t.watch(Tracked(kind=Kind.SESSION, id=session_id, channel=OPS, label="release"))
            parent = await until_parent_shows(slack, OPS, session_id, "Waiting for approval")
            await asyncio.wait_for(inbox.arrived.wait(), timeout=30)
            thread = await until_thread(slack, OPS, parent, "announce")
    tracked_id, thread_ts, descriptions = inbox.seen[0]
    assert tracked_id == session_id
    assert thread_ts == parent.ts
    assert any("Release api 1.2?" in d for d in descriptions)
    assert any("Waiting" in m.rendered for m in thread)
