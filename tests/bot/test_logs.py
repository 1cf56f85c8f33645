"""Log lines: one per event, JSON on request, tokens blanked."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging, redact


@pytest.mark.parametrize(
    "secret",
    ["xoxb-1234-5678-abcdEFGH", "xapp-1-A0-123-abc", "xoxp-9-9-9", "tkn_abcdef0123456789"],
)
def test_tokens_are_blanked(secret: str) -> None:
    """Slack tokens and Airplane keys never survive redaction, wherever they appear."""
    line = redact(f"calling https://x/api?token={secret}&a=1 with {secret}")
    assert secret not in line
    assert "***" in line


def test_json_lines_carry_no_token(capsys: pytest.CaptureFixture[str]) -> None:
    """LOG_FORMAT=json writes one JSON object per event, multi-line messages included."""
    configure_logging("json", "INFO")
    try:
        logging.getLogger("bot.test").info("auth with %s\nsecond line", "xoxb-1-2-secret")
    finally:
        logging.getLogger().handlers.clear()
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert record["logger"] == "bot.test"
    assert record["level"] == "info"
    assert "secret" not in line
    assert record["msg"].endswith("second line")


def test_text_lines_stay_single(capsys: pytest.CaptureFixture[str]) -> None:
    """The text format escapes newlines so one event stays one line."""
    configure_logging("text", "INFO")
    try:
        logging.getLogger("bot.test").warning("a\nb tkn_secretkey")
    finally:
        logging.getLogger().handlers.clear()
    [line] = capsys.readouterr().err.splitlines()
    assert "a\\nb" in line
    assert "tkn_secretkey" not in line
