"""Slack messages for tracked runs and sessions: pure functions from values to text and blocks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from foundation.slack_limits import SECTION_TEXT

from ..blocks import following
from ..blocks.runs import (
    RunSummary,
    approval_text,
    run_message,
    status_emoji,
    status_line,
    status_phrase,
)
from ..core.kinds import Kind
from ..people.labels import person, slack_user
from ..slack.mrkdwn import code_block, code_span, escape, unescape
from ..slack.queueing import Origin
from .model import Observation, PromptFact, Step, Tracked

# A failed run's log lines shown in its thread (a file when they don't fit a section).
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class Message:
    """A message body: fallback text and Block Kit blocks as JSON objects."""

    text: str
    blocks: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class FileBody:
    """A file to upload into the thread instead of a message that would be too long."""

    filename: str
    title: str
    content: str
    # The message that comes with the file: what it is, how big, a short preview.
    comment: str = ""


def duration_text(seconds: float) -> str:
    """How long an ended run took, written once (`45s`, `3m 07s`, `1h 02m`). A running one
    shows when it started instead (Slack's `{ago}`), which needs no edits to stay true."""
    whole = int(max(seconds, 0))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@dataclass(frozen=True)
class Decisions:
    """What reviewers decided about a run's prompts, as every surface tells it."""

    approved_by: tuple[str, ...] = ()
    # What the approvers chose, when their prompts asked for values (slug -> value).
    approved_values: Mapping[str, Any] = field(default_factory=dict)
    rejected_by: str = ""
    rejected_as: str = ""  # the label of the reject button ("Stop")


def decisions(
    prompts: Sequence[PromptFact],
    names: Mapping[str, str],
    *,
    status: str,
    cancelled_by: str = "",
) -> Decisions:
    """Who approved (and with which values) and who rejected: the parent's and `status`'s
    one reading of a run's prompts. People come as mrkdwn (a mention or a name)."""
    approved = [p for p in prompts if p.state == "submitted" and p.decided_by]
    values: dict[str, Any] = {}
    for prompt in approved:
        values.update((k, v) for k, v in prompt.values.items() if v is not None)
    rejected = _rejection(prompts, status=status, cancelled_by=cancelled_by)
    return Decisions(
        approved_by=tuple(dict.fromkeys(person(p.decided_by, names) for p in approved)),
        approved_values=values,
        rejected_by=person(rejected.decided_by, names) if rejected else "",
        rejected_as=rejected.verdict if rejected else "",
    )


def summary(tracked: Tracked, seen: Observation, now: float) -> RunSummary:
    """What the parent says about `tracked` given what the API says now."""
    names = seen.names
    started_by = tracked.requested_by or seen.created_by
    user = slack_user(started_by)
    ended = seen.terminal and seen.started_at is not None
    pending = [p for p in seen.prompts if p.state == "pending"]
    decided = decisions(seen.prompts, names, status=seen.status, cancelled_by=seen.cancelled_by)
    return RunSummary(
        run_id=tracked.id,
        slug=tracked.label,
        status=seen.status,
        name=tracked.name,
        requester_id=user,
        started_in_airplane_by="" if user else person(started_by, names) if started_by else "",
        env=tracked.env or None,
        params=tracked.params,
        link=tracked.link or None,
        kind=tracked.kind,
        duration=duration_text(observed_elapsed(seen, now)) if ended else "",
        started_at=seen.started_at.timestamp() if seen.started_at else None,
        error=error_text(seen.output.value) if seen.output and seen.status == "Failed" else "",
        waiting_for=(
            tuple(dict.fromkeys(person(r, names) for p in pending for r in p.reviewers))
            if pending and not seen.terminal
            else None
        ),
        approved_by=decided.approved_by,
        approved_values=decided.approved_values,
        rejected_by=decided.rejected_by,
        rejected_as=decided.rejected_as,
        cancelled_by=person(seen.cancelled_by, names) if seen.cancelled_by else "",
    )


def _rejection(
    prompts: Sequence[PromptFact], *, status: str, cancelled_by: str
) -> PromptFact | None:
    """The prompt whose rejection ended the run (a cancelled run's prompts close, unrejected)."""
    if status == "Cancelled" and cancelled_by:
        return None
    for prompt in prompts:
        if prompt.state == "cancelled" and prompt.decided_by:
            return prompt
    return None


def parent_message(tracked: Tracked, seen: Observation, now: float) -> Message:
    """The parent message in the channel, from its first post on: the one run renderer."""
    rendered = run_message(summary(tracked, seen, now))
    return Message(text=str(rendered["text"]), blocks=tuple(rendered["blocks"]))


def parent_facts(tracked: Tracked, seen: Observation) -> str:
    """What the parent shows besides its status; when this changes, the parent is edited.

    A running one's time is a Slack date token that never changes; an ended one's duration
    counts once its end is known (an end first seen without `ended_at` is edited when it is).
    """
    shown = summary(tracked, seen, 0.0)
    ended = seen.terminal and seen.ended_at is not None
    duration = [duration_text(observed_elapsed(seen, 0.0))] if ended else []
    return "|".join(
        [
            ",".join(shown.waiting_for) if shown.waiting_for is not None else "-",
            ",".join(shown.approved_by),
            json.dumps(shown.approved_values, sort_keys=True, default=str),
            shown.rejected_by,
            shown.cancelled_by,
            shown.error,
            shown.started_in_airplane_by,
            *duration,
        ]
    )


def shown_status(tracked: Tracked, seen: Observation) -> tuple[str, str]:
    """The parent's status as people read it, and as a list says it (who ended it named):
    what App Home shows of a run, from the parent's own summary."""
    shown = summary(tracked, seen, 0.0)
    return shown.shown_status, status_phrase(shown)


def error_text(output: Any) -> str:
    """The message of a failed run's `error` output: one line, never a traceback."""
    error = output.get("error") if isinstance(output, dict) else None
    if error is None:
        return ""
    text = error if isinstance(error, str) else json.dumps(error, default=str)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    # A traceback's last line is the exception and its message; anything else reads first.
    line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    return line if len(line) <= 300 else line[:299] + "…"


def who(requester: str) -> str:
    """A Slack user ID as a mention (`slack:U…` labels included); anything else as it is."""
    return person(requester, {})


def end_message(tracked: Tracked, seen: Observation, now: float, *, mention: bool) -> Message:
    """The thread's line when the run ends: how, after how long, and the requester told
    (always of a rejection), unless they ended it themselves: they know already. Only the
    requester's own thread tells them: a subscription's copy mentions nobody."""
    shown = summary(tracked, seen, now)
    line = status_line(shown)
    rejected = shown.shown_status == "Rejected"
    ended_by = _ended_by(seen)
    own = bool(shown.requester_id) and slack_user(ended_by) == shown.requester_id
    copy = tracked.origin is Origin.SUBSCRIPTION
    if shown.requester_id and (mention or rejected) and not own and not copy:
        line += f" · <@{shown.requester_id}>"
    return Message(text=line)


def _ended_by(seen: Observation) -> str:
    """Who ended the run, as Airplane labels them: who cancelled it, or who rejected it."""
    if seen.status == "Cancelled" and seen.cancelled_by:
        return seen.cancelled_by
    rejected = _rejection(seen.prompts, status=seen.status, cancelled_by=seen.cancelled_by)
    return rejected.decided_by if rejected else ""


def step_message(
    step: Step,
    kind: Kind,
    *,
    prompt: PromptFact | None = None,
    names: Mapping[str, str] | None = None,
) -> Message:
    """A thread line for a child run (of a run) or a step (of a session), edited in place.
    A decided prompt step says who decided it (`prompt`, its fact; `names`, how people read)
    and what they chose, as the parent does, rather than a bare status."""
    noun = "Child run" if kind is Kind.RUN else "Step"
    ident = f" `{escape(step.run_id)}`" if step.run_id.startswith("run") else ""
    label = escape(step.label)
    decided = prompt is not None and prompt.decided_by and prompt.state != "pending"
    if prompt is not None and decided:
        who = person(prompt.decided_by, names or {})
        if prompt.state == "submitted":
            values = {k: v for k, v in prompt.values.items() if v is not None}
            how = approval_text((who,), values)
            emoji = status_emoji("Succeeded")
        else:
            verdict = f" ({escape(prompt.verdict)})" if prompt.verdict else ""
            how = f"Rejected by {who}{verdict}"
            emoji = status_emoji("Rejected")
        return Message(text=f"{emoji} {noun} *{label}*: {how}")
    emoji = status_emoji(step.status)
    return Message(text=f"{emoji} {noun} *{label}*{ident}: {escape(step.status)}")


def step_prompt(step: Step, prompts: Sequence[PromptFact]) -> PromptFact | None:
    """The fact of a session's prompt step, when the observation has it."""
    if not step.prompt_id:
        return None
    return next((p for p in prompts if p.id == step.prompt_id), None)


def _table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def is_table(value: Any) -> bool:
    """Whether an output is a non-empty list of objects (shown as a table)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


PREVIEW_ROWS = 3


def output_body(run_id: str, value: Any, label: str = "") -> Message | FileBody:
    """Outputs on success, titled: a table for a list of objects, JSON otherwise, a file (with
    its row count and a short preview) when too long."""
    what = f"Output of {code_span(label)}" if label else "Output"
    if is_table(value):
        body, ext = _table(value), "txt"
        rows = len(value)
        title = f"{what}: {rows} row{'s' if rows != 1 else ''}"
    else:
        body, ext = json.dumps(value, indent=2, ensure_ascii=False, default=str), "json"
        title = what
    fenced = f":page_facing_up: *{title}*\n{code_block(body)}"
    plain_title = title.replace("`", "")
    if len(fenced) > SECTION_TEXT:
        preview_lines = body.splitlines()[: PREVIEW_ROWS + 2 if is_table(value) else PREVIEW_ROWS]
        preview = "\n".join(line[:150] for line in preview_lines)
        comment = f":page_facing_up: *{title}*, too long for a message: in the file. First lines:"
        comment += f"\n{code_block(preview)}"
        return FileBody(
            filename=f"output-{run_id}.{ext}",
            title=unescape(plain_title),
            content=body,
            comment=comment,
        )
    block = SectionBlock(text=MarkdownTextObject(text=fenced)).to_dict()
    return Message(text=plain_title, blocks=(block,))


def without_internal_frames(lines: list[str]) -> list[str]:
    """Log lines minus the frames of airfield's own task runner (`task_shim.py`), which say
    nothing about the task: a frame's `File …` line and the source line under it."""
    kept: list[str] = []
    skip_source = False
    for line in lines:
        if skip_source:
            # The frame's source line, and the `^^^^` line Python 3.11+ may put under it.
            if line.strip() and set(line.strip()) <= {"^", "~"}:
                continue
            skip_source = False
            if line.startswith("    ") and not line.lstrip().startswith("File "):
                skip_source = True
                continue
        if line.lstrip().startswith("File ") and "task_shim.py" in line:
            skip_source = True
            continue
        kept.append(line)
    return kept


def log_tail_body(run_id: str, lines: list[str]) -> Message | FileBody:
    """The last log lines of a failed run, as a code block or a file when too long."""
    tail = without_internal_frames(lines)[-LOG_TAIL_LINES:]
    body = "\n".join(tail) if tail else "(no log lines)"
    title = f"Last {len(tail)} log line{'s' if len(tail) != 1 else ''} of {code_span(run_id)}"
    fenced = f":scroll: *{title}*\n{code_block(body)}"
    plain_title = title.replace("`", "")
    if len(fenced) > SECTION_TEXT:
        preview = "\n".join(line[:150] for line in tail[-PREVIEW_ROWS:])
        comment = f":scroll: *{title}*, in the file. The very last:\n{code_block(preview)}"
        return FileBody(
            filename=f"logs-{run_id}.txt",
            title=unescape(plain_title),
            content=body,
            comment=comment,
        )
    block = SectionBlock(text=MarkdownTextObject(text=fenced)).to_dict()
    return Message(text=plain_title, blocks=(block,))


def observed_elapsed(observation: Observation, now: float) -> float:
    """Seconds since the run started (or ran for, once ended); 0 before it starts."""
    if observation.started_at is None:
        return 0.0
    end = observation.ended_at.timestamp() if observation.ended_at else now
    return end - observation.started_at.timestamp()


def _noun(tracked: Tracked) -> str:
    return tracked.kind.value


def trouble_message(tracked: Tracked, reason: str, command: str) -> Message:
    """A thread note: following this run keeps failing (said once, while retries go on)."""
    return Message(text=following.trouble(_noun(tracked), tracked.id, reason, command))


def vanished_message(tracked: Tracked) -> Message:
    """A thread note: the run or session no longer exists in Airplane."""
    return Message(text=following.vanished(_noun(tracked), tracked.id))


def channel_gone_message(tracked: Tracked, reason: str, command: str) -> Message:
    """A DM to the requester: their run's channel no longer takes the bot's messages."""
    text = following.channel_gone(
        _noun(tracked), tracked.id, tracked.label, tracked.channel, reason, command
    )
    return Message(text=text)
