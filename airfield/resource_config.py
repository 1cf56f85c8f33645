"""Resource kinds and secret fields. Pure.

Secret values are never sent back: responses show `REDACTED` in their place. An update that
sends `REDACTED` (or leaves a secret field out) keeps the stored secret, so a client can read a
resource, change one field and write it back.
"""

from __future__ import annotations

import re
from typing import Any

KINDS = frozenset(
    {
        "postgres",
        "airplane_postgres",
        "mysql",
        "sqlserver",
        "redshift",
        "snowflake",
        "bigquery",
        "dynamodb",
        "graphql",
        "rest",
        "mailgun",
        "sendgrid",
        "smtp",
        "mongodb",
        "slack",
        "salesforce",
        "openai",
        "anthropic",
    }
)
REDACTED = "REDACTED"
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|apikey|api_key|privatekey|private_key|credential|accesskey"
    r"|access_key|authorization|connectionstring|connection_string|dsn)",
    re.IGNORECASE,
)
# Objects whose every value is secret: request headers usually carry credentials.
_SECRET_MAPS = frozenset({"headers"})


def is_secret_key(key: str) -> bool:
    """Whether a field name marks a secret."""
    return _SECRET_KEY.search(key.replace("-", "")) is not None


def redact(config: Any, *, inside_secret_map: bool = False) -> Any:
    """`config` with every secret value replaced by REDACTED."""
    if isinstance(config, dict):
        out: dict[str, Any] = {}
        for key, value in config.items():
            if inside_secret_map or (is_secret_key(key) and not isinstance(value, dict | list)):
                out[key] = REDACTED if value not in (None, "") else value
            else:
                out[key] = redact(value, inside_secret_map=key in _SECRET_MAPS)
        return out
    if isinstance(config, list):
        return [redact(item, inside_secret_map=inside_secret_map) for item in config]
    return config


def keep_secrets(new: Any, old: Any, *, inside_secret_map: bool = False) -> Any:
    """`new`, with secrets that are REDACTED or left out taken from `old`."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return new
    merged: dict[str, Any] = {}
    for key, value in new.items():
        secret = inside_secret_map or is_secret_key(key)
        if secret and value == REDACTED:
            merged[key] = old.get(key)
        else:
            merged[key] = keep_secrets(value, old.get(key), inside_secret_map=key in _SECRET_MAPS)
    for key, value in old.items():
        if key not in new and (inside_secret_map is False and is_secret_key(key)):
            merged[key] = value
    return merged
