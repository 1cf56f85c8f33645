"""The Slack app manifest validates against Slack's manifest schema and covers what the bot uses."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.support.reference import SLACK_REFERENCE_DIR

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = SLACK_REFERENCE_DIR / "manifest.schema.1.0.0.json"


def _manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_manifest_validates_against_slack_schema() -> None:
    """manifest.yml is a valid app manifest per Slack's published JSON schema."""
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(_manifest())


def test_manifest_declares_command_shortcut_home_and_socket_mode() -> None:
    """The manifest has the slash command, the Run a task shortcut, App Home and Socket Mode."""
    manifest = _manifest()
    features = manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == ["/airplane"]
    assert [s["callback_id"] for s in features["shortcuts"]] == ["run_task"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
