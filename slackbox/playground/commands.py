"""The slash commands the playground's message box knows, as an app manifest declares them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SlashCommand", "SlashSubcommand"]


@dataclass(frozen=True)
class SlashSubcommand:
    """A first word after the command, offered by autocomplete once the command is typed."""

    name: str
    arguments: str = ""
    description: str = ""


@dataclass(frozen=True)
class SlashCommand:
    """A command with the manifest's `description` and `usage_hint`, and its subcommands."""

    command: str
    description: str = ""
    usage_hint: str = ""
    subcommands: tuple[SlashSubcommand, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """What the page's autocomplete reads."""
        return {
            "command": self.command,
            "description": self.description,
            "usage_hint": self.usage_hint,
            "subcommands": [
                {"name": s.name, "arguments": s.arguments, "description": s.description}
                for s in self.subcommands
            ],
        }
