"""The route stage: hand each run or session seen to the items that follow it.

A run changes its own item, its parent run's item (the parent shows its children), and may
start a new item when a channel subscribes to its task. An item whose fingerprint changed gets
the new state and is submitted to its worker; a busy worker's queued writes are raised to the
new status's priority, and an end is shown at once beside the busy worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from airplane_api.models import Run, Session

from ..core.kinds import Kind
from ..slack.queueing import Origin, Priority
from .budget import Lane
from .executor import writer_of
from .model import Tracked
from .observe import PromptCheck, prompt_check, run_fingerprint
from .shared import Shared
from .work import Worker

# The budget lane a prompt check goes in, by why it is asked.
LANE_OF_CHECK = {
    PromptCheck.NONE: None,
    PromptCheck.NOW: Lane.PROMPTS,
    PromptCheck.WENT_LIVE: Lane.STARTED,
}


class Router:
    """Routes what the feeds and direct fetches saw; `watch` follows a subscribed run."""

    def __init__(
        self, shared: Shared, worker: Worker, watch: Callable[[Tracked], Awaitable[bool]]
    ) -> None:
        self._s = shared
        self._worker = worker
        self._watch = watch

    async def run(self, run: Run, *, from_feed: bool, repeat: bool = False) -> None:
        """Route a run; `repeat`: only the feed's overlap window returned it (seen before)."""
        s = self._s
        parent = s.parent_of.get(run.id)
        if parent is not None:
            s.children[run.id] = run
            for key in s.by_id.get(parent, set()):
                item = s.items[key]
                item.fingerprint = ""
                self._worker.submit(item)
        if run.id not in s.by_id:
            await self._maybe_subscribe(run)
        fingerprint = run_fingerprint(run)
        for key in s.by_id.get(run.id, set()):
            item = s.items[key]
            before = item.latest if isinstance(item.latest, Run) else None
            if from_feed or before is None:
                check = prompt_check(before, run, fingerprint != item.fingerprint)
                # A run that went live costs one look, behind likelier prompts (runs mostly
                # start without one); a live run changed invisibly is asked at once, unless
                # only the feed's overlap window listed it again (an update seen before).
                lane = LANE_OF_CHECK[check] if not (repeat and check is PromptCheck.NOW) else None
                if lane is not None:
                    due = item.prompt_due
                    item.prompt_due = lane if due is None else min(due, lane)
        self.latest(run.id, run, fingerprint)
        if s.per_run and run.id in s.by_id:
            for child_id in run.child_run_ids:
                known = s.children.get(child_id)
                if known is None or not known.status.is_terminal:
                    await s.budget.acquire(Lane.DETAILS)
                    s.children[child_id] = await s.source.get_run(child_id)

    def latest(self, ident: str, latest: Run | Session, fingerprint: str) -> None:
        """Give the items following `ident` its latest state, when it changed."""
        s = self._s
        for key in s.by_id.get(ident, set()):
            item = s.items[key]
            item.fresh = False
            if isinstance(latest, Run):
                for child in latest.child_run_ids:
                    s.parent_of[child] = ident
            if fingerprint != item.fingerprint:
                item.fingerprint = fingerprint
                item.latest = latest
                if item.busy and latest.status.value != item.progress.parent_status:
                    # Its worker waits on one of the item's own queued writes (a thread line,
                    # a step's edit) before it can edit the parent with this status:
                    # those writes go at the status edit's priority, not at the channel's back.
                    urgent = Priority.FINAL if latest.status.is_terminal else Priority.STATUS
                    if s.scheduler is not None:
                        s.scheduler.expedite(writer_of(item.tracked), urgent)
                    if latest.status.is_terminal:
                        # The end need not wait for the worker to get through its earlier
                        # writes (one a second in a busy channel): the parent shows it now.
                        s.spawn(self._worker.show_end_now(item, latest))
                self._worker.submit(item)

    async def _maybe_subscribe(self, run: Run) -> None:
        subscriptions = self._s.subscriptions
        if run.status.is_terminal and not subscriptions:
            return
        slug = run.task_slug
        for sub in subscriptions:
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
                await self._watch(tracked)
