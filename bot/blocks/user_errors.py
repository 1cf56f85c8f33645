"""Every error sentence a Slack user reads, in one place. Pure.

`user_message(error)` is what a listener that failed shows (`listeners/errors.py`): one
sentence for each branch of the bot's error tree (`bot/core/errors.py`) and of Airplane's
(`airplane_api.errors`), saying what to do next, never a token or a trace. The functions below
build the specific errors and refusals the bot raises or says itself ("there is no task `x`;
did you mean ..."), so their wording lives here too.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from ..core.errors import (
    BotError,
    ChannelGone,
    FormGone,
    SetupError,
    SlackRateLimited,
    SlackRefused,
    SlackUnreachable,
    StoreError,
    UsageError,
    UserError,
)
from ..people.policy import WhoMay
from ..slack.mrkdwn import escape

__all__ = [
    "FORM_GONE",
    "NO_TRACKER",
    "PICK_A_TASK",
    "BotError",
    "already_ended",
    "form_not_opened",
    "may_not",
    "no_such_env",
    "no_such_run",
    "no_such_runbook",
    "no_such_task",
    "not_allowed",
    "run_gone",
    "runbook_refused",
    "user_message",
]

FORM_GONE = "This form is out of date. Close it and open it again."
NO_TRACKER = "Run tracking is not running in this bot."
PICK_A_TASK = "Pick a task."
SOMETHING_WENT_WRONG = ":warning: Something went wrong in the bot. It has been logged; try again."


def user_message(error: BaseException) -> str:
    """What to tell the user about `error`, with what to do next. Never a token or a trace."""
    return _bot_message(error) or _airplane_message(error) or SOMETHING_WENT_WRONG


def _bot_message(error: BaseException) -> str | None:
    if isinstance(error, FormGone):
        return FORM_GONE
    if isinstance(error, UserError):
        return escape(str(error))  # it quotes what the user typed, or what Airplane said
    if isinstance(error, SetupError):
        return ":no_entry: The bot is not set up right. Ask whoever runs it to check its logs."
    if isinstance(error, SlackRateLimited):
        return ":hourglass: Slack is rate limiting the bot. Try again in a minute."
    if isinstance(error, ChannelGone):
        return (
            ":no_entry: The bot cannot write in that channel (it was archived, or the bot is "
            "not in it). Invite the bot, or use another channel."
        )
    if isinstance(error, SlackRefused):
        return f":warning: Slack refused the bot's request (`{escape(error.code)}`). Try again."
    if isinstance(error, SlackUnreachable):
        return ":warning: Slack did not answer the bot. Try again in a minute."
    if isinstance(error, StoreError):
        return ":warning: The bot's database is not answering. Try again in a minute."
    return None


def _airplane_message(error: BaseException) -> str | None:
    if isinstance(error, NotFoundError):
        return f":warning: Airplane says it does not know that: {escape(error.error)}"
    if isinstance(error, InvalidRequestError):
        return f":warning: Airplane refused the request: {escape(error.error)}"
    if isinstance(error, UnauthorizedError | ForbiddenError):
        return (
            ":no_entry: The bot's Airplane API key was refused. "
            "Ask whoever runs the bot to check AIRPLANE_API_KEY."
        )
    if isinstance(error, RateLimitedError):
        return ":hourglass: Airplane is rate limiting the bot. Try again in a minute."
    if isinstance(error, ServerError | TransportError | DeadlineExceeded):
        return ":warning: Airplane did not answer. Try again in a minute."
    if isinstance(error, AirplaneError):
        return ":warning: Something went wrong talking to Airplane. Try again."
    return None


# -- errors the bot raises: a command names nothing that exists, or values Airplane refused --


def no_such(
    what: str, slug: str, guesses: Sequence[str], command_name: str, subcommand: str
) -> UsageError:
    """There is no `what` (task, runbook) `slug`: the closest slugs there are, else where to
    find them."""
    problem = f"there is no {what} `{slug}`"
    if guesses:
        problem += "; did you mean " + " or ".join(f"`{g}`" for g in guesses) + "?"
    else:
        problem += f"; `{command_name} tasks` lists the {what}s you may run"
    return UsageError(problem, subcommand)


def no_such_task(
    slug: str, guesses: Sequence[str], command_name: str, subcommand: str
) -> UsageError:
    """There is no task `slug`."""
    return no_such("task", slug, guesses, command_name, subcommand)


def no_such_env(env: str, guesses: Sequence[str], subcommand: str) -> UsageError:
    """`--env` named an environment Airplane does not have: the closest ones there are."""
    problem = f"there is no environment `{env}`"
    if guesses:
        problem += "; did you mean " + " or ".join(f"`{g}`" for g in guesses) + "?"
    else:
        problem += "; leave out `--env` to use the default one"
    return UsageError(problem, subcommand)


def no_runbook_form(command_name: str, slug: str) -> UsageError:
    """`runbook --form` on an API that cannot describe a runbook's parameters."""
    return UsageError(
        "this Airplane API does not describe runbooks' parameters, so there is no form "
        f"for `{slug}`; give every value: `{command_name} runbook {slug} key=value ...`",
        "runbook",
    )


