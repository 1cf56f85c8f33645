"""The help and usage messages."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from ..slack_clip import TEXT_LIMITS, clip

__all__ = ["help_message", "usage_lines"]


def usage_lines(command: str) -> list[str]:
    """One line per subcommand."""
    return [
        f"`{command} run <task> [key=value ...] [--env ENV]` start a task"
        " (a form asks for missing values)",
        f"`{command} runbook <slug> [key=value ...] [--env ENV]` start a runbook",
        f"`{command} status <run or session ID>` show a run's status",
        f"`{command} logs <run ID>` show the end of a run's logs",
        f"`{command} cancel <run ID>` cancel a run",
        f"`{command} runs [task]` list recent runs",
        f"`{command} watch <run or session ID>` follow it in this channel",
        f"`{command} subscribe <task>` show every new run of a task here"
        f" (`{command} unsubscribe <task>` stops)",
        f"`{command} help` this help",
    ]


def help_message(command: str, problem: str | None = None) -> dict[str, Any]:
    """`text` and `blocks` for help; with `problem`, what was wrong comes first."""
    usage = "\n".join(usage_lines(command))
    blocks = []
    if problem:
        # A problem can quote the user's whole input; slack_sdk refuses a section over its limit.
        shown = clip(f":warning: {problem}", TEXT_LIMITS[("section", "text")])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=shown)))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Usage*\n{usage}")))
    text = f"{problem}\n{usage}" if problem else usage
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}
