"""What the tracker's stages share: their settings and ports, the items followed, the jobs.

The tracker is a few stages with one job each (`tracker.py` composes them): `look.py` asks
what changed, `route.py` hands each change to the items that follow it, `work.py` plans and
applies an item's Slack operations (through `executor.py`, which writes), `prompt_checks.py`
finds prompts and `lease_rounds.py` keeps this replica's share of the items. They hold no state
of their own beyond their clocks: the items, and who follows what, live here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from airplane_api.models import Run, Session

from ..blocks.help import DEFAULT_COMMAND
from ..core.loops import Troubles
from ..people.labels import People
from ..slack.scheduler import SlackScheduler
from .budget import Lane, RequestBudget
from .executor import Executor
from .feed import Cadence
from .leasing import Leasing
from .model import Identity, Observation, Progress, PromptFact, Tracked, identity
from .ports import AirplaneSource, PromptSink, SlackWriter, Subscription, TrackingStore

# One logger for every stage: what operators filter on stays the tracker's.
log = logging.getLogger("bot.tracking.tracker")


@dataclass(frozen=True)
class TrackerSettings:
    """Knobs of the tracker; `feed="auto"` uses `runs/list` + `since` while the server allows."""

    requests_per_second: float = 20.0
    feed: Literal["auto", "per_run"] = "auto"
    cadence: Cadence = field(default_factory=Cadence)
    list_interval: float = 1.0
    idle_interval: float = 5.0
    max_backoff: float = 30.0
    # Per-run mode asks every active run for prompts this often (no feed to say when).
    prompt_interval: float = 10.0
    # With the feed, a live run's prompts are also polled this often, from spare budget only,
    # for servers that do not count a new prompt as an update of its run.
    prompt_safety_interval: float = 30.0
    max_item_backoff: float = 300.0
    # Consecutive failures of one item before its thread says it is in trouble.
    trouble_after: int = 5
    max_fetches: int = 64
    # @-mention the requester in a run's ending line (a rejection always mentions them).
    mention_requester_on_end: bool = True
    # The slash command people type (BOT_COMMAND), for notes that say what to type.
    command: str = DEFAULT_COMMAND


@dataclass
class Item:
    """One followed run or session, as the stages see it."""

    tracked: Tracked
    progress: Progress
    # Failures of this item's work, for its logging and backoff.
    troubles: Troubles
    fingerprint: str = ""
    latest: Run | Session | None = None
    # What the starter knew (Queued, or Active for a session) before the first fetch.
    hint: Observation | None = None
    busy: bool = False
    dirty: bool = False
    fresh: bool = True
    fetching: bool = False
    next_check: float = 0.0
    wake_at: float | None = None
    # Prompt discovery.
    # The lane of the prompt check due (None: none due), and of the checks in flight.
    prompt_due: Lane | None = None
    prompt_lanes: list[Lane] = field(default_factory=list)
    next_prompt_check: float = 0.0
    # Whether this replica holds the item's lease (always, without leasing).
    held: bool = True
    # The run's prompts as last fetched: the parent says who must decide and who did.
    prompts: tuple[PromptFact, ...] = ()
    retry_at: float = 0.0


@dataclass
class Shared:
    """The ports and the state every stage reads and changes."""

    settings: TrackerSettings
    source: AirplaneSource
    store: TrackingStore
    slack: SlackWriter
    budget: RequestBudget
    executor: Executor
    scheduler: SlackScheduler | None
    prompt_sink: PromptSink | None
    leasing: Leasing | None
    people: People
    clock: Callable[[], float]
    sleep: Callable[[float], Awaitable[None]]
    # Whether items are polled one by one (the server cannot filter lists by update time).
    per_run: bool = False
    items: dict[Identity, Item] = field(default_factory=dict)
    by_id: dict[str, set[Identity]] = field(default_factory=dict)
    children: dict[str, Run] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)
    subscriptions: list[Subscription] = field(default_factory=list)
    workers: set[asyncio.Task[None]] = field(default_factory=set)
    job_troubles: Troubles = field(default_factory=lambda: Troubles(log, "tracker job"))

    def add(self, tracked: Tracked, progress: Progress) -> Item:
        """Follow `tracked` from `progress` (not yet worked: see `Item.held`)."""
        key = identity(tracked)
        # With leasing, an item is worked only once its lease is ours (adopt, lease rounds).
        # An item that fails waits 1 s, doubling up to max_item_backoff.
        name = f"following {tracked.kind} {tracked.id}"
        troubles = Troubles(log, name, base=0.5, cap=self.settings.max_item_backoff)
        item = self.items[key] = Item(tracked, progress, troubles, held=self.leasing is None)
        # First sight asks for prompts through the feed rule (`prompt_check`); the
        # safety poll's first look comes one interval later. Per-run mode asks at once.
        if not self.per_run:
            item.next_prompt_check = self.clock() + self.settings.prompt_safety_interval
        self.by_id.setdefault(tracked.id, set()).add(key)
        return item

    def drop(self, item: Item) -> None:
        """Follow the item no more."""
        key = identity(item.tracked)
        self.items.pop(key, None)
        keys = self.by_id.get(item.tracked.id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self.by_id[item.tracked.id]
        if isinstance(item.latest, Run):
            for child in item.latest.child_run_ids:
                self.parent_of.pop(child, None)
                self.children.pop(child, None)

    async def subscribe(self, subscription: Subscription) -> bool:
        """Follow every run of a task in a channel from now on."""
        added = await self.store.subscribe(subscription)
        self.subscriptions = await self.store.subscriptions()
        return added

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Stop following new runs of a task in a channel (runs in flight go on)."""
        removed = await self.store.unsubscribe(channel, task_slug)
        self.subscriptions = await self.store.subscriptions()
        return removed

    def spawn(self, job: Coroutine[Any, Any, None]) -> None:
        """Run `job` beside the loop; `stop` waits for it."""
        task = asyncio.create_task(job)
        self.workers.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.workers.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            # Each job handles its own failures; one that escapes (a bug, or the store failing
            # while a job records a failure) is logged here, once per reason, not lost.
            self.job_troubles.failed(error)
