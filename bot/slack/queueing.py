"""How urgent a Slack call is: its priority, and what it may fold into, said once per call site.

Callers do not talk to the scheduler: they make their Web API call as usual inside
`queued_as(...)`, and the client (`client.py`) hands the call to the workspace's scheduler with
these facts. A call made outside any `queued_as` is a person's own interaction (a command's
reply, a modal, a lookup for a listener) and goes first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Origin", "Priority", "Queueing", "current", "queued_as"]


class Priority(IntEnum):
    """What a person is waiting for; lower goes first within a method's budget."""

    INTERACTIVE = 0  # a person clicked or typed and waits (a trigger_id lives 3 s)
    PROMPT = 1  # a prompt message, or the decision written onto it
    FINAL = 2  # the parent's edit that shows a run ended: everyone in the channel sees it
    ENDING = 3  # the thread line that tells the requester it ended (it @-mentions them)
    # A final edit or ending line of a run whose end Slack already shows by the other (or
    # by its parent, posted ended): the first sign of other runs' ends goes ahead of it.
    SHOWN = 4
    STATUS = 5  # the parent message's first post and its other status edits
    THREAD = 6  # steps, outputs, log tails, notes
    COSMETIC = 7  # refreshes nobody waits for: the first thing dropped under a backlog


class Origin(IntEnum):
    """Why the bot follows a run; within a priority, people's own runs go first."""

    PERSON = 0  # somebody started it here (`/airplane run`, a form, a runbook)
    SUBSCRIPTION = 1  # copied to a channel that subscribed to its task


@dataclass(frozen=True)
class Queueing:
    """A call's place in its method's queue.

    `fold_key`: calls with the same key still queued fold into the newest (edits of one
    message, where only the last text matters). `owner`: who makes the call (one tracked run),
    so `SlackScheduler.expedite` can raise the owner's queued calls together. `guard`: awaited
    right before the call is made, when its turn comes; it raises to cancel the call (a
    replica that lost a run's lease while the call waited must not write it). `fold_only`:
    the call only replaces a queued one with its `fold_key` (a message still waiting to be
    posted goes with newer text); with none queued it is not made (`NothingQueued`).
    """

    priority: Priority = Priority.INTERACTIVE
    fold_key: str | None = None
    owner: str | None = None
    origin: Origin = Origin.PERSON
    guard: Callable[[], Awaitable[None]] | None = None
    fold_only: bool = False


_CURRENT: ContextVar[Queueing | None] = ContextVar("slack_queueing", default=None)
INTERACTIVE = Queueing()


@contextmanager
def queued_as(
    priority: Priority,
    *,
    fold_key: str | None = None,
    owner: str | None = None,
    origin: Origin = Origin.PERSON,
    guard: Callable[[], Awaitable[None]] | None = None,
    fold_only: bool = False,
) -> Iterator[Queueing]:
    """Web API calls made inside wait in their method's queue at `priority`."""
    queueing = Queueing(priority, fold_key, owner, origin, guard, fold_only)
    token = _CURRENT.set(queueing)
    try:
        yield queueing
    finally:
        _CURRENT.reset(token)


def current() -> Queueing:
    """The queueing of a call made here: the caller's `queued_as`, or a person's interaction."""
    return _CURRENT.get() or INTERACTIVE
