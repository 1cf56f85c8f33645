"""One Web API method's budget for the workspace and its queue: pure decisions, no I/O.

A `Lane` answers the scheduler's one question, "what may be sent now, or how long until
something may?": the most urgent queued call (priority, then people's runs before
subscriptions, then first come) whose method has a token, whose channel has one where the
method is paced per channel (`chat.postMessage`), and whose older edit of the same message is
not still on its way. The budget is paced before calling, so a 429 is a fault, not the pace:
it pauses the whole method (`rate_limited`), as Slack counts calls per workspace.

Budgets come from `foundation/slack_limits.py`, the table the local Slack enforces, minus one
token of burst: calls reach Slack a little later than they leave, and unevenly, so a bucket
the same size as Slack's would sometimes be a token ahead of it. Where replicas hold the
budgets in their database (`held.py`), these buckets mirror the rows (`asks`, `took`).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from foundation.slack_limits import CHANNEL_PACE, ChannelPace, Tier
from foundation.token_bucket import TokenBucket

from .held import Ask, Take
from .queueing import Origin, Priority, Queueing

__all__ = ["CHANNEL_NAP", "Job", "Lane", "budget_of"]

Call = Callable[[], Awaitable[Any]]
# Tokens of burst kept back from Slack's own bucket (see the module's docstring).
BURST_MARGIN = 1.0
# Calls less urgent than a run's end (status edits, thread lines, cosmetic calls) may not
# spend the last half of a method's burst: it is kept for what people wait for, so a run that
# ends after a wave of status edits still finds tokens for its final edit at once. Under a
# backlog they take only what would overflow a full bucket: the budget goes to final states,
# and their edits, still queued, fold into the final ones. An end's second sign (SHOWN) is a
# final state too: it goes after the first signs, but is not held off the burst.
RESERVED_FOR = Priority.SHOWN
RESERVE_SHARE = 0.5
# A subscription's copy keeps off the same half of the burst, whatever its priority below a
# prompt: the copies' ends need the budget too, and take it, but never the last tokens a
# person's own run may need the next second (when copies and people together need all of
# chat.update's budget, people's final edits would otherwise queue behind a bucket kept empty).
COPIES_HELD_BELOW = Priority.PROMPT
# A lane blocked only by channel paces looks again this often: a call for another channel
# may arrive meanwhile and could go at once.
CHANNEL_NAP = 0.1


def budget_of(per_second: float, burst: float) -> tuple[float, float]:
    """The (rate, burst) the bot paces at for a budget of `per_second` with `burst`."""
    return per_second, max(1.0, burst - BURST_MARGIN)


@dataclass(eq=False)
class Job:
    """One queued Web API call and the future its callers await."""

    method: str
    channel: str | None
    priority: Priority
    origin: Origin
    fold_key: str | None
    owner: str | None
    order: int
    queued_at: float
    call: Call
    future: Any  # asyncio.Future of the call's result; the lane never touches it
    guard: Callable[[], Awaitable[None]] | None = None
    rate_limited: int = 0

    @classmethod
    def of(
        cls,
        method: str,
        channel: str | None,
        queueing: Queueing,
        order: int,
        now: float,
        call: Call,
        future: Any,
    ) -> Job:
        """A job for a call queued as `queueing`."""
        return cls(
            method,
            channel,
            queueing.priority,
            queueing.origin,
            queueing.fold_key,
            queueing.owner,
            order,
            now,
            call,
            future,
            queueing.guard,
        )

    def rank(self) -> tuple[int, int, int]:
        """Lower goes first: priority, then people's runs before subscriptions, then order."""
        return (self.priority, self.origin, self.order)


