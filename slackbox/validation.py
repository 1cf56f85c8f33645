"""Block Kit validation as Slack does it: `slack_sdk.models` plus Slack's documented limits.

`validate_blocks(blocks, surface=...)` and `validate_view(view)` return a list of error strings
in Slack's style (`"must be at most 75 characters [json-pointer:/blocks/0/elements/1/text]"`);
an empty list means Slack would accept the payload. They are plain functions so property tests
can call them without a server.

Three layers, each catching what the others miss:
1. every block goes through `Block.parse(...).validate_json()` (slack_sdk's own limits);
2. a round trip through slack_sdk's `to_dict()` flags properties Slack does not know (typos);
3. a walk over the raw JSON checks the limits in Slack's reference (counts, lengths, empty text,
   duplicate IDs), which slack_sdk leaves out or only checks on some element types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from foundation import slack_limits as limits

# Slack's limits, shared with the bot's clipping so the two cannot disagree: what the bot clips
# people's texts to, plus the data strings it must keep within them itself.
TEXT_LIMITS: Mapping[tuple[str, str], int] = {**limits.TEXT_LIMITS, **limits.DATA_LIMITS}
OPTION_LIST_TYPES = {
    "static_select",
    "multi_static_select",
    "overflow",
    "checkboxes",
    "radio_buttons",
}


def validate_blocks(
    blocks: Any, *, surface: str = "message", pointer: str = "/blocks"
) -> list[str]:
    """Every reason Slack would refuse these blocks on `surface` ("message", "modal", "home")."""
    if not isinstance(blocks, list):
        return [_error("must be an array", pointer)]
    errors: list[str] = []
    limit = limits.MAX_BLOCKS.get(surface, limits.MAX_BLOCKS["message"])
    if len(blocks) > limit:
        errors.append(_error(f"must contain at most {limit} items", pointer))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        if not isinstance(block, dict):
            errors.append(_error("must be an object", here))
            continue
        errors.extend(_check_with_sdk(block, here))
        errors.extend(_check_limits(block, here))
        errors.extend(_empty_texts(block, here))
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                errors.append(_error(f"duplicate block_id {block_id!r}", f"{here}/block_id"))
            seen_block_ids.add(block_id)
    return errors


def validate_view(view: Any) -> list[str]:
    """Every reason Slack would refuse this view (modal or home) in views.open/update/publish."""
    if not isinstance(view, dict):
        return [_error("must be an object", "/view")]
    errors: list[str] = []
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        return [_error("type must be modal or home", "/view/type")]
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        errors.append(_error(str(exc), "/view"))
    except Exception as exc:  # slack_sdk raises plain errors on malformed input
        errors.append(_error(f"malformed view: {exc}", "/view"))
    if view_type == "modal":
        if not isinstance(view.get("title"), dict):
            errors.append(_error("title is required for modals", "/view/title"))
        has_input = any(
            isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or []
        )
        if has_input and not view.get("submit"):
            errors.append(
                _error("submit is required when an input block is present", "/view/submit")
            )
    for key, limit in limits.VIEW_TEXT.items():
        errors.extend(_text_length(view.get(key), limit, f"/view/{key}"))
    for key, limit in limits.VIEW_STRINGS.items():
        value = view.get(key)
        if isinstance(value, str) and len(value) > limit:
            errors.append(_error(f"must be at most {limit} characters", f"/view/{key}"))
    errors.extend(
        validate_blocks(view.get("blocks", []), surface=view_type, pointer="/view/blocks")
    )
    return errors


def _error(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


def _check_with_sdk(block: dict[str, Any], pointer: str) -> list[str]:
    try:
        parsed = Block.parse(dict(block))
    except Exception as exc:  # slack_sdk raises TypeError/KeyError on malformed blocks
        return [_error(f"malformed block: {exc}", pointer)]
    if parsed is None:
        return [_error(f"unsupported block type {block.get('type')!r}", pointer)]
    try:
        parsed.validate_json()
        round_trip = parsed.to_dict()
    except SlackObjectFormationError as exc:
        return [_error(str(exc), pointer)]
    except Exception as exc:
        return [_error(f"malformed block: {exc}", pointer)]
    return [
        _error("unsupported property (not in Block Kit)", unknown)
        for unknown in _keys_lost(block, round_trip, pointer)
    ]


def _keys_lost(raw: Any, kept: Any, pointer: str) -> Iterator[str]:
    """JSON pointers of keys in `raw` that slack_sdk dropped: properties Block Kit lacks."""
    if isinstance(raw, dict) and isinstance(kept, dict):
        for key, value in raw.items():
            if key not in kept:
                if value not in (None, ""):  # empty strings are reported as empty, not unknown
                    yield f"{pointer}/{key}"
            else:
                yield from _keys_lost(value, kept[key], f"{pointer}/{key}")
    elif isinstance(raw, list) and isinstance(kept, list):
        for index, (raw_item, kept_item) in enumerate(zip(raw, kept, strict=False)):
            yield from _keys_lost(raw_item, kept_item, f"{pointer}/{index}")


def _empty_texts(node: Any, pointer: str) -> Iterator[str]:
    """Text objects anywhere in a block whose text is missing or empty (Slack refuses them)."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _empty_texts(item, f"{pointer}/{index}")
    elif isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and not node.get("text"):
            yield _error("must be more than 0 characters", f"{pointer}/text")
        for key, value in node.items():
            yield from _empty_texts(value, f"{pointer}/{key}")


