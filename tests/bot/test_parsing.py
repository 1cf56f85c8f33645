"""Parsing the slash command's text."""

from __future__ import annotations

import contextlib
import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.listeners.commands.parsing import (
    CancelCommand,
    HelpCommand,
    LogsCommand,
    RunbookCommand,
    RunCommand,
    RunsCommand,
    StatusCommand,
    SubscribeCommand,
    TasksCommand,
    UnsubscribeCommand,
    UsageError,
    WatchCommand,
    close_matches,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", HelpCommand()),
        ("help", HelpCommand()),
        ("run hello", RunCommand("hello")),
        (
            'run hello name="Ada Lovelace" shout=true',
            RunCommand("hello", {"name": "Ada Lovelace", "shout": "true"}),
        ),
        (
            "run deploy --env prod version=v1.2.3",
            RunCommand("deploy", {"version": "v1.2.3"}, "prod"),
        ),
        ("run deploy --env=stage", RunCommand("deploy", {}, "stage")),
        ("""run inv filter='{"a": [1, 2]}'""", RunCommand("inv", {"filter": '{"a": [1, 2]}'})),
        ("run hello name=“Grace Hopper”", RunCommand("hello", {"name": "Grace Hopper"})),
        ("run hello note=a=b", RunCommand("hello", {"note": "a=b"})),
        ("RUNBOOK release service=api", RunbookCommand("release", {"service": "api"})),
        ("status run123", StatusCommand("run123")),
        ("logs run123", LogsCommand("run123")),
        ("cancel run123", CancelCommand("run123")),
        ("runs", RunsCommand()),
        ("runs hello", RunsCommand("hello")),
    ],
)
def test_commands_parse(text: str, expected: object) -> None:
    """Each subcommand with quoting, JSON values and --env."""
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deploy now", "no subcommand `deploy`. To start a task: `run deploy now`"),
        ("stauts run_1", "did you mean `status`"),
        ("run", "which task"),
        ("run name=x", "not a task slug"),
        ("run hello extra", "`extra` is not a `key=value`"),
        ("run hello a=1 a=2", "given twice"),
        ('run hello name="unclosed', "check your quotes"),
        ("run hello --env", "needs an environment"),
        ("run hello 1x=2", "not a parameter name"),
        ("status", "takes one"),
        ("cancel a b", "takes one"),
        ("runs a b", "at most one"),
    ],
)
def test_bad_text_says_what_was_wrong(text: str, message: str) -> None:
    """Every malformed command raises a UsageError naming the problem."""
    with pytest.raises(UsageError, match=message):
        parse_command(text)


keys = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=30)


@given(st.dictionaries(keys, values, max_size=5))
def test_quoted_values_round_trip(args: dict[str, str]) -> None:
    """Any values, shell-quoted, parse back to exactly what was quoted."""
    text = "run task " + " ".join(shlex.quote(f"{k}={v}") for k, v in args.items())
    assert parse_command(text) == RunCommand("task", args)


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_usage_error(text: str) -> None:
    """Arbitrary text never raises anything but UsageError."""
    with contextlib.suppress(UsageError):
        parse_command(text)


def test_watch_subscribe_unsubscribe_parse() -> None:
    """Each takes exactly one argument."""
    assert parse_command("watch run123") == WatchCommand("run123")
    assert parse_command("subscribe deploy") == SubscribeCommand("deploy")
    assert parse_command("unsubscribe deploy") == UnsubscribeCommand("deploy")


@pytest.mark.parametrize("text", ["watch", "watch a b", "subscribe", "subscribe a=b"])
def test_bad_tracking_commands_say_why(text: str) -> None:
    """Missing or extra arguments are usage errors."""
    with pytest.raises(UsageError, match=r"\S"):
        parse_command(text)


def test_errors_name_the_subcommand_whose_usage_helps() -> None:
    """A mistake inside a subcommand carries its name, so the answer shows that one usage."""
    with pytest.raises(UsageError) as caught:
        parse_command("cancel a b")
    assert caught.value.subcommand == "cancel"


def test_run_takes_form_flag() -> None:
    """`--form` opens the form even when every value is given."""
    command = parse_command("run hello name=Ada --form")
    assert command == RunCommand("hello", {"name": "Ada"}, None, form=True)
    assert parse_command("tasks dep") == TasksCommand("dep")
    runbook = parse_command("runbook release --form version=v1 --env prod")
    assert runbook == RunbookCommand("release", {"version": "v1"}, "prod", form=True)
    assert parse_command("runbook release") == RunbookCommand("release")


def test_did_you_mean_offers_only_close_names() -> None:
    """`helo` is one letter from `hello`; `deploy` shares three letters with it and is no
    slip of the keyboard. Real slips still find their names."""
    known = ["deploy", "hello", "release_gate", "slow"]
    assert close_matches("helo", known) == ["hello"]
    assert close_matches("deplyo", known) == ["deploy"]
    assert close_matches("prdo", ["prod", "staging"]) == ["prod"]
