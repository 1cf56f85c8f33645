"""The slash command's text, parsed like a shell. Pure: text in, a command or a UsageError out."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ...core.errors import UsageError

__all__ = [
    "CancelCommand",
    "Command",
    "HelpCommand",
    "LogsCommand",
    "RunCommand",
    "RunbookCommand",
    "RunsCommand",
    "StatusCommand",
    "UsageError",
    "parse_command",
]

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


# Curly double and single quotes (U+201C, U+201D, U+2018, U+2019) -> straight ones.
_CURLY_QUOTES: dict[int, str] = {0x201C: '"', 0x201D: '"', 0x2018: "'", 0x2019: "'"}


SUBCOMMAND_NAMES = (
    "run", "runbook", "tasks", "status", "logs", "cancel", "runs", "watch", "subscribe",
    "unsubscribe", "help",
)  # fmt: skip


def close_matches(word: str, known: Sequence[str]) -> list[str]:
    """Names close to a mistyped one, best first (the "did you mean" of every error)."""
    # 0.7, not difflib's 0.6: `helo` is 0.6 from `deploy` (three letters in common), which
    # nobody meant; real slips (`helo`/`hello` 0.89, `prdo`/`prod` 0.75) stay well above it.
    return difflib.get_close_matches(word.lower(), list(known), n=3, cutoff=0.7)


@dataclass(frozen=True)
class RunCommand:
    """`run <task> [key=value ...] [--env ENV]`."""

    slug: str
    args: Mapping[str, str] = field(default_factory=dict)
    env: str | None = None
    form: bool = False  # `--form`: open the form even when nothing required is missing


@dataclass(frozen=True)
class TasksCommand:
    """`tasks [filter]`: the tasks one may run, with their descriptions."""

    filter: str = ""


@dataclass(frozen=True)
class RunbookCommand:
    """`runbook <slug> [key=value ...] [--env ENV] [--form]`."""

    slug: str
    args: Mapping[str, str] = field(default_factory=dict)
    env: str | None = None
    form: bool = False  # `--form`: open the form even when nothing required is missing


@dataclass(frozen=True)
class StatusCommand:
    """`status <run or session ID>`."""

    id: str


@dataclass(frozen=True)
class LogsCommand:
    """`logs <run ID>`."""

    run_id: str


@dataclass(frozen=True)
class CancelCommand:
    """`cancel <run ID>`."""

    run_id: str


@dataclass(frozen=True)
class RunsCommand:
    """`runs [task]`."""

    slug: str | None = None


@dataclass(frozen=True)
class WatchCommand:
    """`watch <run or session ID>`: follow something started elsewhere, in this channel."""

    target_id: str


@dataclass(frozen=True)
class SubscribeCommand:
    """`subscribe <task>`: a parent and thread here for every run of the task."""

    slug: str


@dataclass(frozen=True)
class UnsubscribeCommand:
    """`unsubscribe <task>`."""

    slug: str


@dataclass(frozen=True)
class HelpCommand:
    """`help` (also the empty command)."""


Command = (
    RunCommand
    | TasksCommand
    | RunbookCommand
    | StatusCommand
    | LogsCommand
    | CancelCommand
    | RunsCommand
    | WatchCommand
    | SubscribeCommand
    | UnsubscribeCommand
    | HelpCommand
)


def _split(text: str) -> list[str]:
    # Slack clients turn quotes into curly ones; treat them as the straight ones people meant.
    straight = text.translate(_CURLY_QUOTES)
    try:
        return shlex.split(straight, posix=True)
    except ValueError as exc:
        raise UsageError(f"could not read the arguments: {exc} (check your quotes)") from exc


def _slug(words: list[str], what: str) -> str:
    if not words:
        raise UsageError(f"which {what}? Give its slug")
    slug = words[0]
    if not _SLUG.match(slug) or "=" in slug:
        raise UsageError(f"`{slug}` is not a {what} slug")
    return slug


def _arguments(words: list[str]) -> tuple[dict[str, str], str | None]:
    """`key=value` pairs and an optional `--env ENV` / `--env=ENV`."""
    args: dict[str, str] = {}
    env: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--env":
            if index + 1 >= len(words):
                raise UsageError("`--env` needs an environment slug after it")
            env = words[index + 1]
            index += 2
            continue
        if word.startswith("--env="):
            env = word.removeprefix("--env=")
            if not env:
                raise UsageError("`--env=` needs an environment slug")
        elif "=" in word:
            key, value = word.split("=", 1)
            if not _KEY.match(key):
                raise UsageError(f"`{key}` is not a parameter name")
            if key in args:
                raise UsageError(f"`{key}` is given twice")
            args[key] = value
        else:
            raise UsageError(f"`{word}` is not a `key=value` argument")
        index += 1
    return args, env


def _one_id(words: list[str], name: str, what: str) -> str:
    if len(words) != 1:
        raise UsageError(f"`{name}` takes one {what}")
    return words[0]


def parse_command(text: str) -> Command:
    """The command in `text`; raises UsageError saying what was wrong and which usage helps."""
    try:
        words = _split(text.strip())
    except UsageError as error:
        first = (text.split() or [""])[0].lower()
        raise UsageError(str(error), first if first in SUBCOMMAND_NAMES else None) from None
    if not words:
        return HelpCommand()
    name, rest = words[0].lower(), words[1:]
    try:
        return _parse(name, rest, words)
    except UsageError as error:
        if error.subcommand is None and name in SUBCOMMAND_NAMES:
            raise UsageError(str(error), name) from None
        raise


def _parse(name: str, rest: list[str], words: list[str]) -> Command:
    if name in ("help", "-h", "--help"):
        return HelpCommand()
    if name == "tasks":
        return TasksCommand(" ".join(rest))
    if name == "run":
        slug = _slug(rest, "task")
        form = "--form" in rest[1:]
        args, env = _arguments([word for word in rest[1:] if word != "--form"])
        return RunCommand(slug, args, env, form)
    if name == "runbook":
        slug = _slug(rest, "runbook")
        form = "--form" in rest[1:]
        args, env = _arguments([word for word in rest[1:] if word != "--form"])
        return RunbookCommand(slug, args, env, form)
    if name == "status":
        return StatusCommand(_one_id(rest, name, "run or session ID"))
    if name == "logs":
        return LogsCommand(_one_id(rest, name, "run ID"))
    if name == "cancel":
        return CancelCommand(_one_id(rest, name, "run ID"))
    if name == "runs":
        if len(rest) > 1:
            raise UsageError("`runs` takes at most one task slug")
        return RunsCommand(_slug(rest, "task") if rest else None)
    if name == "watch":
        return WatchCommand(_one_id(rest, name, "run or session ID"))
    if name in ("subscribe", "unsubscribe"):
        if len(rest) != 1:
            raise UsageError(f"`{name}` takes one task slug")
        slug = _slug(rest, "task")
        return SubscribeCommand(slug) if name == "subscribe" else UnsubscribeCommand(slug)
    guesses = close_matches(name, SUBCOMMAND_NAMES)
    if guesses:
        raise UsageError(f"there is no subcommand `{words[0]}`; did you mean `{guesses[0]}`?")
    if _SLUG.match(words[0]) and "=" not in words[0]:
        # `/airplane deploy api`: most likely a task to run.
        raise UsageError(
            f"there is no subcommand `{words[0]}`. To start a task: "
            f"`run {' '.join(words)}`; `tasks` lists the tasks you may run",
        )
    raise UsageError(f"there is no subcommand `{words[0]}`", "help")
