"""The tracker: follows runs and sessions and keeps their Slack threads current.

One loop, one cycle a second or so: ask the change feed what changed (one `runs/list` call,
more pages only when many runs changed), route each changed run to the items that follow it
(itself, its parent run, a task subscription), and hand each changed item to a worker that
plans and applies the Slack operations. Items never run two workers at once; a change that
arrives while one works is picked up when it finishes. Every Airplane request waits on the
global budget in its lane (`budget.Lane`), so the feed is never starved by output fetches or
prompt checks. When the server cannot filter by `since`, items are polled one by one on an
adaptive cadence instead. Everything needed to resume lives in the store.

Failures are per item: an item whose work fails backs off (1 s doubling to `max_item_backoff`),
is logged once per distinct reason, and says so in its thread if it keeps failing; other items
go on. A channel Slack refuses (the bot removed, the channel archived) is written to no more
and the requester of each run there is told once by DM.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from airplane_api.errors import APIError, NotFoundError
from airplane_api.models import Prompt, PromptState, Run, Session

from .. import metrics
from ..errors import ChannelGone, FeedUnsupported, NotLeased
from ..kinds import Kind
from ..loops import Troubles, one_line
from ..people import People, slack_user
from ..slack.queueing import Origin, Priority
from ..slack.scheduler import SlackScheduler
from ..slack.share import BudgetShare
from .budget import Lane, RequestBudget
from .executor import Executor, writer_of
from .feed import Cadence, ChangeFeed
from .leasing import Leasing
from .model import Identity, Loaded, Observation, Progress, PromptFact, Tracked, identity
from .observe import (
    needs_prompt_check,
    observe_run,
    observe_session,
    people_of,
    prompt_fact,
    run_fingerprint,
    session_fingerprint,
    waiting_prompt_ids,
)
from .plan import PARENT_KEY, Edit, Need, Plan, Post, next_needs, plan
from .ports import AirplaneSource, PromptSink, SlackWriter, Subscription, TrackingStore
from .render import (
    Message,
    channel_gone_message,
    parent_message,
    trouble_message,
    vanished_message,
)

log = logging.getLogger(__name__)

TROUBLE_KEY = "trouble"
VANISHED_KEY = "vanished"


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


@dataclass
class _Item:
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
        self.settings = settings or TrackerSettings()
        self.source = source
        self.store = store
        self.slack = slack
        self.budget = RequestBudget(self.settings.requests_per_second)
        self.leasing = leasing
        self.executor = Executor(
            store, slack, fence=leasing.holds if leasing is not None else None, scheduler=scheduler
        )
        # The workspace's Slack scheduler, to raise an item's queued writes (`expedite`).
        self.scheduler = scheduler
        self.prompt_sink = prompt_sink
        self.people = people or People(None, None)
        self._clock = clock
        self._sleep = sleep
        self._items: dict[Identity, _Item] = {}
        self._by_id: dict[str, set[Identity]] = {}
        self._children: dict[str, Run] = {}
        self._parent_of: dict[str, str] = {}
        self._subscriptions: list[Subscription] = []
        self._workers: set[asyncio.Task[None]] = set()
        # Direct fetches in flight at once: more would only queue in the HTTP pool and time out.
        self._fetches = asyncio.Semaphore(self.settings.max_fetches)
        self._per_run = self.settings.feed == "per_run"
        self._runs = ChangeFeed(self._list_runs, self.budget, clock=clock)
        self._sessions = ChangeFeed(self._list_sessions, self.budget, clock=clock)
        self._loop: asyncio.Task[None] | None = None
        self._cycle_troubles = Troubles(log, "tracker cycle", cap=self.settings.max_backoff)
        self._job_troubles = Troubles(log, "tracker job")
        self._next_lease_round = 0.0
        self._leaser: asyncio.Task[None] | None = None
        self._sharer: asyncio.Task[None] | None = None
        self._lease_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._cycled = asyncio.Condition()
        self.cycles = 0
        self.prompt_checks = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume everything the store says is still followed, then start polling."""
        for tracked, progress in await self.store.active():
            self._add(tracked, progress)
        self._subscriptions = await self.store.subscriptions()
        if self.leasing is not None and self.scheduler is not None:
            # Replicas split the workspace's Slack budget: know the share before writing.
            share = BudgetShare(
                self.leasing.replicas, self.scheduler, every=self.leasing.ttl / 3, sleep=self._sleep
            )
            await share.settle()
            self._sharer = asyncio.create_task(share.run(fast_for=self.leasing.ttl), name="share")
        self._runs.start_now()
        self._sessions.start_now()
        self._loop = asyncio.create_task(self._run_forever(), name="tracker")
        if self.leasing is not None:
            self._leaser = asyncio.create_task(self._lease_forever(self.leasing), name="leases")

    async def stop(self) -> None:
        """Stop polling and wait for workers to finish what they are doing."""
        for task in (self._loop, self._leaser, self._sharer):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
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

    async def watch(
        self, tracked: Tracked, *, parent_ts: str | None = None, initial_status: str = ""
    ) -> bool:
        """Follow `tracked` (posting its parent, or adopting `parent_ts`); False if followed."""
        if not tracked.since:
            tracked = replace(tracked, since=self._clock())
        if not await self.store.track(tracked):
            return False
        if parent_ts is not None:
            await self.store.record_intent(tracked, PARENT_KEY)
            await self.store.record_ts(tracked, PARENT_KEY, parent_ts)
        await self.adopt(tracked, initial_status=initial_status)
        return True

    async def adopt(self, tracked: Tracked, *, initial_status: str = "") -> None:
        """Follow an item the store already tracks (recorded in the launch's transaction).

        With `initial_status` the parent is posted at once, before the first fetch. With
        replicas, this one takes the item's lease first (a new item's lease is free).
        """
        if identity(tracked) in self._items:
            return
        idle = not self._items
        item = self._add(tracked, Progress())
        if idle:
            self._wake.set()
        if self.leasing is not None:
            item.held = identity(tracked) in await self.leasing.claim([tracked])
        if initial_status:
            item.hint = Observation(status=initial_status)
            self._submit(item)

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

    def _add(self, tracked: Tracked, progress: Progress) -> _Item:
        key = identity(tracked)
        # With leasing, an item is worked only once its lease is ours (adopt, lease rounds).
        # An item that fails waits 1 s, doubling up to max_item_backoff.
        name = f"following {tracked.kind} {tracked.id}"
        troubles = Troubles(log, name, base=0.5, cap=self.settings.max_item_backoff)
        item = self._items[key] = _Item(tracked, progress, troubles, held=self.leasing is None)
        # First sight asks for prompts through the feed rule (`needs_prompt_check`); the
        # safety poll's first look comes one interval later. Per-run mode asks at once.
        if not self._per_run:
            item.next_prompt_check = self._clock() + self.settings.prompt_safety_interval
        self._by_id.setdefault(tracked.id, set()).add(key)
        return item

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
        troubles = self._cycle_troubles
        while True:
            try:
                await self.cycle()
                troubles.recovered()
            except Exception as error:
                # Any error, not only Airplane's: the loop must outlive whatever goes wrong.
                troubles.failed(error)
            async with self._cycled:
                self._cycled.notify_all()
            pause = self.settings.list_interval if self._items else self.settings.idle_interval
            await self._pause(troubles.pause(pause))

    async def _pause(self, seconds: float) -> None:
        """Sleep between cycles; a new item ends an idle sleep early (its feed starts now)."""
        self._wake.clear()
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()

    async def cycle(self) -> None:
        """One look at the world: the change feeds, fresh items, items whose plan is due."""
        now = self._clock()
        try:
            await self._look(now)
        finally:
            self.cycles += 1

    async def _look(self, now: float) -> None:
        if self.leasing is not None:
            await self._lease_round_if_due(self.leasing, now)
        for kind in Kind:
            count = sum(1 for item in self._items.values() if item.tracked.kind is kind)
            metrics.set_items_followed(kind.value, count)
        has_runs = self._subscriptions or any(
            item.tracked.kind is Kind.RUN for item in self._items.values()
        )
        if not self._per_run and has_runs:
            try:
                for run in await self._runs.changes(Lane.FEED):
                    await self._route_run(run, from_feed=True)
            except FeedUnsupported as error:
                log.warning("runs/list cannot filter by since (%s); polling each run", error)
                self._per_run = True
        if not self._per_run and any(i.tracked.kind is Kind.SESSION for i in self._items.values()):
            try:
                for session in await self._sessions.changes(Lane.FEED):
                    self._route(session.id, session, session_fingerprint(session))
            except FeedUnsupported:
                self._per_run = True
        due = [
            item
            for item in self._items.values()
            if item.held
            and not item.busy
            and not item.fetching
            and item.retry_at <= now
            and (item.fresh or (self._per_run and item.next_check <= now))
        ]
        for item in due:
            # Not awaited: a fetch waits in the DETAILS lane, and the next cycle's feed call
            # (every status change) must not wait behind it.
            item.fetching = True
            self._spawn(self._refresh(item, now))
        for item in list(self._items.values()):
            if item.busy or item.retry_at > now or item.progress.done:
                continue
            # Time passing alone plans nothing: a running parent shows its start as a Slack
            # date that each client keeps current, so it never needs an edit for the time.
            if item.dirty or (item.wake_at is not None and item.wake_at <= now):
                self._submit(item)
        if self.prompt_sink is not None:
            self._discover_prompts(now)

    async def _refresh(self, item: _Item, now: float) -> None:
        """Fetch one item directly (first sight, after a failure, or per-run mode)."""
        tracked = item.tracked
        age = now - tracked.since
        item.next_check = now + self.settings.cadence.interval(age)
        try:
            async with self._fetches:
                await self._fetch_one(item)
        finally:
            item.fetching = False

    async def _fetch_one(self, item: _Item) -> None:
        tracked = item.tracked
        await self.budget.acquire(Lane.DETAILS)
        try:
            if tracked.kind is Kind.RUN:
                run = await self.source.get_run(tracked.id)
                item.fresh = False
                await self._route_run(run, from_feed=False)
            else:
                session = await self.source.get_session(tracked.id)
                item.fresh = False
                self._route(session.id, session, session_fingerprint(session))
        except NotFoundError:
            await self._vanished(item)
        except Exception as error:
            self._failed(item, error)

    async def _route_run(self, run: Run, *, from_feed: bool) -> None:
        parent = self._parent_of.get(run.id)
        if parent is not None:
            self._children[run.id] = run
            for key in self._by_id.get(parent, set()):
                item = self._items[key]
                item.fingerprint = ""
                self._submit(item)
        if run.id not in self._by_id:
            await self._maybe_subscribe(run)
        fingerprint = run_fingerprint(run)
        for key in self._by_id.get(run.id, set()):
            item = self._items[key]
            before = item.latest if isinstance(item.latest, Run) else None
            # What only the feed's overlap window returned was seen before: not a new update.
            repeat = from_feed and run.id in self._runs.repeats
            first_sight = before is None
            if (
                (from_feed or first_sight)
                and not repeat
                and needs_prompt_check(before, run, fingerprint != item.fingerprint)
            ):
                # A first sight costs one look, behind more likely prompts (runs mostly
                # start without one); a live run changed invisibly is asked at once.
                lane = Lane.DETAILS if first_sight else Lane.PROMPTS
                item.prompt_due = lane if item.prompt_due is None else min(item.prompt_due, lane)
        self._route(run.id, run, fingerprint)
        if self._per_run and run.id in self._by_id:
            for child_id in run.child_run_ids:
                known = self._children.get(child_id)
                if known is None or not known.status.is_terminal:
                    await self.budget.acquire(Lane.DETAILS)
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
                if item.busy and latest.status.value != item.progress.parent_status:
                    # Its worker waits on one of the item's own queued writes (a thread line,
                    # a step's edit) before it can edit the parent with this status:
                    # those writes go at the status edit's priority, not at the channel's back.
                    urgent = Priority.FINAL if latest.status.is_terminal else Priority.STATUS
                    if self.scheduler is not None:
                        self.scheduler.expedite(writer_of(item.tracked), urgent)
                    if latest.status.is_terminal:
                        # The end need not wait for the worker to get through its earlier
                        # writes (one a second in a busy channel): the parent shows it now.
                        self._spawn(self._show_end_now(item, latest))
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
                    params=run.param_values,
                    origin=Origin.SUBSCRIPTION,
                )
                await self.watch(tracked)

    # -- working an item -----------------------------------------------------------------

    async def _lease_forever(self, leasing: Leasing) -> None:
        """Lease rounds on their own clock: a cycle slowed by load (a busy CPU, a slow Airplane)
        must not let this replica's leases lapse, nor delay taking over a dead one's."""
        # Backing off past the lease's life is no loss: failing rounds renew nothing anyway.
        troubles = Troubles(log, "lease round", cap=leasing.ttl)
        while True:
            await self._sleep(troubles.pause(leasing.ttl / 6))
            try:
                await self._lease_round_if_due(leasing, self._clock())
                troubles.recovered()
            except Exception as error:
                troubles.failed(error)

    async def _lease_round_if_due(self, leasing: Leasing, now: float) -> None:
        async with self._lease_lock:
            if now >= self._next_lease_round:
                await self._lease_round(leasing)
                self._next_lease_round = now + leasing.ttl / 3

    async def _lease_round(self, leasing: Leasing) -> None:
        """Renew our leases, learn items other replicas recorded, take over lapsed ones."""
        held = await leasing.renew()
        stored = {
            identity(tracked): (tracked, progress)
            for tracked, progress in await self.store.active()
        }
        for key, (tracked, progress) in stored.items():
            if key not in self._items:
                self._add(tracked, progress)
        for key, item in list(self._items.items()):
            if key not in stored and not item.held:
                self._drop(item)  # ended under another replica
        free = [i.tracked for k, i in self._items.items() if k not in held and k in stored]
        if free:
            held = await leasing.claim(free)
        for key, item in self._items.items():
            was_held, item.held = item.held, key in held
            if item.held and not was_held and key in stored:
                # Another replica may have moved it on: start from what the store says.
                item.progress = stored[key][1]
                item.fingerprint = ""
                item.fresh = True

    def _submit(self, item: _Item) -> None:
        if not item.held:
            return  # another replica works it
        if item.busy or item.retry_at > self._clock():
            # Picked up when the worker finishes, or by the cycle once the backoff is over.
            item.dirty = True
            return
        item.busy = True
        self._spawn(self._work(item))

    async def _work(self, item: _Item) -> None:
        # No cap on workers: each mostly waits (on the request budget, on its channel), and a
        # cap let workers waiting for output fetches keep final status edits from starting.
        try:
            while True:
                item.dirty = False
                await self._advance(item)
                if not item.dirty or item.progress.done:
                    break
            if item.latest is not None:
                # Work from what Airplane said succeeded (not just the starter's hint).
                item.troubles.recovered()
        except ChannelGone as gone:
            await self._channel_gone(gone)
        except NotLeased:
            log.warning("%s %s is another replica's now", item.tracked.kind, item.tracked.id)
            item.held = False
        except Exception as error:
            # Retried after a backoff from the stored progress; the ledger prevents doubles.
            self._failed(item, error)
        finally:
            item.busy = False
        if item.progress.done:
            self._drop(item)
            if self.leasing is not None:
                await self.leasing.release(item.tracked)

    async def _advance(self, item: _Item) -> None:
        latest = item.latest
        tracked = item.tracked
        if isinstance(latest, Run):
            seen = observe_run(latest, self._children)
        elif isinstance(latest, Session):
            seen = observe_session(latest)
        elif item.hint is not None:
            seen = item.hint
        else:
            return
        now = self._clock()
        seen = await self._with_people(item, seen)
        mention = self.settings.mention_requester_on_end
        decided = plan(tracked, item.progress, seen, now, mention_on_end=mention)
        while decided.needs:
            # Show what is known (the parent's final status above all) before fetching what
            # the ending needs, the most urgent first (`next_needs`); plan again after each.
            await self._apply(item, decided)
            lane, needs = next_needs(decided.needs, seen.status)
            seen = await self._details(item, seen, needs, lane)
            seen = await self._with_people(item, seen)
            decided = plan(tracked, item.progress, seen, now, mention_on_end=mention)
        await self._apply(item, decided)
        item.wake_at = decided.wake_at
        if decided.progress.done:
            metrics.run_ended(seen.status)
            if seen.ended_at is not None:
                metrics.run_end_shown(max(0.0, self._clock() - seen.ended_at.timestamp()))
        if isinstance(latest, Session) and self.prompt_sink is not None:
            await self._session_prompts(item, latest)

    async def _apply(self, item: _Item, decided: Plan) -> None:
        if decided.ops or decided.progress != item.progress:
            # A plan with nothing to do (an unchanged run seen again) writes nothing.
            await self.executor.apply(item.tracked, decided)
        item.progress = decided.progress

    async def _with_people(self, item: _Item, seen: Observation) -> Observation:
        """The observation with the item's prompts and the names of everyone it mentions."""
        seen = replace(seen, prompts=item.prompts or seen.prompts)
        names = await self.people.names(people_of(seen, item.tracked.requested_by))
        return replace(seen, names=names)

    async def _details(
        self, item: _Item, seen: Observation, needs: frozenset[Need], lane: Lane
    ) -> Observation:
        tracked = item.tracked
        if Need.PROMPTS in needs:
            await self.budget.acquire(lane)
            try:
                if tracked.kind is Kind.RUN:
                    fetched = await self.source.list_prompts(tracked.id)
                else:  # a session's prompts are known by ID from its steps
                    fetched = [await self.source.get_prompt(f.id) for f in item.prompts]
                item.prompts = tuple(prompt_fact(p) for p in fetched)
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("prompts of %s unavailable: %s", tracked.id, one_line(error))
            seen = replace(seen, prompts=item.prompts, final_prompts=True)
        if Need.OUTPUT in needs:
            await self.budget.acquire(lane)
            try:
                output = await self.source.get_run_outputs(tracked.id)
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("outputs of %s unavailable: %s", tracked.id, one_line(error))
                output = None
            seen = replace(seen, output=Loaded(output))
        if Need.LOG_TAIL in needs:
            await self.budget.acquire(lane)
            try:
                page = await self.source.get_run_logs(tracked.id)
                lines = [line.text for line in page.logs]
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("logs of %s unavailable: %s", tracked.id, one_line(error))
                lines = []
            seen = replace(seen, log_tail=Loaded(lines))
        return seen

    async def _show_end_now(self, item: _Item, latest: Run | Session) -> None:
        """Edit the parent to show the run's end, beside its busy worker; best effort (the
        worker's own plan shows it too, and that edit folds into this one if still queued)."""
        seen = (
            observe_run(latest, self._children)
            if isinstance(latest, Run)
            else (observe_session(latest))
        )
        if seen.status == "Failed" or (seen.status != "Succeeded" and item.prompts):
            # A failure waits for its error; an end after a prompt for who decided it (a
            # rejection ends a run Failed and a session Cancelled): the worker's plan
            # re-reads both, and an early edit would show the end without them first.
            return
        try:
            seen = await self._with_people(item, seen)
            body = parent_message(item.tracked, seen, self._clock())
            await self.executor.edit(item.tracked, Edit(PARENT_KEY, body, Priority.FINAL))
        except Exception as error:
            log.debug("early end edit of %s: %s", item.tracked.id, one_line(error))

    # -- when things go wrong ------------------------------------------------------------

    def _failed(self, item: _Item, error: BaseException) -> None:
        """Back off this item; log once per distinct reason; say so in its thread if it lasts."""
        item.retry_at = self._clock() + item.troubles.failed(error)
        item.fingerprint = ""
        item.fresh = True
        if item.troubles.failures == self.settings.trouble_after:
            note = trouble_message(item.tracked, item.troubles.last_reason)
            self._spawn(self._note(item, TROUBLE_KEY, note))

    async def _note(self, item: _Item, key: str, body: Message) -> None:
        """Post one note in the item's thread (once, by its ledger key); best effort."""
        try:
            note = Plan((Post(key, body),), item.progress)
            await self.executor.apply(item.tracked, note)
        except ChannelGone as gone:
            await self._channel_gone(gone)
        except Exception as error:
            log.warning("cannot note %s in %s: %s", key, item.tracked.id, one_line(error))

    async def _vanished(self, item: _Item) -> None:
        """The run or session no longer exists: say so in its thread and stop following it."""
        tracked = item.tracked
        log.warning("%s %s no longer exists; no longer following it", tracked.kind, tracked.id)
        item.progress = replace(item.progress, done=True)
        await self._note(item, VANISHED_KEY, vanished_message(tracked))
        await self.store.save_progress(tracked, item.progress)
        self._drop(item)

    async def _channel_gone(self, gone: ChannelGone) -> None:
        """Stop writing to a channel Slack refuses; tell each requester there once, by DM."""
        log.warning(
            "slack refuses channel %s (%s); no longer writing there", gone.channel, gone.code
        )
        for item in [i for i in self._items.values() if i.tracked.channel == gone.channel]:
            item.progress = replace(item.progress, done=True)
            # Stored before the DM: a crash in between loses a DM rather than sending two.
            await self.store.save_progress(item.tracked, item.progress)
            self._drop(item)
            user = slack_user(item.tracked.requested_by)
            if user is not None:
                try:
                    await self.slack.direct_message(
                        user, channel_gone_message(item.tracked, gone.code)
                    )
                except Exception as error:
                    log.warning("cannot tell %s about %s: %s", user, gone.channel, one_line(error))
        for sub in [s for s in self._subscriptions if s.channel == gone.channel]:
            await self.unsubscribe(sub.channel, sub.task_slug)

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._workers.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._workers.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            # Each job handles its own failures; one that escapes (a bug, or the store failing
            # while a job records a failure) is logged here, once per reason, not lost.
            self._job_troubles.failed(error)

    # -- prompts -------------------------------------------------------------------------

    def _discover_prompts(self, now: float) -> None:
        """Ask runs for their prompts: those the feed flagged first, then a slow safety poll.

        Per-run mode has no feed to flag runs, so every active run is asked on a timer.
        """
        for item in list(self._items.values()):
            latest = item.latest
            if not item.held or not isinstance(latest, Run) or item.progress.done:
                continue
            if latest.status.is_terminal or latest.status.value == "Queued":
                continue
            if item.prompt_due is not None:
                # A more urgent look may start beside one still waiting in a slower lane.
                if not item.prompt_lanes or item.prompt_due < min(item.prompt_lanes):
                    self._start_prompt_check(item, item.prompt_due, now)
            elif item.prompt_lanes:
                continue
            elif self._per_run:
                if item.next_prompt_check <= now:
                    self._start_prompt_check(item, Lane.PROMPTS, now)
            elif item.next_prompt_check <= now and self.budget.try_acquire(Lane.SAFETY):
                self._start_prompt_check(item, None, now)

    def _start_prompt_check(self, item: _Item, lane: Lane | None, now: float) -> None:
        item.prompt_due = None
        item.prompt_lanes.append(lane if lane is not None else Lane.SAFETY)
        interval = (
            self.settings.prompt_interval if self._per_run else self.settings.prompt_safety_interval
        )
        item.next_prompt_check = now + interval
        self._spawn(self._check_prompts(item, lane))

    async def _check_prompts(self, item: _Item, lane: Lane | None) -> None:
        sink = self.prompt_sink
        try:
            if sink is None:
                return
            if lane is not None:
                await self.budget.acquire(lane)
            self.prompt_checks += 1
            prompts = await self.source.list_prompts(item.tracked.id)
            self._saw_prompts(item, prompts)
            pending = [p for p in prompts if p.state is PromptState.PENDING]
            thread = (await self.store.posts(item.tracked)).get(PARENT_KEY)
            if pending and not thread:
                # A prompt is asked in its run's thread: the parent, still queued behind other
                # runs' posts, goes at the prompt's priority. Look again once it is there.
                if self.scheduler is not None:
                    self.scheduler.expedite(writer_of(item.tracked), Priority.PROMPT)
                item.prompt_due = lane or Lane.PROMPTS
                return
            if pending and thread:
                await sink.on_prompts(item.tracked, thread, pending)
        except Exception as error:
            item.prompt_due = Lane.PROMPTS
            log.warning("prompts of %s: %s", item.tracked.id, one_line(error))
        finally:
            item.prompt_lanes.remove(lane if lane is not None else Lane.SAFETY)

    async def _session_prompts(self, item: _Item, session: Session) -> None:
        ids = waiting_prompt_ids(session)
        thread = (await self.store.posts(item.tracked)).get(PARENT_KEY)
        if self.prompt_sink is None or not thread or not ids:
            return
        prompts = []
        for prompt_id in ids:
            await self.budget.acquire(Lane.PROMPTS)
            prompts.append(await self.source.get_prompt(prompt_id))
        self._saw_prompts(item, prompts)
        pending = [p for p in prompts if p.state is PromptState.PENDING]
        if pending:
            await self.prompt_sink.on_prompts(item.tracked, thread, pending)

    def _saw_prompts(self, item: _Item, prompts: list[Prompt]) -> None:
        """Keep a run's prompts for its parent ("waiting for…", "approved by…"); replan on news."""
        known = {fact.id: fact for fact in item.prompts}
        known.update((p.id, prompt_fact(p)) for p in prompts)
        facts = tuple(known.values())
        if facts != item.prompts:
            item.prompts = facts
            self._submit(item)

    # -- the feeds' fetchers -------------------------------------------------------------

    async def _list_runs(
        self, since: datetime | None, until: datetime | None, page: int
    ) -> list[Run]:
        return await self.source.list_runs(since=since, until=until, limit=50, page=page)

    async def _list_sessions(
        self, since: datetime | None, until: datetime | None, page: int
    ) -> list[Session]:
        return await self.source.list_sessions(
            updated_after=since, updated_before=until, limit=50, page=page
        )


def _is_final(error: APIError) -> bool:
    """A 4xx other than 429: asking again the same way gets the same answer."""
    return 400 <= error.status < 500 and error.status != 429
