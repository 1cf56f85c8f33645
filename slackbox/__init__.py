"""A local Slack for the bot's tests: Web API, Socket Mode, and Slack's side of interactions.

    async with SlackEmulator(events_url=bot_url) as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        reply = await slack.slash_command("/airplane", "run deploy", user=ALICE, channel=GENERAL)
        parent = await slack.wait_for(lambda: slack.messages(GENERAL))

See README.md in this package for the whole API.
"""

from .client import Reply, SendOptions
from .emulator import SlackEmulator
from .records import block_text
from .socket_mode import Ack, Envelope
from .state import (
    ALICE,
    APP_ID,
    APP_TOKEN,
    BOB,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CAROL,
    GENERAL,
    OPS,
    SIGNING_SECRET,
    TEAM_ID,
    ApiCall,
    Channel,
    Ephemeral,
    Message,
    MessageVersion,
    MethodCount,
    ResponseUrlPost,
    UploadedFile,
    User,
    ViewRecord,
)
from .validation import validate_blocks, validate_view

__all__ = [
    "ALICE",
    "APP_ID",
    "APP_TOKEN",
    "BOB",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CAROL",
    "GENERAL",
    "OPS",
    "SIGNING_SECRET",
    "TEAM_ID",
    "Ack",
    "ApiCall",
    "Channel",
    "Envelope",
    "Ephemeral",
    "Message",
    "MessageVersion",
    "MethodCount",
    "Reply",
    "ResponseUrlPost",
    "SendOptions",
    "SlackEmulator",
    "UploadedFile",
    "User",
    "ViewRecord",
    "block_text",
    "validate_blocks",
    "validate_view",
]
