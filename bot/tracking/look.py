"""The look stage: one look at the world per cycle.

Ask the change feeds what changed (one `runs/list` call, more pages only when many runs
changed), fetch directly what the feeds cannot say (items seen for the first time, after a
failure, or every item in per-run mode), and start the work and the prompt checks that are due.
When the server cannot filter by `since`, items are polled one by one on an adaptive cadence.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from airplane_api.errors import NotFoundError
from airplane_api.models import Run, Session

from ..core import metrics
from ..core.errors import FeedUnsupported
from ..core.kinds import Kind
from .budget import Lane
from .feed import ChangeFeed
from .lease_rounds import LeaseRounds
from .observe import session_fingerprint
from .prompt_checks import PromptChecks
from .route import Router
from .shared import Item, Shared, log
from .work import Worker


class Look:
    """The feeds, the direct fetches, and what each cycle starts."""

    def __init__(
        self,
        shared: Shared,
        router: Router,
        worker: Worker,
        prompts: PromptChecks,
        leases: LeaseRounds | None,
    ) -> None:
        self._s = shared
        self._router = router
        self._worker = worker
        self._prompts = prompts
        self._leases = leases
        self.runs = ChangeFeed(self._list_runs, shared.budget, clock=shared.clock)
        self.sessions = ChangeFeed(self._list_sessions, shared.budget, clock=shared.clock)
        # Direct fetches in flight at once: more would only queue in the HTTP pool and time out.
        self._fetches = asyncio.Semaphore(shared.settings.max_fetches)

    async def __call__(self, now: float) -> None:
        """Look once: feeds, fresh items, items whose plan is due, prompts."""
        s = self._s
        if self._leases is not None:
            await self._leases.if_due(now)
        for kind in Kind:
            count = sum(1 for item in s.items.values() if item.tracked.kind is kind)
            metrics.set_items_followed(kind.value, count)
        has_runs = s.subscriptions or any(
            item.tracked.kind is Kind.RUN for item in s.items.values()
        )
        if not s.per_run and has_runs:
            try:
                for run in await self.runs.changes(Lane.FEED):
                    repeat = run.id in self.runs.repeats
                    await self._router.run(run, from_feed=True, repeat=repeat)
            except FeedUnsupported as error:
                log.warning("runs/list cannot filter by since (%s); polling each run", error)
                s.per_run = True
        if not s.per_run and any(i.tracked.kind is Kind.SESSION for i in s.items.values()):
            try:
                for session in await self.sessions.changes(Lane.FEED):
                    self._router.latest(session.id, session, session_fingerprint(session))
            except FeedUnsupported:
                s.per_run = True
        due = [
            item
            for item in s.items.values()
            if item.held
            and not item.busy
            and not item.fetching
            and item.retry_at <= now
            and (item.fresh or (s.per_run and item.next_check <= now))
        ]
        for item in due:
            # Not awaited: a fetch waits in the DETAILS lane, and the next cycle's feed call
            # (every status change) must not wait behind it.
            item.fetching = True
            s.spawn(self._refresh(item, now))
        for item in list(s.items.values()):
            if item.busy or item.retry_at > now or item.progress.done:
                continue
            # Time passing alone plans nothing: a running parent shows its start as a Slack
            # date that each client keeps current, so it never needs an edit for the time.
            if item.dirty or (item.wake_at is not None and item.wake_at <= now):
                self._worker.submit(item)
        if s.prompt_sink is not None:
            self._prompts.discover(now)

    async def _refresh(self, item: Item, now: float) -> None:
        """Fetch one item directly (first sight, after a failure, or per-run mode)."""
        tracked = item.tracked
        age = now - tracked.since
        item.next_check = now + self._s.settings.cadence.interval(age)
        try:
            async with self._fetches:
                await self._fetch_one(item)
        finally:
            item.fetching = False

    async def _fetch_one(self, item: Item) -> None:
        s = self._s
        tracked = item.tracked
        await s.budget.acquire(Lane.DETAILS)
        try:
            if tracked.kind is Kind.RUN:
                run = await s.source.get_run(tracked.id)
                item.fresh = False
                await self._router.run(run, from_feed=False)
            else:
                session = await s.source.get_session(tracked.id)
                item.fresh = False
                self._router.latest(session.id, session, session_fingerprint(session))
        except NotFoundError:
            await self._worker.vanished(item)
        except Exception as error:
            self._worker.failed(item, error)

    # -- the feeds' fetchers -------------------------------------------------------------

    async def _list_runs(
        self, since: datetime | None, until: datetime | None, page: int
    ) -> list[Run]:
        return await self._s.source.list_runs(since=since, until=until, limit=50, page=page)

    async def _list_sessions(
        self, since: datetime | None, until: datetime | None, page: int
    ) -> list[Session]:
        return await self._s.source.list_sessions(
            updated_after=since, updated_before=until, limit=50, page=page
        )
