"""Slack input state -> checked prompt values, by parameter index. Pure.

The reading and checking are `bot/blocks/param_inputs.read_state` (the rule every front end shares);
this module keys the outcome the way approval forms need it: values by slug for
`prompts/submit`, and by parameter index (to show again) and errors by index (for
`response_action: errors` in modals and input hints in messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airplane_api.models import ParameterSchema

from ..blocks.ids import prompt_param_block_id
from ..blocks.param_inputs import read_state

__all__ = ["CheckedValues", "check_values", "modal_errors"]


@dataclass(frozen=True)
class CheckedValues:
    """Typed values by slug, values by parameter index (to show again), and errors by index."""

    values: dict[str, Any] = field(default_factory=dict)
    shown: dict[int, Any] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every parameter has a valid value."""
        return not self.errors


def check_values(schema: ParameterSchema, state: Mapping[str, Any]) -> CheckedValues:
    """Check every parameter of `schema` against the submitted `state.values`."""
    params = schema.parameters
    checked = read_state(params, state, lambda index, _param: prompt_param_block_id(index))
    shown: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for index, param in enumerate(params):
        if param.slug in checked.errors:
            errors[index] = checked.errors[param.slug].sentence
        elif param.slug in checked.values:
            shown[index] = checked.values[param.slug]
    return CheckedValues(values=checked.values, shown=shown, errors=errors)


def modal_errors(checked: CheckedValues) -> dict[str, str]:
    """Errors keyed by block ID, as a modal's `response_action: errors` wants them."""
    return {prompt_param_block_id(index): message for index, message in checked.errors.items()}
