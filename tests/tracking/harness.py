"""Test harness: a real Tracker on a real airfield and the Slack emulator, with a SQLite store."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from airplane_api import AirplaneClient
from bot.core.kinds import Kind
from bot.slack.client import SlackClient
from bot.store import Store
from bot.tracking.model import Tracked
from bot.tracking.ports import TrackingStore
from bot.tracking.slack import EVENT_TYPE, SlackWebWriter
from bot.tracking.tracker import Tracker, TrackerSettings
from slackbox import SlackEmulator
from slackbox.records import Message

WAIT = 30.0
FAST = TrackerSettings(list_interval=0.1, idle_interval=0.2, max_backoff=0.5)


@asynccontextmanager
async def running_tracker(
    slack: SlackEmulator,
    airplane_url: str,
    api_key: str,
    db_path: Path,
    *,
    settings: TrackerSettings = FAST,
    wrap_store: Callable[[TrackingStore], TrackingStore] | None = None,
) -> AsyncIterator[Tracker]:
    """A started tracker; stopped (gracefully) on exit."""
    store = await Store.open(db_path)
    client = AirplaneClient(api_key, host=airplane_url)
    web = SlackClient(token=slack.bot_token, base_url=slack.api_url)
    tracking: TrackingStore = store.tracking
    if wrap_store is not None:
        tracking = wrap_store(tracking)
    tracker = Tracker(client, tracking, SlackWebWriter(web), settings, scheduler=web.scheduler)
    await tracker.start()
    try:
        yield tracker
    finally:
        await tracker.stop()
        await client.aclose()
        await store.close()


def run_of(run_id: str, channel: str, label: str) -> Tracked:
    """What `/airplane run` asks the tracker to follow."""
    return Tracked(kind=Kind.RUN, id=run_id, channel=channel, label=label, requested_by="U0ALICE")


def post_keys(messages: list[Message]) -> Counter[str]:
    """How many messages carry each ledger key in their metadata."""
    keys: Counter[str] = Counter()
    for message in messages:
        metadata = message.versions[0].metadata or {}
        if metadata.get("event_type") == EVENT_TYPE:
            keys[str(metadata["event_payload"]["key"]).rsplit(":", 1)[-1]] += 1
    return keys


def parent_of(slack: SlackEmulator, channel: str, run_id: str) -> Message | None:
    """The parent message of a run in a channel."""
    for message in slack.messages(channel):
        if run_id in message.rendered:
            return message
    return None


async def until_parent_shows(
    slack: SlackEmulator, channel: str, run_id: str, status: str
) -> Message:
    """Wait for the run's parent to show `status`."""

    def check() -> Message | None:
        parent = parent_of(slack, channel, run_id)
        return parent if parent is not None and f"*{status}*" in parent.rendered else None

    return await slack.wait_for(check, timeout=WAIT)


async def until_thread(
    slack: SlackEmulator, channel: str, parent: Message, contains: str
) -> list[Message]:
    """Wait for a reply containing `contains` in the parent's thread."""

    def check() -> list[Message] | None:
        thread = slack.thread(channel, parent.ts)
        return thread if any(contains in m.rendered for m in thread) else None

    return await slack.wait_for(check, timeout=WAIT)


async def abandon(tracker: Tracker) -> None:
    """Stop a tracker the way a kill does: cancel everything in flight, flush nothing."""
    tasks = [t for t in [tracker._loop, *tracker.shared.workers] if t is not None]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
