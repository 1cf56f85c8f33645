"""Settings, the mode they choose, and the settings each mode lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.wiring.config import Mode, Settings, missing_settings

pytestmark = pytest.mark.usefixtures("clean_settings_env")


def test_app_token_means_socket_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """SLACK_APP_TOKEN set picks Socket Mode; unset picks HTTP mode."""
    assert Settings().mode is Mode.HTTP
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert Settings().mode is Mode.SOCKET


def test_missing_settings_are_named_per_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each mode lists exactly the required variables that are unset or blank."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("AIRPLANE_API_KEY", "  ")
    settings = Settings()
    assert missing_settings(settings, Mode.HTTP) == ["SLACK_SIGNING_SECRET", "AIRPLANE_API_KEY"]
    assert missing_settings(settings, Mode.SOCKET) == ["SLACK_APP_TOKEN", "AIRPLANE_API_KEY"]


def test_operators_listener_is_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """/metrics and /readyz bind 127.0.0.1:3001 in either mode; METRICS_HOST opens them up."""
    settings = Settings()
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 3001)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert Settings().metrics_host == "127.0.0.1"
    monkeypatch.setenv("METRICS_HOST", "0.0.0.0")
    assert Settings().metrics_host == "0.0.0.0"


def test_dotenv_is_read(tmp_path: Path) -> None:
    """A .env file in the working directory supplies settings."""
    (tmp_path / ".env").write_text("BOT_COMMAND=/ops\nSLACK_SIGNING_SECRET=s3cret\n")
    settings = Settings()
    assert settings.bot_command == "/ops"
    assert "s3cret" not in repr(settings)
