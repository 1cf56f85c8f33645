"""The tracker: follows runs and sessions and keeps their Slack threads current.

One loop, one cycle a second or so: ask the change feed what changed (one `runs/list` call,
more pages only when many runs changed), route each changed run to the items that follow it
(itself, its parent run, a task subscription), and hand each changed item to a worker that
plans and applies the Slack operations. Items never run two workers at once; a change that
arrives while one works is picked up when it finishes. Every Airplane request waits on the
global budget. When the server cannot filter by `since`, items are polled one by one on an
adaptive cadence instead. Everything needed to resume lives in the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from airplane_api.errors import AirplaneError, NotFoundError
from airplane_api.models import PromptState, Run, Session

from .budget import RequestBudget
from .executor import Executor
from .feed import Cadence, ChangeFeed, FeedUnsupported
from .memory import identity
from .model import Kind, Loaded, Observation, Progress, Tracked
from .observe import (
    observe_run,
    observe_session,
    run_fingerprint,
    session_fingerprint,
    waiting_prompt_ids,
)
from .outbox import Outbox
from .plan import ELAPSED_EDIT_EVERY, PARENT_KEY, Need, plan
from .ports import AirplaneSource, PromptSink, SlackWriter, Subscription, TrackingStore

log = logging.getLogger(__name__)

Identity = tuple[str, str, str]
LOG_PAGE_LINES = 20


@dataclass(frozen=True)
class TrackerSettings:
    """Knobs of the tracker; `feed="auto"` uses `runs/list` + `since` while the server allows."""

    requests_per_second: float = 20.0
    feed: Literal["auto", "per_run"] = "auto"
    cadence: Cadence = field(default_factory=Cadence)
    list_interval: float = 1.0
    idle_interval: float = 5.0
    max_backoff: float = 30.0
    prompt_interval: float = 10.0
    max_workers: int = 256
    max_fetches: int = 64


@dataclass
class _Item:
    tracked: Tracked
    progress: Progress
    fingerprint: str = ""
    latest: Run | Session | None = None
    busy: bool = False
    dirty: bool = False
    fresh: bool = True
    next_check: float = 0.0
    next_prompt_check: float = 0.0


class Tracker:
    """Follows tracked items until they end; start it with the app, stop it on shutdown."""

    def __init__(
        self,
        source: AirplaneSource,
        store: TrackingStore,
        slack: SlackWriter,
        outbox: Outbox,
        settings: TrackerSettings | None = None,
        *,
        prompt_sink: PromptSink | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings or TrackerSettings()
        self.source = source
        self.store = store
        self.budget = RequestBudget(self.settings.requests_per_second)
        self.executor = Executor(store, slack, outbox)
        self.prompt_sink = prompt_sink
        self._clock = clock
        self._sleep = sleep
        self._items: dict[Identity, _Item] = {}
        self._by_id: dict[str, set[Identity]] = {}
        self._children: dict[str, Run] = {}
        self._parent_of: dict[str, str] = {}
        self._subscriptions: list[Subscription] = []
        self._workers: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.settings.max_workers)
        # Direct fetches in flight at once: more would only queue in the HTTP pool and time out.
        self._fetches = asyncio.Semaphore(self.settings.max_fetches)
        self._per_run = self.settings.feed == "per_run"
        self._runs = ChangeFeed(self._list_runs, self.budget, clock=clock)
        self._sessions = ChangeFeed(self._list_sessions, self.budget, clock=clock)
        self._loop: asyncio.Task[None] | None = None
        self._failures = 0
        self._cycled = asyncio.Condition()
        self.cycles = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume everything the store says is still followed, then start polling."""
        for tracked, progress in await self.store.active():
            self._add(tracked, progress)
        self._subscriptions = await self.store.subscriptions()
        self._runs.start_now()
        self._sessions.start_now()
        self._loop = asyncio.create_task(self._run_forever(), name="tracker")

    async def stop(self) -> None:
        """Stop polling and wait for workers to finish what they are doing."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def wait_cycles(self, count: int = 1) -> None:
        """Wait until `count` more polling cycles have finished (tests, App Home refresh)."""
        target = self.cycles + count
        async with self._cycled:
            await self._cycled.wait_for(lambda: self.cycles >= target)

    @property
    def following(self) -> int:
        """How many items are followed right now."""
        return len(self._items)

    @property
    def per_run(self) -> bool:
        """Whether the tracker fell back to polling each item."""
        return self._per_run

    # -- what to follow ------------------------------------------------------------------

    async def watch(self, tracked: Tracked, *, parent_ts: str | None = None) -> bool:
        """Follow `tracked` (posting its parent, or adopting `parent_ts`); False if followed."""
        if not tracked.since:
            tracked = replace(tracked, since=self._clock())
        if not await self.store.track(tracked):
            return False
        if parent_ts is not None:
            await self.store.record_intent(tracked, PARENT_KEY)
            await self.store.record_ts(tracked, PARENT_KEY, parent_ts)
        self._add(tracked, Progress())
        return True

    async def subscribe(self, subscription: Subscription) -> bool:
        """Follow every run of a task in a channel from now on."""
        added = await self.store.subscribe(subscription)
        self._subscriptions = await self.store.subscriptions()
        return added

    async def unsubscribe(self, channel: str, task_slug: str) -> bool:
        """Stop following new runs of a task in a channel (runs in flight go on)."""
        removed = await self.store.unsubscribe(channel, task_slug)
        self._subscriptions = await self.store.subscriptions()
        return removed

    def _add(self, tracked: Tracked, progress: Progress) -> None:
        key = identity(tracked)
        self._items[key] = _Item(tracked, progress)
        self._by_id.setdefault(tracked.id, set()).add(key)

    def _drop(self, item: _Item) -> None:
        key = identity(item.tracked)
        self._items.pop(key, None)
        keys = self._by_id.get(item.tracked.id)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_id[item.tracked.id]
        if isinstance(item.latest, Run):
            for child in item.latest.child_run_ids:
                self._parent_of.pop(child, None)
                self._children.pop(child, None)

    # -- polling -------------------------------------------------------------------------

    async def _run_forever(self) -> None:
        while True:
            try:
                await self.cycle()
                self._failures = 0
            except AirplaneError as error:
                self._failures += 1
                log.warning("tracker cycle failed (%s); backing off", error)
            async with self._cycled:
                self._cycled.notify_all()
            pause = self.settings.list_interval if self._items else self.settings.idle_interval
            if self._failures:
                pause = min(self.settings.max_backoff, pause * 2**self._failures)
            await self._sleep(pause)

    async def cycle(self) -> None:
        """One look at the world: the change feeds, fresh and due items, elapsed-time edits."""
        now = self._clock()
        try:
            await self._look(now)
        finally:
            self.cycles += 1

    async def _look(self, now: float) -> None:
        has_runs = self._subscriptions or any(
            item.tracked.kind is Kind.RUN for item in self._items.values()
        )
        if not self._per_run and has_runs:
            try:
                for run in await self._runs.changes():
                    await self._route_run(run)
            except FeedUnsupported as error:
                log.warning("runs/list cannot filter by since (%s); polling each run", error)
                self._per_run = True
        if not self._per_run and any(i.tracked.kind is Kind.SESSION for i in self._items.values()):
            try:
                for session in await self._sessions.changes():
                    self._route(session.id, session, session_fingerprint(session))
            except FeedUnsupported:
                self._per_run = True
        due = [
            item
            for item in self._items.values()
            if not item.busy and (item.fresh or (self._per_run and item.next_check <= now))
        ]
        await asyncio.gather(*(self._refresh(item, now) for item in due))
        for item in list(self._items.values()):
            if item.busy or item.latest is None or item.progress.done:
                continue
            if now - item.progress.parent_edited_at >= ELAPSED_EDIT_EVERY:
                self._submit(item)
        if self.prompt_sink is not None:
            await self._check_run_prompts(now)

    async def _refresh(self, item: _Item, now: float) -> None:
        """Fetch one item directly (first sight, or per-run mode)."""
        tracked = item.tracked
        age = now - tracked.since
        item.next_check = now + self.settings.cadence.interval(age)
        async with self._fetches:
            await self._fetch_one(item)

    async def _fetch_one(self, item: _Item) -> None:
        tracked = item.tracked
        await self.budget.acquire()
        try:
            if tracked.kind is Kind.RUN:
                run = await self.source.get_run(tracked.id)
                item.fresh = False
                await self._route_run(run)
            else:
                session = await self.source.get_session(tracked.id)
                item.fresh = False
                self._route(session.id, session, session_fingerprint(session))
        except NotFoundError:
            log.warning("%s %s no longer exists; no longer following it", tracked.kind, tracked.id)
            self._drop(item)
        except AirplaneError as error:
            log.warning("could not fetch %s %s: %s", tracked.kind, tracked.id, error)

    async def _route_run(self, run: Run) -> None:
        parent = self._parent_of.get(run.id)
        if parent is not None:
            self._children[run.id] = run
            for key in self._by_id.get(parent, set()):
                item = self._items[key]
                item.fingerprint = ""
                self._submit(item)
        if run.id not in self._by_id:
            await self._maybe_subscribe(run)
        self._route(run.id, run, run_fingerprint(run))
        if self._per_run and run.id in self._by_id:
            for child_id in run.child_run_ids:
                known = self._children.get(child_id)
                if known is None or not known.status.is_terminal:
                    await self.budget.acquire()
                    self._children[child_id] = await self.source.get_run(child_id)

    def _route(self, ident: str, latest: Run | Session, fingerprint: str) -> None:
        for key in self._by_id.get(ident, set()):
            item = self._items[key]
            item.fresh = False
            if isinstance(latest, Run):
                for child in latest.child_run_ids:
                    self._parent_of[child] = ident
            if fingerprint != item.fingerprint:
                item.fingerprint = fingerprint
                item.latest = latest
                self._submit(item)

    async def _maybe_subscribe(self, run: Run) -> None:
        if run.status.is_terminal and not self._subscriptions:
            return
        slug = run.task_slug
        for sub in self._subscriptions:
            if (sub.task_id and sub.task_id == run.task_id) or (slug and slug == sub.task_slug):
                tracked = Tracked(
                    kind=Kind.RUN,
                    id=run.id,
                    channel=sub.channel,
                    label=sub.task_slug,
                    requested_by=run.created_by,
                    task_id=run.task_id,
                )
                await self.watch(tracked)

    # -- working an item -----------------------------------------------------------------

    def _submit(self, item: _Item) -> None:
        if item.busy:
            item.dirty = True
            return
        item.busy = True
        task = asyncio.create_task(self._work(item))
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self, item: _Item) -> None:
        async with self._slots:
            try:
                while True:
                    item.dirty = False
                    await self._advance(item)
                    if not item.dirty or item.progress.done:
                        break
            except Exception:
                # The next cycle retries from the stored progress; the ledger prevents doubles.
                log.exception(
                    "tracking %s %s failed; will retry", item.tracked.kind, item.tracked.id
                )
                item.fingerprint = ""
                item.fresh = True
            finally:
                item.busy = False
        if item.progress.done:
            self._drop(item)

    async def _advance(self, item: _Item) -> None:
        latest = item.latest
        if latest is None:
            return
        tracked = item.tracked
        if isinstance(latest, Run):
            seen = observe_run(latest, self._children)
        else:
            seen = observe_session(latest)
        now = self._clock()
        decided = plan(tracked, item.progress, seen, now)
        if decided.needs:
            seen = await self._details(tracked, seen, decided.needs)
            decided = plan(tracked, item.progress, seen, now)
        if decided.ops or decided.progress != item.progress:
            # A plan with nothing to do (a Queued run's elapsed-time check) writes nothing.
            await self.executor.apply(tracked, decided)
        item.progress = decided.progress
        if isinstance(latest, Session) and self.prompt_sink is not None:
            await self._session_prompts(item, latest)

    async def _details(
        self, tracked: Tracked, seen: Observation, needs: frozenset[Need]
    ) -> Observation:
        if Need.OUTPUT in needs:
            await self.budget.acquire()
            seen = replace(seen, output=Loaded(await self.source.get_run_outputs(tracked.id)))
        if Need.LOG_TAIL in needs:
            await self.budget.acquire()
            page = await self.source.get_run_logs(tracked.id)
            seen = replace(seen, log_tail=Loaded([line.text for line in page.logs]))
        return seen

    # -- prompts -------------------------------------------------------------------------

    async def _session_prompts(self, item: _Item, session: Session) -> None:
        ids = waiting_prompt_ids(session)
        thread = (await self.store.posts(item.tracked)).get(PARENT_KEY)
        if self.prompt_sink is None or not thread or not ids:
            return
        prompts = []
        for prompt_id in ids:
            await self.budget.acquire()
            prompts.append(await self.source.get_prompt(prompt_id))
        pending = [p for p in prompts if p.state is PromptState.PENDING]
        if pending:
            await self.prompt_sink.on_prompts(item.tracked, thread, pending)

    async def _check_run_prompts(self, now: float) -> None:
        """Runs do not say when they wait on a prompt, so active runs are asked now and then."""
        sink = self.prompt_sink
        if sink is None:
            return
        for item in list(self._items.values()):
            latest = item.latest
            if not isinstance(latest, Run) or latest.status.value != "Active":
                continue
            if item.next_prompt_check > now:
                continue
            item.next_prompt_check = now + self.settings.prompt_interval
            thread = (await self.store.posts(item.tracked)).get(PARENT_KEY)
            if not thread:
                continue
            await self.budget.acquire()
            prompts = await self.source.list_prompts(item.tracked.id)
            pending = [p for p in prompts if p.state is PromptState.PENDING]
            if pending:
                await sink.on_prompts(item.tracked, thread, pending)

    # -- the feeds' fetchers -------------------------------------------------------------

    async def _list_runs(self, since: datetime | None, page: int) -> list[Run]:
        return await self.source.list_runs(since=since, limit=50, page=page)

    async def _list_sessions(self, since: datetime | None, page: int) -> list[Session]:
        return await self.source.list_sessions(updated_after=since, limit=50, page=page)
