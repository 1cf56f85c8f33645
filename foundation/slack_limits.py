"""Slack's documented limits, written once: what a message or view may hold, and how often
each Web API method may be called.

The bot clips its texts to the first (`bot/slack/clip.py`) and paces its calls by the second
(`bot/slack/scheduler.py`); the local Slack refuses what breaks either (`slackbox/validation.py`,
`slackbox/limits.py`), so the two cannot drift apart. Only data and one lookup: slackbox reads
this module without importing the bot. Sources: Block Kit's reference for blocks, elements and
composition objects; `chat.postMessage` for `text`; Slack's "Rate limits" page and each
method's page for the tiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
EXTERNAL_SELECT_OPTIONS = 100  # options in an answer to an external select's options request
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


# -- Web API rate limits ----------------------------------------------------------------------
#
# Slack counts calls per method, per app, per workspace (not per process, not per channel):
# Tier 1 allows 1+ a minute, Tier 2 20+, Tier 3 50+, Tier 4 100+, each "with bursts" that Slack
# does not size. The bursts below are this project's reading of "a small amount" (Tier 1),
# "occasional" (2), "sporadic" (3) and "generous" (4); the bot and the stand-in use the same
# numbers, so the bot's pacing is tested against exactly what the stand-in enforces.


@dataclass(frozen=True)
class Tier:
    """A method's workspace budget: `per_minute` calls, and at most `burst` at once."""

    name: str
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        """The refill rate of the budget's token bucket."""
        return self.per_minute / 60.0


TIER_1 = Tier("tier1", 1, 2)
TIER_2 = Tier("tier2", 20, 5)
TIER_3 = Tier("tier3", 50, 10)
TIER_4 = Tier("tier4", 100, 20)
# chat.postMessage is "special": about one message a second in a channel (below) and a
# workspace-wide limit Slack calls "several hundred messages per minute"; we take 300.
POST_MESSAGE = Tier("special", 300, 30)
# apps.connections.open is Tier 1, but Socket Mode documents up to 10 open connections per app:
# opening them together (replicas starting at once) is the "small amount of burst" allowed.
SOCKET_OPEN = Tier("tier1", 1, 10)
# Special methods whose pages give no figure (auth.test, chat.getPermalink): taken as Tier 4,
# the most generous documented tier, so the stand-in never allows more than Slack says.
SPECIAL = Tier("special", 100, 20)


@dataclass(frozen=True)
class ChannelPace:
    """chat.postMessage's own rule: `per_second` messages in one channel, bursts of `burst`."""

    per_second: float
    burst: int


CHANNEL_PACE = ChannelPace(per_second=1.0, burst=3)
CHANNEL_PACED: frozenset[str] = frozenset({"chat.postMessage"})

# Every method the bot or Bolt calls, with its tier from the method's page.
RATE_TIERS: Mapping[str, Tier] = {
    "apps.connections.open": SOCKET_OPEN,
    "auth.test": SPECIAL,
    "bots.info": TIER_3,
    "chat.delete": TIER_3,
    "chat.getPermalink": SPECIAL,
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POST_MESSAGE,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "files.completeUploadExternal": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "team.info": TIER_3,
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "users.info": TIER_4,
    "users.lookupByEmail": TIER_3,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
}
# A method missing above gets Tier 2, "most methods", so a new call is paced, never unlimited.
DEFAULT_TIER = TIER_2


def tier_of(method: str) -> Tier:
    """The workspace budget of a Web API method (`chat.update`)."""
    return RATE_TIERS.get(method, DEFAULT_TIER)
