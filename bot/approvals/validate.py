"""Slack input state -> typed prompt values, checked against the schema. Pure.

`check_values(schema, state)` reads `state.values` of a `block_actions` or `view_submission`
payload (`{block_id: {action_id: {type, value | selected_* ...}}}`) and returns the values
`prompts/submit` takes - keyed by slug, dates as `YYYY-MM-DD`, datetimes as RFC 3339 UTC,
options as their schema values - or one message per parameter that is wrong, keyed by the
parameter's index, for `response_action: errors` in modals and input hints in messages.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from airplane_api.models import Parameter, ParameterSchema, ParamType, format_time, parse_time

from .ids import ApprovalAction, param_block_id
from .inputs import TRUE_OPTION_VALUE, is_free_text, shows_value, uses_select

__all__ = ["CheckedValues", "InvalidValue", "check_values", "modal_errors"]

REQUIRED = "Required."


class InvalidValue(ValueError):
    """A value that does not fit its parameter; the message is shown to the user."""


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
    values: dict[str, Any] = {}
    shown: dict[int, Any] = {}
    errors: dict[int, str] = {}
    for index, param in enumerate(schema.parameters):
        block = state.get(param_block_id(index))
        raw = block.get(str(ApprovalAction.VALUE)) if isinstance(block, Mapping) else None
        try:
            value = _typed(param, raw if isinstance(raw, Mapping) else None)
        except InvalidValue as exc:
            errors[index] = str(exc)
            continue
        values[param.slug] = value
        shown[index] = value
    return CheckedValues(values=values, shown=shown, errors=errors)


def modal_errors(checked: CheckedValues) -> dict[str, str]:
    """Errors keyed by block ID, as a modal's `response_action: errors` wants them."""
    return {param_block_id(index): message for index, message in checked.errors.items()}


def _typed(param: Parameter, raw: Mapping[str, Any] | None) -> Any:
    """The parameter's value from one input's state; `raw` None means the input was absent."""
    if raw is None:
        return _absent(param)
    if param.type is ParamType.BOOLEAN and not uses_select(param) and not param.multi:
        selected = raw.get("selected_options") or []
        return any(opt.get("value") == TRUE_OPTION_VALUE for opt in selected)
    if uses_select(param):
        return _from_select(param, raw)
    if not is_free_text(param):
        return _from_picker(param, raw)
    text = raw.get("value")
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        return _empty(param)
    if param.multi:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [_scalar(param, line, f"Line {n}: ") for n, line in enumerate(lines, start=1)]
    return _scalar(param, text, "")


def _absent(param: Parameter) -> Any:
    if param.default is not None:
        return param.default
    if param.required:
        raise InvalidValue(REQUIRED)
    return None


def _empty(param: Parameter) -> Any:
    """An empty input: the default when its input could not show it, else nothing."""
    if param.default is not None and not shows_value(param, param.default):
        return param.default
    if param.required:
        raise InvalidValue(REQUIRED)
    return [] if param.multi else None


def _from_select(param: Parameter, raw: Mapping[str, Any]) -> Any:
    options = param.constraints.options or []
    if param.multi:
        chosen = raw.get("selected_options") or []
    else:
        one = raw.get("selected_option")
        chosen = [one] if one else []
    picked = []
    for option in chosen:
        value = option.get("value") if isinstance(option, Mapping) else None
        if not (isinstance(value, str) and value.isdigit() and int(value) < len(options)):
            raise InvalidValue("Pick one of the listed options.")
        picked.append(options[int(value)].value)
    if not picked:
        return _empty(param)
    return picked if param.multi else picked[0]


def _from_picker(param: Parameter, raw: Mapping[str, Any]) -> Any:
    if param.type is ParamType.DATE:
        text = raw.get("selected_date")
        return _scalar(param, text, "") if text else _empty(param)
    if param.type is ParamType.DATETIME:
        epoch = raw.get("selected_date_time")
        if epoch is None or epoch == "":
            return _empty(param)
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InvalidValue("Pick a date and time.") from exc
        return format_time(moment)
    text = raw.get("value")
    text = text.strip() if isinstance(text, str) else ""
    return _scalar(param, text, "") if text else _empty(param)


def _scalar(param: Parameter, text: str, where: str) -> Any:
    """One typed value from text, checked against type, regex and options."""
    try:
        value = _convert(param.type, text)
    except InvalidValue as exc:
        raise InvalidValue(f"{where}{exc}") from exc
    if isinstance(value, str) and param.constraints.regex:
        try:
            pattern = re.compile(param.constraints.regex)
        except re.error:
            pattern = None  # a broken schema must not block every answer
        if pattern is not None and pattern.fullmatch(value) is None:
            raise InvalidValue(f"{where}Must match `{param.constraints.regex}`.")
    options = param.constraints.options
    if options:
        allowed = [option.value for option in options]
        labels = {option.label: option.value for option in options if option.label}
        if value in allowed:
            return value
        if text in labels:
            return labels[text]
        raise InvalidValue(f"{where}Must be one of the allowed values.")
    return value


def _convert(kind: ParamType, text: str) -> Any:
    if kind is ParamType.INTEGER:
        try:
            number = float(text)
        except ValueError as exc:
            raise InvalidValue("Must be a whole number.") from exc
        if not number.is_integer():
            raise InvalidValue("Must be a whole number.")
        return int(text) if text.lstrip("+-").isdigit() else int(number)
    if kind is ParamType.FLOAT:
        try:
            real = float(text)
        except ValueError as exc:
            raise InvalidValue("Must be a number.") from exc
        if not math.isfinite(real):
            raise InvalidValue("Must be a finite number.")
        return real
    if kind is ParamType.BOOLEAN:
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise InvalidValue("Must be true or false.")
    if kind is ParamType.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise InvalidValue("Must be a date like 2024-01-31.") from exc
    if kind is ParamType.DATETIME:
        try:
            return format_time(parse_time(text))
        except ValueError as exc:
            raise InvalidValue("Must be a date and time like 2024-01-31T09:00:00Z.") from exc
    if kind in (ParamType.JSON, ParamType.ANY, ParamType.LIST, ParamType.MAP, ParamType.OBJECT):
        return _json(kind, text)
    return text  # string, upload (its ID), configvar (its name)


def _json(kind: ParamType, text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidValue("Must be valid JSON.") from exc
    if kind is ParamType.LIST and not isinstance(value, list):
        raise InvalidValue("Must be a JSON list, like [1, 2].")
    if kind in (ParamType.MAP, ParamType.OBJECT) and not isinstance(value, dict):
        raise InvalidValue('Must be a JSON object, like {"key": "value"}.')
    return value
