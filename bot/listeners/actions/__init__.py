"""Block actions of the core: the modal's task picker (options and choice), link buttons.

The Cancel button of a run message is handled by run tracking (`bot/tracking/`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from foundation.slack_limits import EXTERNAL_SELECT_OPTIONS

from ...blocks.ids import ActionId
from ...blocks.modal import ModalMetadata, run_modal, task_option
from ...wiring.services import Services
from ..tracked import tracked
from . import approvals, cancel

__all__ = ["register"]

MAX_OPTIONS = EXTERNAL_SELECT_OPTIONS


def register(app: AsyncApp, services: Services) -> None:
    """Register the picker and link-button listeners, the Cancel and approval buttons."""
    cancel.register(app, services)
    approvals.register(app, services)

    @app.options(ActionId.TASK_PICKER)
    @tracked(services, "task_options")
    async def on_task_options(ack: AsyncAck, body: dict[str, Any]) -> None:
        typed = str(body.get("value") or "").strip().lower()
        tasks = await services.catalog.tasks(services.airplane)
        matching = [
            task_option(task.slug, task.name).to_dict()
            for task in sorted(tasks, key=lambda t: t.slug)
            if typed in task.slug.lower() or typed in task.name.lower()
        ]
        await ack(options=matching[:MAX_OPTIONS])

    @app.action(ActionId.TASK_PICKER)
    @tracked(services, "task_picker")
    async def on_task_picked(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        action = body["actions"][0]
        slug = str((action.get("selected_option") or {}).get("value") or "")
        view = body["view"]
        metadata = ModalMetadata.load(view.get("private_metadata"))
        metadata = metadata.model_copy(update={"slug": slug or None})
        if slug:
            task = await services.catalog.task(services.airplane, slug)
            await services.store.forms.keep_task(metadata.form_id, task)
            new_view = run_modal(metadata, task.parameters, title=task.name, with_picker=True)
        else:
            new_view = run_modal(metadata, None, with_picker=True)
        await services.slack.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)

    @app.action(ActionId.OPEN_IN_AIRPLANE)
    async def on_link_opened(ack: AsyncAck) -> None:
        # A URL button opens the link in the browser; Slack still expects an ack.
        await ack()
