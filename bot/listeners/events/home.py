"""`app_home_opened`: publish the user's Home tab (recent runs, approvals waiting for them)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from ...services import Services
from ...tracking.home import MAX_RUNS, home_view
from ..tracked import tracked

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
        inbox = services.pending_approvals
        approvals = list(await inbox.pending_for(user_id)) if inbox is not None else []
        await services.slack.views_publish(user_id=user_id, view=home_view(runs, approvals))
