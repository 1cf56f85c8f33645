"""Turning typed text into Airplane parameter values, per the task's parameter schema. Pure.

The slash command gives `key=value` strings and the modal gives strings too; both come here, so a
value means the same thing whichever way it was typed. Errors are per parameter slug, ready to be
shown inline in the modal (`response_action: errors`) or in an ephemeral message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from airplane_api.models.common import Parameter, ParamType

__all__ = ["coerce_args", "coerce_value", "missing_required", "visible_params"]

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
_JSON_TYPES = {
    ParamType.JSON: None,
    ParamType.OBJECT: dict,
    ParamType.MAP: dict,
    ParamType.LIST: list,
}


def visible_params(params: Sequence[Parameter]) -> list[Parameter]:
    """The parameters a person fills in (hidden ones, `hidden: true`, are left out)."""
    return [p for p in params if p.hidden is not True]


def _scalar(param: Parameter, raw: str) -> Any:
    kind = param.type
    text = raw.strip()
    if kind is ParamType.BOOLEAN:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("expected true or false")
    if kind is ParamType.INTEGER:
        try:
            return int(text)
        except ValueError:
            raise ValueError("expected a whole number") from None
    if kind is ParamType.FLOAT:
        try:
            return float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    if kind is ParamType.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("expected a date like 2024-01-31") from None
    if kind is ParamType.DATETIME:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            raise ValueError("expected a date and time like 2024-01-31T09:30:00Z") from None
    if kind in _JSON_TYPES:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"expected JSON ({exc.msg} at column {exc.colno})") from None
        wanted = _JSON_TYPES[kind]
        if wanted is not None and not isinstance(value, wanted):
            raise ValueError(f"expected a JSON {'object' if wanted is dict else 'array'}")
        return value
    return raw


def _check_constraints(param: Parameter, value: Any) -> None:
    options = param.constraints.options
    if options:
        allowed = [option.value for option in options]
        if value not in allowed:
            shown = ", ".join(str(option.label or option.value) for option in options)
            raise ValueError(f"must be one of: {shown}")
    regex = param.constraints.regex
    if regex and isinstance(value, str) and re.fullmatch(regex, value) is None:
        raise ValueError(f"must match {regex}")


def coerce_value(param: Parameter, raw: str) -> Any:
    """The value of `param` typed as `raw`; ValueError with a short reason if it does not fit."""
    if param.multi:
        stripped = raw.strip()
        items: list[str]
        if stripped.startswith("["):
            try:
                parsed = json.loads(stripped)
            except json.JSONDecodeError:
                raise ValueError("expected a JSON array of values") from None
            if not isinstance(parsed, list):
                raise ValueError("expected a JSON array of values")
            items = [item if isinstance(item, str) else json.dumps(item) for item in parsed]
        else:
            items = [part for part in (p.strip() for p in stripped.split(",")) if part]
        values = [_scalar(param, item) for item in items]
        for value in values:
            _check_constraints(param, value)
        return values
    value = _scalar(param, raw)
    _check_constraints(param, value)
    return value


def coerce_args(
    params: Sequence[Parameter], raw: Mapping[str, str | None]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Values by slug, and errors by slug (including unknown slugs). Blank values are left out."""
    by_slug = {param.slug: param for param in params}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for slug, text in raw.items():
        param = by_slug.get(slug)
        if param is None:
            known = ", ".join(sorted(by_slug)) or "none"
            errors[slug] = f"unknown parameter (this one takes: {known})"
            continue
        if text is None or text.strip() == "":
            continue
        try:
            values[slug] = coerce_value(param, text)
        except ValueError as exc:
            errors[slug] = str(exc)
    return values, errors


def missing_required(params: Sequence[Parameter], values: Mapping[str, Any]) -> list[Parameter]:
    """Required visible parameters that have no value."""
    return [p for p in visible_params(params) if p.required and p.slug not in values]
