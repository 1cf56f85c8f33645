"""Budgets held where every replica sees them: the rule for taking a token from shared rows.

Slack counts an app's calls per method in a workspace, whatever process makes them. Replicas on
one database therefore take each call's tokens from rows there (`BudgetStore` in
`bot/store/budgets.py`), so a replica may spend whatever the others leave, and one that dies
holds nothing. Each row is a token bucket (`foundation/token_bucket.py`): a method's budget for
the workspace, or chat.postMessage's pace in one channel. This module is the pure decision the
store makes inside the transaction that locks the rows; `HeldBudgets` is the port the scheduler
calls.

A take names the rows it needs (the method's, and the channel's where the method is paced per
channel) and, for each, a `floor`: tokens that must remain after taking. Less urgent calls ask
with a floor, so across replicas too the last tokens are kept for prompts and final states
(`lane.py` says which calls keep which reserve). A 429 from Slack pauses a row for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from foundation.token_bucket import TokenBucket

__all__ = ["Ask", "HeldBudgets", "RowState", "Take", "decide", "paused"]


@dataclass(frozen=True)
class Ask:
    """One token from the row `name`, a bucket of `rate`/s holding `burst`, leaving `floor`."""

    name: str
    rate: float
    burst: float
    floor: float = 0.0


@dataclass(frozen=True)
class RowState:
    """A row as stored: its tokens at `stamp`, and the end of a pause after a 429 (epoch s)."""

    tokens: float
    stamp: float
    paused_until: float = 0.0


@dataclass(frozen=True)
class Take:
    """What a take got: granted or not, the seconds until it may be (0 when granted), and each
    row's tokens after it, to correct the asker's local view of the budget."""

    granted: bool
    wait: float
    tokens: Mapping[str, float] = field(default_factory=dict)
    paused_for: float = 0.0


def _bucket(ask: Ask, state: RowState | None, now: float) -> TokenBucket:
    """The row's bucket refilled to `now`; a missing row is a full one (nobody spent it)."""
    if state is None:
        return TokenBucket(ask.rate, ask.burst, stamp=now)
    bucket = TokenBucket(ask.rate, ask.burst, stamp=state.stamp)
    bucket.tokens = min(state.tokens, ask.burst)  # set after: a negative start reads as "full"
    bucket.wait_for_token(now)  # refills
    return bucket


def decide(
    asks: Sequence[Ask], states: Mapping[str, RowState | None], now: float
) -> tuple[Take, dict[str, RowState]]:
    """The take's answer at `now` and the rows to store: every row gives a token, or none does.

    A row may give one when it is not paused and holds `1 + floor` tokens (refilled to `now`);
    otherwise the wait is the longest of the rows' pauses and refills.
    """
    buckets = {ask.name: _bucket(ask, states.get(ask.name), now) for ask in asks}
    pauses = {
        ask.name: max(0.0, state.paused_until - now)
        for ask in asks
        if (state := states.get(ask.name)) is not None
    }
    wait = max(
        max(buckets[ask.name].wait_for_token(now, leaving=ask.floor), pauses.get(ask.name, 0.0))
        for ask in asks
    )
    granted = wait == 0.0
    if granted:
        for bucket in buckets.values():
            bucket.tokens -= 1
    stored = {
        name: RowState(bucket.tokens, now, _paused_until(states.get(name)))
        for name, bucket in buckets.items()
    }
    tokens = {name: bucket.tokens for name, bucket in buckets.items()}
    return Take(granted, wait, tokens, max(pauses.values(), default=0.0)), stored


def paused(ask: Ask, state: RowState | None, now: float, seconds: float) -> RowState:
    """The row after Slack answered 429 with `Retry-After: seconds`: paused for everyone, and
    emptied (Slack says the budget is spent, whatever the row counted)."""
    bucket = _bucket(ask, state, now)
    until = max(_paused_until(state), now + seconds)
    return RowState(min(bucket.tokens, 0.0), now, until)


def _paused_until(state: RowState | None) -> float:
    return state.paused_until if state is not None else 0.0


class HeldBudgets(Protocol):
    """Budgets every replica takes from (a database's rows)."""

    async def take(self, asks: Sequence[Ask]) -> Take:
        """One token from each asked row, all or none."""
        ...

    async def pause(self, ask: Ask, seconds: float) -> None:
        """Slack refused a call of this row's method: pause it for everyone for `seconds`."""
        ...
