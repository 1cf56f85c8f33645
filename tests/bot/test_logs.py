"""Log lines: one per event, JSON on request, tokens blanked."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.core.logs import _CHATTY_LOGGERS, configure_logging, redact


@pytest.fixture(autouse=True)
def _restore_logger_levels() -> Iterator[None]:
    """configure_logging sets the chatty libraries' levels (httpx at DEBUG, say): put them back,
    or later tests (the Airplane client's log-line counts) see httpx lines they never asked for."""
    names = ("", *_CHATTY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


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


def test_lines_carry_the_request_and_run_they_belong_to(capsys: pytest.CaptureFixture[str]) -> None:
    """Inside `log_context`, every line names the request and run, in text and in JSON."""
    from bot.core.logs import log_context

    configure_logging("json", "INFO")
    try:
        with log_context(request="T123"), log_context(run="run1"):
            logging.getLogger("bot.test").info("started")
        logging.getLogger("bot.test").info("outside")
    finally:
        logging.getLogger().handlers.clear()
    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert (inside["request"], inside["run"]) == ("T123", "run1")
    assert "request" not in outside
    configure_logging("text", "INFO")
    try:
        with log_context(request="T9", run=None):
            logging.getLogger("bot.test").info("hello")
    finally:
        logging.getLogger().handlers.clear()
    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith("hello request=T9")


@pytest.mark.parametrize("name", ["httpx", "httpcore", "slack_sdk", "slack_bolt"])
def test_per_request_http_lines_only_at_debug(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """At INFO a poll a second writes nothing; at DEBUG the HTTP lines come back."""
    try:
        configure_logging("text", "INFO")
        logging.getLogger(name).info("HTTP Request: GET http://x/v0/runs/list 200")
        assert capsys.readouterr().err == ""
        configure_logging("text", "DEBUG")
        logging.getLogger(name).info("HTTP Request: GET http://x/v0/runs/list 200")
        assert "HTTP Request" in capsys.readouterr().err
    finally:
        logging.getLogger().handlers.clear()
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger(name).setLevel(logging.NOTSET)
