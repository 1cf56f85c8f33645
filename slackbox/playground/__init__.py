"""The playground: a web page on the emulator's own server where a person uses the local Slack.

    slack = SlackEmulator(port=3000)
    Playground(slack, commands=[SlashCommand("/airplane", ...)]).install()
    async with slack:
        ...  # open http://127.0.0.1:3000/

See slackbox/README.md ("Playground") for the page and its HTTP interface.
"""

from .commands import SlashCommand, SlashSubcommand
from .routes import NOTICE, Playground

__all__ = ["NOTICE", "Playground", "SlashCommand", "SlashSubcommand"]
