"""Parameter values checked and converted against a parameter schema. Pure.

Used for task and runbook `paramValues` and for prompt submissions. Values arrive as JSON and
often as strings (the docs' own examples send `"limit": "10"`); each is converted to its type,
defaults fill what is missing, and the first problem raises `ParamError` naming the parameter.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from airplane_api.models import Parameter, ParamType

from .request_body import loads_strict

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}
_INTEGER = re.compile(r"^[+-]?\d+$")
_TEXT_TYPES = {ParamType.STRING, ParamType.CONFIGVAR}
# Airplane's integers are 64-bit; anything wider is refused before Python's int() is asked to
# parse it (past 4,300 digits that raises, and a big one costs quadratic time).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_INT_DIGITS = 19
# A run gets its values on one argument (python tasks) or in PARAM_* variables (shell), and
# Linux refuses any one of those over 128 KiB ("Argument list too long") when the run starts.
# Bounding them all together here makes that a 400 naming the parameter instead.
MAX_VALUES_BYTES = 100_000


@dataclass(frozen=True)
class ParamError(ValueError):
    """A value that does not fit its parameter; `slug` names the parameter."""

    slug: str
    message: str

    def __str__(self) -> str:
        return self.message


def _fail(param: Parameter, problem: str) -> ParamError:
    label = f'"{param.slug}"' if param.label == param.slug else f'"{param.slug}" ({param.label})'
    return ParamError(param.slug, f"parameter {label} {problem}")


def _convert_one(param: Parameter, value: Any) -> Any:
    kind = param.type
    if kind in (ParamType.STRING,):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _fail(param, f"must be text, got {_shown(value)}")
        return value if isinstance(value, str) else str(value)
    if kind is ParamType.INTEGER:
        if isinstance(value, bool):
            raise _fail(param, f"must be an integer, got {_shown(value)}")
        whole: int | None = None
        if isinstance(value, int):
            whole = value
        elif isinstance(value, float) and value.is_integer():
            whole = int(value)
        elif isinstance(value, str) and _INTEGER.match(value.strip()):
            text = value.strip()
            digits = text.lstrip("+-").lstrip("0") or "0"
            sign = -1 if text.startswith("-") else 1
            whole = sign * int(digits) if len(digits) <= _INT_DIGITS else _INT_MAX + 1
        if whole is None:
            raise _fail(param, f"must be an integer, got {_shown(value)}")
        if not _INT_MIN <= whole <= _INT_MAX:
            raise _fail(param, f"must be an integer between {_INT_MIN} and {_INT_MAX}")
        return whole
    if kind is ParamType.FLOAT:
        if isinstance(value, bool):
            raise _fail(param, f"must be a number, got {_shown(value)}")
        if isinstance(value, int) and abs(value) > 2**1023:
            raise _fail(param, "must be a finite number")
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise _fail(param, f"must be a number, got {_shown(value)}") from None
        else:
            raise _fail(param, f"must be a number, got {_shown(value)}")
        if not math.isfinite(number):
            raise _fail(param, "must be a finite number")
        return int(number) if isinstance(value, int) else number
    if kind is ParamType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _fail(param, f"must be true or false, got {_shown(value)}")
    if kind is ParamType.DATE:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10]).isoformat()
            except ValueError:
                pass
        raise _fail(param, f"must be a date (YYYY-MM-DD), got {_shown(value)}")
    if kind is ParamType.DATETIME:
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                try:
                    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                except OverflowError:
                    raise _fail(param, "must fall within years 1-9999 in UTC") from None
        raise _fail(param, f"must be an RFC 3339 date and time, got {_shown(value)}")
    if kind in (ParamType.UPLOAD, ParamType.CONFIGVAR):
        if isinstance(value, str | dict):
            return value
        raise _fail(param, f"must be a {kind.value} name or object, got {_shown(value)}")
    if kind is ParamType.JSON and isinstance(value, str):
        try:
            return loads_strict(value)
        except ValueError:
            return value
    return value


def _shown(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:60] + "..."


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return str(value["name"])
    return None


def _check_constraints(param: Parameter, value: Any) -> None:
    options = param.constraints.options
    if options:
        allowed = [_convert_or_raw(param, option.value) for option in options]
        if value not in allowed:
            shown = ", ".join(json.dumps(item) for item in allowed)
            raise _fail(param, f"must be one of {shown}, got {_shown(value)}")
    regex = param.constraints.regex
    if regex and param.type in _TEXT_TYPES:
        text = _text_of(value)
        try:
            pattern = re.compile(regex)
        except re.error:
            raise _fail(param, f"has an invalid regex {regex!r} in its definition") from None
        if text is None or pattern.fullmatch(text) is None:
            raise _fail(param, f"must match the pattern {regex}, got {_shown(value)}")


def _convert_or_raw(param: Parameter, value: Any) -> Any:
    try:
        return _convert_one(param, value)
    except ParamError:
        return value


def convert_value(param: Parameter, value: Any) -> Any:
    """Convert and check one present, non-null value (a list when the parameter is multi)."""
    if param.multi:
        items = value if isinstance(value, list) else [value]
        converted = [_convert_one(param, item) for item in items]
        for item in converted:
            _check_constraints(param, item)
        return converted
    converted_value = _convert_one(param, value)
    _check_constraints(param, converted_value)
    return converted_value


def validate_values(
    params: Iterable[Parameter], values: Mapping[str, Any], *, allow_unknown: bool = False
) -> dict[str, Any]:
    """Checked and converted values for `params`, defaults filled; raises ParamError."""
    schema = list(params)
    known = {param.slug for param in schema}
    if not allow_unknown:
        for slug in values:
            if slug not in known:
                raise ParamError(slug, f'unknown parameter "{slug}"')
    result: dict[str, Any] = {}
    for param in schema:
        value = values.get(param.slug)
        if value is None or (value == "" and param.type is not ParamType.STRING):
            value = param.default if param.default not in (None, {}) else None
        if value is None:
            if not param.constraints.optional:
                raise _fail(param, "is required")
            continue
        result[param.slug] = convert_value(param, value)
    _check_size(result)
    return result


def _check_size(values: Mapping[str, Any]) -> None:
    sizes = {slug: len(json.dumps(value).encode()) for slug, value in values.items()}
    if sum(sizes.values()) > MAX_VALUES_BYTES:
        largest = max(sizes, key=lambda slug: sizes[slug])
        raise ParamError(
            largest,
            f"parameter values are {sum(sizes.values())} bytes together, over the limit of"
            f' {MAX_VALUES_BYTES} ("{largest}" is {sizes[largest]}); pass large data through'
            " a resource or a file instead",
        )