def _text_length(value: Any, limit: int, pointer: str) -> list[str]:
    """Length and emptiness of a text object or a plain string."""
    if isinstance(value, dict):
        text = value.get("text")
        if not isinstance(text, str):
            return [_error("text is required", f"{pointer}/text")]
        if text == "":
            return [_error("must be more than 0 characters", f"{pointer}/text")]
        if value.get("type") not in ("plain_text", "mrkdwn"):
            return [_error("type must be plain_text or mrkdwn", f"{pointer}/type")]
        if len(text) > limit:
            return [_error(f"must be at most {limit} characters", f"{pointer}/text")]
    elif isinstance(value, str) and len(value) > limit:
        return [_error(f"must be at most {limit} characters", pointer)]
    return []


def _check_limits(node: Any, pointer: str, kind: str | None = None) -> list[str]:
    """Walk a block or element and check Slack's documented limits on it and its children."""
    if isinstance(node, list):
        return [
            e for i, item in enumerate(node) for e in _check_limits(item, f"{pointer}/{i}", kind)
        ]
    if not isinstance(node, dict):
        return []
    node_type = kind or str(node.get("type", ""))
    errors: list[str] = []
    for (owner, key), limit in TEXT_LIMITS.items():
        if owner == node_type and key in node:
            errors.extend(_text_length(node[key], limit, f"{pointer}/{key}"))
    for key in ("block_id", "action_id"):
        value = node.get(key)
        if isinstance(value, str) and not 0 < len(value) <= limits.ID_CHARS:
            errors.append(_error(f"must be 1 to {limits.ID_CHARS} characters", f"{pointer}/{key}"))
    if "placeholder" in node:
        errors.extend(
            _text_length(node["placeholder"], limits.PLACEHOLDER_TEXT, f"{pointer}/placeholder")
        )
    if node_type in limits.LIST_LIMITS:
        key, limit = limits.LIST_LIMITS[node_type]
        items = node.get(key)
        if isinstance(items, list) and len(items) > limit:
            errors.append(_error(f"must contain at most {limit} items", f"{pointer}/{key}"))
    if node_type == "section":
        for i, item in enumerate(node.get("fields") or []):
            errors.extend(_text_length(item, limits.FIELD_TEXT, f"{pointer}/fields/{i}"))
    if node_type in ("actions", "context", "section", "input"):
        errors.extend(_check_children(node, pointer))
    if node_type in OPTION_LIST_TYPES | {"external_select", "multi_external_select"}:
        for key in ("options", "initial_options"):
            errors.extend(_check_limits(node.get(key) or [], f"{pointer}/{key}", "option"))
        if "initial_option" in node:
            errors.extend(
                _check_limits(node["initial_option"], f"{pointer}/initial_option", "option")
            )
        for i, group in enumerate(node.get("option_groups") or []):
            group_pointer = f"{pointer}/option_groups/{i}"
            errors.extend(_check_limits(group, group_pointer, "option_group"))
            errors.extend(
                _check_limits(group.get("options") or [], f"{group_pointer}/options", "option")
            )
    if "confirm" in node and node_type != "confirm" and isinstance(node["confirm"], dict):
        errors.extend(_check_limits(node["confirm"], f"{pointer}/confirm", "confirm"))
    return errors


def _check_children(block: dict[str, Any], pointer: str) -> list[str]:
    errors: list[str] = []
    seen_action_ids: set[str] = set()
    children: list[tuple[str, Any]] = [
        (f"{pointer}/elements/{i}", e) for i, e in enumerate(block.get("elements") or [])
    ]
    for key in ("accessory", "element"):
        if key in block:
            children.append((f"{pointer}/{key}", block[key]))
    for child_pointer, child in children:
        errors.extend(_check_limits(child, child_pointer))
        action_id = child.get("action_id") if isinstance(child, dict) else None
        if isinstance(action_id, str):
            if action_id in seen_action_ids:
                errors.append(
                    _error(f"duplicate action_id {action_id!r}", f"{child_pointer}/action_id")
                )
            seen_action_ids.add(action_id)
    return errors
