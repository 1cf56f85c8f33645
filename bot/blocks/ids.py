"""Action, callback and block IDs shared by listeners and Block Kit builders, and the small
payloads buttons and modals carry (what a click or a submission is about).

One module for every ID the bot puts into Slack, so no two features can pick the same one.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ActionId",
    "ApprovalAction",
    "ApprovalBlock",
    "ApprovalCallback",
    "BlockId",
    "CallbackId",
    "PromptModalMetadata",
    "PromptRef",
    "param_block_id",
    "param_slug",
    "prompt_param_block_id",
]


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


# -- approvals: prompt messages and the prompt modal ------------------------------------------


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


def prompt_param_block_id(index: int) -> str:
    """The block ID of a prompt's input for its `index`-th schema parameter.

    An index, not the slug: slugs can repeat or exceed the 255-character ID limit, and the
    schema is re-read (or kept from when the form opened) before values are checked, so the
    index is stable.
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
    thread_ts: str = ""  # the clicked copy's thread, where answers to the submission go
