"""The work stage: plan an item's Slack operations from what was seen, and have them written.

A changed item gets one worker at a time (`submit`); the worker observes, plans (`plan.py`,
pure), fetches what the plan says it needs (prompts, outputs, a log tail), plans again, and
hands each plan to the executor, which writes. Failures are per item: it backs off, is logged
once per reason and says so in its thread if it keeps failing. A channel Slack refuses is
written to no more, and each requester there is told once by DM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from airplane_api.errors import APIError
from airplane_api.models import Run, Session

from ..core import metrics
from ..core.errors import ChannelGone, NotLeased
from ..core.kinds import Kind
from ..core.loops import one_line
from ..people.labels import slack_user
from ..slack.queueing import Priority
from .budget import Lane
from .model import Loaded, Observation
from .observe import observe_run, observe_session, people_of, prompt_fact
from .plan import PARENT_KEY, Edit, Need, Plan, Post, next_needs, plan
from .render import (
    Message,
    channel_gone_message,
    parent_message,
    trouble_message,
    vanished_message,
)
from .shared import Item, Shared, log

TROUBLE_KEY = "trouble"
VANISHED_KEY = "vanished"


class Worker:
    """Works items: one worker per item at a time, as many items at once as need it."""

    def __init__(self, shared: Shared) -> None:
        self._s = shared
        # A session's pending prompts, once its plan is applied (`prompt_checks.py`).
        self.on_session: Callable[[Item, Session], Awaitable[None]] | None = None

    def submit(self, item: Item) -> None:
        """Work `item` now, or as soon as its worker or its backoff is done."""
        if not item.held:
            return  # another replica works it
        if item.busy or item.retry_at > self._s.clock():
            # Picked up when the worker finishes, or by the cycle once the backoff is over.
            item.dirty = True
            return
        item.busy = True
        self._s.spawn(self._work(item))

    async def _work(self, item: Item) -> None:
        # No cap on workers: each mostly waits (on the request budget, on its channel), and a
        # cap let workers waiting for output fetches keep final status edits from starting.
        s = self._s
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
            await self.channel_gone(gone)
        except NotLeased:
            log.warning("%s %s is another replica's now", item.tracked.kind, item.tracked.id)
            item.held = False
        except Exception as error:
            # Retried after a backoff from the stored progress; the ledger prevents doubles.
            self.failed(item, error)
        finally:
            item.busy = False
        if item.progress.done:
            s.drop(item)
            if s.leasing is not None:
                await s.leasing.release(item.tracked)

    async def _advance(self, item: Item) -> None:
        s = self._s
        latest = item.latest
        tracked = item.tracked
        if isinstance(latest, Run):
            seen = observe_run(latest, s.children)
        elif isinstance(latest, Session):
            seen = observe_session(latest)
        elif item.hint is not None:
            seen = item.hint
        else:
            return
        now = s.clock()
        seen = await self._with_people(item, seen)
        mention = s.settings.mention_requester_on_end
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
                metrics.run_end_shown(max(0.0, s.clock() - seen.ended_at.timestamp()))
        if isinstance(latest, Session) and self.on_session is not None:
            await self.on_session(item, latest)

    async def _apply(self, item: Item, decided: Plan) -> None:
        if decided.ops or decided.progress != item.progress:
            # A plan with nothing to do (an unchanged run seen again) writes nothing.
            await self._s.executor.apply(item.tracked, decided)
        item.progress = decided.progress

    async def _with_people(self, item: Item, seen: Observation) -> Observation:
        """The observation with the item's prompts and the names of everyone it mentions."""
        seen = replace(seen, prompts=item.prompts or seen.prompts)
        names = await self._s.people.names(people_of(seen, item.tracked.requested_by))
        return replace(seen, names=names)

    async def _details(
        self, item: Item, seen: Observation, needs: frozenset[Need], lane: Lane
    ) -> Observation:
        s = self._s
        tracked = item.tracked
        if Need.PROMPTS in needs:
            await s.budget.acquire(lane)
            try:
                if tracked.kind is Kind.RUN:
                    fetched = await s.source.list_prompts(tracked.id)
                else:  # a session's prompts are known by ID from its steps
                    known = [f.id for f in item.prompts]
                    ids = dict.fromkeys([*known, *(st.prompt_id for st in seen.steps)])
                    fetched = [await s.source.get_prompt(i) for i in ids if i]
                item.prompts = tuple(prompt_fact(p) for p in fetched)
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("prompts of %s unavailable: %s", tracked.id, one_line(error))
            seen = replace(seen, prompts=item.prompts, final_prompts=True)
        if Need.OUTPUT in needs:
            await s.budget.acquire(lane)
            try:
                output = await s.source.get_run_outputs(tracked.id)
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("outputs of %s unavailable: %s", tracked.id, one_line(error))
                output = None
            seen = replace(seen, output=Loaded(output))
        if Need.LOG_TAIL in needs:
            await s.budget.acquire(lane)
            try:
                page = await s.source.get_run_logs(tracked.id)
                lines = [line.text for line in page.logs]
            except APIError as error:
                if not _is_final(error):
                    raise
                log.warning("logs of %s unavailable: %s", tracked.id, one_line(error))
                lines = []
            seen = replace(seen, log_tail=Loaded(lines))
        return seen

    async def show_end_now(self, item: Item, latest: Run | Session) -> None:
        """Edit the parent to show the run's end, beside its busy worker; best effort (the
        worker's own plan shows it too, and that edit folds into this one if still queued)."""
        s = self._s
        seen = (
            observe_run(latest, s.children)
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
            body = parent_message(item.tracked, seen, s.clock())
            await s.executor.edit(item.tracked, Edit(PARENT_KEY, body, Priority.FINAL))
        except Exception as error:
            log.debug("early end edit of %s: %s", item.tracked.id, one_line(error))

    # -- when things go wrong ------------------------------------------------------------

    def failed(self, item: Item, error: BaseException) -> None:
        """Back off this item; log once per distinct reason; say so in its thread if it lasts."""
        s = self._s
        item.retry_at = s.clock() + item.troubles.failed(error)
        item.fingerprint = ""
        item.fresh = True
        if item.troubles.failures == s.settings.trouble_after:
            note = trouble_message(item.tracked, item.troubles.last_reason, s.settings.command)
            s.spawn(self._note(item, TROUBLE_KEY, note))

    async def _note(self, item: Item, key: str, body: Message) -> None:
        """Post one note in the item's thread (once, by its ledger key); best effort."""
        try:
            note = Plan((Post(key, body),), item.progress)
            await self._s.executor.apply(item.tracked, note)
        except ChannelGone as gone:
            await self.channel_gone(gone)
        except Exception as error:
            log.warning("cannot note %s in %s: %s", key, item.tracked.id, one_line(error))

    async def vanished(self, item: Item) -> None:
        """The run or session no longer exists: say so in its thread and stop following it."""
        tracked = item.tracked
        log.warning("%s %s no longer exists; no longer following it", tracked.kind, tracked.id)
        item.progress = replace(item.progress, done=True)
        await self._note(item, VANISHED_KEY, vanished_message(tracked))
        await self._s.store.save_progress(tracked, item.progress)
        self._s.drop(item)

    async def channel_gone(self, gone: ChannelGone) -> None:
        """Stop writing to a channel Slack refuses; tell each requester there once, by DM."""
        s = self._s
        log.warning(
            "slack refuses channel %s (%s); no longer writing there", gone.channel, gone.code
        )
        for item in [i for i in s.items.values() if i.tracked.channel == gone.channel]:
            item.progress = replace(item.progress, done=True)
            # Stored before the DM: a crash in between loses a DM rather than sending two.
            await s.store.save_progress(item.tracked, item.progress)
            s.drop(item)
            user = slack_user(item.tracked.requested_by)
            if user is not None:
                try:
                    await s.slack.direct_message(
                        user, channel_gone_message(item.tracked, gone.code, s.settings.command)
                    )
                except Exception as error:
                    log.warning("cannot tell %s about %s: %s", user, gone.channel, one_line(error))
        for sub in [sub for sub in s.subscriptions if sub.channel == gone.channel]:
            await s.unsubscribe(sub.channel, sub.task_slug)


def _is_final(error: APIError) -> bool:
    """A 4xx other than 429: asking again the same way gets the same answer."""
    return 400 <= error.status < 500 and error.status != 429
