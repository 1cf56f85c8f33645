"""The help and usage messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from ..slack_clip import TEXT_LIMITS, clip

__all__ = ["SUBCOMMANDS", "Subcommand", "help_message", "usage_lines"]


@dataclass(frozen=True)
class Subcommand:
    """One subcommand of the slash command: help lists these, the playground autocompletes them."""

    name: str
    arguments: str
    description: str


# The one list of subcommands; `{command}` in a description is the configured slash command.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "run",
        "<task> [key=value ...] [--env ENV]",
        "start a task (a form asks for missing values)",
    ),
    Subcommand("runbook", "<slug> [key=value ...] [--env ENV]", "start a runbook"),
    Subcommand("status", "<run or session ID>", "show a run's status"),
    Subcommand("logs", "<run ID>", "show the end of a run's logs"),
    Subcommand("cancel", "<run ID>", "cancel a run"),
    Subcommand("runs", "[task]", "list recent runs"),
    Subcommand("watch", "<run or session ID>", "follow it in this channel"),
    Subcommand(
        "subscribe",
        "<task>",
        "show every new run of a task here (`{command} unsubscribe <task>` stops)",
    ),
    Subcommand("help", "", "this help"),
)


def usage_lines(command: str) -> list[str]:
    """One line per subcommand."""
    return [
        f"`{' '.join(filter(None, (command, sub.name, sub.arguments)))}` "
        + sub.description.format(command=command)
        for sub in SUBCOMMANDS
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
