"""Parameter values checked and converted against a parameter schema: the one rule. Pure.

Every front end comes here, so a value means the same thing however it arrived:

- JSON (airfield's `tasks/execute`, `runbooks/execute`, `prompts/submit`): values as sent,
  often strings (the docs' own examples send `"limit": "10"`), straight to `check_values`;
- typed text (the bot's slash command, and the free-text inputs of its forms): `read_text`
  turns the text into the value a JSON client would have sent (multi values split), then the
  same checks;
- Slack input state (the bot's forms): `bot/blocks/param_inputs.py` reads each element into text or
  a value, then the same checks.

What the checks return is a fixed point: checking it again gives it back unchanged, so what the
bot checked is what airfield (or Airplane) stores. Problems are `ParamError`, which names the
parameter and says why; `check_values` raises the first, `collect` gathers one per parameter
for forms that show every problem at once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from .models.common import Parameter, ParamType

__all__ = [
    "MAX_VALUES_BYTES",
    "Checked",
    "ParamError",
    "check_values",
    "collect",
    "convert",
    "datetime_text",
    "display_text",
    "read_text",
    "read_texts",
    "same_value",
    "visible_params",
]

_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TEXT_TYPES = frozenset({ParamType.STRING, ParamType.CONFIGVAR})
_FREE_JSON_TYPES = frozenset({ParamType.JSON, ParamType.ANY})
_SHAPED_JSON_TYPES = {ParamType.LIST: list, ParamType.MAP: dict, ParamType.OBJECT: dict}
# Airplane's integers are 64-bit; anything wider is refused before Python's int() is asked to
# parse it (past 4,300 digits that raises, and a big one costs quadratic time).
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_INT_DIGITS = 19
_MAX_NUMBER_TEXT = 400  # a float needs far fewer characters; longer text is not a number
_MAX_JSON_DEPTH = 64
# A run gets its values on one argument (python tasks) or in PARAM_* variables (shell), and
# Linux refuses any one of those over 128 KiB ("Argument list too long") when the run starts.
# Bounding them all together here makes that an error naming the parameter instead.
MAX_VALUES_BYTES = 100_000


class ParamError(ValueError):
    """A value that does not fit its parameter: `slug` names it, `reason` says why."""

    def __init__(
        self, slug: str, reason: str, *, label: str | None = None, message: str | None = None
    ) -> None:
        named = f'"{slug}"' if label in (None, slug) else f'"{slug}" ({label})'
        self.slug = slug
        self.reason = reason
        self.message = message or f"parameter {named} {reason}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    @property
    def sentence(self) -> str:
        """The reason alone, as a sentence, for an error shown beside the parameter's input."""
        return self.reason[:1].upper() + self.reason[1:] + ("" if self.reason[-1:] in ".?" else ".")


def _fail(param: Parameter, reason: str) -> ParamError:
    return ParamError(param.slug, reason, label=param.label)


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:60] + "..."


def visible_params(params: Iterable[Parameter]) -> list[Parameter]:
    """The parameters a person fills in (hidden ones, `hidden: true`, are left out)."""
    return [param for param in params if param.hidden is not True]


# --- one value ---------------------------------------------------------------------------


def _integer(param: Parameter, value: Any) -> int:
    whole: int | None = None
    if isinstance(value, bool):
        whole = None
    elif isinstance(value, int):
        whole = value
    elif isinstance(value, float) and value.is_integer():
        whole = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(text := value.strip()):
        digits = text.lstrip("+-").lstrip("0") or "0"
        sign = -1 if text.startswith("-") else 1
        whole = sign * int(digits) if len(digits) <= _INT_DIGITS else _INT_MAX + 1
    if whole is None:
        raise _fail(param, f"must be a whole number, got {_shown(value)}")
    if not _INT_MIN <= whole <= _INT_MAX:
        raise _fail(param, f"must be a whole number between {_INT_MIN} and {_INT_MAX}")
    return whole


def _float(param: Parameter, value: Any) -> float | int:
    if isinstance(value, bool):
        raise _fail(param, f"must be a number, got {_shown(value)}")
    if isinstance(value, int):
        if abs(value) > 2**1023:
            raise _fail(param, "must be a finite number")
        return value  # an integer sent as JSON stays one, as the client wrote it
    if isinstance(value, float):
        number = value
    elif isinstance(value, str) and len(text := value.strip()) <= _MAX_NUMBER_TEXT:
        # Python's float() also takes "inf", "nan" and "1_000"; a JSON number's text is the rule.
        if not _NUMBER.fullmatch(text):
            raise _fail(param, f"must be a number, got {_shown(value)}")
        number = float(text)
    else:
        raise _fail(param, f"must be a number, got {_shown(value)}")
    if not math.isfinite(number):
        raise _fail(param, "must be a finite number")
    return number


