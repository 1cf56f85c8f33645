"""Parameters as Block Kit inputs, and Slack's input state read back into values. Pure.

The one builder for every form: the run modal (`blocks/modal.py`) and approval messages and
modals (`approvals/render.py`) differ only in the block and action IDs they give each input.

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
option values can be any JSON and longer than Slack's 150 characters, an index is neither, so
no option is ever cut into a value the checks would refuse.

Reading back (`read_state`) turns each element's state into the value a JSON client would have
sent (typed text through `airplane_api.params.read_text`), then `airplane_api.params.collect`
checks them all: the same rule as the slash command and airfield.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
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

from airplane_api.models import ConstraintOption, Parameter, ParamType
from airplane_api.models.common import Component
from airplane_api.params import (
    Checked,
    ParamError,
    collect,
    convert,
    datetime_text,
    display_text,
    read_text,
    same_value,
)
from foundation import slack_limits

from ..slack.clip import clip

__all__ = [
    "MAX_OPTIONS",
    "MAX_TEXT_VALUE",
    "TRUE_OPTION_VALUE",
    "param_input",
    "read_element",
    "read_state",
    "shows_value",
    "uses_select",
]

# Slack's limits, as `foundation/slack_limits.py` has them (the names this module reads).
MAX_OPTIONS = slack_limits.LIST_LIMITS["static_select"][1]
MAX_TEXT_VALUE = slack_limits.TEXT_LIMITS[("plain_text_input", "initial_value")]
MAX_LABEL = slack_limits.TEXT_LIMITS[("input", "label")]
MAX_OPTION_TEXT = slack_limits.TEXT_LIMITS[("option", "text")]
TRUE_OPTION_VALUE = "true"
MAX_EPOCH = 9_999_999_999  # Slack's datetimepicker: 1970 to 2286

_JSON_TYPES = {ParamType.JSON, ParamType.ANY, ParamType.LIST, ParamType.MAP, ParamType.OBJECT}


def uses_select(param: Parameter) -> bool:
    """Whether the parameter is shown as a select: it has options, few enough for Slack."""
    options = param.constraints.options
    return bool(options) and len(options or ()) <= MAX_OPTIONS


def _is_checkbox(param: Parameter) -> bool:
    return param.type is ParamType.BOOLEAN and not param.multi and not uses_select(param)


def param_input(
    param: Parameter, *, block_id: str, action_id: str, value: Any = None, error: str = ""
) -> InputBlock:
    """The input for `param`, showing `value` (the default when None) and `error` if any.

    An error goes first in the hint so it shows right under the input, in messages as well as
    modals, without adding blocks.
    """
    shown = param.default if value is None else value
    hint_parts = [f":warning: {error}" if error else "", param.desc]
    if shown is not None and not shows_value(param, shown):
        hint_parts.append("The current value can't be shown here; leave empty to keep it.")
    if param.multi and not uses_select(param):
        hint_parts.append("One value per line.")
    elif param.type in _JSON_TYPES:
        hint_parts.append("JSON.")
    hint = "\n".join(part for part in hint_parts if part)
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=clip(param.label, MAX_LABEL)),
        element=_element(param, shown, action_id),
        hint=PlainTextObject(text=clip(hint, MAX_LABEL)) if hint else None,
        # Slack itself refuses empty required inputs in modals before we see them; booleans are
        # never required (an unticked box is `false`).
        optional=not param.required or _is_checkbox(param),
    )


def shows_value(param: Parameter, value: Any) -> bool:
    """Whether the input for `param` can show `value` (else an empty input keeps it).

    Values Slack cannot show: text over 3,000 characters, numbers in exponent notation, options
    not in the list, malformed dates. A false boolean shows as an unticked box.
    """
    if _is_checkbox(param):
        return isinstance(value, bool)
    element = _element(param, value, "probe").to_dict()
    return any(key.startswith("initial_") for key in element)


def _element(param: Parameter, shown: Any, action_id: str) -> InputInteractiveElement:
    if uses_select(param):
        return _select(param, shown, action_id)
    if param.multi or param.type in _JSON_TYPES:
        return PlainTextInputElement(
            action_id=action_id, multiline=True, initial_value=_initial_text(param, shown)
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
        return DateTimePickerElement(action_id=action_id, initial_date_time=_epoch(param, shown))
    multiline = param.component in (Component.TEXTAREA, Component.EDITOR_SQL)
    return PlainTextInputElement(
        action_id=action_id, multiline=multiline, initial_value=_initial_text(param, shown)
    )


def _checked_or_none(param: Parameter, value: Any) -> Any:
    try:
        return convert(param, value)
    except ParamError:
        return None


def _select(param: Parameter, shown: Any, action_id: str) -> InputInteractiveElement:
    options = param.constraints.options or []
    slack_options = [_option(i, option) for i, option in enumerate(options)]
    chosen = _checked_or_none(param, shown) if shown is not None else None
    chosen_values = chosen if isinstance(chosen, list) else [chosen]
    one = param.model_copy(update={"multi": False})
    option_values = [_checked_or_none(one, option.value) for option in options]
    # In the order the value lists them, which is the order Slack's state reports them back.
    initial = [
        slack_options[i]
        for c in (chosen_values if chosen is not None else [])
        for i in [next((i for i, v in enumerate(option_values) if same_value(v, c)), -1)]
        if i >= 0
    ]
    if param.multi:
        return StaticMultiSelectElement(
            action_id=action_id, options=slack_options, initial_options=initial or None
        )
    return StaticSelectElement(
        action_id=action_id, options=slack_options, initial_option=initial[0] if initial else None
    )


def _option(index: int, option: ConstraintOption) -> Option:
    label = option.label or (option.value if isinstance(option.value, str) else "")
    if not label:
        label = display_text(Parameter(slug="_", type=ParamType.JSON), option.value)
    return Option(value=str(index), label=clip(label, MAX_OPTION_TEXT) or str(index))


def _initial_text(param: Parameter, value: Any) -> str | None:
    """A value as the text a free-text input shows; None when empty or over Slack's limit."""
    if value is None:
        return None
    if param.type in (ParamType.UPLOAD, ParamType.CONFIGVAR) and not isinstance(value, str):
        return None  # an upload or config var given as an object has no text form
    text = display_text(param, value)
    # Blank text reads back as no value, so it is not shown as if it were one.
    return text if text.strip() and len(text) <= MAX_TEXT_VALUE else None


