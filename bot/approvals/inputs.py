"""A prompt parameter's input in approval messages and modals: the shared builder, our IDs."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import InputBlock

from airplane_api.models import Parameter

from ..blocks.ids import ApprovalAction, prompt_param_block_id
from ..blocks.param_inputs import param_input

__all__ = ["input_block"]


def input_block(index: int, param: Parameter, *, value: Any = None, error: str = "") -> InputBlock:
    """The input for the `index`-th parameter, showing `value` (the default when None)."""
    return param_input(
        param,
        block_id=prompt_param_block_id(index),
        action_id=str(ApprovalAction.VALUE),
        value=value,
        error=error,
    )
