"""Action, block and callback IDs of approval messages and modals, and their small payloads.

IDs live here rather than in `bot/ids.py` so the approvals branch merges without touching the
bot core's enums; listeners import them from `bot.approvals`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ApprovalAction",
    "ApprovalBlock",
    "ApprovalCallback",
    "PromptModalMetadata",
    "PromptRef",
    "param_block_id",
]


class ApprovalAction(StrEnum):
    """Action IDs on approval messages and modals."""

    APPROVE = "prompt_approve"
    REJECT = "prompt_reject"
    RESPOND = "prompt_respond"  # opens the modal when the inputs don't fit a message
    VALUE = "prompt_value"  # every parameter input; the block ID says which parameter


class ApprovalBlock(StrEnum):
    """Block IDs with a meaning; parameter inputs use `prompt_param:<index>`."""

    DESCRIPTION = "prompt_description"
    DETAILS = "prompt_details"
    BUTTONS = "prompt_buttons"
    OUTCOME = "prompt_outcome"
    VALUES = "prompt_values"
    NOTICE = "prompt_notice"
    PARAM_PREFIX = "prompt_param:"


class ApprovalCallback(StrEnum):
    """Callback ID of the modal that holds a prompt's inputs."""

    MODAL = "prompt_modal"


def param_block_id(index: int) -> str:
    """The block ID of the input for the `index`-th schema parameter.

    An index, not the slug: slugs can repeat or exceed the 255-character ID limit, and the
    schema is re-read from Airplane before values are checked, so the index is stable.
    """
    return f"{ApprovalBlock.PARAM_PREFIX}{index}"


class PromptRef(BaseModel):
    """A button's `value`: which prompt (and run) it decides. Small, well under 2,000 chars."""

    model_config = ConfigDict(frozen=True)

    prompt_id: str
    run_id: str = ""


class PromptModalMetadata(BaseModel):
    """A modal's `private_metadata`: the prompt, and the message copy the modal was opened from."""

    model_config = ConfigDict(frozen=True)

    prompt_id: str
    run_id: str = ""
    channel: str = ""
    message_ts: str = ""
