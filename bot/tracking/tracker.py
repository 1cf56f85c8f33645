"""The tracker: follows runs and sessions and keeps their Slack threads current.

One loop, one cycle a second or so, through stages that each do one job, in the order a change
travels: `look.py` asks the change feed what changed (one `runs/list` call, more pages only when
many runs changed); `route.py` hands each changed run to the items that follow it (itself, its
parent run, a task subscription); `work.py` gives each changed item a worker that plans
(`plan.py`, pure) and `executor.py` writes the Slack operations. Beside them, `prompt_checks.py`
finds prompts and `lease_rounds.py` keeps this replica's share of the items; what they share
(settings, ports, the items) is `shared.py`. This module only builds the stages and runs the loop.

Items never run two workers at once; a change that arrives while one works is picked up when it
finishes. Every Airplane request waits on the global budget in its lane (`budget.Lane`), so the
feed is never starved by output fetches or prompt checks. Everything needed to resume lives in
the store. Failures are per item (`work.py`); the loop outlives whatever goes wrong.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from ..core.loops import Troubles
from ..people.labels import People
from ..slack.scheduler import SlackScheduler
from .budget import RequestBudget
from .executor import Executor
from .lease_rounds import LeaseRounds
from .leasing import Leasing
from .look import Look
from .model import Observation, Progress, Tracked, identity
from .plan import PARENT_KEY
from .ports import AirplaneSource, PromptSink, SlackWriter, Subscription, TrackingStore
from .prompt_checks import PromptChecks
from .route import Router
from .shared import Shared, TrackerSettings, log
from .work import Worker

__all__ = ["Tracker", "TrackerSettings"]


class Tracker:
    """Follows tracked items until they end; start it with the app, stop it on shutdown."""

    def __init__(
        self,
        source: AirplaneSource,
        store: TrackingStore,
        slack: SlackWriter,
        settings: TrackerSettings | None = None,
        *,
        scheduler: SlackScheduler | None = None,
        prompt_sink: PromptSink | None = None,
        leasing: Leasing | None = None,
        people: People | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        settings = settings or TrackerSettings()
        fence = leasing.holds if leasing is not None else None
        self.shared = shared = Shared(
            settings=settings,
            source=source,
            store=store,
            slack=slack,
            budget=RequestBudget(settings.requests_per_second),
            executor=Executor(store, slack, fence=fence, scheduler=scheduler),
            # The workspace's Slack scheduler, to raise an item's queued writes (`expedite`).
            scheduler=scheduler,
            prompt_sink=prompt_sink,
            leasing=leasing,
            people=people or People(None, None),
            clock=clock,
            sleep=sleep,
            per_run=settings.feed == "per_run",
        )
        self.worker = Worker(shared)
        self.prompts = PromptChecks(shared, self.worker)
        self.worker.on_session = self.prompts.of_session
        self.router = Router(shared, self.worker, self.watch)
        self.leases = LeaseRounds(shared, leasing) if leasing is not None else None
        self.look = Look(shared, self.router, self.worker, self.prompts, self.leases)
        self._loop: asyncio.Task[None] | None = None
        self._leaser: asyncio.Task[None] | None = None
        self._cycle_troubles = Troubles(log, "tracker cycle", cap=settings.max_backoff)
        self._wake = asyncio.Event()
        self.cycles = 0  # cycles finished, for whoever watches the loop (tests wait on it)

    # -- what the stages share, as before the split --------------------------------------

    @property
    def settings(self) -> TrackerSettings:
        """The tracker's knobs."""
        return self.shared.settings

    @property
    def source(self) -> AirplaneSource:
        """Where runs and sessions are read."""
        return self.shared.source

    @property
    def store(self) -> TrackingStore:
        """Where what is followed survives restarts."""
        return self.shared.store

    @property
    def slack(self) -> SlackWriter:
        """What writes to Slack."""
        return self.shared.slack

    @property
    def budget(self) -> RequestBudget:
        """The Airplane request budget every stage waits on."""
        return self.shared.budget

    @property
    def executor(self) -> Executor:
        """The write stage."""
        return self.shared.executor

    @property
    def scheduler(self) -> SlackScheduler | None:
        """The workspace's Slack scheduler."""
        return self.shared.scheduler

    @property
    def leasing(self) -> Leasing | None:
        """This replica's leases (None: it follows everything it knows)."""
        return self.shared.leasing

    @property
    def people(self) -> People:
        """Who a label is."""
        return self.shared.people

    @property
    def prompt_sink(self) -> PromptSink | None:
        """Where pending prompts go."""
        return self.shared.prompt_sink

    @prompt_sink.setter
    def prompt_sink(self, sink: PromptSink | None) -> None:
        self.shared.prompt_sink = sink

    @property
    def prompt_checks(self) -> int:
        """Prompt checks made so far."""
        return self.prompts.checks

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume everything the store says is still followed, then start polling."""
        shared = self.shared
        for tracked, progress in await shared.store.active():
            shared.add(tracked, progress)
        shared.subscriptions = await shared.store.subscriptions()
        self.look.runs.start_now()
        self.look.sessions.start_now()
        self._loop = asyncio.create_task(self._run_forever(), name="tracker")
        if self.leases is not None:
            self._leaser = asyncio.create_task(self.leases.forever(), name="leases")

    async def stop(self) -> None:
        """Stop polling and wait for workers to finish what they are doing."""
        for task in (self._loop, self._leaser):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.shared.workers:
            await asyncio.gather(*self.shared.workers, return_exceptions=True)

    @property
    def following(self) -> int:
        """How many items are followed right now."""
        return len(self.shared.items)

    @property
    def per_run(self) -> bool:
        """Whether the tracker fell back to polling each item."""
        return self.shared.per_run

    # -- what to follow ------------------------------------------------------------------

    async def watch(
        self, tracked: Tracked, *, parent_ts: str | None = None, initial_status: str = ""
    ) -> bool:
        """Follow `tracked` (posting its parent, or adopting `parent_ts`); False if followed."""
        store = self.shared.store
        if not tracked.since:
            tracked = replace(tracked, since=self.shared.clock())
        if not await store.track(tracked):
            return False
        if parent_ts is not None:
            await store.record_intent(tracked, PARENT_KEY)
            await store.record_ts(tracked, PARENT_KEY, parent_ts)
        await self.adopt(tracked, initial_status=initial_status)
        return True

    async def adopt(self, tracked: Tracked, *, initial_status: str = "") -> None:
        """Follow an item the store already tracks (recorded in the launch's transaction).

        With `initial_status` the parent is posted at once, before the first fetch. With
        replicas, this one takes the item's lease first (a new item's lease is free).
        """
        shared = self.shared
        if identity(tracked) in shared.items:
            return
        idle = not shared.items
        item = shared.add(tracked, Progress())
        if idle:
            self._wake.set()
        if shared.leasing is not None:
            item.held = identity(tracked) in await shared.leasing.claim([tracked])
        if initial_status:
            item.hint = Observation(status=initial_status)
            self.worker.submit(item)

    async def subscribe(self, subscription: Subscription) -> bool:
        """Follow every run of a task in a channel from now on."""
        return await self.shared.subscribe(subscription)

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Stop following new runs of a task in a channel (runs in flight go on)."""
        return await self.shared.unsubscribe(channel, task_slug)

    # -- the loop ------------------------------------------------------------------------

    async def _run_forever(self) -> None:
        troubles = self._cycle_troubles
        while True:
            try:
                await self.cycle()
                troubles.recovered()
            except Exception as error:
                # Any error, not only Airplane's: the loop must outlive whatever goes wrong.
                troubles.failed(error)
            settings = self.shared.settings
            pause = settings.list_interval if self.shared.items else settings.idle_interval
            await self._pause(troubles.pause(pause))

    async def _pause(self, seconds: float) -> None:
        """Sleep between cycles; a new item ends an idle sleep early (its feed starts now)."""
        self._wake.clear()
        sleeper = asyncio.ensure_future(self.shared.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()

    async def cycle(self) -> None:
        """One look at the world: the change feeds, fresh items, items whose plan is due."""
        now = self.shared.clock()
        try:
            await self.look(now)
        finally:
            self.cycles += 1
