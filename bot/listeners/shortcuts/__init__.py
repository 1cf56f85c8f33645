"""The global shortcut "Run a task" (`run_task` in manifest.yml): the modal with a task picker."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from ...blocks.ids import CallbackId
from ...blocks.modal import ModalMetadata, run_modal
from ...wiring.services import Services
from ..tracked import tracked

__all__ = ["register"]


def register(app: AsyncApp, services: Services) -> None:
    """Register the shortcut listener."""

    @app.shortcut(CallbackId.RUN_TASK_SHORTCUT)
    @tracked(services, "run_task_shortcut")
    async def on_run_task(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        view = run_modal(ModalMetadata(), None, with_picker=True)
        await services.slack.views_open(trigger_id=str(body["trigger_id"]), view=view)
