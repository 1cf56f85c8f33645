"""Slack's refusals as slack_sdk raises them, for fakes that stand in for the Web API."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse


def slack_api_error(
    error: str, *, method: str, status: int = 200, headers: dict[str, str] | None = None
) -> SlackApiError:
    """A SlackApiError for `method` answering `{"ok": false, "error": error}`."""
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.test/api/{method}",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


def rate_limited(retry_after: str, method: str = "chat.update") -> SlackApiError:
    """A 429 with `Retry-After`, as Slack answers past a method's budget."""
    return slack_api_error(
        "ratelimited", method=method, status=429, headers={"Retry-After": retry_after}
    )
