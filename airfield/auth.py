"""Who is calling: API keys with roles, run tokens, and acting for people.

Keys (`X-Airplane-API-Key: tkn_...`) are stored as SHA-256 hashes. `AIRFIELD_API_KEY`, when
set, is accepted as a team admin key. A run's process gets a run token
(`X-Airplane-Token: rtk_...`) that is valid while the run has not ended.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .errors import ApiError, forbidden, quoted
from .ids import hash_secret, new_api_key, new_id
from .store import Binding, KeyRecord, Store

TEAM_ID = "tea00000000zairfield"
TEAM_NAME = "airfield"
ENV_ADMIN_USER = "usr00000000zairfieldadmin"


class Role(StrEnum):
    """Roles of API keys (Airplane's three) and of run tokens."""

    TEAM_ADMIN = "team_admin"
    DEVELOPER = "developer"
    RESTRICTED_DEVELOPER = "restricted_developer"
    RUN = "run"


class Right(StrEnum):
    """What a request needs."""

    READ = "read"
    EXECUTE = "execute"
    DECIDE = "decide"  # submit or cancel prompts, cancel runs and sessions
    MANAGE_RESOURCES = "manage_resources"
    CREATE_PROMPT = "create_prompt"
    DISPLAY = "display"
    ACT_FOR = "act_for"


_RIGHTS: dict[Role, frozenset[Right]] = {
    Role.TEAM_ADMIN: frozenset(Right) - {Right.CREATE_PROMPT},
    Role.DEVELOPER: frozenset(Right) - {Right.CREATE_PROMPT},
    Role.RESTRICTED_DEVELOPER: frozenset({Right.READ, Right.EXECUTE, Right.DECIDE}),
    Role.RUN: frozenset({Right.READ, Right.EXECUTE, Right.CREATE_PROMPT, Right.DISPLAY}),
}


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request."""

    scope: str  # what rate limits and idempotency keys are counted by
    role: Role
    user_id: str  # the key's own user, or the creator of the calling run
    actor: str  # who the request is for: an acting-for label, else user_id
    run_id: str | None = None

    def may(self, right: Right) -> bool:
        """Whether the caller's role carries `right`."""
        return right in _RIGHTS[self.role]

    def require(self, right: Right) -> None:
        """Raise 403 unless the caller's role carries `right`."""
        if not self.may(right):
            if right is Right.CREATE_PROMPT:
                raise forbidden("prompts are created by runs, with their run token")
            raise forbidden(f"the {self.role.value} role may not do this ({right.value})")


@dataclass(frozen=True)
class ActingFor:
    """The person a request is made for, as an integration names them."""

    label: str
    email: str


MAX_LABEL = 200
MAX_EMAIL = 254  # RFC 5321's limit on a forward path
# The shape of airfield's (and Airplane's) IDs: `usr20240101zk3j9x0q2ab`, `apk...`, `run...`.
_ID_SHAPE = re.compile(r"[a-z]{3}[0-9]{8}z[a-z0-9]+", re.ASCII | re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+", re.ASCII)


def acting_for(headers: Mapping[str, str]) -> ActingFor | None:
    """The `X-Airplane-Acting-For` header (and its email), if sent; 400 when malformed."""
    label = headers.get("x-airplane-acting-for", "").strip()
    if not label:
        return None
    if len(label) > MAX_LABEL or not label.isprintable():
        raise ApiError(
            400,
            f"X-Airplane-Acting-For must be printable text of at most {MAX_LABEL} characters,"
            " such as slack:U0123",
            "invalid_request",
        )
    if _ID_SHAPE.fullmatch(label) is not None:
        raise ApiError(
            400,
            f"X-Airplane-Acting-For {quoted(label)} is shaped like an airfield ID; acting-for"
            " labels name people in the integration's own namespace, such as slack:U0123",
            "invalid_request",
        )
    email = headers.get("x-airplane-acting-for-email", "").strip()
    if email and (len(email) > MAX_EMAIL or _EMAIL.fullmatch(email) is None):
        raise ApiError(
            400,
            f"X-Airplane-Acting-For-Email must be one email address of at most {MAX_EMAIL}"
            " characters, like person@example.com",
            "invalid_request",
        )
    return ActingFor(label, email)


async def authenticate(headers: Mapping[str, str], store: Store, admin_key: str | None) -> Caller:
    """The caller of a request, from its key or run token; 401 when neither is valid."""
    key = headers.get("x-airplane-api-key", "").strip()
    token = headers.get("x-airplane-token", "").strip()
    if key:
        if admin_key and hmac.compare_digest(key.encode(), admin_key.encode()):
            return Caller("key:env", Role.TEAM_ADMIN, ENV_ADMIN_USER, ENV_ADMIN_USER)
        record = await store.accounts.key_by_hash(hash_secret(key))
        if record is None:
            raise ApiError(401, "invalid API key", "unauthorized")
        role = Role(record.role)
        return Caller(f"key:{record.id}", role, record.user_id, record.user_id)
    if token:
        run = await store.runs.by_token(hash_secret(token))
        if run is None:
            raise ApiError(401, "invalid or expired run token", "unauthorized")
        return Caller(f"run:{run.id}", Role.RUN, run.created_by, run.created_by, run.id)
    raise ApiError(401, "missing X-Airplane-API-Key header", "unauthorized")


async def apply_acting_for(caller: Caller, headers: Mapping[str, str], store: Store) -> Caller:
    """The caller acting for the person the headers name; 403 when the role may not."""
    person = acting_for(headers)
    if person is None:
        return caller
    if not caller.may(Right.ACT_FOR):
        raise forbidden(f"the {caller.role.value} role may not act for others")
    # The built-in admin has no users row, so the store cannot tell it is taken.
    if person.label == ENV_ADMIN_USER:
        binding = Binding.NOT_A_PERSON
    else:
        binding = await store.accounts.remember_acting_for(
            person.label, person.email, caller.user_id
        )
    if binding is Binding.NOT_A_PERSON:
        raise ApiError(
            400,
            f"X-Airplane-Acting-For {quoted(person.label)} is the ID of an airfield user;"
            " acting-for labels name people in the integration's own namespace, such as"
            " slack:U0123",
            "invalid_request",
        )
    if binding is Binding.TAKEN:
        raise forbidden(
            f"X-Airplane-Acting-For {quoted(person.label)} belongs to another API key's"
            " integration; a key may act only for the people it named first (use a label of your"
            " own integration, or that integration's key)"
        )
    return Caller(caller.scope, caller.role, caller.user_id, person.label, caller.run_id)


async def create_key(
    store: Store, name: str, role: str, same_user_as: str | None = None
) -> tuple[str, str]:
    """Create an API key with a role; returns the key, which is not stored anywhere, and its
    ID. `same_user_as` (a key ID) gives it that key's user, so a key that replaces another
    keeps acting for the people the old one named."""
    try:
        checked = Role(role)
    except ValueError:
        checked = Role.RUN
    if checked is Role.RUN:
        valid = ", ".join(r.value for r in Role if r is not Role.RUN)
        raise ValueError(f"unknown role {role!r}; use one of {valid}")
    user_id = new_id("usr")
    if same_user_as is not None:
        other = await store.accounts.key_by_id(same_user_as)
        if other is None:
            raise ValueError(f"no API key has the ID {same_user_as!r}")
        user_id = other.user_id
    key = new_api_key()
    record = KeyRecord(new_id("apk"), name, checked.value, user_id)
    await store.accounts.add_key(record, hash_secret(key), new_user=same_user_as is None)
    return key, record.id


async def revoke_key(store: Store, key_or_id: str) -> KeyRecord | None:
    """Revoke a key named by its ID (`apk...`) or by the key itself (`tkn_...`): every request
    with it is 401 from then on. None when no key in use matches."""
    ref = key_or_id.strip()
    if ref.startswith("tkn_"):
        return await store.accounts.revoke_key(key_hash=hash_secret(ref))
    return await store.accounts.revoke_key(key_id=ref)
