"""The local playground: the real bot against slackbox's local Slack, used from a web page.

`airplane-bot dev` with no Slack settings comes here. The bot is the production one (same
services, listeners and store code, Socket Mode) with only its Slack address and tokens pointed at
the local Slack; its state lives in a temporary directory, since the local Slack's messages live
only as long as the process.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import tempfile
from pathlib import Path

from pydantic import SecretStr

from slackbox import SlackEmulator
from slackbox.playground import NOTICE, Playground, SlashCommand, SlashSubcommand

from ..blocks.help import SUBCOMMANDS
from ..core.errors import PlaygroundError
from ..wiring.config import Settings
from .manifest import MANIFEST_PATH

__all__ = ["PLAYGROUND_POLICY", "PlaygroundError", "playground_command", "serve_playground"]

log = logging.getLogger("bot.playground")

# Lets both sides of a rule be tried: carol is refused deploy, bob reviews ops prompts.
PLAYGROUND_POLICY = Path(__file__).resolve().parents[2] / "examples" / "playground-policy.yaml"


def playground_command(command: str) -> SlashCommand:
    """The slash command as the manifest declares it, with the bot's subcommands to complete."""
    import yaml

    description, usage_hint = "", ""
    with contextlib.suppress(OSError, yaml.YAMLError, AttributeError, IndexError, TypeError):
        manifest = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
        declared = manifest["features"]["slash_commands"][0]
        description, usage_hint = declared["description"], declared["usage_hint"]
    subcommands = tuple(
        SlashSubcommand(s.name, s.arguments, s.description.format(command=command))
        for s in SUBCOMMANDS
    )
    return SlashCommand(command, description, usage_hint, subcommands)


def banner(url: str) -> str:
    """What `airplane-bot dev` prints when the playground is up."""
    return "\n".join(
        [
            "",
            f"  Local playground: open {url}",
            f"  {NOTICE}",
            "  People: alice, bob, carol (switch on the page); channels #general and #ops.",
            "  Try: /airplane run hello name=World   (Ctrl-C stops)",
            "  To use a real Slack workspace instead, put SLACK_BOT_TOKEN and SLACK_APP_TOKEN",
            "  in .env (see README).",
            "",
        ]
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve_playground(settings: Settings) -> None:
    """Serve the local Slack and its page on 127.0.0.1:PORT, and the bot against it."""
    from .serve import serve

    slack = SlackEmulator(port=settings.port, secret_tokens=True)
    Playground(slack, commands=[playground_command(settings.bot_command)]).install()
    try:
        await slack.__aenter__()
    except OSError as exc:
        raise PlaygroundError(
            f"cannot listen on 127.0.0.1:{settings.port} ({exc.strerror}); set PORT to a free port"
        ) from exc
    url = f"http://127.0.0.1:{settings.port}/"
    try:
        with tempfile.TemporaryDirectory(prefix="airplane-bot-playground-") as state:
            bot_settings = settings.model_copy(
                update={
                    "slack_bot_token": SecretStr(slack.bot_token),
                    "slack_app_token": SecretStr(slack.app_token),
                    "slack_signing_secret": None,
                    "slack_api_url": slack.api_url,
                    "bot_db": str(Path(state) / "airplane-bot.db"),
                    "bot_policy": settings.bot_policy or str(PLAYGROUND_POLICY),
                    # PORT is the page's; anything the bot itself serves goes elsewhere.
                    "port": _free_port(),
                }
            )
            log.info("playground at %s (a local stand-in for Slack)", url)
            # Printed once the bot serves and has logged its start: the last thing on screen.
            await serve(
                bot_settings,
                host="127.0.0.1",
                on_ready=lambda: print(banner(url), flush=True),
            )
    finally:
        await slack.__aexit__(None, None, None)
