"""Action, callback and block IDs shared by listeners and Block Kit builders."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ActionId", "BlockId", "CallbackId", "param_block_id", "param_slug"]


class CallbackId(StrEnum):
    """Callback IDs of modals and shortcuts (`run_task` is also in manifest.yml)."""

    RUN_TASK_SHORTCUT = "run_task"
    RUN_MODAL = "run_modal"


class ActionId(StrEnum):
    """Action IDs of interactive elements."""

    CANCEL_RUN = "cancel_run"
    OPEN_IN_AIRPLANE = "open_in_airplane"
    TASK_PICKER = "task_picker"
    PARAM_INPUT = "param_value"


class BlockId(StrEnum):
    """Block IDs with a meaning (parameter inputs use `param:<slug>`, see `param_block_id`)."""

    TASK_PICKER = "task"
    ENV = "env"
    PARAM_PREFIX = "param:"


def param_block_id(slug: str) -> str:
    """The block ID of a parameter's input in the run modal."""
    return f"{BlockId.PARAM_PREFIX}{slug}"


def param_slug(block_id: str) -> str | None:
    """The parameter slug of a `param:<slug>` block ID, else None."""
    prefix = str(BlockId.PARAM_PREFIX)
    return block_id[len(prefix) :] if block_id.startswith(prefix) else None
