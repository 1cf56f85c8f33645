"""Resource kinds, the configuration fields each kind may show, and who may read one. Pure.

Secrets are found by allowlist, not by guessing from names: each kind declares the fields that
describe where it connects (host, port, database, ...). Every other field is write-only: a read
shows `REDACTED` in its place (or its empty value), whatever its name or shape, so a password
under `pwd`, an object under `token` or a list under `password` never leaves airfield. Shown
text is scrubbed too: a URL keeps its scheme, host and path, never `user:password@`, a query
string or a fragment.

An update that sends `REDACTED` for a write-only field, or leaves it out, keeps the stored
value, so a client can read a resource, change one field and write it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "REDACTED"

_SQL = frozenset(
    {"host", "port", "database", "username", "ssl", "sshHost", "sshPort", "sshUsername"}
)
_HTTP = frozenset({"baseURL"})
_NOTHING: frozenset[str] = frozenset()

# The fields a read may show, by kind; everything else in `resource` is write-only.
PUBLIC_FIELDS: Mapping[str, frozenset[str]] = {
    "postgres": _SQL,
    "airplane_postgres": _SQL,
    "mysql": _SQL,
    "sqlserver": _SQL,
    "redshift": _SQL,
    "snowflake": frozenset({"account", "warehouse", "database", "schema", "role", "username"}),
    "bigquery": frozenset({"projectID", "location", "dataSet"}),
    "dynamodb": frozenset({"region"}),
    "graphql": _HTTP,
    "rest": _HTTP,
    "mailgun": frozenset({"domain"}),
    "sendgrid": frozenset({"fromEmail", "fromName"}),
    "smtp": frozenset({"host", "port", "username", "tls", "fromEmail"}),
    "mongodb": _NOTHING,
    "slack": _NOTHING,
    "salesforce": frozenset({"instanceURL"}),
    "openai": _NOTHING,
    "anthropic": _NOTHING,
}
KINDS = frozenset(PUBLIC_FIELDS)

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?:[^/?#@]*@)?(?P<rest>[^?#]*)")
_USERINFO = re.compile(r"[^\s/?#@]+@")


def _scrub(text: str) -> str:
    """Shown text without credentials: URLs lose user info, query and fragment."""
    url = _URL.match(text)
    if url is not None:
        return url["scheme"] + url["rest"]
    # `user:pw@host` without a scheme (a host field) keeps only the host.
    return _USERINFO.sub("", text) if ":" in text.split("@", 1)[0] else text


def _shown(value: Any) -> Any:
    if isinstance(value, str):
        return _scrub(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return REDACTED  # an object or list under a public name is not a simple setting


def public_view(kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` as a read shows it: public fields scrubbed, write-only ones REDACTED."""
    public = PUBLIC_FIELDS.get(kind, _NOTHING)
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key in public:
            out[key] = _shown(value)
        else:
            out[key] = value if value is None or value == "" else REDACTED
    return out


def keep_write_only(kind: str, new: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """`new`, with write-only fields that are REDACTED or left out taken from `old`."""
    public = PUBLIC_FIELDS.get(kind, _NOTHING)
    merged = dict(new)
    for key, value in new.items():
        if key not in public and value == REDACTED and key in old:
            merged[key] = old[key]
    for key, value in old.items():
        if key not in public and key not in new:
            merged[key] = value
    return merged


def may_read(
    *,
    is_private: bool,
    permissions: Iterable[Mapping[str, Any]],
    role: str,
    people: Iterable[str],
    attached: bool = False,
) -> bool:
    """Whether a caller may read a resource.

    Public resources: everyone. Private ones: team admins, a run the resource is attached to,
    and callers a permission names by role (`roleID`) or user (`subUserID`: the key's user or
    the person it acts for). airfield has no groups, so `subGroupID` grants nothing.
    """
    if not is_private or role == "team_admin" or attached:
        return True
    names = set(people)
    for permission in permissions:
        if permission.get("roleID") == role or permission.get("subUserID") in names:
            return True
    return False
