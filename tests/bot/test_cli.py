"""`airplane-bot` refuses incomplete settings, prints the manifest, and explains Slack setup."""

from __future__ import annotations

import pytest
import yaml

from bot.process.cli import main
from bot.process.manifest import ManifestError, render_manifest

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_serve_names_each_missing_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve` exits non-zero listing every missing variable of the chosen mode."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "http mode" in err
    assert "SLACK_SIGNING_SECRET" in err
    assert "AIRPLANE_API_KEY" in err
    assert "SLACK_BOT_TOKEN" not in err
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "socket mode" in err
    assert "SLACK_SIGNING_SECRET" not in err


def test_dev_says_what_to_create(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dev` with half a Slack set-up explains the manifest import and where each token goes."""
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["dev"]) == 2
    err = capsys.readouterr().err
    assert "missing: SLACK_BOT_TOKEN" in err
    assert "From an app manifest" in err
    assert "SLACK_BOT_TOKEN=xoxb-" in err
    assert "connections:write" in err
    assert "AIRPLANE_API_KEY" not in err


def test_dev_without_any_slack_setting_is_the_playground(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No Slack token at all means someone trying it out: the playground, not set-up steps."""
    from bot.process.dev import wants_playground
    from bot.wiring.config import Settings

    assert wants_playground(Settings())
    monkeypatch.setenv("SLACK_BOT_TOKEN", "  ")
    assert wants_playground(Settings())
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    assert not wants_playground(Settings())


def test_manifest_uses_configured_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed manifest carries BOT_COMMAND and keeps the rest of manifest.yml."""
    monkeypatch.setenv("BOT_COMMAND", "/ops")
    assert main(["manifest"]) == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/ops"]
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_http_manifest_points_at_events_url() -> None:
    """`--http URL` switches off Socket Mode and sets every request URL."""
    manifest = yaml.safe_load(render_manifest("/airplane", http_url="https://bot.example/"))
    url = "https://bot.example/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["features"]["slash_commands"][0]["url"] == url


def test_bad_command_name_is_refused() -> None:
    """A BOT_COMMAND Slack would reject is reported, not printed."""
    with pytest.raises(ManifestError, match="not a Slack command name"):
        render_manifest("airplane")
