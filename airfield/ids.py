"""Airplane-like identifiers (`run20221122zk3j9x0q2ab`), API keys and run tokens."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import UTC, datetime

_ID_ALPHABET = string.ascii_lowercase + string.digits
_KEY_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, now: datetime | None = None) -> str:
    """A fresh ID shaped like Airplane's: prefix, UTC date, `z`, ten random characters."""
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    tail = "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))
    return f"{prefix}{day}z{tail}"


def stable_id(prefix: str, name: str) -> str:
    """An ID derived from a name, so definitions keep their IDs across restarts."""
    digest = hashlib.sha256(name.encode()).digest()
    tail = "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:10])
    return f"{prefix}00000000z{tail}"


def new_api_key() -> str:
    """A new API key: `tkn_` and 40 random letters and digits (about 238 bits)."""
    return "tkn_" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40))


def new_run_token() -> str:
    """A new run token, handed to one run's process as AIRPLANE_TOKEN."""
    return "rtk_" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40))


def hash_secret(secret: str) -> str:
    """The at-rest form of a key or token. Keys are random and long, so plain SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()
