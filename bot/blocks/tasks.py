"""The list of tasks and runbooks one may run (`tasks [filter]`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from airplane_api.models import Runbook, Task
from foundation.slack_limits import SECTION_TEXT

from ..slack.clip import clip
from ..slack.mrkdwn import escape

__all__ = ["MAX_ITEMS", "matches", "tasks_message"]

MAX_ITEMS = 40


def matches(needle: str, item: Task | Runbook) -> bool:
    """Whether `tasks <needle>` shows `item`: the needle in its slug, name or description."""
    text = f"{item.slug} {item.name} {item.description}".lower()
    return needle.lower() in text


def _line(command: str, item: Task | Runbook) -> str:
    """One item: the name people know, whether it is a runbook, and the command that starts it."""
    slug = escape(item.slug)
    start = f"runbook {slug}" if isinstance(item, Runbook) else f"run {slug}"
    kind = " (runbook)" if isinstance(item, Runbook) else ""
    line = f"*{escape(item.name) or slug}*{kind} `{command} {start}`"
    about = " ".join(item.description.split())
    return line + (f"\n{escape(clip(about, 150))}" if about else "")


def tasks_message(
    command: str,
    tasks: Sequence[Task],
    needle: str = "",
    *,
    runbooks: Sequence[Runbook] = (),
    runbooks_unlisted: str = "",
) -> dict[str, Any]:
    """Each task, then each runbook, with its name, description and how to start it.

    `runbooks_unlisted` says why runbooks could not be listed (the tasks are shown anyway).
    """
    what = "Tasks and runbooks" if runbooks else "Tasks"
    title = f"{what} you may run matching “{escape(needle)}”" if needle else f"{what} you may run"
    items: list[Task | Runbook] = [*tasks, *runbooks]
    if not items:
        hint = "Try a shorter filter." if needle else "Ask an admin which tasks you may run."
        lines = [f"_none_. {hint}"]
    else:
        lines = [_line(command, item) for item in items[:MAX_ITEMS]]
    blocks: list[Any] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{title}*")),
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT))),
    ]
    notes = []
    if len(items) > MAX_ITEMS:
        notes.append(f"{len(items) - MAX_ITEMS} more: narrow it with `{command} tasks <filter>`.")
    if runbooks_unlisted:
        notes.append(f":warning: Runbooks could not be listed: {escape(runbooks_unlisted)}.")
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=n) for n in notes]))
    return {"text": title, "blocks": [block.to_dict() for block in blocks]}
