"""The Slack app manifest (`manifest.yml` at the repository root) with the configured command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import ManifestError

__all__ = ["MANIFEST_PATH", "ManifestError", "render_manifest"]

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"

_COMMAND_LINE = re.compile(r"^(\s*- command: )/\S+$", re.MULTILINE)
_VALID_COMMAND = re.compile(r"^/[a-z0-9_\-]{1,31}$")


def render_manifest(command: str, *, http_url: str | None = None, text: str | None = None) -> str:
    """The manifest with `command`; with `http_url`, the HTTP-mode variant using that base URL."""
    if not _VALID_COMMAND.match(command):
        raise ManifestError(
            f"BOT_COMMAND {command!r} is not a Slack command name "
            "(a slash, then up to 31 lowercase letters, digits, - or _)"
        )
    if text is None:
        try:
            text = MANIFEST_PATH.read_text(encoding="utf-8")
        except OSError as exc:
            raise ManifestError(f"cannot read {MANIFEST_PATH}: {exc.strerror}") from exc
    rendered = _COMMAND_LINE.sub(lambda match: match.group(1) + command, text)
    if http_url is None:
        return rendered
    return _http_variant(yaml.safe_load(rendered), http_url.rstrip("/") + "/slack/events")


def _http_variant(manifest: dict[str, Any], events_url: str) -> str:
    """Request URLs instead of Socket Mode (comments do not survive this variant)."""
    features = manifest.setdefault("features", {})
    for command in features.get("slash_commands", []):
        command["url"] = events_url
    settings = manifest.setdefault("settings", {})
    settings["socket_mode_enabled"] = False
    settings.setdefault("interactivity", {})["request_url"] = events_url
    settings["interactivity"]["message_menu_options_url"] = events_url
    settings.setdefault("event_subscriptions", {})["request_url"] = events_url
    return yaml.safe_dump(manifest, sort_keys=False)