@dataclass
class Lane:
    """A method's budget, its queue and its pause after a 429."""

    method: str
    tier: Tier
    now: float
    pace: ChannelPace | None = None
    bucket: TokenBucket = field(init=False)
    channels: dict[str, TokenBucket] = field(default_factory=dict)
    queue: list[Job] = field(default_factory=list)
    in_flight: set[str] = field(default_factory=set)  # fold keys of edits on their way
    paused_until: float = 0.0
    team: str = ""  # the workspace, naming its rows where budgets are held in the database

    def __post_init__(self) -> None:
        rate, burst = budget_of(self.tier.per_second, self.tier.burst)
        self.bucket = TokenBucket(rate, burst, stamp=self.now)

    # -- what is queued ------------------------------------------------------------------------

    def add(self, job: Job) -> None:
        """Queue a call."""
        self.queue.append(job)

    def folds_into(self, fold_key: str) -> Job | None:
        """The queued call a new one with `fold_key` replaces (not one already on its way)."""
        for job in self.queue:
            if job.fold_key == fold_key:
                return job
        return None

    def owned_by(self, owner: str) -> Iterator[Job]:
        """The queued calls of one owner."""
        return (job for job in self.queue if job.owner == owner)

    def backlog_seconds(self) -> float:
        """How long the budget takes to drain what is queued."""
        return len(self.queue) / self.bucket.rate

    def shed(self, after_seconds: float) -> list[Job]:
        """Take out what nobody waits for (COSMETIC calls) once the backlog is longer than
        `after_seconds`: under load their tokens go to final states, prompts and decisions."""
        if self.backlog_seconds() <= after_seconds:
            return []
        dropped = [job for job in self.queue if job.priority is Priority.COSMETIC]
        for job in dropped:
            self.queue.remove(job)
        return dropped

    # -- what goes now -------------------------------------------------------------------------

    def ready(self, now: float, *, backlog_after: float = math.inf) -> tuple[Job | None, float]:
        """The call to send now (its tokens taken, out of the queue), or None and the seconds
        until one may be: the pause after a 429, the method's budget, or channel paces. Past
        `backlog_after` seconds of queue, less urgent calls take only overflow tokens."""
        if not self.queue:
            return None, math.inf
        wait = max(self.paused_until - now, self.bucket.wait_for_token(now))
        if wait > 0:
            return None, wait
        best: Job | None = None
        channel_wait = math.inf
        backlogged = self.backlog_seconds() > backlog_after
        for job in self.queue:
            if job.fold_key is not None and job.fold_key in self.in_flight:
                channel_wait = min(channel_wait, CHANNEL_NAP)  # its older edit is on its way
                continue
            if best is not None and job.rank() >= best.rank():
                continue
            floor = self.floor_for(job, backlogged)
            if (reserve_wait := self.bucket.wait_for_token(now, leaving=floor)) > 0:
                channel_wait = min(channel_wait, reserve_wait)
                continue
            paced = self._channel_bucket(job, now)
            if paced is not None and (pace_wait := paced.wait_for_token(now)) > 0:
                channel_wait = min(channel_wait, pace_wait, CHANNEL_NAP)
                continue
            best = job
        if best is None:
            return None, channel_wait
        self.bucket.reserve(now)
        paced = self._channel_bucket(best, now)
        if paced is not None:
            paced.reserve(now)
        self.queue.remove(best)
        if best.fold_key is not None:
            self.in_flight.add(best.fold_key)
        return best, 0.0

    def floor_for(self, job: Job, backlogged: bool) -> float:
        """Tokens `job` must leave in the method's bucket: none for what people wait for;
        half the burst for less urgent calls and subscriptions' copies (all but the token
        that would overflow it when `backlogged`, for the less urgent)."""
        burst = self.bucket.burst
        if job.priority > RESERVED_FOR:
            return burst - 1.0 if backlogged else math.floor(burst * RESERVE_SHARE)
        if job.origin is Origin.SUBSCRIPTION and job.priority > COPIES_HELD_BELOW:
            return math.floor(burst * RESERVE_SHARE)
        return 0.0

    # -- budgets held in the database (replicas) -----------------------------------------------

    def asks(self, job: Job, backlogged: bool) -> list[Ask]:
        """The held rows `job` takes a token from: the method's workspace budget (with the
        job's floor) and, where the method is paced per channel, the channel's pace."""
        method = self.method_ask()
        asks = [replace(method, floor=self.floor_for(job, backlogged))]
        if self.pace is not None and job.channel is not None:
            rate, burst = budget_of(self.pace.per_second, self.pace.burst)
            asks.append(Ask(self._row(job.channel), rate, burst))
        return asks

    def method_ask(self) -> Ask:
        """The held row of the method's workspace budget (a 429 pauses it)."""
        rate, burst = budget_of(self.tier.per_second, self.tier.burst)
        return Ask(self._row(), rate, burst)

    def took(self, job: Job, take: Take, now: float) -> None:
        """What the held budgets answered for `job` (just out of `ready`): this replica's
        view of the buckets becomes theirs, which other replicas spend too. Refused, the job
        goes back in its place; the caller folds it into a newer edit queued meanwhile."""
        self._see(self.bucket, take.tokens.get(self._row()), now)
        if job.channel is not None and job.channel in self.channels:
            self._see(self.channels[job.channel], take.tokens.get(self._row(job.channel)), now)
        self.paused_until = max(self.paused_until, now + take.paused_for)
        if not take.granted:
            self.sent(job)
            self.queue.append(job)

    def _row(self, channel: str | None = None) -> str:
        """A held row's name: the workspace and method, and the channel for its pace."""
        row = f"{self.team}/{self.method}"
        return row if channel is None else f"{row}/{channel}"

    @staticmethod
    def _see(bucket: TokenBucket, tokens: float | None, now: float) -> None:
        if tokens is not None:
            bucket.tokens = min(tokens, bucket.burst)
            bucket.stamp = now

    def sent(self, job: Job) -> None:
        """A call came back (whatever its answer): a newer edit of its message may go."""
        if job.fold_key is not None:
            self.in_flight.discard(job.fold_key)

    def rate_limited(self, job: Job, retry_after: float, now: float) -> bool:
        """Slack answered 429: the whole method waits `retry_after`, and the call goes back in
        its place. True when this started the pause (the first 429 of a burst of them)."""
        self.sent(job)
        job.rate_limited += 1
        self.queue.append(job)
        started = self.paused_until <= now
        self.paused_until = max(self.paused_until, now + retry_after)
        # Slack says the budget is spent, whatever our count: start again from empty.
        self.bucket.tokens = min(self.bucket.tokens, 0.0)
        return started

    def _channel_bucket(self, job: Job, now: float) -> TokenBucket | None:
        if self.pace is None or job.channel is None:
            return None
        bucket = self.channels.get(job.channel)
        if bucket is None:
            rate, burst = budget_of(self.pace.per_second, self.pace.burst)
            bucket = self.channels[job.channel] = TokenBucket(rate, burst, stamp=now)
        return bucket


def channel_pace_of(method: str, paced: frozenset[str]) -> ChannelPace | None:
    """The per-channel pace a method has on top of its workspace budget, if any."""
    return CHANNEL_PACE if method in paced else None
