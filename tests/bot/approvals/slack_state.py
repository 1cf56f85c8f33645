"""What Slack reports as `state.values` for rendered inputs: untouched (initial values) or typed.

Only the element types approvals render. Used to drive `check_values` the way Slack would.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

_STATE_KEYS = {
    "plain_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "static_select": ("selected_option", "initial_option"),
    "multi_static_select": ("selected_options", "initial_options"),
    "checkboxes": ("selected_options", "initial_options"),
    "datepicker": ("selected_date", "initial_date"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
_LISTS = {"selected_options"}


def untouched_state(blocks: list[JSON]) -> dict[str, dict[str, JSON]]:
    """`state.values` when nobody touched the inputs: each shows its initial value."""
    state: dict[str, dict[str, JSON]] = {}
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block["element"]
        state_key, initial_key = _STATE_KEYS[element["type"]]
        initial = element.get(initial_key)
        if initial is None:
            initial = [] if state_key in _LISTS else None
        state[block["block_id"]] = {
            element["action_id"]: {"type": element["type"], state_key: initial}
        }
    return state


def with_entry(
    state: dict[str, dict[str, JSON]], block_id: str, entry: JSON
) -> dict[str, dict[str, JSON]]:
    """A copy of `state` where the input `block_id` holds `entry` (its type kept)."""
    out = {key: {a: dict(v) for a, v in actions.items()} for key, actions in state.items()}
    ((action_id, old),) = out[block_id].items()
    out[block_id] = {action_id: {"type": old["type"], **entry}}
    return out
