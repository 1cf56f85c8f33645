"""Slack messages for tracked runs and sessions: pure functions from values to text and blocks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from ..blocks.runs import RunSummary, run_message, status_emoji
from .model import Kind, Observation, Step, Tracked

# Slack's limit for a section's text is 3,000 characters; longer outputs become a file.
SECTION_LIMIT = 3000
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


def elapsed_text(seconds: float) -> str:
    """Elapsed time to the granularity a 30 s refresh can show (`45s`, `3m 30s`, `1h 02m`)."""
    whole = int(max(seconds, 0))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs // 30 * 30:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def parent_message(tracked: Tracked, status: str, elapsed: str) -> Message:
    """The parent message in the channel, from its first post on: the one run renderer."""
    user = tracked.requested_by.removeprefix("slack:")
    summary = RunSummary(
        run_id=tracked.id,
        slug=tracked.label,
        status=status,
        name=tracked.name,
        requester_id=user if who(user) != user else None,
        env=tracked.env or None,
        params=tracked.params,
        link=tracked.link or None,
        is_runbook=tracked.kind is Kind.SESSION,
        elapsed=elapsed,
    )
    rendered = run_message(summary)
    return Message(text=str(rendered["text"]), blocks=tuple(rendered["blocks"]))


def who(requester: str) -> str:
    """A Slack user ID as a mention (`slack:U…` labels included); anything else as it is."""
    user = requester.removeprefix("slack:")
    if user[:1] in ("U", "W") and user.isalnum() and user.isupper():
        return f"<@{user}>"
    return requester


def status_message(status: str) -> Message:
    """A thread line for one status change."""
    return Message(text=f"{status_emoji(status)} Status: {status}".strip())


def step_message(step: Step, kind: Kind) -> Message:
    """A thread line for a child run (of a run) or a step (of a session), edited in place."""
    noun = "Child run" if kind is Kind.RUN else "Step"
    emoji = status_emoji(step.status)
    return Message(text=f"{noun} {step.label} `{step.run_id}`: {emoji} {step.status}")


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


def output_body(run_id: str, value: Any) -> Message | FileBody:
    """Outputs on success: a table for a list of objects, JSON otherwise, a file when too long."""
    if is_table(value):
        body, ext = _table(value), "txt"
    else:
        body, ext = json.dumps(value, indent=2, ensure_ascii=False, default=str), "json"
    fenced = f"*Output*\n```\n{body}\n```"
    if len(fenced) > SECTION_LIMIT:
        return FileBody(filename=f"output-{run_id}.{ext}", title="Output", content=body)
    block = SectionBlock(text=MarkdownTextObject(text=fenced)).to_dict()
    return Message(text="Output", blocks=(block,))


def log_tail_body(run_id: str, lines: list[str]) -> Message | FileBody:
    """The last log lines of a failed run, as a code block or a file when too long."""
    tail = lines[-LOG_TAIL_LINES:]
    body = "\n".join(tail) if tail else "(no log lines)"
    fenced = f"*Last {len(tail)} log lines*\n```\n{body}\n```"
    if len(fenced) > SECTION_LIMIT:
        return FileBody(filename=f"logs-{run_id}.txt", title="Log tail", content=body)
    block = SectionBlock(text=MarkdownTextObject(text=fenced)).to_dict()
    return Message(text="Log tail", blocks=(block,))


def observed_elapsed(observation: Observation, now: float) -> float:
    """Seconds since the run started (or ran for, once ended); 0 before it starts."""
    if observation.started_at is None:
        return 0.0
    end = observation.ended_at.timestamp() if observation.ended_at else now
    return end - observation.started_at.timestamp()


def _noun(tracked: Tracked) -> str:
    return "run" if tracked.kind is Kind.RUN else "session"


def trouble_message(tracked: Tracked, reason: str) -> Message:
    """A thread note: following this run keeps failing (said once, while retries go on)."""
    text = (
        f":warning: I keep failing to follow this {_noun(tracked)} (`{reason}`). "
        "I will keep trying every few minutes; "
        f"`/airplane status {tracked.id}` asks Airplane directly."
    )
    return Message(text=text)


def vanished_message(tracked: Tracked) -> Message:
    """A thread note: the run or session no longer exists in Airplane."""
    text = (
        f":grey_question: Airplane no longer knows {_noun(tracked)} `{tracked.id}`, "
        "so I stopped following it."
    )
    return Message(text=text)


def channel_gone_message(tracked: Tracked, reason: str) -> Message:
    """A DM to the requester: their run's channel no longer takes the bot's messages."""
    text = (
        f":warning: I can no longer post in <#{tracked.channel}> (Slack says `{reason}`: I was "
        f"removed, or the channel was archived), so updates of {_noun(tracked)} "
        f"`{tracked.id}` ({tracked.label}) stop there. To follow it elsewhere, type "
        f"`/airplane watch {tracked.id}` in another channel."
    )
    return Message(text=text)
