"""Resource configurations encrypted at rest with keys from `AIRFIELD_SECRET_KEY`.

The variable holds one or more Fernet keys separated by commas (`airfield secrets new-key`
makes one). The first encrypts; every one decrypts. Rotation: put the new key first and the
old one after it, run `airfield secrets rotate` (every stored configuration is rewritten under
the new key), then drop the old key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENV_VAR = "AIRFIELD_SECRET_KEY"


class SecretKeyError(Exception):
    """AIRFIELD_SECRET_KEY is missing, malformed, or does not open what is stored."""


class SecretBox:
    """Encrypts and decrypts resource configurations."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretKeyError(f"{ENV_VAR} is empty")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError:
            raise SecretKeyError(
                f"{ENV_VAR} must be Fernet keys (32 url-safe base64-encoded bytes) separated by"
                " commas; `airfield secrets new-key` prints one"
            ) from None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> SecretBox | None:
        """The box of AIRFIELD_SECRET_KEY, or None when it is not set."""
        keys = [key.strip() for key in environ.get(ENV_VAR, "").split(",") if key.strip()]
        return cls(keys) if keys else None

    def seal(self, config: Mapping[str, Any]) -> str:
        """`config` encrypted under the first key."""
        return self._fernet.encrypt(json.dumps(config).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any]:
        """The configuration in `sealed`; SecretKeyError when no key opens it."""
        try:
            config: dict[str, Any] = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            raise SecretKeyError(
                f"{ENV_VAR} does not decrypt the stored resources: it is not the key they were"
                " encrypted with (after a rotation, keep the old key after the new one)"
            ) from None
        return config

    def reseal(self, sealed: str) -> str:
        """`sealed` re-encrypted under the first key (for rotation)."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(f"{ENV_VAR} does not decrypt the stored resources") from None


def new_key() -> str:
    """A fresh key for AIRFIELD_SECRET_KEY."""
    return Fernet.generate_key().decode()


def is_plain_json(stored: str) -> bool:
    """Whether a stored configuration predates encryption (plain JSON)."""
    return stored.lstrip().startswith("{")
