"""API keys, the users behind them, idempotency records and resources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..secret_box import ENV_VAR, SecretBox, SecretKeyError, is_plain_json
from ..timeutil import now_text
from .base import INTEGRITY_ERRORS, Database, Row


@dataclass(frozen=True)
class KeyRecord:
    """A stored API key (its hash only)."""

    id: str
    name: str
    role: str
    user_id: str


@dataclass(frozen=True)
class UserRecord:
    """A user: the owner of a key, or a person a key acted for."""

    id: str
    name: str
    email: str


@dataclass(frozen=True)
class StoredResponse:
    """The response first given to an idempotent request."""

    fingerprint: str
    status: int
    body: str


@dataclass(frozen=True)
class ResourceRecord:
    """A resource with its whole configuration, secrets included."""

    id: str
    slug: str
    name: str
    kind: str
    is_private: bool
    permissions: list[dict[str, Any]]
    config: dict[str, Any]
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Row, box: SecretBox | None) -> ResourceRecord:
        """Decode a `resources` row, opening its sealed configuration."""
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            kind=row["kind"],
            is_private=bool(row["is_private"]),
            permissions=json.loads(row["permissions"]),
            config=_unseal(box, row["config"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class Binding(Enum):
    """What became of an acting-for label a key sent."""

    BOUND = "bound"  # new, or already the key's user's own
    NOT_A_PERSON = "not_a_person"  # the ID of a user that is no such person (a key's own user)
    TAKEN = "taken"  # bound by the user of another key


class SlugTaken(Exception):
    """Another resource already has this slug."""


def _box_or_fail(box: SecretBox | None) -> SecretBox:
    if box is None:
        raise SecretKeyError(
            f"{ENV_VAR} is not set, and airfield keeps resource configurations encrypted;"
            " set it (`airfield secrets new-key` prints one) and restart"
        )
    return box


def _unseal(box: SecretBox | None, stored: str) -> dict[str, Any]:
    return _box_or_fail(box).open(stored)


class AccountStore:
    """SQL for keys, users, idempotency records and resources."""

    def __init__(self, db: Database, box: SecretBox | None = None) -> None:
        self._db = db
        self.box = box  # None: no AIRFIELD_SECRET_KEY; resources can be neither read nor written

    async def add_key(self, key: KeyRecord, key_hash: str, *, new_user: bool = True) -> None:
        """Store a new API key and, unless it joins an existing one, the user it belongs to."""
        now = now_text()
        async with self._db.transaction() as tx:
            if new_user:
                await tx.execute(
                    "INSERT INTO users (id, name, email, created_at) VALUES (?, ?, '', ?)",
                    (key.user_id, key.name, now),
                )
            await tx.execute(
                "INSERT INTO api_keys (id, name, role, key_hash, user_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key.id, key.name, key.role, key_hash, key.user_id, now),
            )

    async def key_by_hash(self, key_hash: str) -> KeyRecord | None:
        """The key with this hash, unless it is revoked."""
        row = await self._db.fetch_one(
            "SELECT id, name, role, user_id FROM api_keys"
            " WHERE key_hash = ? AND revoked_at IS NULL",
            (key_hash,),
        )
        return KeyRecord(row["id"], row["name"], row["role"], row["user_id"]) if row else None

    async def revoke_key(self, key_id: str = "", key_hash: str = "") -> KeyRecord | None:
        """Revoke the key with this ID or hash; from the next request on it is refused. The
        key, or None when there is no such key that is not already revoked."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT id, name, role, user_id FROM api_keys"
                " WHERE (id = ? OR key_hash = ?) AND revoked_at IS NULL",
                (key_id, key_hash),
            )
            if row is None:
                return None
            await tx.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ?", (now_text(), row["id"])
            )
        return KeyRecord(row["id"], row["name"], row["role"], row["user_id"])

    async def key_by_id(self, key_id: str) -> KeyRecord | None:
        """The key with this ID, revoked or not."""
        row = await self._db.fetch_one(
            "SELECT id, name, role, user_id FROM api_keys WHERE id = ?", (key_id,)
        )
        return KeyRecord(row["id"], row["name"], row["role"], row["user_id"]) if row else None

    async def keys(self) -> list[tuple[KeyRecord, str, str | None]]:
        """Every key with when it was made and revoked (None: in use), oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id, name, role, user_id, created_at, revoked_at FROM api_keys"
            " ORDER BY created_at, id"
        )
        return [
            (
                KeyRecord(row["id"], row["name"], row["role"], row["user_id"]),
                row["created_at"],
                row["revoked_at"],
            )
            for row in rows
        ]

    async def remember_acting_for(self, label: str, email: str, owner: str) -> Binding:
        """Bind `label` (a person an integration acts for) to `owner`, the user of the key
        acting, or refresh its email when `owner` already holds it. Nothing is written unless
        the answer is BOUND. A label bound before owners were recorded goes to its first user."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT acting_for, acting_owner, email FROM users WHERE id = ?", (label,)
            )
            if row is None:
                await tx.execute(
                    "INSERT INTO users (id, name, email, created_at, acting_for, acting_owner)"
                    " VALUES (?, ?, ?, ?, 1, ?)",
                    (label, label, email, now_text(), owner),
                )
                return Binding.BOUND
            if not row["acting_for"]:
                return Binding.NOT_A_PERSON
            if row["acting_owner"] not in ("", owner):
                return Binding.TAKEN
            new_email = email or row["email"]
            if row["acting_owner"] != owner or new_email != row["email"]:
                await tx.execute(
                    "UPDATE users SET acting_owner = ?, email = ? WHERE id = ?",
                    (owner, new_email, label),
                )
        return Binding.BOUND

    async def user(self, user_id: str) -> UserRecord | None:
        """A user by ID."""
        row = await self._db.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        return UserRecord(row["id"], row["name"], row["email"]) if row else None

    async def stored_response(self, caller: str, key: str) -> StoredResponse | None:
        """The response recorded for an idempotency key of a caller."""
        row = await self._db.fetch_one(
            "SELECT fingerprint, status, body FROM idempotency WHERE caller = ? AND key = ?",
            (caller, key),
        )
        return StoredResponse(row["fingerprint"], row["status"], row["body"]) if row else None

    async def store_response(self, caller: str, key: str, response: StoredResponse) -> None:
        """Record the response to an idempotent request."""
        await self._db.execute(
            "INSERT INTO idempotency (caller, key, fingerprint, status, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (caller, key) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, status = excluded.status,"
            " body = excluded.body, created_at = excluded.created_at",
            (caller, key, response.fingerprint, response.status, response.body, now_text()),
        )

    async def forget_responses_before(self, moment: str) -> None:
        """Drop idempotency records older than `moment`."""
        await self._db.execute("DELETE FROM idempotency WHERE created_at < ?", (moment,))

    async def add_resource(self, record: ResourceRecord) -> None:
        """Insert a resource; raises SlugTaken."""
        await self._write_resource(
            "INSERT INTO resources (slug, name, kind, is_private, permissions, config,"
            " updated_at, id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            record,
            record.created_at,
        )

    async def replace_resource(self, record: ResourceRecord) -> None:
        """Overwrite a resource; raises SlugTaken."""
        await self._write_resource(
            "UPDATE resources SET slug = ?, name = ?, kind = ?, is_private = ?,"
            " permissions = ?, config = ?, updated_at = ? WHERE id = ?",
            record,
        )

    async def _write_resource(self, sql: str, record: ResourceRecord, *more: str) -> None:
        """Run an INSERT or UPDATE of `record` whose parameters are its slug, name, kind,
        is_private, permissions, sealed config, updated_at and id, then `more`; SlugTaken when
        another resource has the slug."""
        try:
            await self._db.execute(
                sql,
                (
                    record.slug,
                    record.name,
                    record.kind,
                    int(record.is_private),
                    json.dumps(record.permissions),
                    _box_or_fail(self.box).seal(record.config),
                    record.updated_at,
                    record.id,
                    *more,
                ),
            )
        except INTEGRITY_ERRORS as exc:
            raise SlugTaken(record.slug) from exc

    async def resource(self, ref: str) -> ResourceRecord | None:
        """A resource by ID or slug."""
        row = await self._db.fetch_one(
            "SELECT * FROM resources WHERE id = ? OR slug = ?", (ref, ref)
        )
        return ResourceRecord.from_row(row, self.box) if row else None

    async def resources(self) -> list[ResourceRecord]:
        """Every resource, by slug."""
        rows = await self._db.fetch_all("SELECT * FROM resources ORDER BY slug")
        return [ResourceRecord.from_row(row, self.box) for row in rows]

    async def secure_resources(self) -> int:
        """Check at start that the key opens every stored configuration, and encrypt any kept
        in clear text by an airfield from before encryption. Returns how many resources there
        are; SecretKeyError (the server must not start) when they exist and the key is missing
        or wrong."""
        rows = await self._db.fetch_all("SELECT id, config FROM resources")
        if not rows:
            return 0
        box = _box_or_fail(self.box)
        for row in rows:
            if is_plain_json(row["config"]):
                sealed = box.seal(json.loads(row["config"]))
                await self._db.execute(
                    "UPDATE resources SET config = ? WHERE id = ?", (sealed, row["id"])
                )
            else:
                box.open(row["config"])
        return len(rows)

    async def rotate_resources(self) -> tuple[int, bool]:
        """Re-encrypt every configuration under the first key, then compact the database so
        no copy sealed under an older key stays in its free pages or its WAL. How many were
        rewritten, and whether the compaction was complete (see Database.compact)."""
        box = _box_or_fail(self.box)
        rows = await self._db.fetch_all("SELECT id, config FROM resources")
        async with self._db.transaction() as tx:
            for row in rows:
                await tx.execute(
                    "UPDATE resources SET config = ? WHERE id = ?",
                    (box.reseal(row["config"]), row["id"]),
                )
        return len(rows), await self._db.compact()
