"""Slack's documented limits on what a message or view may hold, written once.

The bot clips its texts to these (`bot/slack_clip.py`) and the local Slack refuses what breaks
them (`slackbox/validation.py` imports this module), so the two cannot drift apart. Only data:
no imports, so the stand-in depends on nothing else of the product. Sources: Block Kit's
reference for blocks, elements and composition objects; `chat.postMessage` for `text`.
"""

from __future__ import annotations

from collections.abc import Mapping

MESSAGE_TEXT = 40_000  # chat.postMessage `text`
SECTION_TEXT = 3000  # a section block's `text`, the most a message's one block can say
MAX_BLOCKS: Mapping[str, int] = {"message": 50, "modal": 100, "home": 100}

# (block or element type, key) -> max characters of a text people read (a text object or a
# string). The bot clips these, marking the cut.
TEXT_LIMITS: Mapping[tuple[str, str], int] = {
    ("section", "text"): SECTION_TEXT,
    ("header", "text"): 150,
    ("input", "label"): 2000,
    ("input", "hint"): 2000,
    ("image", "alt_text"): 2000,
    ("image", "title"): 2000,
    ("button", "text"): 75,
    ("button", "accessibility_label"): 75,
    ("option", "text"): 75,
    ("option", "description"): 75,
    ("option_group", "label"): 75,
    ("confirm", "title"): 100,
    ("confirm", "text"): 300,
    ("confirm", "confirm"): 30,
    ("confirm", "deny"): 30,
    ("plain_text_input", "initial_value"): 3000,
}
# (type, key) -> max characters of a string that is data: never clipped (a cut value or URL
# would be wrong rather than short), so whoever builds one must keep it within the limit.
DATA_LIMITS: Mapping[tuple[str, str], int] = {
    ("button", "value"): 2000,
    ("button", "url"): 3000,
    ("option", "value"): 150,
}
FIELD_TEXT = 2000  # each of a section's `fields`
PLACEHOLDER_TEXT = 150
CONTEXT_TEXT = 2000  # a text element of a context block
ID_CHARS = 255  # block_id, action_id
VIEW_TEXT: Mapping[str, int] = {"title": 24, "submit": 24, "close": 24}
VIEW_STRINGS: Mapping[str, int] = {"private_metadata": 3000, "callback_id": 255, "external_id": 255}
# block or element type -> (its list key, max items)
LIST_LIMITS: Mapping[str, tuple[str, int]] = {
    "actions": ("elements", 25),
    "context": ("elements", 10),
    "section": ("fields", 10),
    "static_select": ("options", 100),
    "multi_static_select": ("options", 100),
    "overflow": ("options", 5),
    "checkboxes": ("options", 10),
    "radio_buttons": ("options", 10),
}
