"""The tracker's decision: given what Slack shows and what the API says, what to post or edit.

Every post has a stable key (`parent`, `status:3:Active`, `step:run_x`, `output`, `logtail`).
The executor records the key as an intent before the Slack call and the message's ts after it,
so replaying a plan after a crash skips what was posted and reconciles what may have been.
Edits rewrite a known message and are safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .model import Kind, Loaded, Observation, Progress, Tracked
from .outbox import Priority
from .render import (
    FileBody,
    Message,
    elapsed_text,
    log_tail_body,
    observed_elapsed,
    output_body,
    parent_message,
    status_message,
    step_message,
)

PARENT_KEY = "parent"
OUTPUT_KEY = "output"
LOGTAIL_KEY = "logtail"
ELAPSED_EDIT_EVERY = 30.0
# A status must hold this long to get its own thread line (the parent shows it at once).
COALESCE_STATUS_LINES = 5.0


class Need(StrEnum):
    """A detail the plan needs fetched before it can finish."""

    OUTPUT = "output"
    LOG_TAIL = "log_tail"


@dataclass(frozen=True)
class Post:
    """Post a new message (the parent in the channel, or a reply in its thread)."""

    key: str
    body: Message | FileBody
    in_thread: bool = True
    priority: Priority = Priority.THREAD


@dataclass(frozen=True)
class Edit:
    """Rewrite the message posted under `key`."""

    key: str
    body: Message
    priority: Priority = Priority.STATUS


Op = Post | Edit


@dataclass(frozen=True)
class Plan:
    """Operations in order, the progress to store once they are done, and details to fetch."""

    ops: tuple[Op, ...]
    progress: Progress
    needs: frozenset[Need] = frozenset()
    # When to plan again though nothing changed (a thread line waiting for its status to hold).
    wake_at: float | None = None


def step_key(run_id: str) -> str:
    """The post key of a child run or session step."""
    return f"step:{run_id}"


def plan(tracked: Tracked, progress: Progress, seen: Observation, now: float) -> Plan:
    """Decide the Slack operations that bring the thread up to date with `seen`."""
    if progress.done:
        return Plan((), progress)
    ops: list[Op] = []
    needs: set[Need] = set()
    wake_at: float | None = None
    status = seen.status
    elapsed = elapsed_text(observed_elapsed(seen, now)) if seen.started_at else ""
    if status != progress.seen_status:
        progress = replace(progress, seen_status=status, seen_since=now)

    # Parent: posted once, edited on every status change and, while running, at most every 30 s.
    # Rendered only when it is sent: most plans of a long run change nothing.
    def parent() -> Message:
        return parent_message(tracked, status, elapsed)

    if not progress.parent_status:
        ops.append(Post(PARENT_KEY, parent(), in_thread=False, priority=Priority.STATUS))
        progress = replace(progress, parent_status=status, parent_elapsed=elapsed)
        progress = replace(progress, parent_edited_at=now)
    elif status != progress.parent_status or (seen.terminal and elapsed != progress.parent_elapsed):
        # The edit that shows the end outranks every other status write in the channel.
        ops.append(Edit(PARENT_KEY, parent(), Priority.FINAL if seen.terminal else Priority.STATUS))
        progress = replace(progress, parent_status=status, parent_elapsed=elapsed)
        progress = replace(progress, parent_edited_at=now)
    elif (
        elapsed != progress.parent_elapsed and now - progress.parent_edited_at >= ELAPSED_EDIT_EVERY
    ):
        ops.append(Edit(PARENT_KEY, parent(), priority=Priority.COSMETIC))
        progress = replace(progress, parent_elapsed=elapsed, parent_edited_at=now)

    # Status changes in the thread, coalesced: a status gets its line once it has held a few
    # seconds, or at once when it is the end. A session may pass through Waiting more than once.
    if status != progress.thread_status:
        held = now - progress.seen_since
        if seen.terminal or held >= COALESCE_STATUS_LINES:
            seq = progress.status_seq + 1
            ops.append(Post(f"status:{seq}:{status}", status_message(status)))
            progress = replace(progress, thread_status=status, status_seq=seq)
        else:
            wake_at = progress.seen_since + COALESCE_STATUS_LINES

    # Child runs and session steps: one message each, edited as their status changes.
    shown = dict(progress.steps_shown)
    for step in seen.steps:
        before = shown.get(step.run_id)
        if before == step.status:
            continue
        body = step_message(step, tracked.kind)
        ops.append(
            Post(step_key(step.run_id), body)
            if before is None
            else Edit(step_key(step.run_id), body, priority=Priority.THREAD)
        )
        shown[step.run_id] = step.status
    progress = replace(progress, steps_shown=shown)

    # The ending: a run's outputs on success, its log tail on failure. Sessions have neither
    # in the v0 API (their steps already showed in the thread), so they end here.
    if seen.terminal:
        if tracked.kind is Kind.RUN and status == "Succeeded":
            if seen.output is None:
                needs.add(Need.OUTPUT)
            elif _has_output(seen.output):
                ops.append(Post(OUTPUT_KEY, output_body(tracked.id, seen.output.value)))
        elif tracked.kind is Kind.RUN and status == "Failed":
            if seen.log_tail is None:
                needs.add(Need.LOG_TAIL)
            else:
                lines = [str(line) for line in seen.log_tail.value or []]
                ops.append(Post(LOGTAIL_KEY, log_tail_body(tracked.id, lines)))
        if not needs:
            progress = replace(progress, done=True)
    return Plan(tuple(ops), progress, frozenset(needs), wake_at)


def _has_output(output: Loaded) -> bool:
    value = output.value
    return value is not None and value != {} and value != []
