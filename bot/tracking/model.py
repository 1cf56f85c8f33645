"""What the tracker knows about a run or session, as plain frozen values.

`Tracked` is what was asked for (which run, which channel); `Observation` is what the Airplane
API says now; `Progress` is what the tracker has already shown in Slack. `plan.py` turns the
three into Slack operations; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airplane_api.models import is_terminal_status

from ..core.kinds import Kind
from ..slack.queueing import Origin


@dataclass(frozen=True)
class Tracked:
    """A run or session the bot follows, and the channel its parent message lives in."""

    kind: Kind
    id: str
    channel: str
    label: str
    requested_by: str = ""
    env: str = ""
    link: str = ""
    task_id: str = ""
    since: float = 0.0
    # What the parent shows from the first post on (launch knows them; watch may not).
    name: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # Why it is followed here: within a priority, Slack writes for runs people started go
    # before copies for subscribed channels; a copy mentions nobody and is nobody's own run.
    origin: Origin = field(default=Origin.PERSON, compare=False)


Identity = tuple[str, str, str]


def identity(tracked: Tracked) -> Identity:
    """What makes a tracked item unique: the same run may be followed in two channels."""
    return (tracked.kind.value, tracked.id, tracked.channel)


@dataclass(frozen=True)
class Step:
    """A child run of a run, or a step run of a session."""

    run_id: str
    label: str
    status: str
    # A session's prompt step: its prompt, whose fact says who decided it.
    prompt_id: str = ""


@dataclass(frozen=True)
class Loaded:
    """A detail fetched on demand (outputs, a log tail); absent means not fetched yet."""

    value: Any


@dataclass(frozen=True)
class PromptFact:
    """A prompt of the run, as far as the parent and thread tell of it."""

    id: str
    state: str  # "pending", "submitted" or "cancelled" (airplane_api's PromptState values)
    reviewers: tuple[str, ...] = ()  # labels: emails, `slack:U…`, `group:<slug>`
    decided_by: str = ""
    verdict: str = ""  # the label of the button that decided it (confirmText / cancelText)
    # What the approver chose, when the prompt asked for values (slug -> value).
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Observation:
    """What the API says about a run or session at one moment."""

    status: str
    started_at: datetime | None = None
    ended_at: datetime | None = None
    created_by: str = ""
    steps: tuple[Step, ...] = ()
    output: Loaded | None = None
    log_tail: Loaded | None = None
    cancelled_by: str = ""
    # The run's prompts as last fetched (the tracker carries them from prompt discovery).
    prompts: tuple[PromptFact, ...] = ()
    # Whether `prompts` were fetched after the run ended (so a rejection cannot be missed).
    final_prompts: bool = False
    # label -> how it reads (mention or name), for the people this observation names.
    names: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def terminal(self) -> bool:
        """Whether it has ended."""
        return is_terminal_status(self.status)


@dataclass(frozen=True)
class Progress:
    """What Slack already shows for one tracked item (kept in the store between restarts)."""

    parent_status: str = ""
    thread_status: str = ""
    status_seq: int = 0
    steps_shown: Mapping[str, str] = field(default_factory=dict)
    # The status last observed and since when (our clock): thread lines wait for a status to
    # hold a few seconds, so a run that goes Queued, Active, Succeeded at once gets one line.
    seen_status: str = ""
    seen_since: float = 0.0
    done: bool = False
    # What else the parent showed (who waits, who decided, the error): a change edits it.
    parent_facts: str = ""
    # The status the parent shows as people read it ("Rejected", "Waiting": `RunSummary.
    # shown_status`) and as a list says it ("Rejected by <@U…>": `status_phrase`), so App
    # Home tells the parent's story without the run at hand.
    shown_status: str = ""
    shown_phrase: str = ""