def _number(value: Any, decimal: bool) -> str | None:
    if isinstance(value, str):
        try:
            value = float(value) if decimal else int(value)
        except ValueError:
            return None
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


def _epoch(param: Parameter, value: Any) -> int | None:
    checked = _checked_or_none(param, value) if value is not None else None
    if not isinstance(checked, str):
        return None
    epoch = int(datetime.fromisoformat(checked.replace("Z", "+00:00")).timestamp())
    return epoch if 0 <= epoch <= MAX_EPOCH else None


# --- reading Slack's state back ------------------------------------------------------------


def read_element(param: Parameter, element: Mapping[str, Any] | None) -> Any:
    """One input's state as the value a JSON client would send; None when it holds none.

    Raises ParamError for state no input of ours produces (an option index out of range).
    """
    if element is None:
        return None
    if uses_select(param):
        if param.multi:
            picked = [_option_value(param, o) for o in element.get("selected_options") or []]
            return picked or None
        one = element.get("selected_option")
        return _option_value(param, one) if one else None
    if _is_checkbox(param):
        selected = element.get("selected_options") or []
        return any(isinstance(o, Mapping) and o.get("value") == TRUE_OPTION_VALUE for o in selected)
    if "selected_date_time" in element:
        epoch = element.get("selected_date_time")
        if epoch is None or epoch == "":
            return None
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise ParamError(param.slug, "needs a date and time", label=param.label) from None
        return datetime_text(moment)
    if "selected_date" in element:
        return element.get("selected_date") or None
    text = element.get("value")
    return read_text(param, text if isinstance(text, str) else None)


def _option_value(param: Parameter, option: Any) -> Any:
    options = param.constraints.options or []
    index = option.get("value") if isinstance(option, Mapping) else None
    if not (isinstance(index, str) and index.isdigit() and int(index) < len(options)):
        raise ParamError(param.slug, "must be one of the listed options", label=param.label)
    return options[int(index)].value


def read_state(
    params: Sequence[Parameter],
    state_values: Mapping[str, Any],
    block_id_of: Callable[[int, Parameter], str],
) -> Checked:
    """Every parameter's input (found by `block_id_of(index, param)`) read and checked.

    An input that is absent or empty counts as no value: the default fills it, as airfield
    would, or the parameter is reported as required.
    """
    raw: dict[str, Any] = {}
    errors: dict[str, ParamError] = {}
    for index, param in enumerate(params):
        block = state_values.get(block_id_of(index, param))
        element = next(iter(block.values()), None) if isinstance(block, Mapping) else None
        try:
            value = read_element(param, element if isinstance(element, Mapping) else None)
        except ParamError as exc:
            errors[param.slug] = exc
            continue
        if value is not None:
            raw[param.slug] = value
    checked = collect(params, raw, allow_unknown=True)
    return Checked(values=checked.values, errors={**checked.errors, **errors})
