"""Logging: one line per event, JSON when `LOG_FORMAT=json`, and never a token."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

__all__ = ["configure_logging", "redact"]

# Slack tokens (xoxb-, xoxp-, xapp-, ...) and Airplane keys (tkn_...): blanked wherever they
# appear, so a library that logs a URL or a header cannot leak one.
_SECRET = re.compile(r"\b(xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|tkn_[A-Za-z0-9_]+)")


def redact(text: str) -> str:
    """`text` with anything shaped like a token replaced by its prefix and `***`."""
    return _SECRET.sub(lambda match: match.group(1)[:5] + "***", text)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record)).replace("\n", "\\n")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
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
