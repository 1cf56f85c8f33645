"""Logging: one line per event, JSON when `LOG_FORMAT=json`, and never a token.

Each line carries the Slack request (`request=`) and the run (`run=`) it belongs to, when
known: listeners and the launch bind them with `log_context`, a context variable, so every
line logged inside (by any module) gets them without passing IDs around. Per-request HTTP
lines (httpx, the Airplane client's successful calls, aiohttp, slack_sdk) are DEBUG only.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

__all__ = ["configure_logging", "current_context", "log_context", "redact"]

# Slack tokens (xoxb-, xoxp-, xapp-, ...) and Airplane keys (tkn_...): blanked wherever they
# appear, so a library that logs a URL or a header cannot leak one.
_SECRET = re.compile(r"\b(xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|tkn_[A-Za-z0-9_]+)")

# Loggers that write a line per HTTP request at INFO: a poll a second would flood the log.
_CHATTY_LOGGERS = ("httpx", "httpcore", "slack_sdk", "slack_bolt", "aiohttp.access")

_CONTEXT: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "bot_log_context", default=()
)


def redact(text: str) -> str:
    """`text` with anything shaped like a token replaced by its prefix and `***`."""
    return _SECRET.sub(lambda match: match.group(1)[:5] + "***", text)


@contextmanager
def log_context(**ids: str | None) -> Iterator[None]:
    """Add `ids` (`request=`, `run=`) to every line logged in this block (and tasks it starts)."""
    current = dict(_CONTEXT.get())
    current.update({name: value for name, value in ids.items() if value})
    token = _CONTEXT.set(tuple(current.items()))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> dict[str, str]:
    """The IDs bound by the enclosing `log_context` blocks."""
    return dict(_CONTEXT.get())


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = current_context()
        if context:
            line += "".join(f" {name}={value}" for name, value in context.items())
        return redact(line).replace("\n", "\\n")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        context = current_context()
        line.update({name: redact(value) for name, value in context.items()})
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line)


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    """Install one stderr handler on the root logger with the chosen format."""
    handler = logging.StreamHandler()
    if log_format.lower() == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    chatty_level = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty_level)
