"""Shared building blocks of the wire format: the base model, aliases and timestamps.

Airplane's JSON uses camelCase with upper-case initialisms (`runID`, `childRunIDs`, `baseURL`).
Python code uses snake_case; `wire_alias` maps one onto the other so most fields need no
explicit alias.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

_INITIALISMS = {"id": "ID", "ids": "IDs", "url": "URL"}


def wire_alias(name: str) -> str:
    """Return the JSON key for a snake_case field name (`child_run_ids` -> `childRunIDs`)."""
    head, *rest = name.split("_")
    return head + "".join(_INITIALISMS.get(part, part[:1].upper() + part[1:]) for part in rest)


class WireModel(BaseModel):
    """Base of every wire model: keeps unknown fields, accepts JSON keys and Python names."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=wire_alias,
        use_enum_values=False,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON object for this model: JSON keys, only fields that were set."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# Airplane's examples print `2022-01-11 22:32:45.707231+00`: a space, any number of fractional
# digits and an hour-only offset. Python's fromisoformat accepts all of it once the offset has
# minutes, so only that part is normalised.
_SHORT_OFFSET = re.compile(r"([+-]\d{2})$")


def parse_time(value: object) -> datetime | None:
    """Parse an Airplane timestamp (RFC 3339 or Postgres style); empty means no time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp string, got {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _SHORT_OFFSET.sub(r"\1:00", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a timestamp: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str | None:
    """Format a timestamp as RFC 3339 in UTC with a `Z`, as the API's query filters take."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[
    datetime | None,
    BeforeValidator(parse_time),
    PlainSerializer(format_time, return_type=str | None),
]
"""A response timestamp: RFC 3339 or `2022-01-11 22:32:45.7+00`; `""` and null mean none."""


def _none_to_empty_list(value: object) -> object:
    return [] if value is None else value


def _none_to_empty_dict(value: object) -> object:
    return {} if value is None else value


def _none_to_empty_str(value: object) -> object:
    return "" if value is None else value


StrList = Annotated[list[str], BeforeValidator(_none_to_empty_list)]
"""A list of strings where the sender may write null for empty."""

JsonObject = Annotated[dict[str, Any], BeforeValidator(_none_to_empty_dict)]
"""A JSON object where the sender may write null for empty."""

Text = Annotated[str, BeforeValidator(_none_to_empty_str)]
"""A string where the sender may write null for empty (as airplanesdk does)."""


def query_params(model: WireModel) -> dict[str, str]:
    """A query model as query-string parameters: JSON keys, RFC 3339 times, unset left out."""
    out: dict[str, str] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        key = field.alias or name
        out[key] = (format_time(value) or "") if isinstance(value, datetime) else str(value)
    return out
