"""Errors a user can cause or meet, and the sentence each one shows them. Pure."""

from __future__ import annotations

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

__all__ = ["BotError", "user_message"]


class BotError(Exception):
    """An error whose message is written for the Slack user who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def user_message(error: BaseException) -> str:
    """What to tell the user about `error`, with what to do next. Never a token or a trace."""
    if isinstance(error, BotError):
        return error.message
    if isinstance(error, NotFoundError):
        return f":warning: Airplane says it does not know that: {error.error}"
    if isinstance(error, InvalidRequestError):
        return f":warning: Airplane refused the request: {error.error}"
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
    return ":warning: Something went wrong in the bot. It has been logged; try again."
