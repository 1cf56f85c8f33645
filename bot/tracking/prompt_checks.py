"""Prompt discovery: ask runs for their prompts and hand the pending ones to the prompt sink.

Runs the feed flagged (`route.py` sets `prompt_due`) are asked first, in the lane their news
deserves (runs that went live in `STARTED`, those live longest unseen first); a slow safety
poll from spare budget asks live runs the feed said nothing about.
Per-run mode has no feed to flag runs, so every active run is asked on a timer. A session's
prompts are known by ID from its steps and are read after its plan is applied.
"""

from __future__ import annotations

from airplane_api.models import Prompt, PromptState, Run, Session

from ..core.loops import one_line
from ..slack.queueing import Priority
from .budget import Lane
from .executor import writer_of
from .observe import live_for, prompt_fact, waiting_prompt_ids
from .plan import PARENT_KEY
from .shared import Item, Shared, log
from .work import Worker

# How long a prompt found before its run's parent was posted waits for that parent (raised to
# the prompt's priority, it is normally there within seconds) before it is looked for again.
PARENT_WAIT = 30.0
# A pending prompt older than this when its thread is ready is asked for again, so a prompt
# answered meanwhile is not posted as if still open.
STILL_PENDING_FOR = 5.0


class PromptChecks:
    """Finds prompts and hands the pending ones to `shared.prompt_sink`."""

    def __init__(self, shared: Shared, worker: Worker) -> None:
        self._s = shared
        self._worker = worker
        self.checks = 0

    def discover(self, now: float) -> None:
        """Start the prompt checks due: those the feed flagged first, then a slow safety poll."""
        s = self._s
        for item in list(s.items.values()):
            latest = item.latest
            if not item.held or not isinstance(latest, Run) or item.progress.done:
                continue
            if latest.status.is_terminal or latest.status.value == "Queued":
                continue
            if item.prompt_due is not None:
                # A more urgent look may start beside one still waiting in a slower lane.
                if not item.prompt_lanes or item.prompt_due < min(item.prompt_lanes):
                    self._start(item, item.prompt_due, now)
            elif item.prompt_lanes:
                continue
            elif s.per_run:
                if item.next_prompt_check <= now:
                    self._start(item, Lane.PROMPTS, now)
            elif item.next_prompt_check <= now and s.budget.try_acquire(Lane.SAFETY):
                self._start(item, None, now)

    def _start(self, item: Item, lane: Lane | None, now: float) -> None:
        s = self._s
        item.prompt_due = None
        item.prompt_lanes.append(lane if lane is not None else Lane.SAFETY)
        interval = s.settings.prompt_interval if s.per_run else s.settings.prompt_safety_interval
        item.next_prompt_check = now + interval
        s.spawn(self._check(item, lane))

    async def _check(self, item: Item, lane: Lane | None) -> None:
        s = self._s
        sink = s.prompt_sink
        try:
            if sink is None:
                return
            if lane is not None:
                await s.budget.acquire(lane, self._order(item, lane))
            self.checks += 1
            prompts = await s.source.list_prompts(item.tracked.id)
            self._saw(item, prompts)
            pending = [p for p in prompts if p.state is PromptState.PENDING]
            thread = (await s.store.posts(item.tracked)).get(PARENT_KEY)
            if pending and not thread:
                # A prompt is asked in its run's thread: the parent, still queued behind other
                # runs' posts, goes at the prompt's priority, and the prompt follows it at once
                # (asking Airplane again meanwhile would spend its budget to learn nothing).
                if s.scheduler is not None:
                    s.scheduler.expedite(writer_of(item.tracked), Priority.PROMPT)
                asked = s.clock()
                thread = await s.executor.parent_posted(item.tracked, PARENT_WAIT)
                if not thread:
                    item.prompt_due = lane or Lane.PROMPTS  # look again later
                    return
                if s.clock() - asked > STILL_PENDING_FOR:  # answered meanwhile? ask again
                    await s.budget.acquire(Lane.PROMPTS)
                    prompts = await s.source.list_prompts(item.tracked.id)
                    self._saw(item, prompts)
                    pending = [p for p in prompts if p.state is PromptState.PENDING]
            if pending and thread:
                await sink.on_prompts(item.tracked, thread, pending)
        except Exception as error:
            item.prompt_due = Lane.PROMPTS
            log.warning("prompts of %s: %s", item.tracked.id, one_line(error))
        finally:
            item.prompt_lanes.remove(lane if lane is not None else Lane.SAFETY)

    def _order(self, item: Item, lane: Lane) -> float:
        """Within the STARTED lane, runs live longest before they were seen go first: the
        longer a run was live unseen, the likelier a prompt opened in that time."""
        latest = item.latest
        if lane is not Lane.STARTED or not isinstance(latest, Run):
            return 0.0
        return -live_for(latest, self._s.clock())

    async def of_session(self, item: Item, session: Session) -> None:
        """Hand a session's pending prompts (known by ID from its steps) to the sink."""
        s = self._s
        if s.prompt_sink is None:
            return
        ids = waiting_prompt_ids(session)
        thread = (await s.store.posts(item.tracked)).get(PARENT_KEY)
        if not thread or not ids:
            return
        prompts = []
        for prompt_id in ids:
            await s.budget.acquire(Lane.PROMPTS)
            prompts.append(await s.source.get_prompt(prompt_id))
        self._saw(item, prompts)
        pending = [p for p in prompts if p.state is PromptState.PENDING]
        if pending:
            await s.prompt_sink.on_prompts(item.tracked, thread, pending)

    def _saw(self, item: Item, prompts: list[Prompt]) -> None:
        """Keep a run's prompts for its parent ("waiting for…", "approved by…"); replan on news."""
        known = {fact.id: fact for fact in item.prompts}
        known.update((p.id, prompt_fact(p)) for p in prompts)
        facts = tuple(known.values())
        if facts != item.prompts:
            item.prompts = facts
            self._worker.submit(item)
