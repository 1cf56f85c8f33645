"""One prompt parameter as a Block Kit input, by type; pure, shared by messages and modals.

| parameter                       | element                                   |
|---------------------------------|-------------------------------------------|
| options (<= 100)                | static_select / multi_static_select       |
| boolean                         | checkboxes with one "Yes" box              |
| integer, float                  | number_input (`is_decimal_allowed` float) |
| date                            | datepicker                                |
| datetime                        | datetimepicker                            |
| string (textarea, editor-sql)   | plain_text_input (multiline)              |
| multi without options, json,    | plain_text_input, multiline: one value    |
| any, list, map, object          | per line, or JSON                          |
| upload, configvar (by name)     | plain_text_input                          |

Option values are sent to Slack as their index in the schema (`"0"`, `"1"`, ...): Airplane
option values can be any JSON and longer than Slack's 150 characters, an index is neither.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.block_elements import InputInteractiveElement

from airplane_api.models import ConstraintOption, Parameter, ParamType, parse_time
from airplane_api.models.common import Component

from .ids import ApprovalAction, param_block_id
from .text import clip

__all__ = [
    "MAX_OPTIONS",
    "MAX_TEXT_VALUE",
    "TRUE_OPTION_VALUE",
    "initial_text",
    "input_block",
    "is_free_text",
    "shows_value",
    "uses_select",
]

MAX_OPTIONS = 100  # static_select / multi_static_select
MAX_TEXT_VALUE = 3000  # plain_text_input initial_value
MAX_LABEL = 2000  # input label and hint
MAX_OPTION_TEXT = 75
TRUE_OPTION_VALUE = "true"
MAX_EPOCH = 9_999_999_999

_JSON_TYPES = {ParamType.JSON, ParamType.ANY, ParamType.LIST, ParamType.MAP, ParamType.OBJECT}


def uses_select(param: Parameter) -> bool:
    """Whether the parameter is shown as a select: it has options, few enough for Slack."""
    options = param.constraints.options
    return bool(options) and len(options or ()) <= MAX_OPTIONS


def is_free_text(param: Parameter) -> bool:
    """Whether the value is typed as text (and so parsed by `validate`)."""
    if uses_select(param):
        return False
    if param.multi:
        return True
    return param.type not in {
        ParamType.BOOLEAN,
        ParamType.INTEGER,
        ParamType.FLOAT,
        ParamType.DATE,
        ParamType.DATETIME,
    }


def input_block(index: int, param: Parameter, *, value: Any = None, error: str = "") -> InputBlock:
    """The input for the `index`-th parameter, showing `value` (the default when None).

    An error from `validate` goes first in the hint so it shows right under the input, in
    messages as well as modals, without adding blocks.
    """
    shown = param.default if value is None else value
    hint_parts = [f":warning: {error}" if error else "", param.desc]
    if shown is not None and not shows_value(param, shown):
        hint_parts.append("The current value can't be shown here; leave empty to keep it.")
    if param.multi and not uses_select(param):
        hint_parts.append("One value per line.")
    hint = "\n".join(part for part in hint_parts if part)
    return InputBlock(
        block_id=param_block_id(index),
        label=PlainTextObject(text=clip(param.label, MAX_LABEL)),
        element=_element(param, shown),
        hint=PlainTextObject(text=clip(hint, MAX_LABEL)) if hint else None,
        # Slack itself refuses empty required inputs in modals before we see them; booleans are
        # never required (an unticked box is `false`).
        optional=not param.required or param.type is ParamType.BOOLEAN,
    )


def shows_value(param: Parameter, value: Any) -> bool:
    """Whether the input for `param` can show `value` (else an empty input keeps it).

    Values Slack cannot show: text over 3,000 characters, numbers in exponent notation, options
    not in the list, malformed dates. A false boolean shows as an unticked box.
    """
    if param.type is ParamType.BOOLEAN and not param.multi and not uses_select(param):
        return isinstance(value, bool)
    element = _element(param, value).to_dict()
    return any(key.startswith("initial_") for key in element)


def _element(param: Parameter, shown: Any) -> InputInteractiveElement:
    action_id = str(ApprovalAction.VALUE)
    if uses_select(param):
        return _select(param, shown)
    if param.multi or param.type in _JSON_TYPES:
        return PlainTextInputElement(
            action_id=action_id, multiline=True, initial_value=_initial(param, shown)
        )
    if param.type is ParamType.BOOLEAN:
        box = Option(value=TRUE_OPTION_VALUE, label="Yes")
        return CheckboxesElement(
            action_id=action_id, options=[box], initial_options=[box] if shown is True else None
        )
    if param.type in (ParamType.INTEGER, ParamType.FLOAT):
        decimal = param.type is ParamType.FLOAT
        return NumberInputElement(
            action_id=action_id, is_decimal_allowed=decimal, initial_value=_number(shown, decimal)
        )
    if param.type is ParamType.DATE:
        return DatePickerElement(action_id=action_id, initial_date=_date(shown))
    if param.type is ParamType.DATETIME:
        return DateTimePickerElement(action_id=action_id, initial_date_time=_epoch(shown))
    multiline = param.component in (Component.TEXTAREA, Component.EDITOR_SQL)
    return PlainTextInputElement(
        action_id=action_id, multiline=multiline, initial_value=_initial(param, shown)
    )


def _select(param: Parameter, shown: Any) -> InputInteractiveElement:
    options = param.constraints.options or []
    slack_options = [_option(i, option) for i, option in enumerate(options)]
    chosen_values = shown if isinstance(shown, list) else [shown]
    initial = [
        slack_options[i]
        for i, option in enumerate(options)
        if shown is not None and option.value in chosen_values
    ]
    action_id = str(ApprovalAction.VALUE)
    if param.multi:
        return StaticMultiSelectElement(
            action_id=action_id, options=slack_options, initial_options=initial or None
        )
    return StaticSelectElement(
        action_id=action_id, options=slack_options, initial_option=initial[0] if initial else None
    )


def _option(index: int, option: ConstraintOption) -> Option:
    label = option.label or _display(option.value)
    return Option(value=str(index), label=clip(label, MAX_OPTION_TEXT) or str(index))


def _display(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def initial_text(param: Parameter, value: Any) -> str | None:
    """A value as the text a free-text input shows; None when empty or over Slack's limit."""
    if value is None:
        return None
    if param.multi and isinstance(value, list):
        text = "\n".join(_display(item) for item in value)
    elif param.type in _JSON_TYPES:
        text = json.dumps(value)
    else:
        text = _display(value)
    return text if text and len(text) <= MAX_TEXT_VALUE else None


def _initial(param: Parameter, value: Any) -> str | None:
    return initial_text(param, value)


def _number(value: Any, decimal: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if not decimal:
        return str(int(value)) if float(value).is_integer() else None
    text = repr(float(value)) if isinstance(value, float) else str(value)
    return None if "e" in text else text


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _epoch(value: Any) -> int | None:
    try:
        moment = parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None:
        return None
    epoch = int(moment.timestamp())
    # Slack's datetimepicker takes 0..9999999999 (1970 to 2286); others are kept, not shown.
    return epoch if 0 <= epoch <= MAX_EPOCH else None
