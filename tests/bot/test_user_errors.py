"""What a user reads when something fails: `user_message` for every branch of both error
trees, the sentences the bot raises itself, and the one `@app.error` handler."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from airplane_api import (
    AirplaneError,
    DeadlineExceeded,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from bot.blocks.user_errors import (
    FORM_GONE,
    SOMETHING_WENT_WRONG,
    no_such_run,
    no_such_task,
    runbook_refused,
    user_message,
)
from bot.core import errors
from bot.listeners import errors as error_listener

PATH = "/v0/runs/get"


def api(kind: type[Any], status: int, text: str = "nope") -> Any:
    """An Airplane API error as the client raises it."""
    return kind(status=status, error=text, method="GET", path="/v0/runs/get")


def every_bot_error_class() -> list[type[errors.BotError]]:
    """BotError and everything below it."""
    found: list[type[errors.BotError]] = []
    todo: list[type[errors.BotError]] = [errors.BotError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.UsageError("there is no task `x`", "run"), "there is no task `x`"),
        (errors.FormGone("form-1"), FORM_GONE),
        (errors.PolicyError("rules[0]: bad"), "not set up right"),
        (errors.SlackRateLimited(3.0), "Slack is rate limiting"),
        (errors.ChannelGone("C1", "is_archived"), "cannot write in that channel"),
        (
            errors.SlackRefused("invalid_blocks"),
            "Slack refused the bot's request (`invalid_blocks`)",
        ),
        (errors.SlackUnreachable("ClientConnectionError"), "Slack did not answer"),
        (errors.DatabaseUnavailable("down"), "database is not answering"),
        (errors.NotLeased("run1"), SOMETHING_WENT_WRONG),
        (api(NotFoundError, 404, "run not found"), "does not know that: run not found"),
        (api(InvalidRequestError, 400, "bad param"), "refused the request: bad param"),
        (api(UnauthorizedError, 401), "AIRPLANE_API_KEY"),
        (api(ForbiddenError, 403), "AIRPLANE_API_KEY"),
        (api(RateLimitedError, 429), "Airplane is rate limiting"),
        (api(ServerError, 503), "Airplane did not answer"),
        (
            TransportError(method="GET", path="/v0/runs/get", reason="connect failed"),
            "Airplane did not answer",
        ),
        (
            DeadlineExceeded(method="GET", path="/v0/runs/get", deadline=30.0, attempts=3),
            "Airplane did not answer",
        ),
        (AirplaneError("odd"), "Something went wrong talking to Airplane"),
        (KeyError("secret-token-xoxb"), SOMETHING_WENT_WRONG),
    ],
)
def test_each_error_has_its_sentence(error: BaseException, expected: str) -> None:
    """The table, branch by branch; a bug's own text (it could hold anything) is never shown."""
    assert expected in user_message(error)


def test_the_tree_is_one_tree_with_a_sentence_for_each_user_facing_branch() -> None:
    """Every class in bot.core.errors derives from BotError, and every one gets a sentence."""
    declared = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert declared <= set(every_bot_error_class())
    for cls in every_bot_error_class():
        assert cls.__doc__, f"{cls.__name__} says what it means"
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} is drawn in the tree"


def test_no_such_task_offers_the_closest_slugs_or_where_to_look() -> None:
    """The specific, helpful sentence stays: a usage error naming its usage line."""
    guessed = no_such_task("deploi", ["deploy"], "/airplane", "run")
    assert str(guessed) == "there is no task `deploi`; did you mean `deploy`?"
    assert guessed.subcommand == "run"
    unguessed = no_such_task("zzz", [], "/airplane", "subscribe")
    assert "`/airplane tasks` lists the tasks you may run" in str(unguessed)
    assert str(no_such_run("run9", "status", or_session=True)) == (
        "there is no run or session `run9`"
    )


def test_a_runbook_refusal_quotes_airplane() -> None:
    """Airplane's own words about the values, for the runbook usage line."""
    refused = runbook_refused("restart", api(InvalidRequestError, 400, "missing param `env`"))
    assert str(refused) == "the runbook `restart` refused the values: missing param `env`"
    assert refused.subcommand == "runbook"


class FakeSlack:
    """The Slack client calls the error handler makes."""

    def __init__(self) -> None:
        self.ephemerals: list[dict[str, Any]] = []

    async def chat_postEphemeral(self, **kwargs: Any) -> None:
        self.ephemerals.append(kwargs)

    async def chat_postMessage(self, **kwargs: Any) -> None:
        raise AssertionError("a channel was known")


def installed_handler(slack: FakeSlack) -> Any:
    """The function `register` installs with `app.error`."""
    captured: list[Any] = []
    app = SimpleNamespace(error=lambda handler: captured.append(handler) or handler)
    error_listener.register(app, SimpleNamespace(slack=slack))  # type: ignore[arg-type]
    return captured[0]


BODY = {"user": {"id": "U1"}, "channel": {"id": "C1"}}


async def test_a_failing_click_in_a_thread_is_answered_in_that_thread() -> None:
    """A click on a message in a thread (a prompt) fails: the sentence goes to that thread."""
    slack = FakeSlack()
    on_error = installed_handler(slack)
    body = {**BODY, "container": {"channel_id": "C1", "thread_ts": "1.0"}}
    await on_error(KeyError("actions"), body, None)
    assert slack.ephemerals == [
        {"channel": "C1", "user": "U1", "text": SOMETHING_WENT_WRONG, "thread_ts": "1.0"}
    ]


async def test_a_failing_listener_shows_one_sentence_and_logs_its_trace_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug: the user reads the generic sentence, the log holds the trace once."""
    slack = FakeSlack()
    on_error = installed_handler(slack)
    try:
        raise KeyError("actions")
    except KeyError as error:
        bug = error
    with caplog.at_level(logging.INFO, logger="bot.errors"):
        await on_error(bug, BODY, None)
    assert slack.ephemerals == [{"channel": "C1", "user": "U1", "text": SOMETHING_WENT_WRONG}]
    traced = [r for r in caplog.records if r.exc_info]
    assert len(caplog.records) == 1
    assert len(traced) == 1


async def test_a_user_error_is_logged_without_a_trace(caplog: pytest.LogCaptureFixture) -> None:
    """The user can fix it: their sentence, and one line without a trace for the operator."""
    slack = FakeSlack()
    on_error = installed_handler(slack)
    with caplog.at_level(logging.INFO, logger="bot.errors"):
        await on_error(errors.FormGone("form-1"), BODY, None)
    assert [e["text"] for e in slack.ephemerals] == [FORM_GONE]
    assert len(caplog.records) == 1
    assert not caplog.records[0].exc_info


def test_the_architecture_doc_draws_the_same_tree() -> None:
    """docs/architecture.md carries a copy of the docstring's drawing; they must not drift."""
    doc = errors.__doc__ or ""
    start = doc.index("```")
    drawing = doc[start : doc.index("```", start + 3) + 3]
    architecture = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    assert drawing in architecture
