"""Input state as Slack reports it (`state.values`), and what a user types or picks.

Slack gives blocks without a `block_id` (and elements without an `action_id`) generated IDs;
`with_ids` does the same, deterministically, so payloads and `state.values` agree. A user's
input is given as plain Python (`"prod"`, `["a", "b"]`, a date string) and turned into the
state entry for the element's type by `entry_for`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

# element type -> (state key, the element's initial_* key)
STATE_KEYS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "rich_text_input": ("rich_text_value", "initial_value"),
    "static_select": ("selected_option", "initial_option"),
    "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
LIST_STATE_KEYS = {
    "selected_options",
    "selected_users",
    "selected_conversations",
    "selected_channels",
}
OPTION_TYPES = {"static_select", "radio_buttons", "multi_static_select", "checkboxes"}


@dataclass(frozen=True)
class Field:
    """A stateful element: where it sits and what labels it."""

    block_id: str
    action_id: str
    element: JSON
    label: str


def with_ids(blocks: list[JSON]) -> list[JSON]:
    """A copy of `blocks` with generated `block_id`s and `action_id`s where they are missing."""
    filled = copy.deepcopy(blocks)
    for index, block in enumerate(filled):
        block.setdefault("block_id", f"b{index}")
        for position, element in enumerate(_elements(block)):
            if element.get("type") in STATE_KEYS or element.get("type") in ("button", "overflow"):
                element.setdefault("action_id", f"a{position}")
    return filled


def _elements(block: JSON) -> list[JSON]:
    elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            elements.append(block[key])
    return elements


def fields(blocks: list[JSON]) -> Iterator[Field]:
    """Every element that has input state, in block order."""
    for block in with_ids(blocks):
        label = block.get("label") or block.get("text") or {}
        label_text = label.get("text", "") if isinstance(label, dict) else ""
        for element in _elements(block):
            if element.get("type") in STATE_KEYS:
                yield Field(block["block_id"], element["action_id"], element, label_text)


def initial_entry(element: JSON) -> JSON:
    """The state entry before the user touches the element (its `initial_*`, else empty)."""
    element_type = str(element["type"])
    state_key, initial_key = STATE_KEYS[element_type]
    initial = element.get(initial_key)
    if initial is None and state_key in LIST_STATE_KEYS:
        initial = []
    return {"type": element_type, state_key: initial}


def entry_for(element: JSON, value: Any) -> JSON:
    """The state entry for a user's input: text, an option value or text, IDs, lists of those."""
    element_type = str(element["type"])
    state_key, _ = STATE_KEYS[element_type]
    if isinstance(value, dict) and value.get("type") == element_type:
        return value  # a raw state entry, passed through
    if state_key == "selected_option":
        return {"type": element_type, state_key: _option(element, value)}
    if state_key == "selected_options":
        items = value if isinstance(value, list) else [value]
        return {"type": element_type, state_key: [_option(element, v) for v in items]}
    if state_key == "value":
        return {"type": element_type, state_key: None if value is None else str(value)}
    return {"type": element_type, state_key: value}


def _option(element: JSON, value: Any) -> JSON | None:
    """The option a user picks, found by value or visible text (any text for external selects)."""
    if value is None or isinstance(value, dict):
        return value
    options = [*(element.get("options") or [])]
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value or option.get("text", {}).get("text") == value:
            return dict(option)
    if element["type"] in OPTION_TYPES:
        choices = [o.get("value") for o in options]
        raise LookupError(f"{value!r} is not an option of {element.get('action_id')}: {choices}")
    return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}


def find_field(blocks: list[JSON], key: str) -> Field:
    """The field named by its action_id, block_id or label text."""
    found = [f for f in fields(blocks) if key in (f.action_id, f.block_id, f.label)]
    if len(found) != 1:
        names = [(f.block_id, f.action_id, f.label) for f in fields(blocks)]
        raise LookupError(f"{len(found)} inputs match {key!r}; inputs are {names}")
    return found[0]


def state_values(
    blocks: list[JSON], entered: dict[str, dict[str, JSON]]
) -> dict[str, dict[str, JSON]]:
    """`state.values` for `blocks`: what the user entered, else each element's initial state."""
    values: dict[str, dict[str, JSON]] = {}
    for field in fields(blocks):
        entry = entered.get(field.block_id, {}).get(field.action_id) or initial_entry(field.element)
        values.setdefault(field.block_id, {})[field.action_id] = entry
    return values


def buttons(blocks: list[JSON]) -> Iterator[tuple[JSON, JSON]]:
    """Every button as (block, element), blocks carrying their generated IDs."""
    for block in with_ids(blocks):
        for element in _elements(block):
            if element.get("type") == "button":
                yield block, element