def no_such_runbook(slug: str) -> UsageError:
    """`runbook <slug>` named no runbook."""
    return UsageError(f"there is no runbook `{slug}`", "runbook")


def no_such_run(run_id: str, subcommand: str, *, or_session: bool = False) -> UsageError:
    """A run (or session) ID that Airplane does not know."""
    what = "run or session" if or_session else "run"
    return UsageError(f"there is no {what} `{run_id}`", subcommand)


def runbook_refused(slug: str, error: AirplaneError) -> UsageError:
    """A missing or bad runbook value: Airplane's own words, and (the usage) how to give it."""
    reason = getattr(error, "error", "") or str(error)
    return UsageError(f"the runbook `{slug}` refused the values: {reason}", "runbook")


# -- what the bot says instead of doing it -------------------------------------------------


MAX_NAMED = 5  # people or channels named in a refusal's next step


def _some(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    return shown + (f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else "")


def next_step(who_may: WhoMay) -> str:
    """What a refused user can do: the channels where it may be run, or whom to ask; when no
    rule names it, who can change that. The bot's own mentions around escaped IDs."""
    channels = [f"<#{escape(c)}>" for c in who_may.channels]
    people = [f"<@{escape(u)}>" for u in who_may.users]
    people += [f"<!subteam^{escape(g)}>" for g in who_may.slack_groups]
    steps = []
    if channels:
        steps.append(f"run it in {_some(channels)}")
    if people:
        steps.append(f"ask {_some(people)}, who may run it")
    if not steps:
        return "No rule of the bot's policy lets anyone run it; ask whoever runs the bot."
    text = " or ".join(steps)
    return text[:1].upper() + text[1:] + "."


def not_allowed(reason: str, who_may: WhoMay | None = None) -> str:
    """The policy refused to start a run: why, and what to do instead."""
    return f":no_entry: Not allowed: {escape(reason)}. {next_step(who_may or WhoMay())}"


def may_not(verb: str, slug: str, reason: str, who_may: WhoMay | None = None) -> str:
    """The policy refused another action (`follow`, `cancel runs of`) on `slug` here."""
    return f":no_entry: You may not {verb} `{escape(slug)}` here: {escape(reason)}. " + next_step(
        who_may or WhoMay()
    )


def run_gone(run_id: str) -> str:
    """A button on a run that Airplane no longer has."""
    return f"There is no run `{escape(run_id)}` any more."


def already_ended(run_id: str, status: str) -> str:
    """Cancel of a run that ended."""
    return f"Run `{escape(run_id)}` already ended: {escape(status)}."


def form_not_opened(command_name: str, slug: str, subcommand: str = "run") -> str:
    """Slack's trigger expired before the form could open (Airplane took too long)."""
    return (
        ":hourglass: Airplane answered too slowly to open the form. Try again, or "
        f"give every value: `{command_name} {subcommand} {escape(slug)} key=value ...`"
    )


# -- what a reviewer is told when an answer to a prompt does not go through ------------------

ANSWER_KEPT = "Airplane did not answer; your answer is kept and will be sent again shortly."
ANSWER_BEING_RECORDED = "An answer to this prompt is being recorded right now."
ANSWERED_A_MOMENT_AGO = "This prompt was answered a moment ago; nothing more to do."
PROMPT_NOT_WAITING = "This prompt is no longer waiting."
PROMPT_UNKNOWN = "I don't know this prompt any more."
FIX_VALUES = "Fix the highlighted values."
AIRPLANE_NO_ANSWER = "Airplane did not answer; try again in a moment."
PROMPT_FORM_NOT_OPENED = "Slack would not open the form; press Respond again."


def may_not_answer(reason: str) -> str:
    """The clicker is not among the prompt's reviewers (or is its requester)."""
    return f"You can't answer this prompt: {escape(reason)}."


def decided_elsewhere(*, rejected: bool) -> str:
    """The prompt was decided (in Airplane, or by someone else) before this click."""
    what = "rejected" if rejected else "answered"
    return f"This prompt was already {what}, so your answer was not sent."
