"""The tracker's decision: given what Slack shows and what the API says, what to post or edit.

The parent shows the status at every moment; the thread only what the parent cannot keep: each
step, the ending (how, after how long, the requester @-mentioned), outputs or the log tail.
A thread line per status change would only repeat the parent, so there is none.

Every post has a stable key (`parent`, `status:1:Succeeded`, `step:run_x`, `output`, `logtail`).
The executor records the key as an intent before the Slack call and the message's ts after it,
so replaying a plan after a crash skips what was posted and reconciles what may have been.
Edits rewrite a known message and are safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from ..core.kinds import Kind
from ..slack.queueing import Priority
from .budget import Lane
from .model import Loaded, Observation, Progress, PromptFact, Step, Tracked
from .render import (
    FileBody,
    Message,
    end_message,
    log_tail_body,
    output_body,
    parent_facts,
    parent_message,
    shown_status,
    step_message,
    step_prompt,
)

PARENT_KEY = "parent"
OUTPUT_KEY = "output"
LOGTAIL_KEY = "logtail"


class Need(StrEnum):
    """A detail the plan needs fetched before it can finish."""

    OUTPUT = "output"
    LOG_TAIL = "log_tail"
    # The prompts, fetched at the end: a reviewer's rejection is why it failed, and who
    # approved (with which values) is named on the parent.
    PROMPTS = "prompts"


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


def plan(
    tracked: Tracked,
    progress: Progress,
    seen: Observation,
    now: float,
    *,
    mention_on_end: bool = True,
) -> Plan:
    """Decide the Slack operations that bring the thread up to date with `seen`.

    `mention_on_end`: @-mention the requester in the ending line (a rejection always does).
    """
    if progress.done:
        return Plan((), progress)
    ops: list[Op] = []
    needs = _needs(tracked, seen)
    status = seen.status
    facts = parent_facts(tracked, seen)
    if status != progress.seen_status:
        progress = replace(progress, seen_status=status, seen_since=now)

    # Parent: posted once, edited only when what it says changes. A running one says when it
    # started as a Slack date (`{ago}`) that each client keeps current, so time passing alone
    # never edits it: edits are kept for news. Rendered only when sent: most plans change nothing.
    def parent() -> Message:
        return parent_message(tracked, seen, now)

    def shown(progress: Progress) -> Progress:
        reads, phrase = shown_status(tracked, seen)
        return replace(
            progress,
            parent_status=status,
            parent_facts=facts,
            shown_status=reads,
            shown_phrase=phrase,
        )

    # A failure's reason (its error, who rejected it) is fetched first, in a fast lane; the
    # parent waits for it so the end is shown once, with its reason, and beside the thread's
    # ending line rather than an edit ahead of it (chat.update is the scarcest Slack budget).
    line_waits = status == "Failed" and bool(needs & LINE_NEEDS)
    if not progress.parent_status:
        ops.append(Post(PARENT_KEY, parent(), in_thread=False, priority=Priority.STATUS))
        progress = shown(progress)
    elif (status != progress.parent_status or facts != progress.parent_facts) and not line_waits:
        # The edit that shows the end outranks every other status write in the channel.
        ops.append(Edit(PARENT_KEY, parent(), Priority.FINAL if seen.terminal else Priority.STATUS))
        progress = shown(progress)

    # Child runs and session steps: one message each, edited as their status changes.
    shown_steps = dict(progress.steps_shown)
    for step in seen.steps:
        before = shown_steps.get(step.run_id)
        if before == step.status:
            continue
        prompt = step_prompt(step, seen.prompts)
        if _undecided(step, prompt) and not seen.final_prompts:
            # A decided prompt step says who decided it: read its prompt first.
            needs.add(Need.PROMPTS)
            continue
        body = step_message(step, tracked.kind, prompt=prompt, names=seen.names)
        ops.append(
            Post(step_key(step.run_id), body)
            if before is None
            else Edit(step_key(step.run_id), body, priority=Priority.THREAD)
        )
        shown_steps[step.run_id] = step.status
    progress = replace(progress, steps_shown=shown_steps)

    # The ending, once what it says is known (the error, who rejected): one line that tells the
    # requester, then a run's outputs on success or its log tail on failure. Sessions have
    # neither in the v0 API (their steps already showed in the thread), so they end at the line.
    # A failure's line waits for its error and prompts; any other ending is known at once
    # (the outputs follow it), so the requester is not kept waiting behind output fetches.
    if seen.terminal and not line_waits and progress.thread_status != status:
        seq = progress.status_seq + 1
        ending = end_message(tracked, seen, now, mention=mention_on_end)
        # The line is what tells the requester (it @-mentions them): right after the channel's
        # final edits, ahead of its other runs' status edits.
        ops.append(Post(f"status:{seq}:{status}", ending, priority=Priority.ENDING))
        progress = replace(progress, thread_status=status, status_seq=seq)
    if seen.terminal and not needs:
        if tracked.kind is Kind.RUN and status == "Succeeded" and seen.output is not None:
            if _has_output(seen.output):
                ops.append(
                    Post(OUTPUT_KEY, output_body(tracked.id, seen.output.value, tracked.label))
                )
        elif (
            tracked.kind is Kind.RUN
            and status == "Failed"
            and seen.log_tail is not None
            and not _rejected(seen)
        ):
            # A rejection's traceback (PromptCancelledError) says nothing the line did not.
            lines = [str(line) for line in seen.log_tail.value or []]
            ops.append(Post(LOGTAIL_KEY, log_tail_body(tracked.id, lines)))
        progress = replace(progress, done=True)
    return Plan(tuple(ops), progress, frozenset(needs), None)


# What a failure's ending line says: its `error` output and whether a reviewer rejected it.
LINE_NEEDS = frozenset({Need.OUTPUT, Need.PROMPTS})


def next_needs(needs: frozenset[Need], status: str) -> tuple[Lane, frozenset[Need]]:
    """Which of `needs` to fetch first, and in which budget lane. A failure's reason is what
    its ending line tells the requester, so it is fetched first, in its own lane behind prompt
    checks only; everything else (a success's outputs, a log tail) waits in DETAILS, after it.
    Fetched in two steps, a failure's line no longer waits for its log tail."""
    urgent = needs & LINE_NEEDS if status == "Failed" else frozenset()
    return (Lane.REASONS, urgent) if urgent else (Lane.DETAILS, needs)


def _needs(tracked: Tracked, seen: Observation) -> set[Need]:
    """Details an ended run's messages need and the observation lacks."""
    needs: set[Need] = set()
    if not seen.terminal:
        return needs
    # Prompts seen while it ran may have been decided since (the run went on at once): read
    # once more at the end, so the parent names who approved or rejected and with what.
    if seen.prompts and not seen.final_prompts:
        needs.add(Need.PROMPTS)
    if tracked.kind is Kind.SESSION:
        return needs
    if seen.status in ("Succeeded", "Failed") and seen.output is None:
        needs.add(Need.OUTPUT)  # the outputs, or the failure's `error`
    if seen.status == "Failed":
        if seen.log_tail is None:
            needs.add(Need.LOG_TAIL)
        if not seen.final_prompts:
            needs.add(Need.PROMPTS)
    return needs


def _undecided(step: Step, prompt: PromptFact | None) -> bool:
    """Whether a session's prompt step has ended but its fact does not say who decided it."""
    if not step.prompt_id or step.status in ("Waiting", "Pending"):
        return False
    return prompt is None or prompt.state == "pending" or not prompt.decided_by


def _rejected(seen: Observation) -> bool:
    return any(p.state == "cancelled" and p.decided_by for p in seen.prompts)


def _has_output(output: Loaded) -> bool:
    value = output.value
    return value is not None and value != {} and value != []
