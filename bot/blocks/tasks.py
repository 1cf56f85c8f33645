"""The list of tasks one may run (`tasks [filter]`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from airplane_api.models import Task

from ..slack_clip import clip

__all__ = ["tasks_message"]

MAX_TASKS = 40


def tasks_message(command: str, tasks: Sequence[Task], needle: str = "") -> dict[str, Any]:
    """Each task with its name, description and how to start it."""
    title = f"Tasks you may run matching “{needle}”" if needle else "Tasks you may run"
    if not tasks:
        hint = "Try a shorter filter." if needle else "Ask an admin which tasks you may run."
        lines = [f"_none_. {hint}"]
    else:
        lines = []
        for task in tasks[:MAX_TASKS]:
            about = " ".join(task.description.split())
            line = f"*{task.name or task.slug}* `{command} run {task.slug}`"
            lines.append(line + (f"\n{clip(about, 150)}" if about else ""))
    blocks: list[Any] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{title}*")),
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000))),
    ]
    if len(tasks) > MAX_TASKS:
        more = f"{len(tasks) - MAX_TASKS} more: narrow it with `{command} tasks <filter>`."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return {"text": title, "blocks": [block.to_dict() for block in blocks]}
