"""The help and usage messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from ..slack.clip import TEXT_LIMITS, clip
from ..slack.mrkdwn import escape

__all__ = [
    "DEFAULT_COMMAND",
    "SUBCOMMANDS",
    "Subcommand",
    "help_message",
    "hint_line",
    "usage_lines",
]

# The slash command unless BOT_COMMAND renames it; every sentence that says what to type
# is given the configured one.
DEFAULT_COMMAND = "/airplane"


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
        "<task> [key=value ...] [--env ENV] [--form]",
        "start a task (a form asks for missing values; `--form` always opens it)",
    ),
    Subcommand(
        "runbook",
        "<slug> [key=value ...] [--env ENV] [--form]",
        "start a runbook (a form asks for missing values, as for `run`)",
    ),
    Subcommand("tasks", "[filter]", "list the tasks and runbooks you may run"),
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


EXAMPLES = (
    "run hello name=Ada",
    "run deploy version=v1.4.0 --env prod",
    "run deploy --form",
    "runbook release version=v1.4.0",
    "tasks deploy",
    "runs deploy",
    "status run20240501zk3j9x0q2ab",  # shaped as Airplane (and airfield) make run IDs
)


def hint_line(command: str, subcommand: str | None) -> str:
    """The one line of what to do after a mistake: that subcommand's usage alone (the problem
    already says what was wrong; its description, in brackets of its own, only made the line
    longer), or where help is."""
    for sub in SUBCOMMANDS:
        if sub.name == subcommand and sub.name != "help":
            call = " ".join(filter(None, (command, sub.name, sub.arguments)))
            return f"Usage: `{call}`"
    return f"`{command} help` lists every command, with examples."


def help_message(
    command: str, problem: str | None = None, subcommand: str | None = None
) -> dict[str, Any]:
    """Help with examples; with `problem`, what was wrong and one line of what to do instead."""
    if problem:
        # A problem can quote the user's whole input (escaped: nothing in it is live); slack_sdk
        # refuses a section over its limit.
        problem = escape(problem)
        text = f":warning: {problem[:1].upper()}{problem[1:]}\n{hint_line(command, subcommand)}"
        shown = clip(text, TEXT_LIMITS[("section", "text")])
        return {
            "text": shown,
            "blocks": [SectionBlock(text=MarkdownTextObject(text=shown)).to_dict()],
        }
    usage = "\n".join(usage_lines(command))
    examples = "\n".join(f"`{command} {example}`" for example in EXAMPLES)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*Usage*\n{usage}")),
        SectionBlock(text=MarkdownTextObject(text=f"*Examples*\n{examples}")),
    ]
    return {"text": usage, "blocks": [block.to_dict() for block in blocks]}
