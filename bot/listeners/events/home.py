"""`app_home_opened`: publish the user's Home tab (recent runs, approvals waiting for them),
built by `home_view.py`."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from ...core.errors import SlackRefused
from ...slack.errors import slack_call
from ...tracking.plan import PARENT_KEY
from ...wiring.services import Services
from ..tracked import tracked
from .home_view import MAX_RUNS, approval_key, home_view, run_key

__all__ = ["register"]


def register(app: AsyncApp, services: Services) -> None:
    """Register the App Home listener."""

    @app.event("app_home_opened")
    @tracked(services, "app_home")
    async def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event["user"])
        runs = await services.store.tracking.recent(user_id, MAX_RUNS)
        approvals = await services.approvals.pending_for(user_id)
        links: dict[str, str] = {}
        for tracked_run, _progress in runs:
            ts = (await services.store.tracking.posts(tracked_run)).get(PARENT_KEY)
            if ts:
                links[run_key(tracked_run)] = await _permalink(tracked_run.channel, ts)
        for approval in approvals:
            if approval.thread_ts:
                links[approval_key(approval)] = await _permalink(
                    approval.channel, approval.thread_ts
                )
        view = home_view(runs, approvals, links, services.settings.bot_command)
        await services.slack.views_publish(user_id=user_id, view=view)

    async def _permalink(channel: str, ts: str) -> str:
        """A message's permalink (the button's target); none when Slack gives none."""
        try:
            answer = await slack_call(
                services.slack.chat_getPermalink(channel=channel, message_ts=ts)
            )
        except SlackRefused:
            return ""
        return str(answer.get("permalink") or "")