def _boolean(param: Parameter, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and (word := value.strip().lower()) in _TRUE | _FALSE:
        return word in _TRUE
    raise _fail(param, f"must be true or false, got {_shown(value)}")


def _moment(param: Parameter, text: str) -> datetime | None:
    """An RFC 3339 date and time (a missing offset means UTC), else None."""
    cleaned = text.strip()
    if not (_DATE.match(cleaned) and len(cleaned) > 10 and cleaned[10] in "Tt "):
        return None
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(param: Parameter, value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if _DATE.fullmatch(text[:10]) and (len(text) == 10 or _moment(param, text)):
            try:
                return date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                pass
    raise _fail(param, f"must be a date like 2024-01-31, got {_shown(value)}")


def _datetime(param: Parameter, value: Any) -> str:
    moment = _moment(param, value) if isinstance(value, str) else None
    if moment is None:
        raise _fail(
            param, f"must be a date and time like 2024-01-31T09:30:00Z, got {_shown(value)}"
        )
    try:
        return datetime_text(moment)
    except (OverflowError, ValueError):
        raise _fail(param, "must fall within years 1-9999 in UTC") from None


def datetime_text(moment: datetime) -> str:
    """How a checked datetime reads: RFC 3339 in UTC, whole seconds, `Z` (`0999-...` too)."""
    utc = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"  # strftime("%Y") would write year 999 as "999"


def _strict_json(text: str) -> Any:
    """JSON without NaN/Infinity and with numbers in range; ValueError otherwise."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    value = json.loads(text, parse_constant=refuse)
    if _depth(value) > _MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    if _has_infinite(value):
        raise ValueError("a number out of range")
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _has_infinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_infinite(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_infinite(item) for item in value)
    return False


def _free_json(value: Any) -> Any:
    """`json`/`any`: a string holding a JSON array, object, number or boolean becomes it.

    Any other string (plain text, or a JSON string or null literal) is kept as the text, so
    checking a checked value again changes nothing.
    """
    if not isinstance(value, str):
        return value
    try:
        parsed = _strict_json(value)
    except (ValueError, RecursionError):
        return value
    return value if parsed is None or isinstance(parsed, str) else parsed


def _shaped_json(param: Parameter, value: Any) -> Any:
    wanted = _SHAPED_JSON_TYPES[param.type]
    example = "a JSON list, like [1, 2]" if wanted is list else 'a JSON object, like {"a": 1}'
    if isinstance(value, str):
        try:
            value = _strict_json(value)
        except (ValueError, RecursionError):
            raise _fail(param, f"must be {example}, got {_shown(value)}") from None
    if not isinstance(value, wanted):
        raise _fail(param, f"must be {example}, got {_shown(value)}")
    return value


def _convert_one(param: Parameter, value: Any) -> Any:
    kind = param.type
    if kind is ParamType.STRING:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _fail(param, f"must be text, got {_shown(value)}")
        return value if isinstance(value, str) else json.dumps(value)
    if kind is ParamType.INTEGER:
        return _integer(param, value)
    if kind is ParamType.FLOAT:
        return _float(param, value)
    if kind is ParamType.BOOLEAN:
        return _boolean(param, value)
    if kind is ParamType.DATE:
        return _date(param, value)
    if kind is ParamType.DATETIME:
        return _datetime(param, value)
    if kind in (ParamType.UPLOAD, ParamType.CONFIGVAR):
        if isinstance(value, str | dict):
            return value
        raise _fail(param, f"must be a {kind.value} name or object, got {_shown(value)}")
    if kind in _SHAPED_JSON_TYPES:
        return _shaped_json(param, value)
    return _free_json(value)


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values: `true` is not `1`, though `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[key], b[key]) for key in a)
    return bool(a == b) and (type(a) is type(b) or {type(a), type(b)} <= {int, float})


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
        if not any(same_value(value, item) for item in allowed):
            shown = ", ".join(_shown(item) for item in allowed[:10])
            more = f" (and {len(allowed) - 10} more)" if len(allowed) > 10 else ""
            raise _fail(param, f"must be one of {shown}{more}, got {_shown(value)}")
    regex = param.constraints.regex
    if regex and param.type in _TEXT_TYPES:
        try:
            pattern = re.compile(regex)
        except re.error:
            raise _fail(param, f"has an invalid regex {regex!r} in its definition") from None
        text = _text_of(value)
        if text is None or pattern.fullmatch(text) is None:
            raise _fail(param, f"must match the pattern {regex}, got {_shown(value)}")


def _convert_or_raw(param: Parameter, value: Any) -> Any:
    try:
        return _convert_one(param, value)
    except ParamError:
        return value


def convert(param: Parameter, value: Any) -> Any:
    """Convert and check one present, non-null value (a list when the parameter is multi)."""
    if param.multi:
        items = value if isinstance(value, list) else [value]
        converted = [_convert_one(param, item) for item in items]
        for item in converted:
            _check_constraints(param, item)
        return converted
    one = _convert_one(param, value)
    _check_constraints(param, one)
    return one


# --- a whole set of values ---------------------------------------------------------------


def _absent(param: Parameter, value: Any) -> bool:
    """No value: null, or blank text for any type but `string` (where text is the value)."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip() and param.type is not ParamType.STRING


@dataclass(frozen=True)
class Checked:
    """Checked values by slug (defaults filled), and one error per parameter that is wrong."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, ParamError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every value fits."""
        return not self.errors


def collect(
    params: Iterable[Parameter], values: Mapping[str, Any], *, allow_unknown: bool = False
) -> Checked:
    """Check every value against `params`: required, type, options, regex, defaults, size."""
    schema = list(params)
    known = {param.slug for param in schema}
    errors: dict[str, ParamError] = {}
    if not allow_unknown:
        takes = ", ".join(sorted(known)) or "none"
        for slug in values:
            if slug not in known:
                errors[slug] = ParamError(slug, f"is unknown (this one takes: {takes})")
    result: dict[str, Any] = {}
    for param in schema:
        value = values.get(param.slug)
        if _absent(param, value):
            value = param.default if param.default not in (None, {}) else None
        if _absent(param, value):
            if not param.constraints.optional:
                errors[param.slug] = _fail(param, "is required")
            continue
        try:
            result[param.slug] = convert(param, value)
        except ParamError as exc:
            errors[exc.slug] = exc
    if not errors and (too_big := _size_error(result)) is not None:
        errors[too_big.slug] = too_big
    return Checked(values=result, errors=errors)


def check_values(
    params: Iterable[Parameter], values: Mapping[str, Any], *, allow_unknown: bool = False
) -> dict[str, Any]:
    """Checked and converted values for `params`, defaults filled; raises the first ParamError."""
    checked = collect(params, values, allow_unknown=allow_unknown)
    if checked.errors:
        raise next(iter(checked.errors.values()))
    return checked.values


def _size_error(values: Mapping[str, Any]) -> ParamError | None:
    sizes = {slug: len(json.dumps(value).encode()) for slug, value in values.items()}
    total = sum(sizes.values())
    if total <= MAX_VALUES_BYTES:
        return None
    largest = max(sizes, key=lambda slug: sizes[slug])
    advice = "pass large data through a resource or a file instead"
    return ParamError(
        largest,
        f"makes the values {total} bytes together, over the limit of {MAX_VALUES_BYTES}"
        f" (it is {sizes[largest]}); {advice}",
        message=f"parameter values are {total} bytes together, over the limit of"
        f' {MAX_VALUES_BYTES} ("{largest}" is {sizes[largest]}); {advice}',
    )


# --- typed text --------------------------------------------------------------------------


def read_text(param: Parameter, text: str | None) -> Any:
    """Typed text as the value a JSON client would send; None when blank (no value).

    A multi parameter takes a JSON array, or one value per line, or (on one line) values
    separated by commas. Text for a `string` is kept as typed; other types are trimmed by the
    checks. Raises ParamError only for a malformed multi array.
    """
    if text is None or not text.strip():
        return None
    if not param.multi:
        return text
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = _strict_json(stripped)
        except (ValueError, RecursionError):
            raise _fail(param, "must be a JSON array of values, or one value per line") from None
        if not isinstance(items, list):
            raise _fail(param, "must be a JSON array of values, or one value per line")
        return items
    separator = "\n" if "\n" in stripped else ","
    return [part.strip() for part in stripped.split(separator) if part.strip()]


def display_text(param: Parameter, value: Any) -> str:
    """A checked value as the text `read_text` reads back to it (one value per line if multi)."""
    if param.multi and isinstance(value, list):
        items = [_one_text(param, item) for item in value]
        if not items:
            return ""
        one = param.model_copy(update={"multi": False})
        plain = all(
            text
            and text == text.strip()
            and not set(text) & {"\n", ","}
            and same_value(_convert_or_raw(one, text), item)
            for text, item in zip(items, value, strict=True)
        )
        return "\n".join(items) if plain and not items[0].startswith("[") else json.dumps(value)
    return _one_text(param, value)


def _one_text(param: Parameter, value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def read_texts(params: Sequence[Parameter], texts: Mapping[str, str | None]) -> Checked:
    """Typed text by slug (the slash command's `key=value`), checked; blank texts are no value."""
    by_slug = {param.slug: param for param in params}
    raw: dict[str, Any] = {}
    errors: dict[str, ParamError] = {}
    for slug, text in texts.items():
        param = by_slug.get(slug)
        if param is None:
            raw[slug] = text
            continue
        try:
            value = read_text(param, text)
        except ParamError as exc:
            errors[slug] = exc
            continue
        if value is not None:
            raw[slug] = value
    checked = collect(params, raw)
    return Checked(values=checked.values, errors={**checked.errors, **errors})
